/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_flowlog.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "xb_flow.h"
#include "xb_json.h"
#include "xb_policy.h"
#include "xb_ruleset.h"
#include "xb_prefix.h"

static const char *const end_reasons[] = {"idle", "closed", "evicted", "exit"};

struct xb_flowlog_ring *
xb_flowlog_ring_create(unsigned int order)
{
	struct xb_flowlog_ring *r = rte_zmalloc("xbgw_flowlog", sizeof(*r), 64);

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
xb_flowlog_ring_free(struct xb_flowlog_ring *r)
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

void
xb_flow_record_fill(struct xb_flow_record *r, struct xb_flow_table *t,
		    const struct xb_flow *f, const struct xb_ruleset *rs)
{
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
		 current ? xb_countries_code(rs->countries, f->country) : "?");
	copy_str(r->category, sizeof(r->category),
		 current ? xb_categories_id(rs->categories, f->category) : "?");
	copy_str(r->tenant, sizeof(r->tenant),
		 current ? xb_tenants_get(rs->tenants, f->tenant)->id : "?");
	copy_str(r->action, sizeof(r->action),
		 current ? xb_action_name(f->action) : "?");
	r->name_source = f->name_source;
	if (f->name_source != XB_NAME_SRC_NONE)
		copy_str(r->name, sizeof(r->name), xb_flow_name(t, f));
	r->packets[0] = f->packets[s];
	r->packets[1] = f->packets[s ^ 1];
	r->bytes[0] = f->bytes[s];
	r->bytes[1] = f->bytes[s ^ 1];
	r->first_ns = f->first_ns;
	r->last_ns = f->last_ns;
}

void
xb_flowlog_write(FILE *out, const struct xb_flow_record *rec)
{
	char src[48], dst[48];
	struct xb_json j;

	xb_addr_format(rec->family, rec->src, src, sizeof(src));
	xb_addr_format(rec->family, rec->dst, dst, sizeof(dst));
	xb_json_init(&j, out, false);
	xb_json_object_begin(&j, NULL);
	xb_json_u64(&j, "proto", rec->proto);
	xb_json_str(&j, "src", src);
	xb_json_str(&j, "dst", dst);
	xb_json_u64(&j, "sport", rec->sport);
	xb_json_u64(&j, "dport", rec->dport);
	if (rec->vlan)
		xb_json_u64(&j, "vlan", rec->vlan);
	xb_json_str(&j, "country", rec->country);
	xb_json_str(&j, "category", rec->category);
	xb_json_str(&j, "tenant", rec->tenant);
	xb_json_str(&j, "action", rec->action);
	if (rec->name_source != XB_NAME_SRC_NONE) {
		xb_json_str(&j, "name", rec->name);
		xb_json_str(&j, "name_source",
			    xb_name_source_str(rec->name_source));
	} else {
		xb_json_null(&j, "name");
		xb_json_null(&j, "name_source");
	}
	xb_json_u64(&j, "packets", rec->packets[0] + rec->packets[1]);
	xb_json_u64(&j, "bytes", rec->bytes[0] + rec->bytes[1]);
	xb_json_u64(&j, "packets_fwd", rec->packets[0]);
	xb_json_u64(&j, "packets_rev", rec->packets[1]);
	xb_json_u64(&j, "bytes_fwd", rec->bytes[0]);
	xb_json_u64(&j, "bytes_rev", rec->bytes[1]);
	xb_json_u64(&j, "first_ns", rec->first_ns);
	xb_json_u64(&j, "last_ns", rec->last_ns);
	xb_json_str(&j, "end", rec->end_reason < 4 ? end_reasons[rec->end_reason]
						   : "?");
	/* Both directions of a flow reach one worker (symmetric RSS); the
	 * index shows which. */
	xb_json_u64(&j, "worker", rec->worker);
	xb_json_object_end(&j);
	fputc('\n', out);
}

unsigned int
xb_flowlog_drain(struct xb_flowlog_ring *r, FILE *out)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	unsigned int n = 0;

	while (tail != head) {
		if (out != NULL)
			xb_flowlog_write(out, &r->recs[tail & r->mask]);
		tail++;
		n++;
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	return n;
}

unsigned int
xb_flowlog_drain_each(struct xb_flowlog_ring *r,
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
