/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_worker.h"

#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "xb_dscp.h"
#include "xb_flowsnap.h"
#include "xb_frag.h"
#include "xb_parse.h"
#include "xb_ruleset.h"
#include "xb_swap.h"
#include "xb_verdict.h"

/* Flow flags (struct xb_flow.flags, owned by the worker). */
#define XB_FF_ROLE_MASK 0x03 /* enum xb_role_hint of the first packet */
#define XB_FF_NAME_DONE 0x04 /* name found or given up */
#define XB_FF_QUEUED 0x08    /* in this burst's classification batch */
#define XB_FF_SEEN 0x10      /* looked up in this segment, not yet touched */
/* Evidence against the flow, kept across reloads (classified() applies
 * it to every new verdict): */
#define XB_FF_UNNAMED 0x20   /* should reveal a name and did not */
#define XB_FF_EVASIVE 0x40   /* conflicting copies of its bytes */
/* A TCP flow whose first packet was not a SYN (its start not seen: a
 * capture begun mid-stream, or an entry evicted and re-created) that the
 * memory of evicted flows did not know. */
#define XB_FF_MIDSTREAM 0x80
/* What the memory of evicted flows keeps of a flow's flags, and gives
 * back to its new entry (remember_evicted, recall_evicted). */
#define XB_FF_REMEMBERED (XB_FF_NAME_DONE | XB_FF_UNNAMED | XB_FF_EVASIVE)

/* Aging: every XB_EXPIRE_PERIOD_NS of the clock in use, examine
 * XB_EXPIRE_BUCKETS buckets (bounded work, see FLOWTABLE.md): 160k
 * buckets a second, a full sweep of a 256k-flow table in under a second,
 * far below the shortest timeout, at a cost of a few cache lines per
 * hundred bursts. */
#define XB_EXPIRE_BUCKETS 16
#define XB_EXPIRE_PERIOD_NS 100000
#define XB_EXPIRE_MAX_BUCKETS 1024 /* per loop, when the clock jumped */

/* Flow-table lookups run this many packets behind their entry prefetch:
 * enough packets of work to cover a last-level-cache miss, few enough
 * that the line is still in L1 when its packet comes. */
#define XB_LOOKAHEAD 4
/* Packet data is prefetched this many packets before it is parsed. */
#define XB_PKT_AHEAD 4

/* The name extractor's state of a flow, beside its name (zeroed when
 * the entry is made or restarted; struct xb_flow_side). */
static inline struct xb_name_flow *
name_flow(const struct xb_worker *w, const struct xb_flow *f)
{
	return &((struct xb_flow_side *)xb_flow_ext(w->flows, f))->name;
}

static inline struct xb_flow_why *
flow_why(const struct xb_worker *w, const struct xb_flow *f)
{
	return xb_flow_why(w->flows, f);
}

/* Wall-clock ns of a TSC reading (one rdtsc serves the busy-cycle count
 * and the clock: in a VM each costs tens of cycles). */
static inline uint64_t
wall_ns(const struct xb_worker *w, uint64_t tsc)
{
	uint64_t d = tsc - w->base_tsc;

	return w->base_ns + (uint64_t)(((unsigned __int128)d * w->ns_mult) >> 32);
}

/* Send what is buffered for one port; what the port refuses is dropped
 * and counted, so rx == tx + drops holds exactly. */
static inline void
tx_flush(struct xb_worker *w, uint16_t port)
{
	struct xb_txbuf *b = &w->tx[port];
	uint16_t sent = 0, n = b->n;
	uint64_t bytes = b->bytes;

	if (n == 0)
		return;
	/* A few retries absorb a momentarily full TX ring.  Sent mbufs
	 * belong to the driver: their bytes were counted at enqueue. */
	for (int tries = 0; tries < 4 && sent < n; tries++)
		sent += rte_eth_tx_burst(port, (uint16_t)w->index,
					 b->pkts + sent, (uint16_t)(n - sent));
	if (unlikely(sent < n)) {
		for (uint16_t i = sent; i < n; i++)
			bytes -= rte_pktmbuf_pkt_len(b->pkts[i]);
		w->c.drop[XB_DROP_NO_TX] += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(b->pkts + sent, (unsigned int)(n - sent));
	}
	w->c.tx_pkts += sent;
	w->c.tx_bytes += bytes;
	b->n = 0;
	b->bytes = 0;
}

static inline void
tx_enqueue(struct xb_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct xb_txbuf *b = &w->tx[port];

	b->bytes += rte_pktmbuf_pkt_len(m);
	b->pkts[b->n++] = m;
	if (unlikely(b->n == XB_TX_BUF))
		tx_flush(w, port);
}

/* Drops of a burst are freed together at its end (one bulk free). */
struct xb_dropped {
	uint16_t n;
	struct rte_mbuf *pkts[XB_BURST];
};

static inline void
drop(struct xb_worker *w, struct xb_dropped *d, struct rte_mbuf *m,
     enum xb_drop_reason why)
{
	w->c.drop[why]++;
	d->pkts[d->n++] = m;
}

static inline enum xb_role_hint
role_hint(uint8_t port_role)
{
	return port_role == XB_ROLE_INSIDE    ? XB_DIR_FROM_INSIDE
	       : port_role == XB_ROLE_OUTSIDE ? XB_DIR_FROM_OUTSIDE
					      : XB_DIR_BY_HOME_NET;
}

/* Packet info of a flow seen from its initiator, rebuilt from the key
 * (for verdicts redone when no packet is at hand, e.g. at flow end). */
static void
pkt_info_from_flow(const struct xb_flow *f, struct xb_pkt_info *pi)
{
	uint8_t s = f->init_dir;

	memset(pi, 0, sizeof(*pi));
	pi->family = f->key.family;
	pi->proto = f->key.proto;
	pi->vlan = f->key.vlan;
	pi->flags = XB_PKT_F_HAS_L4;
	memcpy(pi->src, f->key.addr[s], 16);
	memcpy(pi->dst, f->key.addr[s ^ 1], 16);
	pi->sport = f->key.port[s];
	pi->dport = f->key.port[s ^ 1];
}

static void fill_record(const struct xb_worker *w, const struct xb_ruleset *rs,
			const struct xb_flow *f, struct xb_flow_record *r);

/* Tell the control plane about a flow's new verdict (event log) at now
 * (ns): never waits for room, counts what the ring could not take. */
static void
notice(struct xb_worker *w, const struct xb_ruleset *rs,
       const struct xb_flow *f, uint64_t now, enum xb_notice kind)
{
	struct xb_flow_record *r = xb_flowrec_reserve(w->notices);

	if (r == NULL) {
		w->c.notices_lost++;
		return;
	}
	fill_record(w, rs, f, r);
	r->first_ns = now;
	r->end_reason = (uint8_t)kind;
	xb_flowrec_commit(w->notices);
}

/*
 * The policy part of a flow's verdict at now (ns): the decision for its
 * (country, category, tenant), held in the flow until the approval it
 * relies on expires (valid_until_ns) or the category changes.  expired:
 * decided again because the previous decision lapsed.
 */
static void
decide_policy(struct xb_worker *w, const struct xb_ruleset *rs,
	      struct xb_flow *f, uint64_t now, bool expired)
{
	uint8_t was = f->verdict.action;
	struct xb_policy_verdict pv;
	uint8_t action;

	xb_verdict_decide_counted(&f->verdict, rs, w->index, now, &pv,
				  flow_why(w, f));
	action = f->verdict.action;
	/* Events, once per flow and verdict: a flow newly on the negative
	 * list (and why: an approval it used has just expired), a flow
	 * newly audited.  The record shows the new verdict. */
	if (unlikely(action != was || f->packets[0] + f->packets[1] == 0)) {
		if (action == XB_ACT_NEGATIVE_LIST)
			notice(w, rs, f, now,
			       expired ? XB_NOTICE_APPROVAL_EXPIRED
				       : XB_NOTICE_NEGATIVE_LIST);
		else if (action == XB_ACT_AUDIT)
			notice(w, rs, f, now, XB_NOTICE_AUDIT);
	}
}

/* Evidence about the flow says category cat: kept only when stricter
 * (a flow's category never becomes laxer, see xb_categories_stricter). */
