/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_swap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
xb_swap_init(struct xb_swap *s, unsigned int nreaders, void *first)
{
	size_t sz = rte_rcu_qsbr_get_memsize(nreaders);

	memset(s, 0, sizeof(*s));
	if (nreaders == 0)
		return -1;
	/* rte_rcu_qsbr needs cache-line alignment; round the size up. */
	s->qs = aligned_alloc(RTE_CACHE_LINE_SIZE,
			      (sz + RTE_CACHE_LINE_SIZE - 1) &
				      ~(size_t)(RTE_CACHE_LINE_SIZE - 1));
	if (s->qs == NULL)
		return -1;
	if (rte_rcu_qsbr_init(s->qs, nreaders) != 0) {
		free(s->qs);
		s->qs = NULL;
		return -1;
	}
	s->nreaders = nreaders;
	atomic_store_explicit(&s->cur, first, memory_order_release);
	return 0;
}

void *
xb_swap_fini(struct xb_swap *s, void (*retired)(void *obj, void *ctx),
	     void *ctx)
{
	void *cur = atomic_exchange(&s->cur, NULL);

	/* No reader runs: every grace period is over. */
	for (unsigned int i = 0; i < s->nretiring; i++)
		if (retired != NULL)
			retired(s->retiring[i].obj, ctx);
	s->nretiring = 0;
	free(s->qs);
	s->qs = NULL;
	return cur;
}

void
xb_swap_reader_online(struct xb_swap *s, unsigned int id)
{
	rte_rcu_qsbr_thread_register(s->qs, id);
	rte_rcu_qsbr_thread_online(s->qs, id);
}

void
xb_swap_reader_offline(struct xb_swap *s, unsigned int id)
{
	rte_rcu_qsbr_thread_offline(s->qs, id);
	rte_rcu_qsbr_thread_unregister(s->qs, id);
}

int
xb_swap_publish(struct xb_swap *s, void *next)
{
	void *old;

	if (s->nretiring == XB_SWAP_MAX_RETIRING)
		return -ENOSPC;
	old = atomic_exchange_explicit(&s->cur, next, memory_order_acq_rel);
	/* The token is taken after the swap: a reader that reports a
	 * quiescent state counted at or past it has finished the loop that
	 * may have loaded old, and loads next from then on. */
	s->retiring[s->nretiring].obj = old;
	s->retiring[s->nretiring].token = rte_rcu_qsbr_start(s->qs);
	s->nretiring++;
	return 0;
}

bool
xb_swap_reclaim_due(struct xb_swap *s)
{
	/* Tokens grow along the queue: the oldest is due first. */
	return s->nretiring > 0 &&
	       rte_rcu_qsbr_check(s->qs, s->retiring[0].token, false) == 1;
}

void *
xb_swap_reclaim(struct xb_swap *s)
{
	void *old;

	if (!xb_swap_reclaim_due(s))
		return NULL;
	old = s->retiring[0].obj;
	s->nretiring--;
	memmove(&s->retiring[0], &s->retiring[1],
		s->nretiring * sizeof(s->retiring[0]));
	return old;
}
