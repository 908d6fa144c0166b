/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ruleset swap (classifiers/xb_swap.c): publish never waits, retired
 * objects are reclaimed by polling once their grace period is over.
 *
 * Step by step, on one thread playing the readers (QSBR state is per
 * reader id, not per thread): a reader that still holds the old object
 * keeps it from being reclaimed; once it reports quiescence the poll hands
 * the object back exactly once; two publishes in a row retire in order;
 * a full queue refuses to publish; fini hands back what still retires.
 *
 * Stress: reader threads load the published object once per poll loop,
 * check it thoroughly and report quiescence once per loop, while a writer
 * publishes thousands of new objects without waiting and frees each old
 * one as soon as a poll hands it back, poisoning it first.  A reader that
 * could still see a retired object would read the poison (caught here) or
 * freed memory (caught by ASan in the san-swap build); the writer also
 * checks that no reader says it holds what it is about to free.
 */
#include <errno.h>
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

/* ---- step by step ---------------------------------------------------- */

static void
test_swap_invalid(void **state)
{
	struct xb_swap s;

	(void)state;
	assert_int_equal(xb_swap_init(&s, 0, NULL), -1);
}

/* A reader holding the old object keeps it; its quiescence releases it,
 * and the poll hands it back once. */
static void
test_reclaim_after_reader(void **state)
{
	struct xb_swap s;
	struct obj *a = obj_new(1), *b = obj_new(2);

	(void)state;
	assert_int_equal(xb_swap_init(&s, 2, a), 0);
	xb_swap_reader_online(&s, 0);
	xb_swap_reader_online(&s, 1);
	assert_null(xb_swap_reclaim(&s)); /* nothing retires */

	/* Reader 0 is inside a loop that loaded a. */
	const struct obj *held = xb_swap_get(&s);

	assert_ptr_equal(held, a);
	assert_int_equal(xb_swap_publish(&s, b), 0); /* returns at once */
	assert_ptr_equal(xb_swap_get(&s), b);
	assert_int_equal(xb_swap_retiring(&s), 1);
	assert_ptr_equal(xb_swap_retiring_get(&s, 0), a);
	assert_false(xb_swap_reclaim_due(&s));
	assert_null(xb_swap_reclaim(&s));

	/* Reader 1 passes a quiescent point: reader 0 still holds a. */
	xb_swap_quiescent(&s, 1);
	assert_false(xb_swap_reclaim_due(&s));
	assert_null(xb_swap_reclaim(&s));
	assert_int_equal(held->generation, 1); /* still valid */

	/* Reader 0 ends its loop. */
	xb_swap_quiescent(&s, 0);
	assert_true(xb_swap_reclaim_due(&s));
	assert_ptr_equal(xb_swap_reclaim(&s), a);
	assert_int_equal(xb_swap_retiring(&s), 0);
	assert_null(xb_swap_retiring_get(&s, 0));
	assert_false(xb_swap_reclaim_due(&s));
	assert_null(xb_swap_reclaim(&s)); /* exactly once */
	obj_retire(a);

	xb_swap_reader_offline(&s, 0);
	xb_swap_reader_offline(&s, 1);
	obj_retire(xb_swap_fini(&s, NULL, NULL));
}

/* Two publishes in a row: both retire, in publish order; a reader that
 * quiesced between them releases the first only. */
static void
test_two_publishes(void **state)
{
	struct xb_swap s;
	struct obj *a = obj_new(1), *b = obj_new(2), *c = obj_new(3),
		   *d = obj_new(4);

	(void)state;
	assert_int_equal(xb_swap_init(&s, 1, a), 0);
	xb_swap_reader_online(&s, 0);

	assert_int_equal(xb_swap_publish(&s, b), 0);
	assert_int_equal(xb_swap_publish(&s, c), 0);
	assert_int_equal(xb_swap_retiring(&s), 2);
	assert_ptr_equal(xb_swap_retiring_get(&s, 0), a);
	assert_ptr_equal(xb_swap_retiring_get(&s, 1), b);
	assert_null(xb_swap_reclaim(&s));
	xb_swap_quiescent(&s, 0);
	assert_ptr_equal(xb_swap_reclaim(&s), a);
	assert_ptr_equal(xb_swap_reclaim(&s), b);
	assert_null(xb_swap_reclaim(&s));
	obj_retire(a);
	obj_retire(b);

	/* c -> d, the reader quiesces, then d -> a fresh one: only c is
	 * due; the newest waits for the next quiescent point. */
	assert_int_equal(xb_swap_publish(&s, d), 0);
	xb_swap_quiescent(&s, 0);
	struct obj *e = obj_new(5);

	assert_int_equal(xb_swap_publish(&s, e), 0);
	assert_int_equal(xb_swap_retiring(&s), 2);
	assert_ptr_equal(xb_swap_reclaim(&s), c);
	assert_null(xb_swap_reclaim(&s));
	assert_int_equal(xb_swap_retiring(&s), 1);
	assert_ptr_equal(xb_swap_retiring_get(&s, 0), d);
	xb_swap_quiescent(&s, 0);
	assert_ptr_equal(xb_swap_reclaim(&s), d);
	assert_null(xb_swap_reclaim(&s));
	obj_retire(c);
	obj_retire(d);

	xb_swap_reader_offline(&s, 0);
	obj_retire(xb_swap_fini(&s, NULL, NULL));
}

