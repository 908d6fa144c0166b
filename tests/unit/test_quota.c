/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quota slices: exact outcomes of scripted packet sequences, the overshoot
 * bound (at most one packet per worker) with 1, 2 and 4 simulated workers
 * in random interleavings, crossings reported exactly once, period
 * rollover and resume, and a real two-thread run.  No EAL needed.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>

#include <cmocka.h>

#include "xb_quota.h"
#include "xb_tenant.h"

#define MAXP 1514u

/* ---- scripted sequences with exact outcomes ---- */

struct step {
	unsigned int worker;
	uint32_t bytes;
	bool ok;
};

static void
test_scripted(void **state)
{
	static const struct {
		const char *name;
		unsigned int nworkers;
		uint64_t quota, slice_max;
		struct step steps[12];
		unsigned int nsteps;
	} cases[] = {
		{ "exact fit, one worker", 1, 1000, 0,
		  { { 0, 500, true }, { 0, 500, true }, { 0, 1, false },
		    { 0, 0, true } }, 4 },
		{ "one overshoot, one worker", 1, 1000, 0,
		  { { 0, 600, true }, { 0, 600, true }, { 0, 600, false },
		    { 0, 1, false } }, 4 },
		{ "second worker overshoots with the last 400", 2, 1000, 0,
		  /* w0 takes 600, w1 the last 400 and overshoots */
		  { { 0, 600, true }, { 1, 600, true }, { 0, 600, false },
		    { 1, 1, false } }, 4 },
		{ "both workers overshoot once", 2, 1000, 0,
		  /* grants 250 (w0), 187 (w1), then w0 takes the last 563
		   * and still lacks 188: both hold part of a packet */
		  { { 0, 1, true }, { 1, 1, true }, { 0, 1000, true },
		    { 1, 1000, true }, { 0, 1, false }, { 1, 1, false } },
		  6 },
		{ "small slices, refused only when all is spent", 4, 1000, 10,
		  { { 0, 250, true }, { 1, 250, true }, { 2, 250, true },
		    { 3, 250, true }, { 0, 1, false }, { 1, 1, false },
		    { 2, 1, false }, { 3, 1, false } }, 8 },
		{ "packet larger than the quota", 1, 100, 0,
		  { { 0, 1514, true }, { 0, 64, false } }, 2 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t quotas[2] = { 0, cases[c].quota };
		struct xb_quota *q = xb_quota_create_bytes(quotas, 2,
							   cases[c].nworkers,
							   cases[c].slice_max);
		uint16_t crossed[4];

		assert_non_null(q);
		for (unsigned int w = 0; w < cases[c].nworkers; w++)
			xb_quota_sync(q, w);
		for (unsigned int i = 0; i < cases[c].nsteps; i++) {
			const struct step *s = &cases[c].steps[i];
			bool ok = xb_quota_consume(q, s->worker, 1, s->bytes);

			if (ok != s->ok)
				fail_msg("%s: step %u (worker %u, %u bytes): got %d, expected %d",
					 cases[c].name, i, s->worker, s->bytes,
					 ok, s->ok);
			/* tenant 0 has no quota */
			assert_true(xb_quota_consume(q, s->worker, 0, MAXP));
		}
		assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 1);
		assert_int_equal(crossed[0], 1);
		assert_int_equal(xb_quota_poll_crossed(q, crossed, 4), 0);
		xb_quota_free(q);
	}
}

/* ---- the bound in random interleavings ---- */