static inline void
stricter_category(const struct xb_ruleset *rs, struct xb_flow *f,
		  unsigned int cat)
{
	f->verdict.category = (uint16_t)xb_categories_stricter(
		rs->categories, f->verdict.category, cat);
}

/* The category of a name, or -1 when no domain pattern matches (the
 * per-worker cache first: names repeat far more often than they change
 * category). */
/* The cache keeps the pattern's line with the category: line << 11 | cat
 * (XB_CATEGORIES_MAX < 2^11; lines past 2^20 - 1 read as 0, unnamed). */
#define NAME_CACHE_CAT_BITS 11
#define NAME_CACHE_LINE_MAX ((1u << 20) - 1)

static inline int
name_category(struct xb_worker *w, const struct xb_ruleset *rs,
	      const char *name, uint32_t *line)
{
	size_t len = strlen(name);
	uint64_t h = xb_name_cache_hash(name, len);
	int packed;

	if (!xb_name_cache_get(w->name_cache, rs->generation, name, len, h,
			       &packed)) {
		unsigned int l = 0;
		int cat = xb_ruleset_match_name_line(rs, w->index, name, len,
						     &l);

		packed = cat < 0 ? -1 :
				   (int)((l > NAME_CACHE_LINE_MAX ? 0 : l)
						 << NAME_CACHE_CAT_BITS |
					 (unsigned int)cat);
		xb_name_cache_put(w->name_cache, rs->generation, name, len, h,
				  packed);
	}
	if (packed < 0)
		return -1;
	*line = (uint32_t)packed >> NAME_CACHE_CAT_BITS;
	return packed & ((1 << NAME_CACHE_CAT_BITS) - 1);
}

/* Apply the category the flow's name gives, if any; returns it (or -1)
 * and its domains.csv line in *line. */
static inline int
apply_name(struct xb_worker *w, const struct xb_ruleset *rs,
	   struct xb_flow *f, uint32_t *line)
{
	int cat = name_category(w, rs, xb_flow_name(w->flows, f), line);

	if (cat >= 0)
		stricter_category(rs, f, (unsigned int)cat);
	return cat;
}

/* The evidence the flow has shown (XB_FF_UNNAMED, XB_FF_EVASIVE). */
static inline void
apply_evidence(const struct xb_ruleset *rs, struct xb_flow *f)
{
	if (f->flags & XB_FF_UNNAMED)
		stricter_category(rs, f, XB_CATEGORY_UNNAMED);
	if (f->flags & XB_FF_EVASIVE)
		stricter_category(rs, f, XB_CATEGORY_EVASIVE);
}

/* The rest of a flow's verdict once the ruleset's classification cls of
 * its packet (direction dir, time now) is known: the name's category, the
 * policy. */
static void
classified(struct xb_worker *w, const struct xb_ruleset *rs,
	   struct xb_flow *f, const struct xb_verdict *cls, uint8_t dir,
	   uint64_t now)
{
	int name_cat = -1;
	uint32_t name_line = 0;

	xb_verdict_classified(&f->verdict, cls);
	/* Endpoint index (0/1 in the key) of the foreign end. */
	f->remote = cls->remote ? dir : (uint8_t)(dir ^ 1);
	if (f->name_source != XB_NAME_SRC_NONE)
		name_cat = apply_name(w, rs, f, &name_line);
	apply_evidence(rs, f);
	xb_verdict_count_classification(rs, w->index, cls, f->verdict.category,
					name_cat, name_line, flow_why(w, f));
	f->generation = rs->generation;
	decide_policy(w, rs, f, now, false);
}

/*
 * Classify one flow on its own under rs at now (at flow end, when the
 * ruleset has changed since its verdict; the data path classifies a
 * burst's new flows together, classify_new).  pi is a packet of it, dir
 * that packet's direction in the flow key.
 */
static void
classify_flow(struct xb_worker *w, const struct xb_ruleset *rs,
	      struct xb_flow *f, const struct xb_pkt_info *pi, uint8_t dir,
	      uint64_t now)
{
	struct xb_verdict cls;

	xb_ruleset_classify(rs, pi, dir != f->init_dir,
			    (enum xb_role_hint)(f->flags & XB_FF_ROLE_MASK),
			    &cls);
	classified(w, rs, f, &cls, dir, now);
}

/* A flow-log record of f, resolved under rs (its current ruleset). */
static void
fill_record(const struct xb_worker *w, const struct xb_ruleset *rs,
	    const struct xb_flow *f, struct xb_flow_record *r)
{
	xb_flow_record_fill(r, w->flows, f, rs);
	r->worker = (uint16_t)w->index;
}

/*
 * Memory of evicted flows (classifiers/flow/xb_flowmem.h, kept by the
 * flow table).  A flow evicted for room keeps going on the wire; when its
 * next packet comes it gets a new entry, which would start over with no
 * name and its 5-tuple verdict: what an outsider who can evict flows
 * wants.  So an evicted flow that had learnt something (a name, the
 * evidence flags, a finished name search) leaves it in the memory, and
 * its new entry takes it back (recall_evicted).  The category is kept
 * with its ruleset generation: under a later ruleset only the name and
 * the flags are re-applied (classified() does both).
 */
static void
remember_evicted(struct xb_worker *w, struct xb_flow *f)
{
	struct xb_flowmem_rec rec;
	const char *name = xb_flow_name(w->flows, f);

	/* Nothing learnt (a SYN of a flood, a flow still looking for its
	 * name): nothing to give back, and no record pushed out for it. */
	if (!(f->flags & XB_FF_REMEMBERED) && name[0] == '\0')
		return;
	rec.generation = f->generation;
	rec.category = f->verdict.category;
	rec.name_source = f->name_source;
	rec.flags = f->flags & XB_FF_REMEMBERED;
	snprintf(rec.name, sizeof(rec.name), "%s", name);
	(void)xb_flow_remember(w->flows, f, w->now_ns, &rec);
}

/*
 * A new entry (first packet: info pi, hash hash) of a flow the memory of
 * evicted flows knows: its name, name source and flags back, its name
 * search done; the category the memory kept, with its generation, in
 * *cat / *gen for classify_new (0: none).  Not for a bare SYN: that is
 * a new connection of the 5-tuple, which shows its own name (its record
 * is dropped all the same).  Returns whether it restored the flow.
 */
static bool
recall_evicted(struct xb_worker *w, struct xb_flow *f,
	       const struct xb_pkt_info *pi, uint32_t hash, uint16_t *cat,
	       uint32_t *gen)
{
	struct xb_flowmem_rec rec;

	*gen = 0;
	if (!xb_flow_recall(w->flows, &f->key, hash, w->now_ns, &rec) ||
	    (pi->tcp_flags & (XB_TCP_FLAG_SYN | XB_TCP_FLAG_ACK)) ==
		    XB_TCP_FLAG_SYN)
		return false;
	memcpy(xb_flow_name(w->flows, f), rec.name, XB_FLOW_NAME_MAX);
	xb_flow_name(w->flows, f)[XB_FLOW_NAME_MAX - 1] = '\0';
	f->name_source = rec.name_source;
	f->flags |= (uint8_t)((rec.flags & XB_FF_REMEMBERED) | XB_FF_NAME_DONE);
	*cat = rec.category;
	*gen = rec.generation;
	w->c.flows_restored++;
	return true;
}

/* Flow ended: log it (resolved under the current ruleset) and free its
 * name-extraction slot.  Called by the flow table, which passes no time:
 * the worker's clock (w->now_ns) is the ending packet's time, or the
 * sweep's. */
static void
flow_end(void *ctx, struct xb_flow *f, enum xb_flow_end_reason why)
{
	struct xb_worker *w = ctx;
	const struct xb_ruleset *rs = w->rs;
	struct xb_flow_record *r;

	if (why == XB_FLOW_END_EVICTED)
		remember_evicted(w, f);
	xb_name_release(w->names, name_flow(w, f));
	if (w->flowlog == NULL || rs == NULL)
		return;
	if (f->generation != rs->generation) {
		struct xb_pkt_info pi;

		pkt_info_from_flow(f, &pi);
		classify_flow(w, rs, f, &pi, f->init_dir, w->now_ns);
	}
	r = xb_flowrec_reserve(w->flowlog);
	while (r == NULL && why == XB_FLOW_END_FLUSH) {
		/* Exit flush only: wait for the main lcore to drain. */
		rte_pause();
		r = xb_flowrec_reserve(w->flowlog);
	}
	if (r == NULL) {
		w->c.flowlog_lost++;
		return;
	}
	fill_record(w, rs, f, r);
	r->end_reason = (uint8_t)why;
	xb_flowrec_commit(w->flowlog);
}

