/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RCU stress of the ruleset swap (classifiers/xb_swap.c): reader threads
 * load the published object once per "burst", check it thoroughly and
 * report quiescence once per loop, while a writer publishes thousands of
 * new objects and frees each old one as soon as xb_swap_publish() hands it
 * back, poisoning it first.  A reader that could still see a retired
 * object would read the poison (caught here) or freed memory (caught by
 * ASan in the san-swap build).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xb_swap.h"

#define READERS 2
#define SWAPS 3000
#define MAGIC 0x5eedf00du
#define WORDS 64

struct obj {
	uint32_t magic;
	uint32_t generation;
	uint64_t words[WORDS]; /* all equal to generation */
};

static struct xb_swap sw;
static atomic_bool stop;
static atomic_uint_fast64_t bad, loads;
static atomic_uint waits, online;

static struct obj *
obj_new(uint32_t gen)
{
	struct obj *o = malloc(sizeof(*o));

	assert_non_null(o);
	o->magic = MAGIC;
	o->generation = gen;
	for (int i = 0; i < WORDS; i++)
		o->words[i] = gen;
	return o;
}

static void
obj_retire(struct obj *o)
{
	memset(o, 0xdd, sizeof(*o)); /* poison, then free */
	free(o);
}

static void *
reader(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	uint32_t last = 0;

	xb_swap_reader_online(&sw, id);
	atomic_fetch_add(&online, 1);
	while (!atomic_load(&stop)) {
		/* One "burst": hold the object for a while. */
		const struct obj *o = xb_swap_get(&sw);

		for (int r = 0; r < 4; r++)
			for (int i = 0; i < WORDS; i++)
				if (o->magic != MAGIC ||
				    o->words[i] != o->generation)
					atomic_fetch_add(&bad, 1);
		/* Generations never go back for one reader. */
		if (o->generation < last)
			atomic_fetch_add(&bad, 1);
		last = o->generation;
		atomic_fetch_add(&loads, 1);
		xb_swap_quiescent(&sw, id);
		sched_yield(); /* 3 threads on 2 cores here: share them */
	}
	xb_swap_reader_offline(&sw, id);
	return NULL;
}

/* The writer waits for the readers: on a machine with fewer cores than
 * threads, let them run. */
static void
count_wait(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&waits, 1);
	sched_yield();
}

static void
test_swap_stress(void **state)
{
	pthread_t th[READERS];

	(void)state;
	assert_int_equal(xb_swap_init(&sw, READERS, obj_new(1)), 0);
	for (unsigned int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader,
						(void *)(uintptr_t)i), 0);
	/* Every reader online before the first swap: else grace periods
	 * would be trivially short and prove nothing. */
	while (atomic_load(&online) < READERS)
		sched_yield();
	for (uint32_t g = 2; g < 2 + SWAPS; g++) {
		struct obj *old = xb_swap_publish(&sw, obj_new(g), count_wait,
						  NULL);

		assert_int_equal(old->magic, MAGIC);
		assert_int_equal(old->generation, g - 1);
		obj_retire(old);
	}
	atomic_store(&stop, true);
	for (unsigned int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	obj_retire(xb_swap_fini(&sw));
	assert_int_equal(atomic_load(&bad), 0);
	/* Each swap waited for both readers: they kept loading. */
	assert_true(atomic_load(&loads) >= SWAPS);
}

static void
test_swap_invalid(void **state)
{
	struct xb_swap s;

	(void)state;
	assert_int_equal(xb_swap_init(&s, 0, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_stress),
		cmocka_unit_test(test_swap_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
