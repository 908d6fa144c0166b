/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow records and their worker -> main lcore rings (see xb_flowrec.h).
 */
#include "xb_flowrec.h"

#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "xb_flow.h"
#include "xb_policy.h"
#include "xb_ruleset.h"
#include "xb_verdict.h"

struct xb_flowrec_ring *
xb_flowrec_ring_create(unsigned int order)
{
	struct xb_flowrec_ring *r = rte_zmalloc("xbgw_flowlog", sizeof(*r), 64);

	if (r == NULL)
		return NULL;
	r->mask = (1u << order) - 1;
	r->recs = rte_zmalloc("xbgw_flowlog_recs",
			      (size_t)(r->mask + 1) * sizeof(*r->recs), 64);
	if (r->recs == NULL) {
		rte_free(r);
		return NULL;
	}
	return r;
}

void
xb_flowrec_ring_free(struct xb_flowrec_ring *r)
{
	if (r == NULL)
		return;
	rte_free(r->recs);
	rte_free(r);
}

/* Bounded string copy, always terminated.  Flow records are filled on the
 * worker, once per flow: snprintf's format machinery cost more there than
 * the rest of the flow's end. */
static inline void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

_Static_assert(sizeof(((struct xb_flow_record *)0)->drops) ==
		       XB_FLOW_DROP_REASONS * sizeof(uint64_t),
	       "a record holds the flow's drop counts");

void
xb_flow_record_fill(struct xb_flow_record *r, struct xb_flow_table *t,
		    const struct xb_flow *f, const struct xb_ruleset *rs)
{
	const struct xb_flow_verdict *v = &f->verdict;
	uint8_t s = f->init_dir;
	bool current = rs != NULL && f->generation == rs->generation;

	memset(r, 0, sizeof(*r));
	r->family = f->key.family;
	r->proto = f->key.proto;
	r->vlan = f->key.vlan;
	memcpy(r->src, f->key.addr[s], 16);
	memcpy(r->dst, f->key.addr[s ^ 1], 16);
	r->sport = f->key.port[s];
	r->dport = f->key.port[s ^ 1];
	copy_str(r->country, sizeof(r->country),
		 current ? xb_countries_code(rs->countries, v->country) : "?");
	copy_str(r->category, sizeof(r->category),
		 current ? xb_categories_id(rs->categories, v->category) : "?");
	copy_str(r->tenant, sizeof(r->tenant),
		 current ? xb_tenants_get(rs->tenants, v->tenant)->id : "?");
	copy_str(r->action, sizeof(r->action),
		 current ? xb_action_name(v->action) : "?");
	r->name_source = f->name_source;
	if (f->name_source != XB_NAME_SRC_NONE)
		copy_str(r->name, sizeof(r->name), xb_flow_name(t, f));
	r->packets[0] = f->packets[s];
	r->packets[1] = f->packets[s ^ 1];
	r->bytes[0] = f->bytes[s];
	r->bytes[1] = f->bytes[s ^ 1];
	r->first_ns = f->first_ns;
	r->last_ns = f->last_ns;
	r->remote_is_src = f->remote == s;
	r->dscp = current ? v->dscp : XB_DSCP_KEEP;
	r->generation = f->generation;
	{
		const struct xb_flow_why *why = xb_flow_why(t, f);

		/* Lines of another generation name rows of other files. */
		if (current) {
			r->tenant_line = why->tenant_line;
			r->category_line = why->category_line;
			r->approval_line = why->approval_line;
			r->qos_line = why->qos_line;
			r->tariff_line = why->tariff_line;
		}
		for (unsigned int k = 0; k < XB_FLOW_DROP_REASONS; k++)
			r->drops[k] = xb_flow_drops(t, f, k);
		r->port_in[0] = why->port_in[s];
		r->port_in[1] = why->port_in[s ^ 1];
		r->port_out[0] = why->port_out[s];
		r->port_out[1] = why->port_out[s ^ 1];
	}
}

unsigned int
xb_flowrec_drain_each(struct xb_flowrec_ring *r,
		      void (*fn)(void *ctx, const struct xb_flow_record *rec),
		      void *ctx)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	unsigned int n = 0;

	while (tail != head) {
		fn(ctx, &r->recs[tail & r->mask]);
		tail++;
		n++;
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	return n;
}