/*
 * Active timeout: a flow that lives on gets an interim record (cumulative
 * counts, interim = 1) every active_timeout of its age, for IPFIX; the
 * control plane turns them into deltas.  Runs inside the bounded aging
 * sweep, never per packet.
 */
static void
flow_live(void *ctx, struct xb_flow *f, uint64_t now_ns)
{
	struct xb_worker *w = ctx;
	uint32_t sent = f->verdict.interims;
	struct xb_flow_record *r;

	if (now_ns - f->first_ns < (uint64_t)(sent + 1) * w->active_timeout_ns ||
	    f->generation != w->rs->generation)
		return;
	r = xb_flowrec_reserve(w->flowlog);
	if (r == NULL) {
		w->c.flowlog_lost++;
		return;
	}
	fill_record(w, w->rs, f, r);
	r->interim = 1;
	r->last_ns = now_ns;
	xb_flowrec_commit(w->flowlog);
	f->verdict.interims = sent + 1;
	w->c.interim_records++;
}

/* ---- DNS cache: learnt from checked answers, shared by the workers ---- */

/* The stable cache key of the flow's tenant (its id, not its index, which
 * a reload may change). */
static uint64_t
dns_tenant_key(const struct xb_ruleset *rs, const struct xb_flow *f)
{
	return xb_dns_cache_tenant_key(
		xb_tenants_get(rs->tenants, f->verdict.tenant)->id);
}

/* Whether an address lies in home_net (the domestic side): for the few
 * DNS packets that need it outside classification. */
static bool
is_home(const struct xb_ruleset *rs, uint8_t family, const uint8_t *addr)
{
	uint32_t v;

	if (family == 4) {
		uint32_t ip;

		memcpy(&ip, addr, 4);
		v = xb_lpm_lookup4(rs->local, rte_be_to_cpu_32(ip));
	} else {
		v = xb_lpm_lookup6(rs->local, addr);
	}
	return (v & XB_LOCAL_HOME) != 0;
}

/*
 * Which way a packet of DNS flow f goes (dir: its sender's endpoint in
 * the key; role: its RX queue's port role): from the inside end to the
 * outside one (a query may be remembered), the reverse (an answer may be
 * learnt), or neither.  Live ports: the port it arrived on says where its
 * sender is.  Replay: home_net says, for both ends.
 */
static enum xb_dns_path
dns_path(const struct xb_ruleset *rs, const struct xb_flow *f, uint8_t dir,
	 enum xb_role_hint role)
{
	uint8_t out = f->remote, in = (uint8_t)(f->remote ^ 1);
	bool from_in = dir == in;

	switch (role) {
	case XB_DIR_FROM_INSIDE:
		return from_in ? XB_DNS_TO_SERVER : XB_DNS_OTHER;
	case XB_DIR_FROM_OUTSIDE:
		return from_in ? XB_DNS_OTHER : XB_DNS_FROM_SERVER;
	default:
		if (!is_home(rs, f->key.family, f->key.addr[in]) ||
		    is_home(rs, f->key.family, f->key.addr[out]))
			return XB_DNS_OTHER;
		return from_in ? XB_DNS_TO_SERVER : XB_DNS_FROM_SERVER;
	}
}

/*
 * A packet of a flow on port 53 (pi, m; dir its sender's endpoint in the
 * key, role its port's, now its time, ns): queries from an inside client
 * to an outside server are remembered, and an answer coming back that
 * matches one is learnt into the shared cache under the client's tenant;
 * every other answer is refused and counted (xb_dns_learn.h).
 */
static void
learn_dns(struct xb_worker *w, const struct xb_ruleset *rs,
	  const struct xb_flow *f, const struct xb_pkt_info *pi, uint8_t dir,
	  enum xb_role_hint role, struct rte_mbuf *m, uint64_t now)
{
	uint8_t buf[2048];
	uint32_t len = pi->payload_len < sizeof(buf) ? pi->payload_len
						     : (uint32_t)sizeof(buf);
	uint8_t in = (uint8_t)(f->remote ^ 1), out = f->remote;
	struct xb_dns_flow fl;
	const uint8_t *p;

	if (w->dns == NULL || len == 0 ||
	    pi->payload_off + len > rte_pktmbuf_pkt_len(m))
		return;
	p = rte_pktmbuf_read(m, pi->payload_off, len, buf);
	if (p == NULL)
		return;
	fl.tenant = dns_tenant_key(rs, f);
	fl.family = f->key.family;
	fl.proto = f->key.proto;
	fl.client_port = f->key.port[in];
	fl.server_port = f->key.port[out];
	memcpy(fl.client, f->key.addr[in], sizeof(fl.client));
	memcpy(fl.server, f->key.addr[out], sizeof(fl.server));
	xb_dns_learn_packet(w->dns, &fl, dns_path(rs, f, dir, role), p, len,
			    now);
}

/*
 * Name extraction ended with rc: when the flow showed no name of its own
 * (GIVE_UP, UNNAMED) and its inside end opened it to the outside, the
 * name its tenant's resolver gave the server address (any worker may have
 * learnt it) goes into *name, source dns-cache: GIVE_UP becomes FOUND,
 * UNNAMED stays (the evidence holds; the cached name replaces what the
 * flow showed instead, e.g. an ECH outer name).  DNS flows themselves are
 * left alone.  Returns the result to go on with.  At most once or twice
 * per flow, never per packet.
 */
static int
name_from_dns_cache(struct xb_worker *w, const struct xb_ruleset *rs,
		    const struct xb_flow *f, int rc, uint64_t now,
		    struct xb_name *name)
{
	uint8_t out = f->remote, in = (uint8_t)(f->remote ^ 1);
	struct xb_name cached;

	if ((rc != XB_NAME_GIVE_UP && rc != XB_NAME_UNNAMED) || w->dns == NULL ||
	    f->init_dir != in || f->name_source != XB_NAME_SRC_NONE)
		return rc;
	for (int e = 0; e < 2; e++)
		if (f->key.port[e] == 53 || f->key.port[e] == 5353)
			return rc;
	if (!xb_dns_learn_lookup(w->dns, dns_tenant_key(rs, f), f->key.family,
				 f->key.addr[out], now, &cached))
		return rc;
	*name = cached;
	return rc == XB_NAME_GIVE_UP ? XB_NAME_FOUND : rc;
}

/*
 * A ClientHello with ECH shows a name that may only be its provider's
 * cover: what the DNS cache learnt of the server (pi's destination) is
 * weighed too, the stricter category wins.
 */
static void
ech_cover(struct xb_worker *w, const struct xb_ruleset *rs,
	  struct xb_flow *f, const struct xb_pkt_info *pi, uint64_t now)
{
	struct xb_name known;
	uint32_t line = 0;
	int cat;

	(void)pi;
	if (w->dns == NULL ||
	    !xb_dns_learn_lookup(w->dns, dns_tenant_key(rs, f), f->key.family,
				 f->key.addr[f->remote], now, &known))
		return;
	uint16_t was = f->verdict.category;

	cat = name_category(w, rs, known.str, &line);
	if (cat >= 0)
		stricter_category(rs, f, (unsigned int)cat);
	xb_verdict_count_category(rs, w->index, was, f->verdict.category, cat,
				  line, flow_why(w, f));
}

/* The first payload packets of a flow may reveal its name (pi, m: the
 * packet, direction dir in the flow key, time now). */
static inline void
extract_name(struct xb_worker *w, const struct xb_ruleset *rs,
	     struct xb_flow *f, const struct xb_pkt_info *pi, uint8_t dir,
	     struct rte_mbuf *m, uint64_t now)
{
	struct xb_name_flow *nf = name_flow(w, f);
	struct xb_name name;
	const uint8_t *payload = NULL;
	uint32_t len = pi->payload_len;
	int rc;

