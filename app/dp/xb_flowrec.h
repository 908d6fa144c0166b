/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow records: what a worker tells the control plane about a flow (when
 * it ends, at an interim point, or as a notice such as a negative-list
 * hit).  Workers fill fixed-size records into their own single-producer
 * single-consumer ring (no lock, no allocation); the main lcore drains the
 * rings and hands them to the exporters (flow log, IPFIX, events), so no
 * file or socket I/O ever runs on a worker.  A record that finds its ring
 * full is counted as lost (never blocks a worker), except during the exit
 * flush where the worker waits for room.
 */
#ifndef XB_FLOWREC_H
#define XB_FLOWREC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_name.h"

struct xb_flow_record {
	uint8_t family;
	uint8_t proto;
	uint8_t name_source;   /* enum xb_name_source */
	uint8_t end_reason;    /* enum xb_flow_end_reason */
	uint16_t sport, dport; /* initiator -> responder */
	uint8_t src[16], dst[16];
	uint16_t vlan;
	uint16_t worker;       /* index of the worker that saw the flow */
	char country[4];
	char category[32];
	char tenant[32];
	char action[16];
	char name[XB_NAME_MAX + 1];
	uint64_t packets[2];   /* [0] initiator -> responder, [1] back */
	uint64_t bytes[2];
	uint64_t first_ns, last_ns;
	/* 1 = an interim (active-timeout) report of a flow that goes on,
	 * for IPFIX only (never in the flow log); 0 = the flow ended.  Both
	 * carry the flow's counts so far; the control plane turns them into
	 * IPFIX deltas (app/ops/xb_ops.c). */
	uint8_t interim;
	/* Why (app/dp/xb_verdict.h): the verdict's ruleset generation, the
	 * foreign end (1: src, the initiator; 0: dst), the lines of the rows
	 * that decided it (0: none; category_line | XB_WHY_DOMAINS for a
	 * domains.csv line, else category_rules.csv) and the flow's packets
	 * dropped by reason (XB_FLOW_DROP_FIRST + k). */
	uint8_t remote_is_src;
	uint32_t generation;
	uint32_t tenant_line, category_line, approval_line, qos_line,
		tariff_line;
	uint64_t drops[4];
	/* Per direction ([0] initiator -> responder): the port its first
	 * packet arrived on and the port it went to (255: unknown); the
	 * DSCP the verdict writes (XB_DSCP_KEEP: the packets' own). */
	uint8_t port_in[2], port_out[2];
	uint8_t dscp;
};

/* Worker notices (a ring of flow records, end_reason = the kind) that the
 * control plane turns into events. */
enum xb_notice {
	XB_NOTICE_NEGATIVE_LIST = 1, /* a flow newly on the negative list */
	XB_NOTICE_APPROVAL_EXPIRED,  /* ... because its approval expired */
	XB_NOTICE_AUDIT,             /* a flow under an audit row */
};

struct xb_flowrec_ring {
	_Atomic uint32_t head; /* written by the producer (worker) */
	char pad0[60];
	_Atomic uint32_t tail; /* written by the consumer (main lcore) */
	char pad1[60];
	uint32_t mask;
	uint64_t lost;         /* producer-owned */
	struct xb_flow_record *recs;
};

/* Ring of 2^order records; NULL on allocation failure. */
struct xb_flowrec_ring *xb_flowrec_ring_create(unsigned int order);
void xb_flowrec_ring_free(struct xb_flowrec_ring *r);

/* Producer: a slot to fill, or NULL when full; then commit it. */
static inline struct xb_flow_record *
xb_flowrec_reserve(struct xb_flowrec_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail > r->mask)
		return NULL;
	return &r->recs[head & r->mask];
}

static inline void
xb_flowrec_commit(struct xb_flowrec_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

struct xb_flow;
struct xb_flow_table;
struct xb_ruleset;

/*
 * Fill r from flow f of table t, resolved under rs (initiator first).  A
 * verdict computed under another generation indexes tables that may be
 * gone: its names are then "?" (the worker redoes such verdicts before
 * logging; snapshots just show them as unknown).  worker, interim and
 * end_reason are left 0 for the caller.
 */
void xb_flow_record_fill(struct xb_flow_record *r, struct xb_flow_table *t,
			 const struct xb_flow *f, const struct xb_ruleset *rs);

/* Consumer: call fn for every committed record (in order), then release
 * them; returns count.  Main lcore (the ring's single consumer). */
unsigned int xb_flowrec_drain_each(struct xb_flowrec_ring *r,
				   void (*fn)(void *ctx,
					      const struct xb_flow_record *rec),
				   void *ctx);

#endif /* XB_FLOWREC_H */
