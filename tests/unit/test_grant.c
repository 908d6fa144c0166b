/* SPDX-License-Identifier: BSD-3-Clause */
/* Cluster grant arithmetic (classifiers/policy/xb_grant.h) and the quota's
 * cluster mode (xb_quota.h): what CLUSTER.md's bounds rest on. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "xb_grant.h"
#include "xb_quota.h"

static void
test_rate(void **state)
{
	struct xb_grant_rate r = {0};

	(void)state;
	assert_true(xb_grant_rate_update(&r, 0, 1000000000ull) == 0);
	/* 1 MB in 1 s */
	assert_true(xb_grant_rate_update(&r, 1000000, 2000000000ull) == 1e6);
	/* 3 MB in the next second: average of 1e6 and 3e6 */
	assert_true(xb_grant_rate_update(&r, 4000000, 3000000000ull) == 2e6);
	/* a smaller total (new period) restarts the sampling, keeps rate */
	assert_true(xb_grant_rate_update(&r, 10, 4000000000ull) == 2e6);
}

static void
test_low_water_and_ask(void **state)
{
	(void)state;
	/* 1 GB/s over 20 ms, twice: 40 MB */
	assert_int_equal(xb_grant_low_water(1e9, 20000000ull, 1000), 40000000);
	assert_int_equal(xb_grant_low_water(0, 20000000ull, 1000), 1000);
	/* ask = 2 x low water within [min, max] */
	assert_int_equal(xb_grant_ask(1000, UINT64_MAX, 3, 5000, 100000), 5000);
	assert_int_equal(xb_grant_ask(40000, UINT64_MAX, 3, 5000, 100000), 80000);
	assert_int_equal(xb_grant_ask(400000, UINT64_MAX, 3, 5000, 100000), 100000);
	/* shrinks with the pool: at most left / (2 x gateways) */
	assert_int_equal(xb_grant_ask(400000, 60000, 3, 5000, 100000), 10000);
	/* never below min (the pool grants min(asked, left) anyway) */
	assert_int_equal(xb_grant_ask(400000, 600, 3, 5000, 100000), 5000);
	assert_int_equal(xb_grant_ask(400000, 600, 0, 5000, 100000), 5000);
}

static void
test_held_and_share(void **state)
{
	uint64_t d[3] = {100, 300, 0};

	(void)state;
	assert_int_equal(xb_grant_held(1000, 50, 450), 600);
	assert_int_equal(xb_grant_held(1000, 50, 5000), 0);
	assert_int_equal(xb_grant_held(1000, 500, 100), 1000);
	assert_true(xb_grant_share(d, 3, 0, 0.05) == 0.25);
	assert_true(xb_grant_share(d, 3, 1, 0.05) == 0.75);
	assert_true(xb_grant_share(d, 3, 2, 0.05) == 0.05);
	d[0] = d[1] = 0;
	assert_true(xb_grant_share(d, 3, 2, 0.05) == 1.0 / 3);
}

/* Cluster mode: an empty pool waits (no crossing) until the cluster says
 * spent; then one packet over per worker, reported once; a later grant
 * lets the exhausted worker go on. */
static void
test_quota_cluster(void **state)
{
	uint64_t quota = 1000000;
	struct xb_quota *q = xb_quota_create_bytes(&quota, 1, 2, 3000);
	uint16_t crossed[4];
	uint64_t used = 0;

	(void)state;
	assert_non_null(q);
	assert_int_equal(xb_quota_set_cluster(q), 0);
	xb_quota_sync(q, 0);
	xb_quota_sync(q, 1);
	/* nothing held yet: refused, not crossed */
	assert_false(xb_quota_consume(q, 0, 0, 1000));
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 0);
	assert_int_equal(xb_quota_grant(q, 0, 2500), 0);
	assert_true(xb_quota_consume(q, 0, 0, 1000));
	assert_true(xb_quota_consume(q, 1, 0, 1000));
	/* 500 left in the pool or slices: 1000 does not fit, not spent yet */
	assert_false(xb_quota_consume(q, 0, 0, 1000));
	assert_false(xb_quota_consume(q, 1, 0, 1000));
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 0);
	/* spent: the worker holding the last 500 passes one packet over */
	assert_int_equal(xb_quota_set_spent(q, 0, true), 0);
	for (unsigned int w = 0; w < 2; w++)
		used += xb_quota_consume(q, w, 0, 1000) ? 1000 : 0;
	assert_true(used == 1000);
	assert_false(xb_quota_consume(q, 0, 0, 1000));
	assert_false(xb_quota_consume(q, 1, 0, 1000));
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 1);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 0);
	/* more quota after all (a raised quota, an allowance) */
	assert_int_equal(xb_quota_set_spent(q, 0, false), 0);
	assert_int_equal(xb_quota_grant(q, 0, 5000), 0);
	assert_true(xb_quota_consume(q, 0, 0, 1000));
	assert_true(xb_quota_consume(q, 1, 0, 1000));
	/* not cluster mode: grants refused */
	xb_quota_free(q);
	q = xb_quota_create_bytes(&quota, 1, 1, 0);
	assert_int_equal(xb_quota_grant(q, 0, 10), -EINVAL);
	xb_quota_free(q);
}