static uint64_t rng = 88172645463325252ull;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
test_overshoot_bound(void **state)
{
	static const unsigned int workers[] = { 1, 2, 4 };
	static const uint64_t slices[] = { 0, 5000, 64 };
	static const uint64_t quotas[] = { 1, 1000, 123457, 10000000 };

	(void)state;
	for (size_t wi = 0; wi < 3; wi++)
	for (size_t si = 0; si < 3; si++)
	for (size_t qi = 0; qi < 4; qi++)
	for (int round = 0; round < 5; round++) {
		unsigned int n = workers[wi];
		uint64_t quota = quotas[qi];
		uint64_t passed = 0, refused_then_ok = 0, over = 0;
		bool denied[4] = { false };
		unsigned int ndenied = 0, reports = 0;
		uint16_t crossed[2];
		struct xb_quota *q = xb_quota_create_bytes((uint64_t[]){ quota },
							   1, n, slices[si]);

		assert_non_null(q);
		for (unsigned int w = 0; w < n; w++)
			xb_quota_sync(q, w);
		/* Every worker sends until refused, then a few more. */
		while (ndenied < n) {
			unsigned int w = (unsigned int)(next_rand() % n);
			uint32_t len = 64 + (uint32_t)(next_rand() % (MAXP - 63));
			bool ok = xb_quota_consume(q, w, 0, len);

			if (ok) {
				if (denied[w])
					refused_then_ok++;
				passed += len;
				if (passed > quota)
					over = passed - quota;
			} else if (!denied[w]) {
				denied[w] = true;
				ndenied++;
			}
			reports += xb_quota_poll_crossed(q, crossed, 2);
		}
		for (int extra = 0; extra < 100; extra++)
			assert_false(xb_quota_consume(q, (unsigned int)extra % n,
						      0, 64));
		reports += xb_quota_poll_crossed(q, crossed, 2);
		if (passed < quota || over > (uint64_t)n * (MAXP - 1) ||
		    refused_then_ok != 0 || reports != 1)
			fail_msg("workers %u slice %llu quota %llu: passed %llu (over %llu, bound %u), refused-then-ok %llu, reports %u",
				 n, (unsigned long long)slices[si],
				 (unsigned long long)quota,
				 (unsigned long long)passed,
				 (unsigned long long)over, n * (MAXP - 1),
				 (unsigned long long)refused_then_ok, reports);
		assert_int_equal(xb_quota_remaining(q, 0), 0);
		xb_quota_free(q);
	}
}

/* ---- periods ---- */

static void
test_periods(void **state)
{
	uint64_t quotas[3] = { 0, 10000, 5000 };
	uint64_t used[3] = { 123, 9000, 5000 };
	struct xb_quota *q = xb_quota_create_bytes(quotas, 3, 2, 100);
	uint16_t crossed[3];
	uint64_t got;

	(void)state;
	assert_non_null(q);
	assert_int_equal(xb_quota_month(q), 0);
	/* Resume at start-up, before the workers run. */
	assert_int_equal(xb_quota_begin_period(q, 202611, used), 0);
	/* A second switch must wait for both workers to see the first. */
	assert_int_equal(xb_quota_begin_period(q, 202612, NULL), -EBUSY);
	xb_quota_sync(q, 0);
	assert_int_equal(xb_quota_begin_period(q, 202612, NULL), -EBUSY);
	xb_quota_sync(q, 1);
	assert_int_equal(xb_quota_month(q), 202611);
	assert_int_equal(xb_quota_remaining(q, 0), UINT64_MAX);
	assert_int_equal(xb_quota_remaining(q, 1), 1000);
	assert_int_equal(xb_quota_remaining(q, 2), 0);
	/* Tenant 2 resumed already spent: refused, not reported again. */
	assert_false(xb_quota_consume(q, 0, 2, 1));
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 3), 0);
	/* Tenant 1 has 1000 bytes left. */
	got = 0;
	while (xb_quota_consume(q, 1, 1, 100))
		got += 100;
	assert_int_equal(got, 1000);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 3), 1);
	assert_int_equal(crossed[0], 1);
	/* Month rollover. */
	assert_int_equal(xb_quota_begin_period(q, 202612, NULL), 0);
	assert_int_equal(xb_quota_month(q), 202612);
	/* Before its sync, worker 1 is still in November (refused). */
	assert_false(xb_quota_consume(q, 1, 1, 100));
	xb_quota_sync(q, 1);
	xb_quota_sync(q, 0);
	got = 0;
	for (int i = 0; i < 1000; i++) {
		if (xb_quota_consume(q, (unsigned int)i & 1, 2, 100))
			got += 100;
	}
	assert_int_equal(got, 5000);
	assert_int_equal(xb_quota_poll_crossed(q, crossed, 3), 1);
	assert_int_equal(crossed[0], 2);
	got = 0;
	while (xb_quota_consume(q, 0, 1, 100))
		got += 100;
	assert_true(got >= 10000 - 100 && got <= 10000);
	xb_quota_free(q);
}

