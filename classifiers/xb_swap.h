/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One pointer published to readers and replaced under RCU (DPDK's QSBR):
 * how a new ruleset replaces the running one.
 *
 *   readers (workers): p = xb_swap_get() once per poll loop (acquire load),
 *                      p used within that loop only (its bursts, aging);
 *                      xb_swap_quiescent() once per poll loop, at its end;
 *   writer (control):  xb_swap_publish(next): one release store, and the
 *                      object it replaced joins the retiring queue with
 *                      an RCU token (rte_rcu_qsbr_start); returns at once.
 *                      xb_swap_reclaim(), polled: hands back the oldest
 *                      retiring object once every reader has passed a
 *                      quiescent point after its swap
 *                      (rte_rcu_qsbr_check without waiting): none can
 *                      hold it any more, free it.
 *
 * Nobody waits: a reader is at most one poll loop late to see the new
 * pointer, and the writer never spins for the grace period; it polls from
 * its own loop and meanwhile still has every retiring object at hand
 * (xb_swap_retiring_get) for work the readers may need from it (billing
 * folds a worker may be waiting for).
 *
 * Why tokens and not DPDK's defer queue (rte_rcu_qsbr_dq_*): the queue
 * must stay readable (the app folds the counters of retiring rulesets
 * while they retire, and adds them up for statistics), which the defer
 * queue, a ring with a free callback, does not offer; and this file must
 * run without EAL (the defer queue's ring is EAL memory).
 *
 * Thread safety: get/quiescent/online/offline from reader thread `id`
 * only; init/publish/reclaim/fini from one writer thread.  The retiring
 * queue is the writer's: another thread may read it (xb_swap_retiring,
 * xb_swap_retiring_get) only under a lock that the writer holds whenever
 * it publishes or reclaims.
 */
#ifndef XB_SWAP_H
#define XB_SWAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

/* Objects that may retire at once (published over, not yet reclaimed). */
#define XB_SWAP_MAX_RETIRING 8

struct xb_swap {
	void *_Atomic cur;
	struct rte_rcu_qsbr *qs;
	unsigned int nreaders;
	/* Writer's: replaced objects, oldest first, each with the token of
	 * the grace period that ends its use (tokens grow with the queue). */
	struct {
		void *obj;
		uint64_t token;
	} retiring[XB_SWAP_MAX_RETIRING];
	unsigned int nretiring;
};

/* Set up for readers 0..nreaders-1 with first as the current object.
 * Memory from the C heap (no EAL needed).  0, or -1 on failure. */
int xb_swap_init(struct xb_swap *s, unsigned int nreaders, void *first);

/*
 * Teardown, once no reader runs (every reader offline or its thread
 * gone): hand each object still retiring to `retired` (oldest first; when
 * retired is NULL they are left to the caller, who must have reclaimed
 * them), then hand back the current object (the caller frees it all) and
 * release the RCU state.  Writer thread.
 */
void *xb_swap_fini(struct xb_swap *s, void (*retired)(void *obj, void *ctx),
		   void *ctx);

static inline void *
xb_swap_get(struct xb_swap *s)
{
	return atomic_load_explicit(&s->cur, memory_order_acquire);
}

static inline void
xb_swap_quiescent(struct xb_swap *s, unsigned int id)
{
	rte_rcu_qsbr_quiescent(s->qs, id);
}

void xb_swap_reader_online(struct xb_swap *s, unsigned int id);
void xb_swap_reader_offline(struct xb_swap *s, unsigned int id);

/*
 * Publish next (release store) and queue the object it replaces as
 * retiring; never waits.  0, or -ENOSPC when XB_SWAP_MAX_RETIRING objects
 * already retire (nothing published then: reclaim first).  Writer thread.
 */
int xb_swap_publish(struct xb_swap *s, void *next);

/*
 * Poll, never waits: the oldest retiring object once its grace period is
 * over (every online reader reported quiescence after its swap), taken
 * off the queue for the caller to free; NULL when none retires or readers
 * may still hold it.  Call until NULL to reclaim all that are due.
 * xb_swap_reclaim_due() says the same without taking it.  Writer thread.
 */
void *xb_swap_reclaim(struct xb_swap *s);
bool xb_swap_reclaim_due(struct xb_swap *s);

/*
 * The same grace period for smaller things readers reach through the
 * current object (e.g. a meter set's profile array replaced in place,
 * classifiers/policy/xb_meter.h): take a token right after replacing
 * the pointer (release store), free what it replaced once
 * xb_swap_token_done() says every online reader has passed a quiescent
 * point since.  Nothing waits; one QSBR for everything the workers read.
 * Writer thread.
 */
static inline uint64_t
xb_swap_token(struct xb_swap *s)
{
	return rte_rcu_qsbr_start(s->qs);
}

static inline bool
xb_swap_token_done(struct xb_swap *s, uint64_t token)
{
	return rte_rcu_qsbr_check(s->qs, token, false) == 1;
}

/* Objects retiring now, and the i-th of them (0: oldest).  Writer thread,
 * or under the writer's lock (see above). */
static inline unsigned int
xb_swap_retiring(const struct xb_swap *s)
{
	return s->nretiring;
}

static inline void *
xb_swap_retiring_get(const struct xb_swap *s, unsigned int i)
{
	return i < s->nretiring ? s->retiring[i].obj : NULL;
}

#endif /* XB_SWAP_H */
