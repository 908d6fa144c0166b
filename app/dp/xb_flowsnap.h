/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Top-flows snapshots for telemetry (/xbgw/flows).  A worker owns its flow
 * table, so no other thread may walk it.  Instead the requester (the
 * telemetry thread) writes how many flows it wants, bumps `req` (release)
 * and waits; the worker, between bursts, sees req != done, copies its top
 * flows by bytes into the snapshot's own records (resolved to names under
 * the ruleset it holds) and stores done = req (release).  The requester
 * reads the records only after seeing done == req, and serialises its
 * requests, so the buffer has one writer at a time and is never read while
 * being written.  A request the worker does not answer in time (stopped,
 * not yet launched) is abandoned; a late answer to it may still rewrite
 * the buffer, but the next requester reads only after done equals its own
 * req, which the worker stores after its last write.
 */
#ifndef XB_FLOWSNAP_H
#define XB_FLOWSNAP_H

#include <stdatomic.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

#include "xb_flowrec.h"

#define XB_FLOWSNAP_MAX 64

struct xb_flow_table;
struct xb_ruleset;

/* Which flows a snapshot considers (xbgwctl flows --tenant ... --top N):
 * an empty string or has_ip 0 matches everything.  The worker resolves
 * the names against the ruleset it holds, so a name the ruleset lacks
 * matches no flow, and a flow not yet re-evaluated after a reload (its
 * indexes belong to the old ruleset) matches only a filter without
 * names.  name: a case-insensitive substring of the flow's name (which
 * covers a suffix such as "example.com"). */
struct xb_flowsnap_filter {
	char tenant[32];
	char country[8];
	char category[32];
	char action[24];
	char name[96];
	uint8_t has_ip;
	uint8_t family;   /* 4 or 6 */
	uint8_t ip[16];   /* either endpoint, network order */
};

struct xb_flowsnap {
	_Atomic uint32_t req;   /* requester */
	_Atomic uint32_t done;  /* worker */
	uint32_t want;          /* flows asked for (<= XB_FLOWSNAP_MAX) */
	uint32_t n;             /* flows in recs (worker) */
	uint32_t live;          /* flows in the table at snapshot time */
	uint32_t matched;       /* flows that passed the filter */
	struct xb_flowsnap_filter filter; /* requester, before req */
	struct xb_flow_record recs[XB_FLOWSNAP_MAX];
};

/* Worker: take a snapshot (out of line; called by xb_flowsnap_poll). */
void xb_flowsnap_take(struct xb_flowsnap *s, struct xb_flow_table *t,
		      const struct xb_ruleset *rs, uint32_t req);

/* Worker, once per loop between bursts: answer a pending request.  Costs
 * one acquire load when there is none.  rs: the ruleset the worker holds. */
static inline void
xb_flowsnap_poll(struct xb_flowsnap *s, struct xb_flow_table *t,
		 const struct xb_ruleset *rs)
{
	uint32_t r;

	if (s == NULL)
		return;
	r = atomic_load_explicit(&s->req, memory_order_acquire);
	if (likely(r == atomic_load_explicit(&s->done, memory_order_relaxed)))
		return;
	xb_flowsnap_take(s, t, rs, r);
}

/* Requester (one at a time): ask for the top n flows that pass filter f
 * (NULL: every flow) and wait up to timeout_ms.  0 when answered (then
 * read s->recs[0..n-1]), -ETIMEDOUT. */
int xb_flowsnap_request(struct xb_flowsnap *s, unsigned int n,
			const struct xb_flowsnap_filter *f,
			unsigned int timeout_ms);

#endif /* XB_FLOWSNAP_H */