/* A full queue refuses to publish and changes nothing. */
static void
test_queue_full(void **state)
{
	struct xb_swap s;
	struct obj *first = obj_new(1), *extra = obj_new(99);
	unsigned int n = 0;

	(void)state;
	assert_int_equal(xb_swap_init(&s, 1, first), 0);
	xb_swap_reader_online(&s, 0);
	for (uint32_t g = 2; g < 2 + XB_SWAP_MAX_RETIRING; g++)
		assert_int_equal(xb_swap_publish(&s, obj_new(g)), 0);
	assert_int_equal(xb_swap_retiring(&s), XB_SWAP_MAX_RETIRING);
	assert_int_equal(xb_swap_publish(&s, extra), -ENOSPC);
	assert_int_equal(((struct obj *)xb_swap_get(&s))->generation,
			 1 + XB_SWAP_MAX_RETIRING);
	assert_int_equal(xb_swap_retiring(&s), XB_SWAP_MAX_RETIRING);

	/* Reclaimed oldest first, generations 1.. */
	xb_swap_quiescent(&s, 0);
	for (uint32_t g = 1; g <= XB_SWAP_MAX_RETIRING; g++) {
		struct obj *o = xb_swap_reclaim(&s);

		assert_non_null(o);
		assert_int_equal(o->generation, g);
		obj_retire(o);
		n++;
	}
	assert_int_equal(n, XB_SWAP_MAX_RETIRING);
	assert_null(xb_swap_reclaim(&s));
	assert_int_equal(xb_swap_publish(&s, extra), 0); /* room again */
	xb_swap_reader_offline(&s, 0);
	assert_true(xb_swap_reclaim_due(&s)); /* offline: not waited for */
	obj_retire(xb_swap_reclaim(&s));
	obj_retire(xb_swap_fini(&s, NULL, NULL));
}

struct fini_seen {
	uint32_t gens[8];
	unsigned int n;
};

static void
fini_retired(void *obj, void *ctx)
{
	struct fini_seen *seen = ctx;
	struct obj *o = obj;

	assert_true(seen->n < 8);
	seen->gens[seen->n++] = o->generation;
	obj_retire(o);
}

/* At teardown (readers gone), fini hands back everything still retiring,
 * oldest first, then the current object. */
static void
test_reclaim_at_fini(void **state)
{
	struct xb_swap s;
	struct fini_seen seen = {.n = 0};
	struct obj *cur;

	(void)state;
	assert_int_equal(xb_swap_init(&s, 2, obj_new(1)), 0);
	xb_swap_reader_online(&s, 0);
	xb_swap_reader_online(&s, 1);
	assert_int_equal(xb_swap_publish(&s, obj_new(2)), 0);
	assert_int_equal(xb_swap_publish(&s, obj_new(3)), 0);
	assert_int_equal(xb_swap_publish(&s, obj_new(4)), 0);
	assert_null(xb_swap_reclaim(&s));
	xb_swap_reader_offline(&s, 0);
	xb_swap_reader_offline(&s, 1);
	cur = xb_swap_fini(&s, fini_retired, &seen);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.gens[0], 1);
	assert_int_equal(seen.gens[1], 2);
	assert_int_equal(seen.gens[2], 3);
	assert_non_null(cur);
	assert_int_equal(cur->generation, 4);
	obj_retire(cur);
	assert_null(s.qs);
}