static void
test_create_args(void **state)
{
	uint64_t quotas[1] = { 1 };
	struct xb_errors e;
	struct xb_tenants *t;
	struct xb_quota *q;
	static const char csv[] =
		"tenant,name,class,quota_gb,over_quota\n"
		"a,A,sme,2,block\n"
		"b,B,sme,0,notify\n";

	(void)state;
	assert_null(xb_quota_create_bytes(quotas, 1, 0, 0));
	assert_null(xb_quota_create_bytes(quotas, 1, XB_QUOTA_WORKERS_MAX + 1, 0));
	assert_null(xb_quota_create_bytes(NULL, 1, 1, 0));
	assert_null(xb_quota_create(NULL, 1, 0));
	xb_quota_free(NULL);
	xb_errors_init(&e);
	t = xb_tenants_load(XB_TABLE_TEXT("tenants.csv", csv, strlen(csv)), &e);
	assert_non_null(t);
	q = xb_quota_create(t, 1, 0);
	assert_non_null(q);
	assert_int_equal(xb_quota_remaining(q, 0), UINT64_MAX); /* unknown */
	assert_int_equal(xb_quota_remaining(q, 1), 2000000000ull);
	assert_int_equal(xb_quota_remaining(q, 2), UINT64_MAX);
	assert_int_equal(xb_quota_remaining(q, 3), UINT64_MAX); /* range */
	assert_true(xb_quota_consume(q, 0, 3, 100));
	xb_quota_free(q);
	xb_tenants_free(t);
	xb_errors_free(&e);
}

/* ---- two real threads ---- */

struct thr {
	struct xb_quota *q;
	unsigned int worker;
	uint64_t passed;
	uint64_t seed;
	volatile int *go;
};

static void *
worker_main(void *arg)
{
	struct thr *t = arg;
	unsigned int refused = 0, n = 0;

	while (!__atomic_load_n(t->go, __ATOMIC_ACQUIRE))
		;
	while (refused < 1000) {
		uint32_t len;

		if ((n++ & 31) == 0)
			xb_quota_sync(t->q, t->worker); /* "per burst" */
		t->seed ^= t->seed << 13;
		t->seed ^= t->seed >> 7;
		t->seed ^= t->seed << 17;
		len = 64 + (uint32_t)(t->seed % (MAXP - 63));
		if (xb_quota_consume(t->q, t->worker, 1, len)) {
			if (refused)
				return NULL; /* passed after a refusal: bug */
			t->passed += len;
		} else {
			refused++;
		}
	}
	return t;
}

static void
test_two_threads(void **state)
{
	uint64_t quotas[2] = { 0, 300000000ull }; /* 0.3 GB */
	struct xb_quota *q = xb_quota_create_bytes(quotas, 2, 2, 0);
	volatile int go = 0;
	struct thr t[2] = { { q, 0, 0, 12345, &go }, { q, 1, 0, 67890, &go } };
	pthread_t th[2];
	unsigned int reports = 0;
	uint16_t crossed[2];
	void *ret[2];
	bool done = false;

	(void)state;
	assert_non_null(q);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &t[i]),
				 0);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	/* The control plane polls while the workers run. */
	time_t deadline = time(NULL) + 30;

	while (!done && time(NULL) < deadline) {
		reports += xb_quota_poll_crossed(q, crossed, 2);
		done = xb_quota_remaining(q, 1) == 0 && reports >= 1;
		if (!done)
			sched_yield();
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], &ret[i]), 0);
		assert_ptr_equal(ret[i], &t[i]);
	}
	reports += xb_quota_poll_crossed(q, crossed, 2);
	assert_int_equal(reports, 1);
	assert_true(t[0].passed + t[1].passed >= quotas[1]);
	assert_true(t[0].passed + t[1].passed <= quotas[1] + 2 * (MAXP - 1));
	xb_quota_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripted),
		cmocka_unit_test(test_overshoot_bound),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