	if (len > 0) {
		/* A copy the server would discard (the NIC found its L4
		 * checksum bad) must not decide the name. */
		if (unlikely((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
			     RTE_MBUF_F_RX_L4_CKSUM_BAD)) {
			w->c.names_cksum_bad++;
			return;
		}
		/* The whole payload: a name may lie past any cut. */
		if (pi->payload_off + len > rte_pktmbuf_pkt_len(m))
			len = rte_pktmbuf_pkt_len(m) > pi->payload_off
				      ? rte_pktmbuf_pkt_len(m) - pi->payload_off
				      : 0;
		if (len > sizeof(w->payload_copy))
			len = sizeof(w->payload_copy);
		payload = rte_pktmbuf_read(m, pi->payload_off, len,
					   w->payload_copy);
		if (payload == NULL)
			len = 0;
	}
	name.len = 0;
	rc = xb_name_feed(w->names, nf, pi, dir, f->init_dir, payload, len,
			  now, &name);
	rc = name_from_dns_cache(w, rs, f, rc, now, &name);
	/* The extractor may keep watching after a result (a re-sent
	 * ClientHello compared with the first copy, the next HTTP request)
	 * until it is done with the flow. */
	if (!xb_name_active(nf))
		f->flags |= XB_FF_NAME_DONE;
	if (rc == XB_NAME_MORE || rc == XB_NAME_GIVE_UP)
		return;
	if (name.len > 0 && (rc == XB_NAME_FOUND || rc == XB_NAME_UNNAMED)) {
		/* The name shown (for UNNAMED: what the flow shows instead of
		 * its real name, e.g. an ECH outer name). */
		memcpy(xb_flow_name(w->flows, f), name.str,
		       name.len < XB_FLOW_NAME_MAX ? name.len + 1u
						   : XB_FLOW_NAME_MAX);
		xb_flow_name(w->flows, f)[XB_FLOW_NAME_MAX - 1] = '\0';
		f->name_source = name.source;
		w->c.names_found++;
		/* The name may change the category, and with it the policy
		 * (a category decision: the pattern that gave it counts). */
		uint32_t line = 0;
		uint16_t was = f->verdict.category;
		int cat = apply_name(w, rs, f, &line);

		xb_verdict_count_category(rs, w->index, was,
					  f->verdict.category, cat, line,
					  flow_why(w, f));
	}
	if (rc == XB_NAME_FOUND && (name.flags & XB_NAME_F_ECH))
		ech_cover(w, rs, f, pi, now);
	if (rc == XB_NAME_UNNAMED)
		f->flags |= XB_FF_UNNAMED;
	else if (rc == XB_NAME_EVASIVE)
		f->flags |= XB_FF_EVASIVE;
	{
		uint16_t was = f->verdict.category;

		apply_evidence(rs, f);
		/* Evidence (unnamed, evasive) names no row. */
		xb_verdict_count_category(rs, w->index, was,
					  f->verdict.category, -1, 0,
					  flow_why(w, f));
	}
	decide_policy(w, rs, f, now, false);
}

/* A packet's time (ns): the burst's on the wall clock, the packet's own
 * timestamp under --clock capture. */
static inline uint64_t
packet_time(const struct xb_worker *w, const struct rte_mbuf *m,
	    uint64_t burst_ns)
{
	if (w->clock_capture && w->ts_offset >= 0)
		return *RTE_MBUF_DYNFIELD(m, w->ts_offset, const uint64_t *);
	return burst_ns;
}

/* Rewrite the DSCP of the outermost IP header (the one the network sees),
 * at offset outer_l3_off of m. */
static inline void
remark_dscp(struct xb_worker *w, struct rte_mbuf *m, uint16_t outer_l3_off,
	    uint8_t dscp)
{
	uint8_t *ip;

	if (unlikely((uint32_t)outer_l3_off + 40 > m->data_len))
		return; /* header not in the first segment: leave it */
	ip = rte_pktmbuf_mtod_offset(m, uint8_t *, outer_l3_off);
	if ((ip[0] >> 4) == 4) {
		if (xb_dscp_get_ipv4(ip) == dscp)
			return;
		xb_dscp_remark_ipv4(ip, dscp);
	} else {
		if (xb_dscp_get_ipv6(ip) == dscp)
			return;
		xb_dscp_remark_ipv6(ip, dscp);
	}
	w->c.dscp_remarked++;
}

/*
 * Move the worker's usage counting to a new month (rare: the first
 * packet under a ruleset, and the clock reaching a later month).  The
 * worker's month only moves forward (w->usage_month, kept across
 * rulesets): a packet stamped with an earlier month is billed in the
 * current one (see acct_refresh).  Of the two slots, one counts the
 * current month; the other held the month before, marked closing when
 * left, and is reused only once the control plane has acknowledged a
 * fold made after that mark (see xb_ruleset.h, app/ctl/xb_billing.c).
 * That wait is short (the worker asks for the fold, the main lcore polls
 * the request every pass) and watches the stop flag: when stop is set
 * before the ack, the worker stays in its month (returns false; the
 * caller bills the packet there and counts it as held).
 */
static bool
usage_month_switch(struct xb_worker *w, const struct xb_ruleset *rs,
		   struct xb_usage_slots *u, uint64_t now)
{
	uint32_t m = xb_month_of(now, rs->utc_offset_s);

	if (m < w->usage_month)
		m = w->usage_month;
	if (w->usage_rs != rs) {
		/* A ruleset's slots start unused; the retired ruleset is
		 * folded one last time after its grace period. */
		atomic_store_explicit(&u->month[0], m, memory_order_release);
		w->usage_rs = rs;
		w->usage_slot = 0;
	} else if (m != w->usage_month) {
		unsigned int k = w->usage_slot, k2 = k ^ 1u;
		uint32_t old = atomic_load_explicit(&u->month[k2],
						    memory_order_relaxed);

		if (old != 0 && atomic_load_explicit(&u->ack[k2],
						     memory_order_acquire) != old) {
			atomic_store_explicit(&w->fold_wanted, true,
					      memory_order_release);
			while (atomic_load_explicit(&u->ack[k2],
						    memory_order_acquire) != old) {
				if (atomic_load_explicit(&w->stop,
							 memory_order_acquire)) {
					atomic_store_explicit(&w->fold_wanted,
							      false,
							      memory_order_relaxed);
					return false;
				}
				rte_pause();
			}
			atomic_store_explicit(&w->fold_wanted, false,
					      memory_order_relaxed);
		}
		atomic_store_explicit(&u->month[k2], m, memory_order_release);
		/* Nothing more is counted in slot k: the control plane
		 * folds it once more and acknowledges. */
		atomic_store_explicit(&u->closing[k], w->usage_month,
				      memory_order_release);
		w->usage_slot = k2;
	}
	w->usage_month = m;
	w->month_start_ns = xb_month_start_ns(m, rs->utc_offset_s);
	w->month_end_ns = xb_month_start_ns(xb_month_next(m), rs->utc_offset_s);
	return true;
}

/*
 * Account from now (ns) on under rs: the usage month (moved forward when
 * the clock reaches a later one) and the tariff band of the current
 * minute.  Rare: the first packet under a ruleset, then once a minute;
 * every packet stamped before the current month (late: billed in the
 * current month, returns 1) or after it while the month switch gave way
 * to the stop flag (held: billed in the current month, returns 2).
 * Returns 0 otherwise.
 */
static int
acct_refresh(struct xb_worker *w, const struct xb_ruleset *rs,
	     struct xb_usage_slots *u, uint64_t now)
{
	uint64_t from, until;