/* ---- stress ----------------------------------------------------------- */

static struct xb_swap sw;
static atomic_bool stop;
static atomic_uint_fast64_t bad, loads;
static atomic_uint online;
/* The generation each reader is inside a loop with (0: between loops). */
static _Atomic uint32_t holding[READERS];

static void *
reader(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	uint32_t last = 0;

	xb_swap_reader_online(&sw, id);
	atomic_fetch_add(&online, 1);
	while (!atomic_load(&stop)) {
		/* One poll loop: hold the object for a while. */
		const struct obj *o = xb_swap_get(&sw);

		atomic_store(&holding[id], o->generation);
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
		atomic_store(&holding[id], 0);
		xb_swap_quiescent(&sw, id);
		sched_yield(); /* 3 threads on 2 cores here: share them */
	}
	xb_swap_reader_offline(&sw, id);
	return NULL;
}

static uint32_t reclaimed_next; /* the generation the next reclaim gives */
static unsigned int reclaimed;

/* Writer: take back what is due; each object once, oldest first, none
 * that a reader says it holds. */
static void
poll_reclaim(void)
{
	struct obj *old;

	while ((old = xb_swap_reclaim(&sw)) != NULL) {
		assert_int_equal(old->magic, MAGIC);
		assert_int_equal(old->generation, reclaimed_next);
		for (unsigned int r = 0; r < READERS; r++)
			assert_int_not_equal(atomic_load(&holding[r]),
					     old->generation);
		reclaimed_next++;
		reclaimed++;
		obj_retire(old);
	}
}

static void
stress_fini_retired(void *obj, void *ctx)
{
	struct obj *o = obj;

	(void)ctx;
	assert_int_equal(o->generation, reclaimed_next);
	reclaimed_next++;
	reclaimed++;
	obj_retire(o);
}

static void
test_swap_stress(void **state)
{
	pthread_t th[READERS];
	unsigned int full = 0, pending_max = 0;

	(void)state;
	reclaimed_next = 1;
	reclaimed = 0;
	assert_int_equal(xb_swap_init(&sw, READERS, obj_new(1)), 0);
	for (unsigned int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader,
						(void *)(uintptr_t)i), 0);
	/* Every reader online before the first swap: else grace periods
	 * would be trivially short and prove nothing. */
	while (atomic_load(&online) < READERS)
		sched_yield();
	for (uint32_t g = 2; g < 2 + SWAPS;) {
		struct obj *next = obj_new(g);

		/* Publish never waits; a full queue says to reclaim first. */
		while (xb_swap_publish(&sw, next) == -ENOSPC) {
			full++;
			poll_reclaim();
			sched_yield(); /* fewer cores than threads */
		}
		if (xb_swap_retiring(&sw) > pending_max)
			pending_max = xb_swap_retiring(&sw);
		g++;
		/* Reclaim only every few swaps: the queue holds several. */
		if (g % 4 == 0)
			poll_reclaim();
	}
	/* The readers keep passing quiescent points: all becomes due. */
	while (xb_swap_retiring(&sw) > 0) {
		poll_reclaim();
		sched_yield();
	}
	assert_int_equal(reclaimed, SWAPS);
	/* And a few still retiring at teardown, handed back by fini. */
	for (uint32_t g = 2 + SWAPS; g < 5 + SWAPS; g++)
		assert_int_equal(xb_swap_publish(&sw, obj_new(g)), 0);
	atomic_store(&stop, true);
	for (unsigned int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	{
		struct obj *cur = xb_swap_fini(&sw, stress_fini_retired, NULL);

		assert_int_equal(cur->generation, 4 + SWAPS);
		obj_retire(cur);
	}
	assert_int_equal(reclaimed, SWAPS + 3);
	assert_int_equal(atomic_load(&bad), 0);
	/* Several retired at once, and the readers kept loading. */
	assert_true(pending_max >= 2);
	assert_true(atomic_load(&loads) > 0);
	print_message("stress: %u swaps, up to %u retiring at once, queue full "
		      "%u times, %lu reader loops\n",
		      SWAPS, pending_max, full,
		      (unsigned long)atomic_load(&loads));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_invalid),
		cmocka_unit_test(test_reclaim_after_reader),
		cmocka_unit_test(test_two_publishes),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_reclaim_at_fini),
		cmocka_unit_test(test_swap_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
