/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default allocator of the flow table and of its memory of evicted
 * flows (xb_flow.c, xb_flowmem.c) when the caller gives none: zeroed,
 * aligned heap memory.  Internal to classifiers/flow.
 */
#ifndef XB_FLOW_ALLOC_H
#define XB_FLOW_ALLOC_H

#include <stdlib.h>
#include <string.h>

static inline size_t
xb_flow_round_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline void *
xb_flow_default_zalloc(size_t size, size_t align, void *arg)
{
	void *p;

	(void)arg;
	p = aligned_alloc(align, xb_flow_round_up(size, align));
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static inline void
xb_flow_default_free(void *p, void *arg)
{
	(void)arg;
	free(p);
}

#endif /* XB_FLOW_ALLOC_H */