	if (w->usage_rs != rs || now >= w->month_end_ns) {
		if (!usage_month_switch(w, rs, u, now)) {
			w->acct_from_ns = w->acct_until_ns = 0;
			return 2;
		}
	}
	w->band = xb_tariff_band_minute(rs->tariff, now, &from, &until);
	if (now < w->month_start_ns) {
		/* Every late packet comes back here, to be counted. */
		w->acct_from_ns = w->acct_until_ns = 0;
		return 1;
	}
	w->acct_from_ns = from > w->month_start_ns ? from : w->month_start_ns;
	w->acct_until_ns = until < w->month_end_ns ? until : w->month_end_ns;
	return 0;
}

/*
 * Enforce a verdict v on one packet m (pi: its parse, len: its frame
 * bytes, now: its time, ns; frames: 1, or the number of fragment frames
 * of a reassembled datagram, whose len is their bytes and m NULL: its
 * caller remarks the frames), the steps after classification in order:
 * count it under its class and action; policy: negative list and deny
 * rows drop; meter: the row's meter polices (red drops); the tenant's
 * quota, once spent, applies its over_quota action; DSCP is remarked;
 * account: forwarded packets are billed by band.  Returns XB_DROP_MAX to
 * forward, else the drop reason.  Per packet: the flow's verdict, or a
 * packet's own when the flow table could not take its flow.
 */
static inline enum xb_drop_reason
enforce(struct xb_worker *w, const struct xb_ruleset *rs,
	const struct xb_ruleset_counters *cnt, struct rte_mbuf *m,
	const struct xb_pkt_info *pi, const struct xb_flow_verdict *v,
	uint32_t frames, uint32_t len, uint64_t now)
{
	/* Read once: the counter stores below may alias byte fields. */
	const uint16_t country = v->country, category = v->category;
	const uint16_t tenant = v->tenant;
	const uint8_t action = v->action, dscp = v->dscp;
	const uint32_t meter = v->meter;
	struct xb_pkt_bytes *cell;

	cnt->by_country[country].packets += frames;
	cnt->by_country[country].bytes += len;
	cnt->by_category[category].packets += frames;
	cnt->by_category[category].bytes += len;
	cnt->by_tenant[tenant].packets += frames;
	cnt->by_tenant[tenant].bytes += len;
	w->c.by_action_pkts[action] += frames;
	w->c.by_action_bytes[action] += len;
	if (unlikely(!xb_action_forwards(action)))
		return action == XB_ACT_NEGATIVE_LIST ? XB_DROP_NEGATIVE_LIST
						      : XB_DROP_POLICY_DENY;
	if (meter != XB_METER_NONE) {
		enum xb_color c = xb_meter_color(rs->meters, w->index, meter,
						 now, len);

		cnt->meter_colors[meter][c].packets += frames;
		cnt->meter_colors[meter][c].bytes += len;
		if (c == XB_RED)
			return XB_DROP_METER_RED;
		if (c == XB_YELLOW)
			w->c.meter_yellow++;
	}
	if (unlikely(!xb_quota_consume(rs->quota, w->index, tenant, len))) {
		const struct xb_tenant *t = xb_tenants_get(rs->tenants, tenant);

		w->c.over_quota++;
		if (t->over_quota == XB_OVER_QUOTA_BLOCK)
			return XB_DROP_QUOTA;
		if (t->over_quota == XB_OVER_QUOTA_THROTTLE) {
			const uint32_t tm = rs->throttle_meter_base + tenant;
			enum xb_color c = xb_meter_color(rs->meters, w->index,
							 tm, now, len);

			cnt->meter_colors[tm][c].packets += frames;
			cnt->meter_colors[tm][c].bytes += len;
			if (c == XB_RED)
				return XB_DROP_QUOTA;
		}
	}
	if (dscp != XB_DSCP_KEEP && m != NULL)
		remark_dscp(w, m, pi->outer_l3_off, dscp);
	if (unlikely(w->usage_rs != rs || now < w->acct_from_ns ||
		     now >= w->acct_until_ns))
	{
		int r = acct_refresh(w, rs, (struct xb_usage_slots *)&cnt->usage,
				     now);

		if (r == 1) {
			w->c.usage_late_pkts++;
			w->c.usage_late_bytes += len;
		} else if (r == 2) {
			w->c.usage_held_pkts++;
			w->c.usage_held_bytes += len;
		}
	}
	cell = &cnt->usage.cells[w->usage_slot]
		       [xb_ruleset_usage_cell(rs, tenant, country, category,
					      w->band)];
	cell->packets += frames;
	cell->bytes += len;
	return XB_DROP_MAX;
}

/*
 * The verdict of a packet the flow table could not take (every candidate
 * entry pinned by this burst): classified and decided from this packet
 * alone, at its time now (ns), into v, for the same enforce() as a flow's.
 */
static void
stateless_verdict(struct xb_worker *w, const struct xb_ruleset *rs,
		  const struct xb_pkt_info *pi, enum xb_role_hint role,
		  uint64_t now, struct xb_flow_verdict *v)
{
	struct xb_verdict cls;

	w->c.flows_stateless++;
	struct xb_policy_verdict pv;

	xb_ruleset_classify(rs, pi, false, role, &cls);
	*v = (struct xb_flow_verdict){0};
	xb_verdict_classified(v, &cls);
	xb_verdict_count_classification(rs, w->index, &cls, v->category, -1, 0,
					NULL);
	xb_verdict_decide_counted(v, rs, w->index, now, &pv, NULL);
}

/*
 * A burst's IP packets between the stages: what parse gives the later
 * ones, and what the flow stage gives classify and enforce.
 */
struct xb_ip_burst {
	uint16_t n;
	uint16_t nq;                       /* flow: entries of queued[] */
	struct xb_flow *resume;            /* flow: the flow of the packet
					    * the segment ended at, or NULL */
	struct rte_mbuf *pkts[XB_BURST];
	struct xb_pkt_info info[XB_BURST];
	struct xb_flow_key keys[XB_BURST];
	uint32_t hashes[XB_BURST];
	uint8_t dirs[XB_BURST];            /* direction in the flow key */
	struct xb_flow *flows[XB_BURST];   /* flow: the packet's flow */
	uint64_t times[XB_BURST];          /* flow: the packet's time, ns */
	uint16_t queued[XB_BURST];         /* flow: packets whose flow
					    * classify_new classifies */
	/* flow: a queued flow's category from the memory of evicted flows
	 * (recall_evicted), for classify_new; gen 0: none */
	uint16_t recalled_cat[XB_BURST];
	uint32_t recalled_gen[XB_BURST];
};

/*
 * Stage parse: non-IP frames pass untouched, broken IP drops.  With
 * keyed, the flow key and hash come right after the parse, and the hash's
 * bucket line starts loading while the rest of the burst parses.
 * Prefetched before: the mbuf headers, then each packet's first line a few
 * packets ahead (its address is in the header).  Where the driver filled
 * them on this core they are cached already; where another core did
 * (replay feeder, a software ring), each is a cross-core miss.  Out of
 * line: the later stages' size would otherwise crowd the parse loop's
 * registers.
 */
/* The originals of a reassembled datagram r dropped (reason why), and r
 * released: frees at once (up to XB_FRAG_MAX frames, more than a burst's
 * drop list may have room for). */
static void
drop_originals(struct xb_worker *w, struct rte_mbuf *r,
	       enum xb_drop_reason why)
{
	struct rte_mbuf *orig[XB_FRAG_MAX];
	uint16_t l3[XB_FRAG_MAX];
	uint32_t bytes;
	unsigned int n = xb_frag_originals(r, orig, l3, &bytes);

