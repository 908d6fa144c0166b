/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Aggregate meter shares, the gateway's side (app/ctl/xb_shares.c), on a
 * real ruleset of the repository's tables, without PostgreSQL: the test
 * plays the cluster thread (xb_shares_take / answer / failed) and the
 * worker (xb_meter_color, xb_swap_quiescent).
 *
 * - a ruleset about to be published starts at the floor share (5 %),
 *   throttle meters at their full rate;
 * - the first round goes out at once, every policy meter, sorted by key,
 *   wanting the whole rate (alone), reporting the floor as applied;
 * - an answer is applied to the live set (rates and depths scaled), and
 *   the replaced profile array is freed only once the worker has passed
 *   a quiescent point after the swap (the rulesets' QSBR);
 * - demand: what a meter was offered over a period, capped at its PIR,
 *   smoothed; the target follows it against the others' demand;
 * - a round that failed sends every meter again;
 * - a new ruleset (reload) starts at the last shares.
 *
 * Needs EAL (rte_fib, rte_acl): --no-huge, own prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>

#include "test_eal.h"
#include "test_helpers_tables.h"
#include "xb_meter.h"
#include "xb_ruleset.h"
#include "xb_shares.h"
#include "xb_swap.h"

#define MS 1000000ull
#define PPM 1000000u

static struct xb_ruleset *
build(uint32_t gen)
{
	static char paths[12][TEST_TABLE_PATH];
	struct xb_ruleset_params p;
	struct xb_errors e;
	struct xb_ruleset *rs;
	unsigned int k = 0;

	memset(&p, 0, sizeof(p));
	if (test_config_path("geo/world-ipv4.csv", paths[k], sizeof(paths[k])) != 0)
		return NULL;
	p.geo[p.ngeo++] = paths[k++];
	if (test_shipped_tables(&p, paths, &k) != 0)
		return NULL;
	p.utc_offset_s = 8 * 3600;
	p.nworkers = 1;
	p.generation = gen;
	xb_errors_init(&e);
	rs = xb_ruleset_build(&p, &e);
	xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	return rs;
}

/* The profile instance i runs now (what a worker would load). */
static const struct xb_meter_profile *
running(const struct xb_ruleset *rs, uint32_t i)
{
	return &__atomic_load_n(&rs->meters->prof, __ATOMIC_ACQUIRE)[i];
}

static void
check_share(const struct xb_ruleset *rs, uint32_t i, uint32_t ppm)
{
	struct xb_meter_profile want;

	xb_meter_profile_scale(&rs->meters->base[i], ppm, &want);
	assert_int_equal(running(rs, i)->pir_kbps, want.pir_kbps);
	assert_int_equal(running(rs, i)->cir_kbps, want.cir_kbps);
	assert_true(running(rs, i)->pbs_tok == want.pbs_tok);
}

static void
test_shares(void **state)
{
	struct xb_ruleset *rs = build(1), *rs2;
	struct xb_shares *sh = xb_shares_create(200);
	struct xb_shares_req *r;
	struct xb_shares_stats st;
	struct xb_swap swap;
	uint32_t npol, *granted, *on;
	uint64_t *osum, now = 1000 * MS;

	(void)state;
	assert_non_null(rs);
	assert_non_null(sh);
	npol = rs->throttle_meter_base;
	assert_true(npol >= 2); /* the default qos.csv meters some rows */
	assert_true(rs->meters->n_instances > npol); /* and throttle tenants */

	/* Built, not yet published: the floor, throttles whole. */
	xb_shares_prepare(sh, rs);
	for (uint32_t i = 0; i < npol; i++)
		check_share(rs, i, XB_SHARES_FLOOR_PPM);
	for (uint32_t i = npol; i < rs->meters->n_instances; i++)
		check_share(rs, i, PPM);
	assert_int_equal(xb_swap_init(&swap, 1, rs), 0);
	xb_swap_reader_online(&swap, 0);

	/* The first round at once: all meters, sorted, alone: the whole. */
	assert_null(xb_shares_take(sh));
	xb_shares_poll(sh, rs, &swap, now);
	r = xb_shares_take(sh);
	assert_non_null(r);
	assert_int_equal(r->n, npol);
	for (unsigned int j = 0; j < r->n; j++) {
		assert_non_null(strchr(r->key[j], ':'));
		if (j > 0)
			assert_true(strcmp(r->key[j - 1], r->key[j]) < 0);
		assert_int_equal(r->target[j], PPM);
		assert_int_equal(r->applied[j], XB_SHARES_FLOOR_PPM);
		assert_true(r->demand[j] == 0);
	}
	/* Nothing new within the period: nothing posted. */
	xb_shares_poll(sh, rs, &swap, now + 10 * MS);
	assert_null(xb_shares_take(sh));

	/* PostgreSQL grants 60 %, one other gateway with 1 MB/s of demand. */
	granted = calloc(r->n, sizeof(*granted));
	on = calloc(r->n, sizeof(*on));
	osum = calloc(r->n, sizeof(*osum));
	for (unsigned int j = 0; j < r->n; j++) {
		granted[j] = 600000;
		on[j] = 1;
		osum[j] = 1000000;
	}
	xb_shares_answer(sh, r, granted, on, osum);
	xb_shares_req_free(r);
	xb_shares_poll(sh, rs, &swap, now + 20 * MS);
	for (uint32_t i = 0; i < npol; i++)
		check_share(rs, i, 600000);
	for (uint32_t i = npol; i < rs->meters->n_instances; i++)
		check_share(rs, i, PPM);
	xb_shares_stats(sh, &st);
	assert_int_equal(st.answers, 1);
	assert_int_equal(st.waiting, 1); /* the floor's array */
	assert_int_equal(st.freed, 0);
	/* No quiescent point since: the array stays. */
	xb_shares_poll(sh, rs, &swap, now + 30 * MS);
	xb_shares_stats(sh, &st);
	assert_int_equal(st.waiting, 1);
	xb_swap_quiescent(&swap, 0);
	xb_shares_poll(sh, rs, &swap, now + 40 * MS);
	xb_shares_stats(sh, &st);
	assert_int_equal(st.waiting, 0);
	assert_int_equal(st.freed, 1);

	/* Meter 0 offered ten times its peak rate for one period (200 ms,
	 * the meter on the same clock): demand = half the cap (smoothed
	 * from 0), target = its share against the other's 1 MB/s. */
	{
		const struct xb_meter_profile *b = &rs->meters->base[0];
		double cap = (double)b->pir_kbps * 1000 / 8;
		uint64_t bytes = (uint64_t)(cap * 0.2 * 10), sent = 0;
		uint64_t t = now;

		while (sent < bytes) {
			xb_meter_color(rs->meters, 0, 0, t, 1500);
			sent += 1500;
			t += 200 * MS / (bytes / 1500);
		}
		xb_shares_poll(sh, rs, &swap, now + 200 * MS);
		r = xb_shares_take(sh);
		assert_non_null(r);
		unsigned int busy = 0;

		for (unsigned int j = 0; j < r->n; j++) {
			double d = (double)r->demand[j];

			if (d == 0) {
				/* idle: the floor against one other */
				assert_int_equal(r->target[j], XB_SHARES_FLOOR_PPM / 2);
				continue;
			}
			busy++;
			assert_true(d >= 0.49 * cap && d <= 0.51 * cap);
			double want = 1e6 * d / (d + 1000000);

			assert_true((double)r->target[j] > want - 2 &&
				    (double)r->target[j] < want + 2);
		}
		assert_int_equal(busy, 1); /* meter 0 alone had traffic */
		/* Every meter: each holds less than it wants (60 % of
		 * 100 %), so it asks again. */
		assert_int_equal(r->n, npol);
		xb_shares_failed(sh);
		xb_shares_req_free(r);
	}
	/* After a failed round every meter goes again. */
	xb_shares_poll(sh, rs, &swap, now + 400 * MS);
	r = xb_shares_take(sh);
	assert_non_null(r);
	assert_int_equal(r->n, npol);
	xb_shares_req_free(r);

	/* A reload: the new ruleset starts at the last shares (60 %). */
	rs2 = build(2);
	assert_non_null(rs2);
	xb_shares_prepare(sh, rs2);
	for (uint32_t i = 0; i < rs2->throttle_meter_base; i++)
		check_share(rs2, i, 600000);

	xb_swap_reader_offline(&swap, 0);
	xb_swap_fini(&swap, NULL, NULL);
	xb_shares_free(sh);
	xb_ruleset_free(rs);
	xb_ruleset_free(rs2);
	free(granted);
	free(on);
	free(osum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares),
	};
	int rc;

	if (test_eal_init("test_shares", "1024") < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
