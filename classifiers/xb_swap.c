/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_swap.h"

#include <stdlib.h>
#include <string.h>

#include <rte_pause.h>

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
xb_swap_fini(struct xb_swap *s)
{
	void *cur = atomic_exchange(&s->cur, NULL);

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

void *
xb_swap_publish(struct xb_swap *s, void *next, void (*waiting)(void *ctx),
		void *ctx)
{
	void *old = atomic_exchange_explicit(&s->cur, next,
					     memory_order_acq_rel);
	uint64_t token = rte_rcu_qsbr_start(s->qs);

	/* Grace period: every online reader has reported a quiescent state
	 * after the swap, so none can still use old. */
	while (rte_rcu_qsbr_check(s->qs, token, false) != 1) {
		if (waiting != NULL)
			waiting(ctx);
		rte_pause();
	}
	return old;
}