	w->c.drop[why] += n;
	rte_pktmbuf_free_bulk(orig, n);
	xb_frag_release(r);
}

/*
 * A fragment (pi: its parse) into the reassembly table at its time now
 * (ns).  Returns the datagram it completes, parsed into pi (flagged
 * XB_PKT_F_REASSEMBLED, its time that of the completing fragment), or
 * NULL: the fragment waits, or was dropped (counted as `fragment`).  A
 * datagram that is broken once whole (its L4 header, a tunnel inside)
 * drops its frames as malformed.  scratch: XB_PARSE_HDR_MAX bytes.
 */
static __rte_noinline struct rte_mbuf *
take_fragment(struct xb_worker *w, struct rte_mbuf *m, struct xb_pkt_info *pi,
	      uint64_t now, uint8_t *scratch)
{
	struct rte_mbuf *r = xb_frag_take(w->frag, m, pi, now,
					  &w->c.drop[XB_DROP_FRAGMENT]);
	const uint8_t *hdr;
	uint32_t len, hlen;

	if (r == NULL)
		return NULL;
	w->c.reassembled++;
	if (w->clock_capture && w->ts_offset >= 0)
		*RTE_MBUF_DYNFIELD(r, w->ts_offset, uint64_t *) = now;
	len = rte_pktmbuf_pkt_len(r);
	hlen = len < XB_PARSE_HDR_MAX ? len : XB_PARSE_HDR_MAX;
	hdr = rte_pktmbuf_read(r, 0, hlen, scratch);
	if (likely(hdr != NULL &&
		   xb_parse(hdr, hlen, len, pi) == XB_PARSE_IP &&
		   !(pi->flags & XB_PKT_F_FRAGMENT))) {
		pi->flags |= XB_PKT_F_REASSEMBLED;
		return r;
	}
	drop_originals(w, r, XB_DROP_MALFORMED);
	return NULL;
}

static __rte_noinline void
parse_burst(struct xb_worker *w, const struct xb_rxq *q,
	    struct rte_mbuf **pkts, uint16_t n, bool keyed, bool reassemble,
	    uint64_t now, struct xb_ip_burst *b, struct xb_dropped *dropped)
{
	uint8_t scratch[XB_PARSE_HDR_MAX];
	const struct xb_siphash_key *hkey = xb_flow_table_hash_key(w->flows);

	b->n = 0;
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	for (uint16_t i = 0; i < n && i < XB_PKT_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		uint32_t hlen = len < XB_PARSE_HDR_MAX ? len : XB_PARSE_HDR_MAX;
		uint16_t k = b->n;
		const uint8_t *hdr;
		int rc;

		if (i + XB_PKT_AHEAD < n) {
			struct rte_mbuf *ahead = pkts[i + XB_PKT_AHEAD];

			rte_prefetch0(rte_pktmbuf_mtod(ahead, void *));
			/* The second header line: freeing reads it. */
			rte_prefetch0((const char *)ahead + RTE_CACHE_LINE_SIZE);
		}
		w->c.rx_bytes += len;
		/* Contiguous first bytes; copied only when the headers span
		 * segments. */
		hdr = rte_pktmbuf_read(m, 0, hlen, scratch);
		rc = hdr ? xb_parse(hdr, hlen, len, &b->info[k])
			 : XB_PARSE_MALFORMED;
		if (likely(rc == XB_PARSE_IP)) {
			/* Fragments wait for their datagram (one flag test
			 * for every other packet). */
			if (unlikely(b->info[k].flags & XB_PKT_F_FRAGMENT) &&
			    reassemble) {
				m = take_fragment(w, m, &b->info[k],
						  packet_time(w, m, now),
						  scratch);
				if (m == NULL)
					continue;
			}
			if (likely(keyed)) {
				b->hashes[k] = xb_flow_key_from_pkt_hash(
					&b->info[k], &b->keys[k], &b->dirs[k],
					hkey);
				xb_flow_prefetch_bucket(w->flows, b->hashes[k]);
			}
			b->pkts[b->n++] = m;
			continue;
		}
		if (rc == XB_PARSE_NOT_IP) {
			w->c.not_ip++;
			if (unlikely(w->non_ip_drop))
				drop(w, dropped, m, XB_DROP_NOT_IP);
			else
				tx_enqueue(w, q->tx_port, m);
		} else {
			drop(w, dropped, m, XB_DROP_MALFORMED);
		}
	}
}

/* The flow stage's start: a new burst for the table (its pins; none
 * for a burst without IP packets), and the first packets' entries
 * loading.  Each later packet's entry is prefetched XB_LOOKAHEAD packets
 * before its lookup, inside the stage. */
static inline void
flows_begin(struct xb_worker *w, struct xb_ip_burst *b)
{
	b->resume = NULL;
	if (unlikely(b->n == 0))
		return;
	xb_flow_burst_begin(w->flows);
	for (uint16_t i = 0; i < b->n && i < XB_LOOKAHEAD; i++)
		xb_flow_prefetch_candidate(w->flows, b->hashes[i]);
}

/* --stages flow: the flow table's work alone (lookup, insert, touch) at
 * the burst's time now (ns), then forward. */
static void
flows_only(struct xb_worker *w, const struct xb_rxq *q, struct xb_ip_burst *b,
	   uint64_t now)
{
	flows_begin(w, b);
	for (uint16_t i = 0; i < b->n; i++) {
		struct xb_flow *f;

		if (i + XB_LOOKAHEAD < b->n)
			xb_flow_prefetch_candidate(w->flows,
						   b->hashes[i + XB_LOOKAHEAD]);
		f = xb_flow_lookup(w->flows, &b->keys[i], b->hashes[i]);
		if (f == NULL)
			f = xb_flow_insert(w->flows, &b->keys[i], b->hashes[i],
					   now, flow_end, w);
		if (f != NULL)
			xb_flow_touch(f, b->dirs[i], rte_pktmbuf_pkt_len(b->pkts[i]),
				      b->info[i].tcp_flags, now);
		tx_enqueue(w, q->tx_port, b->pkts[i]);
	}
}

/*
 * Stage flow, over one segment of the burst from packet start: each
 * packet's time (b->times[], from now, the burst's time) and flow (a
 * lookup, else a new entry; an entry idle past its timeout restarts as a
 * new flow), and the flows that need a verdict (new, restarted, or from
 * an older ruleset) queued once each, b->queued[0..b->nq).  Entries found
 * or made are pinned for the burst: b->flows[] stays valid to enforce.
 *
 * Returns the segment's end: b->n, or earlier at a packet whose flow the
 * segment has already seen and which has idled out since (a capture clock
 * can put hours inside one burst): the packets before it belong to the
 * lifetime that ends there, so they are enforced first; the next segment
 * starts at that packet, with its flow (b->resume).
 */
static __rte_always_inline uint16_t
lookup_flows(struct xb_worker *w, const struct xb_ruleset *rs,
	     enum xb_role_hint role, struct xb_ip_burst *b, uint16_t start,
	     uint64_t now)
{
	struct xb_flow *resume = b->resume;
	uint16_t nq = 0, end;

	b->resume = NULL;
	for (end = start; end < b->n; end++) {
		uint16_t i = end;
		struct xb_flow *f;
		uint64_t t;

		if (i + XB_LOOKAHEAD < b->n)
			xb_flow_prefetch_candidate(w->flows,
						   b->hashes[i + XB_LOOKAHEAD]);
		/* The worker's clock: for the table's end callbacks, and
		 * published (replay feeder, billing). */
		w->now_ns = b->times[i] = t = packet_time(w, b->pkts[i], now);
		if (resume != NULL) {
			f = resume;
			resume = NULL;
		} else {
			f = xb_flow_lookup(w->flows, &b->keys[i], b->hashes[i]);
			if (f != NULL && (f->flags & XB_FF_SEEN) &&
			    unlikely(xb_flow_idle(w->flows, f, t))) {
				b->resume = f;
				break;
			}
		}
		if (f == NULL)
			/* A bare SYN may not push out an established flow
			 * (a SYN flood evicts only its own kind). */
			f = xb_flow_insert_ex(
				w->flows, &b->keys[i], b->hashes[i], t,
				(b->info[i].tcp_flags &
				 (XB_TCP_FLAG_SYN | XB_TCP_FLAG_ACK)) ==
						XB_TCP_FLAG_SYN
					? XB_FLOW_INSERT_PROBATION
					: 0,
				flow_end, w);
		else
			/* Idle past its timeout: it ended; the entry
			 * restarts as a new flow (generation 0). */
			xb_flow_restart_if_idle(w->flows, f, t, flow_end, w);
		b->flows[i] = f;
		if (unlikely(f == NULL))
			continue;
		/* Later packets of the burst see it active. */
		xb_flow_seen(f, t);
		if (unlikely(f->generation != rs->generation) &&
		    !(f->flags & XB_FF_QUEUED)) {
			if (f->generation == 0) {
				/* Really new (later packets of it in this
				 * burst find it queued). */
				w->c.flows_new++;
				f->init_dir = b->dirs[i];
				f->flags = (uint8_t)role;
				/* An evicted flow back mid-stream gets what
				 * it had; a TCP flow first seen mid-stream
				 * that the memory does not know is marked. */
				if (!recall_evicted(w, f, &b->info[i],
						    b->hashes[i],
						    &b->recalled_cat[i],
						    &b->recalled_gen[i]) &&
				    f->key.proto == XB_FLOW_PROTO_TCP &&
				    !(b->info[i].tcp_flags & XB_TCP_FLAG_SYN))
					f->flags |= XB_FF_MIDSTREAM;
			} else {
				w->c.reclassified++;
				b->recalled_gen[i] = 0;
			}
			f->flags |= XB_FF_QUEUED;
			b->queued[nq++] = i;
		}
		f->flags |= XB_FF_SEEN;
	}
	b->nq = nq;
	return end;
}

/*
 * Stage classify: the verdicts of the flows the flow stage queued
 * (b->queued[k] indexes the packet that queued its flow, with its info,
 * direction and time): the ruleset's lookups for all of them in one bulk
 * call (domestic side and country FIBs, 5-tuple rules), then each flow's
 * name category and policy at its packet's time.
 */
static __rte_noinline void
classify_new(struct xb_worker *w, const struct xb_ruleset *rs,
	     const struct xb_ip_burst *b)
{
	const struct xb_pkt_info *qpi[XB_BURST];
	struct xb_verdict cls[XB_BURST];
	bool reply[XB_BURST];
	uint8_t roles[XB_BURST];
	uint16_t nq = b->nq;

	if (nq == 0)
		return;
	for (uint16_t k = 0; k < nq; k++) {
		const struct xb_flow *f = b->flows[b->queued[k]];

		qpi[k] = &b->info[b->queued[k]];
		reply[k] = b->dirs[b->queued[k]] != f->init_dir;
		roles[k] = f->flags & XB_FF_ROLE_MASK;
	}
	xb_ruleset_classify_bulk(rs, qpi, reply, roles, nq, cls);
	for (uint16_t k = 0; k < nq; k++) {
		uint16_t i = b->queued[k];
		struct xb_flow *f = b->flows[i];

		f->flags &= (uint8_t)~XB_FF_QUEUED;
		classified(w, rs, f, &cls[k], b->dirs[i], b->times[i]);
		/* A category from the memory of evicted flows, decided under
		 * this ruleset: as strict as it was before the eviction. */
		if (unlikely(b->recalled_gen[i] == rs->generation) &&
		    b->recalled_cat[i] < rs->ncategories) {
			uint16_t was = f->verdict.category;

			stricter_category(rs, f, b->recalled_cat[i]);
			if (f->verdict.category != was) {
				/* Remembered, not decided by a row now. */
				flow_why(w, f)->category_line = 0;
				decide_policy(w, rs, f, b->times[i], false);
			}
		}
	}
}

/*
 * The verdict packet i of the burst (m: its mbuf, or the datagram
 * reassembled from it) is enforced under, once its flow has been
 * touched: the flow's, after what the packet may change in it (its name
 * from the first payload packets, a DNS answer learnt, the policy decided
 * again once it lapses), or one of its own (*own) when the flow table
 * could not take the flow this burst.
 */
static __rte_always_inline const struct xb_flow_verdict *
packet_verdict(struct xb_worker *w, const struct xb_ruleset *rs,
	       enum xb_role_hint role, const struct xb_ip_burst *b,
	       uint16_t i, struct rte_mbuf *m, struct xb_flow_verdict *own)
{
	const struct xb_pkt_info *pi = &b->info[i];
	struct xb_flow *f = b->flows[i];
	uint64_t now = b->times[i];

	if (unlikely(f == NULL)) {
		/* No room in the flow table for this burst. */
		stateless_verdict(w, rs, pi, role, now, own);
		return own;
	}
	if (unlikely(!(f->flags & XB_FF_NAME_DONE)))
		extract_name(w, rs, f, pi, b->dirs[i], m, now);
	if (unlikely(pi->sport == 53 || pi->dport == 53))
		learn_dns(w, rs, f, pi, b->dirs[i], role, m, now);
	if (unlikely(now >= f->verdict.valid_until_ns))
		/* approval expired */
		decide_policy(w, rs, f, now, true);
	return &f->verdict;
}

/* A direction's first packet: the port it came in on and the one its
 * verdict sends it to (IPFIX ingress/egressInterface; port ids past 254
 * read as 255, unknown). */
static inline void
flow_ports(struct xb_worker *w, struct xb_flow *f, uint8_t dir,
	   const struct xb_rxq *q, uint8_t action)
{
	struct xb_flow_why *why = flow_why(w, f);
	uint16_t out = action == XB_ACT_PUBLIC ? q->public_port : q->tx_port;

	why->port_in[dir & 1] = q->port < XB_WHY_PORT_UNKNOWN ?
					(uint8_t)q->port : XB_WHY_PORT_UNKNOWN;
	why->port_out[dir & 1] = out < XB_WHY_PORT_UNKNOWN ?
					 (uint8_t)out : XB_WHY_PORT_UNKNOWN;
}

/*
 * enforce_burst's step for a datagram reassembled from fragments (packet
 * i of b): the same steps as for one packet, on the datagram (names, the
 * verdict), with the flow's counters, the policy's and the bill's counted
 * per original frame; the originals are forwarded (DSCP remarked in each)
 * or dropped, the datagram released.
 */
static __rte_noinline void
enforce_datagram(struct xb_worker *w, const struct xb_rxq *q,
		 const struct xb_ruleset *rs,
		 const struct xb_ruleset_counters *cnt, enum xb_role_hint role,
		 const struct xb_ip_burst *b, uint16_t i)
{
	struct rte_mbuf *r = b->pkts[i];
	const struct xb_pkt_info *pi = &b->info[i];
	struct xb_flow *f = b->flows[i];
	uint64_t now = b->times[i];
	struct rte_mbuf *orig[XB_FRAG_MAX];
	uint16_t l3[XB_FRAG_MAX];
	const struct xb_flow_verdict *v;
	struct xb_flow_verdict own;
	enum xb_drop_reason why;
	uint8_t action, dscp;
	uint32_t bytes;
	unsigned int n = xb_frag_originals(r, orig, l3, &bytes);

	if (f != NULL) {
		f->flags &= (uint8_t)~XB_FF_SEEN;
		for (unsigned int k = 0; k < n; k++)
			xb_flow_touch(f, b->dirs[i], rte_pktmbuf_pkt_len(orig[k]),
				      pi->tcp_flags, now);
	}
	v = packet_verdict(w, rs, role, b, i, r, &own);
	action = v->action;
	dscp = v->dscp;
	if (f != NULL && f->packets[b->dirs[i]] == n)
		flow_ports(w, f, b->dirs[i], q, action);
	why = enforce(w, rs, cnt, NULL, pi, v, n, bytes, now);
	if (why == XB_DROP_MAX) {
		uint16_t port = action == XB_ACT_PUBLIC ? q->public_port
							: q->tx_port;

		for (unsigned int k = 0; k < n; k++) {
			if (dscp != XB_DSCP_KEEP)
				remark_dscp(w, orig[k], l3[k], dscp);
			tx_enqueue(w, port, orig[k]);
		}
	} else {
		w->c.drop[why] += n;
		if (f != NULL)
			xb_flow_count_drop(w->flows, f, why, n);
		rte_pktmbuf_free_bulk(orig, n);
	}
	xb_frag_release(r);
}

/*
 * Stage enforce, per packet of the segment [start, end): the flow's
 * counters and state (names from its first payload packets, the policy
 * decided again once it lapses), then its verdict enforced (policy,
 * meter, quota, DSCP, account; enforce()) at the packet's time and the
 * packet queued for TX or dropped.  A packet without a flow entry gets a
 * verdict of its own.
 */
static __rte_always_inline void
enforce_burst(struct xb_worker *w, const struct xb_rxq *q,
	      const struct xb_ruleset *rs, enum xb_role_hint role,
	      const struct xb_ip_burst *b, uint16_t start, uint16_t end,
	      struct xb_dropped *dropped)
{
	const struct xb_ruleset_counters *cnt = &rs->counters[w->index];

