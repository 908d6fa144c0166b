/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One pointer published to readers and replaced under RCU (DPDK's QSBR):
 * how a new ruleset replaces the running one.
 *
 *   readers (workers): p = xb_swap_get() once per burst (acquire load),
 *                      xb_swap_quiescent() once per loop, outside bursts;
 *   writer (control):  old = xb_swap_publish(new, ...): one release store,
 *                      then waits for every reader to pass a quiescent
 *                      point, and only then hands back the old object,
 *                      which no reader can hold any more: free it.
 *
 * The writer never blocks a reader and a reader never waits: a reader is
 * at most one burst late to see the new pointer.  While the writer waits
 * for the grace period it calls `waiting` (e.g. billing folds a worker may
 * be waiting for), so the two can never wait on each other.
 *
 * Thread safety: get/quiescent/online/offline from reader thread `id`
 * only; publish from one writer thread.
 */
#ifndef XB_SWAP_H
#define XB_SWAP_H

#include <stdatomic.h>

#include <rte_rcu_qsbr.h>

struct xb_swap {
	void *_Atomic cur;
	struct rte_rcu_qsbr *qs;
	unsigned int nreaders;
};

/* Set up for readers 0..nreaders-1 with first as the current object.
 * Memory from the C heap (no EAL needed).  0, or -1 on failure. */
int xb_swap_init(struct xb_swap *s, unsigned int nreaders, void *first);

/* Hand back the current object (the caller frees it) and release the
 * RCU state; only once no reader runs. */
void *xb_swap_fini(struct xb_swap *s);

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

/* Publish next; return the previous object once no reader holds it. */
void *xb_swap_publish(struct xb_swap *s, void *next,
		      void (*waiting)(void *ctx), void *ctx);

#endif /* XB_SWAP_H */