/* Every worker moves to the period in force (as each poll loop does). */
static void
sync_all(struct xb_quota *q, unsigned int nworkers)
{
	for (unsigned int w = 0; w < nworkers; w++)
		xb_quota_sync(q, w);
}

/* Bytes the workers accept, 1000 at a time, until all refuse. */
static uint64_t
drain(struct xb_quota *q, unsigned int nworkers)
{
	uint64_t n = 0;
	bool more = true;

	while (more) {
		more = false;
		for (unsigned int w = 0; w < nworkers; w++)
			if (xb_quota_consume(q, w, 0, 1000)) {
				n += 1000;
				more = true;
			}
	}
	return n;
}

/* The month switch meets grant answers (xb_cluster_poll's order: the
 * period begins with what is held, then answers arrive): an answer asked
 * for the old month never lands in the new month's pool, the new month
 * starts neither spent nor exhausted even when the old one was both, and
 * its first answer is what the workers get. */
static void
test_answer_month_switch(void **state)
{
	uint64_t quota = 1000000, used = 0;
	struct xb_quota *q = xb_quota_create_bytes(&quota, 1, 2, 3000);
	struct xb_grant_tenant t = {0};
	uint16_t crossed[4];

	(void)state;
	assert_int_equal(xb_quota_set_cluster(q), 0);
	xb_grant_month(&t, 202701, 0);
	used = quota - xb_grant_held(t.granted, t.used_base, 0);
	assert_int_equal(xb_quota_begin_period(q, 202701, &used), 0);
	sync_all(q, 2);
	/* the old month's last answer: 10,000 bytes, the pool spent */
	assert_true(xb_grant_answer(&t, q, 0, 202701, 10000, 0, 1));
	assert_true(t.spent);
	assert_int_equal(drain(q, 2), 10000);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 1);
	/* the month switches while an ask for 202701 is in flight */
	xb_grant_month(&t, 202702, 0);
	assert_false(t.spent);
	assert_int_equal(t.granted, 0);
	used = quota - xb_grant_held(t.granted, t.used_base, 0);
	assert_int_equal(xb_quota_begin_period(q, 202702, &used), 0);
	sync_all(q, 2);
	assert_false(xb_grant_answer(&t, q, 0, 202701, 50000, 0, 2));
	assert_int_equal(t.granted, 0);
	assert_false(t.spent);
	/* nothing held: refused for now, the quota not over */
	assert_int_equal(drain(q, 2), 0);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 0);
	/* the new month's first grant reaches the workers in full */
	assert_true(xb_grant_answer(&t, q, 0, 202702, 200000, 999800000, 3));
	assert_int_equal(t.granted, 200000);
	assert_int_equal(drain(q, 2), 200000);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 0);
	/* an answer is never applied to a period of another month than
	 * the tenant's (a begin_period that failed with -EBUSY) */
	xb_grant_month(&t, 202703, 0);
	assert_false(xb_grant_answer(&t, q, 0, 202703, 1000, 1, 4));
	xb_quota_free(q);
}

/* continue:<bytes> after the cluster pool was spent: the allowance
 * clears the spent flag on both sides, so when the next answer finds the
 * pool spent again the local pool ends the quota again and the crossing
 * is reported (before: the tenant stayed "spent" in the cluster's view,
 * the local pool did not, and the workers refused "for now" forever
 * without the crossing). */
static void
test_allowance_after_spent(void **state)
{
	uint64_t quota = 1000000, used;
	struct xb_quota *q = xb_quota_create_bytes(&quota, 1, 2, 3000);
	struct xb_grant_tenant t = {0};
	uint16_t crossed[4];

	(void)state;
	assert_int_equal(xb_quota_set_cluster(q), 0);
	xb_grant_month(&t, 202702, 0);
	used = quota;
	sync_all(q, 2);
	assert_int_equal(xb_quota_begin_period(q, 202702, &used), 0);
	sync_all(q, 2);
	assert_true(xb_grant_answer(&t, q, 0, 202702, 20000, 0, 1));
	assert_int_equal(drain(q, 2), 20000);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 1);
	/* PostgreSQL away: the allowance */
	xb_grant_allowance(&t, q, 0, 50000);
	assert_false(t.spent);
	assert_int_equal(t.granted, 70000);
	assert_int_equal(drain(q, 2), 50000);
	/* not spent locally: the empty pool waits for the next answer */
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 0);
	/* back: the pool is still spent (the forced grant took it below 0) */
	assert_true(xb_grant_answer(&t, q, 0, 202702, 0, 0, 2));
	assert_true(t.spent);
	assert_int_equal(drain(q, 2), 0);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 1);
	xb_quota_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_low_water_and_ask),
		cmocka_unit_test(test_held_and_share),
		cmocka_unit_test(test_quota_cluster),
		cmocka_unit_test(test_answer_month_switch),
		cmocka_unit_test(test_allowance_after_spent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