	for (uint16_t i = start; i < end; i++) {
		struct rte_mbuf *m = b->pkts[i];
		const struct xb_pkt_info *pi = &b->info[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		struct xb_flow *f = b->flows[i];
		uint64_t now = b->times[i];
		const struct xb_flow_verdict *v;
		struct xb_flow_verdict own;
		enum xb_drop_reason why;
		uint8_t action;

		if (unlikely(pi->flags & XB_PKT_F_REASSEMBLED)) {
			enforce_datagram(w, q, rs, cnt, role, b, i);
			continue;
		}
		if (likely(f != NULL)) {
			f->flags &= (uint8_t)~XB_FF_SEEN;
			xb_flow_touch(f, b->dirs[i], len, pi->tcp_flags, now);
		}
		v = packet_verdict(w, rs, role, b, i, m, &own);
		/* Read before enforce's stores, which may alias it. */
		action = v->action;
		if (likely(f != NULL) && unlikely(f->packets[b->dirs[i]] == 1))
			flow_ports(w, f, b->dirs[i], q, action);
		why = enforce(w, rs, cnt, m, pi, v, 1, len, now);
		if (likely(why == XB_DROP_MAX)) {
			tx_enqueue(w, action == XB_ACT_PUBLIC ? q->public_port
							      : q->tx_port,
				   m);
		} else {
			/* The flow's own drop count: the drop path only. */
			if (likely(f != NULL))
				xb_flow_count_drop(w->flows, f, why, 1);
			drop(w, dropped, m, why);
		}
	}
}

/*
 * --stages: the pipeline cut after a stage, for per-stage benchmarks: io
 * (the loop, RX and TX, and nothing else: testpmd's io forwarding through
 * xbgw's own loop), parse, or parse and flow; every packet is forwarded.
 */
static __rte_noinline void
process_burst_stages(struct xb_worker *w, const struct xb_rxq *q,
		     struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	struct xb_ip_burst b;
	struct xb_dropped dropped = {.n = 0};
	const bool keyed = w->stages == XB_STAGES_FLOW;

	if (w->stages == XB_STAGES_IO) {
		for (uint16_t i = 0; i < n; i++) {
			w->c.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
			tx_enqueue(w, q->tx_port, pkts[i]);
		}
		return;
	}
	parse_burst(w, q, pkts, n, keyed, false, now, &b, &dropped);
	if (keyed) {
		flows_only(w, q, &b, now);
	} else {
		for (uint16_t i = 0; i < b.n; i++)
			tx_enqueue(w, q->tx_port, b.pkts[i]);
	}
	if (dropped.n)
		rte_pktmbuf_free_bulk(dropped.pkts, dropped.n);
}

/*
 * One received burst through the pipeline: rx (done) -> parse -> flow ->
 * classify -> enforce (policy, meter, account) -> TX buffers (the caller
 * flushes them: tx_burst).  now: the burst's time, ns on the wall clock;
 * under --clock capture each packet's own timestamp replaces it.
 *
 * Flow, classify and enforce run over segments of the burst, normally
 * the whole of it (see lookup_flows).
 */
static void
process_burst(struct xb_worker *w, const struct xb_rxq *q,
	      const struct xb_ruleset *rs, struct rte_mbuf **pkts, uint16_t n,
	      uint64_t now)
{
	enum xb_role_hint role = role_hint(q->role);
	struct xb_dropped dropped = {.n = 0};
	struct xb_ip_burst b;

	if (unlikely(w->stages != XB_STAGES_ALL)) {
		process_burst_stages(w, q, pkts, n, now);
		return;
	}
	parse_burst(w, q, pkts, n, true, w->frag != NULL, now, &b, &dropped);
	flows_begin(w, &b);
	for (uint16_t start = 0, end; start < b.n; start = end) {
		end = lookup_flows(w, rs, role, &b, start, now);
		if (unlikely(b.nq > 0))
			classify_new(w, rs, &b);
		enforce_burst(w, q, rs, role, &b, start, end, &dropped);
	}
	if (dropped.n)
		rte_pktmbuf_free_bulk(dropped.pkts, dropped.n);
}

/* Send what the burst left in the TX buffers of its queue's ports. */
static inline void
tx_burst(struct xb_worker *w, const struct xb_rxq *q)
{
	tx_flush(w, q->tx_port);
	if (q->public_port != q->tx_port)
		tx_flush(w, q->public_port);
}

/* The flow table's counters into the worker's (which the control plane
 * reads): plain copies by their only writer. */
static void
publish_flow_stats(struct xb_worker *w)
{
	struct xb_flow_table_stats st;

	xb_flow_table_stats(w->flows, &st);
	for (unsigned int c = 0; c < XB_FLOW_CLASS_MAX; c++)
		w->c.flows_evicted[c] = st.evictions_by_class[c];
	w->c.flows_refused = st.insert_refused;
	w->c.flows_remembered = st.remembered;
	w->c.flows_forgotten = st.memory_replaced + st.memory_expired;
	w->c.flows_live = st.in_use;
	w->c.flows_capacity = st.capacity;
}

int
xb_worker_main(void *arg)
{
	struct xb_worker *w = arg;
	struct rte_mbuf *pkts[XB_BURST];
	uint64_t last_ns = 0;

	xb_swap_reader_online(w->rules, w->index);
	atomic_store_explicit(&w->running, true, memory_order_release);
	while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
		const struct xb_ruleset *rs = xb_swap_get(w->rules);
		uint64_t tsc = 0; /* end of the last burst, 0: none */

		w->rs = rs;
		xb_quota_sync(rs->quota, w->index);
		w->c.polls++;
		for (unsigned int r = 0; r < w->nrxq; r++) {
			const struct xb_rxq *q = &w->rxq[r];
			uint16_t n = rte_eth_rx_burst(q->port, q->queue, pkts,
						      XB_BURST);
			uint64_t t0;

			if (n == 0)
				continue;
			t0 = rte_rdtsc();
			w->c.rx_pkts += n;
			process_burst(w, q, rs, pkts, n,
				      w->clock_capture ? 0 : wall_ns(w, t0));
			tx_burst(w, q);
			tsc = rte_rdtsc();
			w->c.busy_cycles += tsc - t0;
			w->c.busy_bursts++;
		}
		/* Aging: bounded work per loop, on the clock in use. */
		if (!w->clock_capture)
			w->now_ns = wall_ns(w, tsc ? tsc : rte_rdtsc());
		if (w->now_ns - last_ns >= XB_EXPIRE_PERIOD_NS) {
			/* The budget follows the clock: a capture clock
			 * may jump; catch up, bounded per loop. */
			uint64_t periods = (w->now_ns - last_ns) /
					   XB_EXPIRE_PERIOD_NS;
			unsigned int budget =
				periods >= XB_EXPIRE_MAX_BUCKETS / XB_EXPIRE_BUCKETS
					? XB_EXPIRE_MAX_BUCKETS
					: (unsigned int)periods * XB_EXPIRE_BUCKETS;

			if (w->frag != NULL)
				xb_frag_expire(w->frag, w->now_ns,
					       &w->c.drop[XB_DROP_FRAGMENT]);
			xb_flow_sweep(w->flows, w->now_ns, budget,
				      flow_end,
				      w->active_timeout_ns && w->flowlog
					      ? flow_live
					      : NULL,
				      w);
			last_ns = w->now_ns;
			publish_flow_stats(w);
		}
		/* Answer a telemetry /xbgw/flows request (rare). */
		xb_flowsnap_poll(w->snap, w->flows, rs);
		w->rs = NULL;
		xb_swap_quiescent(w->rules, w->index);
	}
	/* Exit: fragments still waiting for their datagram are dropped
	 * (counted: rx == tx + drops holds at the end too). */
	if (w->frag != NULL)
		xb_frag_flush(w->frag, &w->c.drop[XB_DROP_FRAGMENT]);
	for (unsigned int p = 0; p < XB_MAX_PORTS; p++)
		tx_flush(w, (uint16_t)p);
	/* Exit: every live flow goes to the flow log. */
	w->rs = xb_swap_get(w->rules);
	xb_flow_flush(w->flows, flow_end, w);
	publish_flow_stats(w);
	w->rs = NULL;
	xb_swap_reader_offline(w->rules, w->index);
	atomic_store_explicit(&w->flushed, true, memory_order_release);
	atomic_store_explicit(&w->running, false, memory_order_release);
	return 0;
}
