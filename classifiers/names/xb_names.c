/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-flow front end of the name extractors, the slot pool and the DNS
 * answer cache.
 *
 * A flow needs a slot only when its name does not come out of its first
 * payload packet.  Slots are preallocated; busy slots sit on a list in
 * allocation order, so when all are busy the oldest is reclaimed in O(1)
 * and the flow that owned it notices through the generation in its handle
 * (slot_lost) and gives up.
 *
 * Thread safety: a context belongs to one lcore; no function takes a lock.
 */
#include "xb_names.h"

#include "xb_dns.h"
#include "xb_http.h"
#include "xb_quic.h"
#include "xb_reasm.h"
#include "xb_tls.h"

#include <stdlib.h>

enum slot_kind {
	K_TLS = 1,
	K_HTTP,
	K_DNS_TCP,
	K_QUIC,
	K_TCP_PENDING, /* first segment seen was not the stream start */
};

#define NIL UINT32_MAX
/*
 * *slot values from SKIP_BASE up to XB_NAME_SLOT_NONE - 1 hold no slot but
 * count responder payload packets skipped before the initiator spoke (a
 * capture or flow entry that began mid-connection, or a server that speaks
 * first): XB_NAME_SLOT_NONE - n after n such packets.  Real handles are
 * (gen << 16 | index) with a 15-bit gen, so they stay below SKIP_BASE.
 */
#define SKIP_BASE (XB_NAME_SLOT_NONE - 16)
#define SKIP_MAX 4

struct slot {
	uint32_t prev, next; /* busy list (allocation order) or free list */
	uint16_t gen;
	uint8_t busy;
	uint8_t kind;
	int8_t dir;
	uint8_t pkts;     /* payload packets in dir */
	uint8_t pkts_all; /* payload packets, both directions */
	uint8_t shifted; /* window moved to an older segment */
	uint32_t bytes;
	uint32_t base_seq;
	struct xb_quic_flow quic;
	struct xb_reasm r;
};

struct cache_ent {
	uint64_t expires_ns; /* 0: empty */
	uint64_t stamp;      /* insertion order, for eviction */
	uint8_t family;
	uint8_t addr[16];
	struct xb_name name;
};

#define CACHE_WAYS 4

struct xb_name_ctx {
	struct slot *slots;
	uint32_t nslots;
	uint32_t free_head;
	uint32_t busy_head, busy_tail; /* oldest at head */
	struct cache_ent *cache;
	uint32_t cache_buckets; /* power of two; CACHE_WAYS entries each */
	uint64_t cache_stamp;
	struct xb_name_stats st;
	struct xb_quic_crypto *qc;
};

/* ---- slot pool --------------------------------------------------------- */

static void
busy_unlink(struct xb_name_ctx *ctx, uint32_t i)
{
	struct slot *s = &ctx->slots[i];
	if (s->prev != NIL)
		ctx->slots[s->prev].next = s->next;
	else
		ctx->busy_head = s->next;
	if (s->next != NIL)
		ctx->slots[s->next].prev = s->prev;
	else
		ctx->busy_tail = s->prev;
}

static void
slot_free(struct xb_name_ctx *ctx, uint32_t i)
{
	struct slot *s = &ctx->slots[i];
	busy_unlink(ctx, i);
	s->busy = 0;
	s->gen = (s->gen + 1) & 0x7fff; /* handles stay below SKIP_BASE */
	s->next = ctx->free_head;
	ctx->free_head = i;
}

static struct slot *
slot_alloc(struct xb_name_ctx *ctx, uint32_t *handle)
{
	uint32_t i = ctx->free_head;
	if (i == NIL) {
		i = ctx->busy_head; /* reclaim the oldest */
		slot_free(ctx, i);
		ctx->st.slot_reclaimed++;
		i = ctx->free_head;
	}
	struct slot *s = &ctx->slots[i];
	ctx->free_head = s->next;
	s->busy = 1;
	s->prev = ctx->busy_tail;
	s->next = NIL;
	if (ctx->busy_tail != NIL)
		ctx->slots[ctx->busy_tail].next = i;
	else
		ctx->busy_head = i;
	ctx->busy_tail = i;
	s->kind = 0;
	s->dir = -1;
	s->pkts = s->pkts_all = 0;
	s->shifted = 0;
	s->bytes = 0;
	s->base_seq = 0;
	xb_quic_flow_reset(&s->quic);
	xb_reasm_reset(&s->r);
	*handle = (uint32_t)s->gen << 16 | i;
	return s;
}

static struct slot *
slot_get(struct xb_name_ctx *ctx, uint32_t handle)
{
	uint32_t i = handle & 0xffff;
	if (i >= ctx->nslots)
		return NULL;
	struct slot *s = &ctx->slots[i];
	if (!s->busy || s->gen != (handle >> 16))
		return NULL;
	return s;
}

void
xb_name_release(struct xb_name_ctx *ctx, uint32_t *slot)
{
	if (*slot >= SKIP_BASE) { /* no slot (maybe a skip count) */
		*slot = XB_NAME_SLOT_NONE;
		return;
	}
	if (slot_get(ctx, *slot))
		slot_free(ctx, *slot & 0xffff);
	*slot = XB_NAME_SLOT_NONE;
}

struct xb_name_ctx *
xb_name_ctx_create(unsigned int slots, unsigned int dns_cache_entries)
{
	if (slots == 0 || slots > 65535)
		return NULL;
	struct xb_name_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->slots = calloc(slots, sizeof(*ctx->slots));
	if (!ctx->slots)
		goto fail;
	ctx->nslots = slots;
	for (uint32_t i = 0; i < slots; i++)
		ctx->slots[i].next = i + 1 < slots ? i + 1 : NIL;
	ctx->free_head = 0;
	ctx->busy_head = ctx->busy_tail = NIL;
	if (dns_cache_entries) {
		uint32_t b = 1;
		while (b * CACHE_WAYS < dns_cache_entries && b < (1u << 24))
			b <<= 1;
		ctx->cache = calloc((size_t)b * CACHE_WAYS, sizeof(*ctx->cache));
		if (!ctx->cache)
			goto fail;
		ctx->cache_buckets = b;
	}
	ctx->qc = xb_quic_crypto_create(XB_QUIC_DERIVE_BUDGET_DEFAULT);
	if (!ctx->qc)
		goto fail;
	return ctx;
fail:
	free(ctx->slots);
	free(ctx->cache);
	free(ctx);
	return NULL;
}

void
xb_name_ctx_free(struct xb_name_ctx *ctx)
{
	if (!ctx)
		return;
	xb_quic_crypto_free(ctx->qc);
	free(ctx->slots);
	free(ctx->cache);
	free(ctx);
}

void
xb_name_stats_get(const struct xb_name_ctx *ctx, struct xb_name_stats *st)
{
	*st = ctx->st;
}

/* ---- DNS cache ----------------------------------------------------------- */

static uint32_t
addr_hash(uint8_t family, const uint8_t *a)
{
	uint32_t n = family == 6 ? 16 : 4, h = 2166136261u;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	return h ^ (h >> 15);
}

static bool
addr_eq(const struct cache_ent *e, uint8_t family, const uint8_t *a)
{
	return e->family == family &&
	       memcmp(e->addr, a, family == 6 ? 16 : 4) == 0;
}

struct learn_arg {
	struct xb_name_ctx *ctx;
	uint64_t now_ns;
};

static void
cache_insert(void *argp, uint8_t family, const uint8_t *addr, uint32_t ttl,
	     const struct xb_name *qname)
{
	struct learn_arg *arg = argp;
	struct xb_name_ctx *ctx = arg->ctx;
	struct cache_ent *b = &ctx->cache[(addr_hash(family, addr) &
					   (ctx->cache_buckets - 1)) *
					  CACHE_WAYS];
	struct cache_ent *victim = NULL;
	for (int i = 0; i < CACHE_WAYS; i++) {
		if (b[i].expires_ns && addr_eq(&b[i], family, addr)) {
			victim = &b[i];
			break;
		}
	}
	if (!victim) {
		for (int i = 0; i < CACHE_WAYS; i++)
			if (b[i].expires_ns <= arg->now_ns) {
				victim = &b[i];
				break;
			}
	}
	if (!victim) {
		victim = &b[0];
		for (int i = 1; i < CACHE_WAYS; i++)
			if (b[i].stamp < victim->stamp)
				victim = &b[i];
		ctx->st.cache_evicted++;
	}
	if (ttl < XB_NAME_CACHE_TTL_MIN)
		ttl = XB_NAME_CACHE_TTL_MIN;
	if (ttl > XB_NAME_CACHE_TTL_MAX)
		ttl = XB_NAME_CACHE_TTL_MAX;
	victim->expires_ns = arg->now_ns + (uint64_t)ttl * 1000000000ull;
	if (victim->expires_ns == 0)
		victim->expires_ns = 1;
	victim->stamp = ++ctx->cache_stamp;
	victim->family = family;
	memset(victim->addr, 0, sizeof(victim->addr));
	memcpy(victim->addr, addr, family == 6 ? 16 : 4);
	victim->name = *qname;
	victim->name.source = XB_NAME_SRC_DNS_CACHE;
	ctx->st.dns_learnt++;
}

int
xb_name_dns_learn(struct xb_name_ctx *ctx, const uint8_t *payload,
		  uint32_t len, bool tcp, uint64_t now_ns)
{
	if (!ctx->cache)
		return 0;
	if (tcp) {
		if (len < 2)
			return 0;
		uint32_t ml = (uint32_t)payload[0] << 8 | payload[1];
		if (ml > len - 2)
			return 0; /* response spans segments: not learnt */
		payload += 2;
		len = ml;
	}
	if (len < 12 || !(payload[2] & 0x80))
		return 0;
	struct learn_arg arg = {ctx, now_ns};
	int n = xb_dns_answers(payload, len, cache_insert, &arg);
	return n < 0 ? 0 : n;
}

bool
xb_name_cache_lookup(struct xb_name_ctx *ctx, uint8_t family,
		     const uint8_t *addr, uint64_t now_ns, struct xb_name *out)
{
	if (!ctx->cache || (family != 4 && family != 6))
		return false;
	struct cache_ent *b = &ctx->cache[(addr_hash(family, addr) &
					   (ctx->cache_buckets - 1)) *
					  CACHE_WAYS];
	for (int i = 0; i < CACHE_WAYS; i++)
		if (b[i].expires_ns > now_ns && addr_eq(&b[i], family, addr)) {
			*out = b[i].name;
			return true;
		}
	return false;
}

/* ---- feed ------------------------------------------------------------- */

static bool
is_dns_port(uint16_t p)
{
	return p == 53 || p == 5353;
}

static bool
is_name_port(uint16_t p)
{
	return p == 443 || p == 80 || p == 8080 || p == 8443;
}

static int
found(struct xb_name_ctx *ctx, uint32_t *slot, struct xb_name *out)
{
	xb_name_release(ctx, slot);
	ctx->st.found[out->source < XB_NAME_SRC_COUNT ? out->source : 0]++;
	return XB_NAME_FOUND;
}

/* No name of its own: release, and name it from the DNS cache if the
 * server address is known there. */
static int
give_up(struct xb_name_ctx *ctx, uint32_t *slot, const struct xb_pkt_info *pi,
	int dir, int init_dir, uint64_t now_ns, struct xb_name *out)
{
	xb_name_release(ctx, slot);
	const uint8_t *server = dir == init_dir ? pi->dst : pi->src;
	if (!(is_dns_port(pi->sport) || is_dns_port(pi->dport)) &&
	    xb_name_cache_lookup(ctx, pi->family, server, now_ns, out)) {
		ctx->st.found[XB_NAME_SRC_DNS_CACHE]++;
		return XB_NAME_FOUND;
	}
	ctx->st.give_up++;
	return XB_NAME_GIVE_UP;
}

/* Kind of a TCP stream from its first bytes; 0 if none of ours. */
static int
tcp_kind(const struct xb_pkt_info *pi, const uint8_t *p)
{
	if (pi->dport == 53 || pi->sport == 53)
		return K_DNS_TCP;
	if (p[0] == 0x16)
		return K_TLS;
	if (p[0] >= 'A' && p[0] <= 'Z')
		return K_HTTP;
	return 0;
}

/* Parse a contiguous stream prefix of the given kind. */
static int
parse_stream(int kind, const uint8_t *p, uint32_t n, struct xb_name *out)
{
	switch (kind) {
	case K_TLS:
		return xb_tls_sni(p, n, out);
	case K_HTTP:
		return xb_http_host(p, n, out);
	case K_DNS_TCP: {
		if (n < 2)
			return XB_NAME_MORE;
		uint32_t ml = (uint32_t)p[0] << 8 | p[1];
		uint32_t have = n - 2 < ml ? n - 2 : ml;
		int rc = xb_dns_qname(p + 2, have, out);
		if (rc == XB_NAME_GIVE_UP && have < ml)
			return XB_NAME_MORE;
		return rc;
	}
	default:
		return XB_NAME_GIVE_UP;
	}
}

static int
feed_tcp(struct slot *s, const struct xb_pkt_info *pi,
	 const uint8_t *payload, uint32_t len, struct xb_name *out)
{
	int32_t off = (int32_t)(pi->tcp_seq - s->base_seq);
	if (off < 0) {
		/* Older than the first segment we kept: move the window. */
		if ((uint32_t)-off >= XB_NAME_BUF ||
		    s->kind != K_TCP_PENDING ||
		    !xb_reasm_shift(&s->r, (uint32_t)-off))
			return XB_NAME_MORE; /* retransmission of parsed data */
		s->base_seq = pi->tcp_seq;
		s->shifted = 1;
		off = 0;
	}
	uint32_t before = s->r.prefix;
	uint32_t pre = xb_reasm_put(&s->r, (uint32_t)off, payload, len);
	if (pre == before)
		return XB_NAME_MORE;
	if (s->kind == K_TCP_PENDING) {
		/* Until an older segment arrived, offset 0 is not known to be
		 * the stream start. */
		if (!s->shifted)
			return XB_NAME_MORE;
		s->kind = (uint8_t)tcp_kind(pi, s->r.data);
		if (!s->kind)
			return XB_NAME_GIVE_UP;
	}
	int rc = parse_stream(s->kind, s->r.data, pre, out);
	if (rc == XB_NAME_MORE && pre >= XB_NAME_BUF)
		rc = XB_NAME_GIVE_UP;
	return rc;
}

/* ---- QUIC -------------------------------------------------------------
 *
 * A UDP flow is QUIC by its content, on any port.  Its life in here:
 *   1. up to QUIC_SKIP_MAX datagrams (either direction) that are not a
 *      plausible client Initial are looked past without a slot (the count
 *      rides in *slot like the TCP skip count), so junk sent ahead of the
 *      Initial does not end the search.  Past that the flow is not QUIC:
 *      GIVE_UP, or UNNAMED on UDP port 443 (QUIC's port: a flow there
 *      that never shows an Initial hides its name);
 *   2. the first plausible client Initial takes a slot; the client's
 *      datagrams are decrypted (packets that fail authentication are
 *      skipped, the others kept) until the CRYPTO stream yields the
 *      ClientHello's name: FOUND, and the slot is kept;
 *   3. verify: later client Initials are still decrypted and their CRYPTO
 *      bytes compared with those held; a difference is EVASIVE (a decoy,
 *      e.g. with a bad UDP checksum the server drops, beside the real
 *      Initial).  It ends, slot released and MORE returned, once the
 *      server has sent a datagram and the client QUIC_VERIFY_AFTER_SERVER
 *      more: the server answers the ClientHello it accepted, so a decoy
 *      comes before that.
 * Every limit ends in UNNAMED, counted by cause: QUIC_MAX_DGRAMS client
 * datagrams without a name (or, verifying, without the server answering),
 * CRYPTO data past the window, CRYPTO bytes that are no ClientHello with a
 * name, an Initial needing keys past the budget or the per-flow limit, an
 * Initial cut by the caller, the slot lost to a newer flow.
 */
#define QUIC_SKIP_MAX 8 /* < 16: the skip count lives below SKIP_BASE */
#define QUIC_MAX_DGRAMS 16
#define QUIC_VERIFY_AFTER_SERVER 2

_Static_assert(QUIC_SKIP_MAX < XB_NAME_SLOT_NONE - SKIP_BASE,
	       "the UDP skip count must fit below SKIP_BASE");

void
xb_name_set_quic_budget(struct xb_name_ctx *ctx, uint32_t derivations_per_s)
{
	xb_quic_crypto_set_budget(ctx->qc, derivations_per_s);
}

static bool
quic_port(const struct xb_pkt_info *pi)
{
	return pi->sport == 443 || pi->dport == 443;
}

/* A QUIC flow that should have named itself and did not; why: the
 * counter of the cause. */
static int
quic_unnamed(struct xb_name_ctx *ctx, uint32_t *slot, uint64_t *why)
{
	(*why)++;
	ctx->st.quic_unnamed++;
	xb_name_release(ctx, slot);
	return XB_NAME_UNNAMED;
}

static void
quic_count(struct xb_name_ctx *ctx, const struct xb_quic_dgram_result *res)
{
	ctx->st.quic_implausible += res->implausible;
	ctx->st.quic_decrypt_fail += res->auth_failed;
	ctx->st.quic_decrypted += res->decrypted;
	ctx->st.quic_derived += res->derived;
	ctx->st.quic_budget_denied += res->budget;
}

/* One datagram of a QUIC flow that holds slot s (see the life above). */
static int
quic_slot(struct xb_name_ctx *ctx, uint32_t *slot, struct slot *s,
	  const struct xb_pkt_info *pi, int dir, int init_dir,
	  const uint8_t *payload, uint32_t len, uint64_t now_ns,
	  struct xb_name *out)
{
	struct xb_quic_flow *f = &s->quic;
	struct xb_name_stats *st = &ctx->st;
	struct xb_quic_dgram_result res;

	(void)init_dir;
	if (dir != s->dir) {
		if (f->server_dgrams < UINT8_MAX)
			f->server_dgrams++;
		return XB_NAME_MORE;
	}
	if (f->client_dgrams < UINT8_MAX)
		f->client_dgrams++;
	if (f->server_dgrams && f->after_server < UINT8_MAX)
		f->after_server++;
	xb_quic_dgram(ctx->qc, f, payload, len, pi->payload_len, now_ns, &s->r,
		      &res);
	quic_count(ctx, &res);
	if (res.conflict) {
		st->quic_evasive++;
		xb_name_release(ctx, slot);
		return XB_NAME_EVASIVE;
	}
	if (res.truncated)
		return quic_unnamed(ctx, slot, &st->quic_truncated);
	if (res.no_keys)
		return quic_unnamed(ctx, slot, &st->quic_no_keys);
	if (res.beyond)
		return quic_unnamed(ctx, slot, &st->quic_beyond);
	if (f->found) {
		if (f->after_server > QUIC_VERIFY_AFTER_SERVER) {
			st->quic_verified++;
			xb_name_release(ctx, slot);
			return XB_NAME_MORE;
		}
		if (f->client_dgrams >= QUIC_MAX_DGRAMS)
			return quic_unnamed(ctx, slot, &st->quic_dgram_limit);
		return XB_NAME_MORE;
	}
	if (res.decrypted) {
		int rc = xb_tls_hs_sni(s->r.data, s->r.prefix, out);
		if (rc == XB_NAME_FOUND) {
			out->source = XB_NAME_SRC_QUIC;
			f->found = 1;
			st->found[XB_NAME_SRC_QUIC]++;
			return XB_NAME_FOUND; /* slot kept: verify */
		}
		if (rc != XB_NAME_MORE) {
			/* No ClientHello, no name in it, or a hidden one: the
			 * TLS parser's UNNAMED may leave the name shown
			 * instead (an ECH outer name) in out. */
			if (rc == XB_NAME_UNNAMED && out->len > 0)
				out->source = XB_NAME_SRC_QUIC;
			else
				out->len = 0;
			return quic_unnamed(ctx, slot, &st->quic_no_hello);
		}
		if (s->r.prefix >= XB_NAME_BUF)
			return quic_unnamed(ctx, slot, &st->quic_beyond);
	}
	if (f->client_dgrams >= QUIC_MAX_DGRAMS)
		return quic_unnamed(ctx, slot, &st->quic_dgram_limit);
	return XB_NAME_MORE;
}

/* First UDP datagrams of a flow off the DNS ports (no slot yet; skipped:
 * datagrams already looked past). */
static int
quic_first(struct xb_name_ctx *ctx, uint32_t *slot, uint32_t skipped,
	   const struct xb_pkt_info *pi, int dir, int init_dir,
	   const uint8_t *payload, uint32_t len, uint64_t now_ns,
	   struct xb_name *out)
{
	int q = xb_quic_sniff(payload, len);
	if (q == XB_QUIC_GQUIC) {
		if (xb_gquic_sni(payload, len, out) == XB_NAME_FOUND)
			return found(ctx, slot, out);
		return give_up(ctx, slot, pi, dir, init_dir, now_ns, out);
	}
	enum xb_quic_check chk = XB_QUIC_INITIAL_NOT;
	if (q == XB_QUIC_IETF)
		chk = xb_quic_initial_check(payload, len, pi->payload_len, true);
	if (chk == XB_QUIC_INITIAL_TRUNCATED)
		return quic_unnamed(ctx, slot, &ctx->st.quic_truncated);
	if (chk != XB_QUIC_INITIAL_OK) {
		if (chk == XB_QUIC_INITIAL_IMPLAUSIBLE)
			ctx->st.quic_implausible++;
		ctx->st.quic_skipped++;
		if (++skipped > QUIC_SKIP_MAX) {
			if (quic_port(pi))
				return quic_unnamed(ctx, slot,
						    &ctx->st.quic_no_initial);
			return give_up(ctx, slot, pi, dir, init_dir, now_ns,
				       out);
		}
		*slot = XB_NAME_SLOT_NONE - skipped;
		return XB_NAME_MORE;
	}
	struct slot *s = slot_alloc(ctx, slot);
	s->kind = K_QUIC;
	s->dir = (int8_t)dir;
	return quic_slot(ctx, slot, s, pi, dir, init_dir, payload, len, now_ns,
			 out);
}

int
xb_name_feed(struct xb_name_ctx *ctx, uint32_t *slot,
	     const struct xb_pkt_info *pi, int dir, int init_dir,
	     const uint8_t *payload, uint32_t len, uint64_t now_ns,
	     struct xb_name *out)
{
	struct slot *s = NULL;
	int rc;
	bool udp = pi->proto == 17, tcp = pi->proto == 6;

	if (!(pi->flags & XB_PKT_F_HAS_L4) || (!udp && !tcp))
		return give_up(ctx, slot, pi, dir, init_dir, now_ns, out);
	uint32_t skipped = 0;
	if (*slot >= SKIP_BASE) {
		skipped = XB_NAME_SLOT_NONE - *slot;
	} else {
		s = slot_get(ctx, *slot);
		if (!s) {
			ctx->st.slot_lost++;
			*slot = XB_NAME_SLOT_NONE;
			if (udp) /* only QUIC flows hold a slot on UDP */
				return quic_unnamed(ctx, slot,
						    &ctx->st.quic_slot_lost);
			return give_up(ctx, slot, pi, dir, init_dir, now_ns,
				       out);
		}
	}
	if (len == 0)
		return XB_NAME_MORE; /* handshake, pure ACK */
	if (s && s->kind == K_QUIC)
		return quic_slot(ctx, slot, s, pi, dir, init_dir, payload, len,
				 now_ns, out);

	if (!s) {
		/* First payload packet: decide with a few byte checks. */
		if (udp) {
			if (is_dns_port(pi->sport) || is_dns_port(pi->dport)) {
				if (pi->sport == 53)
					xb_name_dns_learn(ctx, payload, len,
							  false, now_ns);
				if (xb_dns_qname(payload, len, out) ==
				    XB_NAME_FOUND)
					return found(ctx, slot, out);
				return give_up(ctx, slot, pi, dir, init_dir,
					       now_ns, out);
			}
			return quic_first(ctx, slot, skipped, pi, dir, init_dir,
					  payload, len, now_ns, out);
		} else {
			int kind = tcp_kind(pi, payload);
			if (kind == K_DNS_TCP && pi->sport == 53)
				xb_name_dns_learn(ctx, payload, len, true,
						  now_ns);
			rc = kind ? parse_stream(kind, payload, len, out)
				  : XB_NAME_GIVE_UP;
			if (rc == XB_NAME_GIVE_UP &&
			    (dir != init_dir || is_name_port(pi->sport) ||
			     pi->sport == 53)) {
				/* The responder spoke first (or, by its
				 * well-known source port, the flow entry was
				 * made mid-connection from a server packet):
				 * wait a little for the client's bytes. */
				if (++skipped > SKIP_MAX)
					return give_up(ctx, slot, pi, dir,
						       init_dir, now_ns, out);
				*slot = XB_NAME_SLOT_NONE - skipped;
				return XB_NAME_MORE;
			}
			if (kind) {
				/* Whole name in the first segment: no slot. */
				if (rc == XB_NAME_FOUND)
					return found(ctx, slot, out);
				if (rc == XB_NAME_GIVE_UP)
					return give_up(ctx, slot, pi, dir,
						       init_dir, now_ns, out);
			} else if (!is_name_port(dir == init_dir ? pi->dport
								  : pi->sport)) {
				return give_up(ctx, slot, pi, dir, init_dir,
					       now_ns, out);
			} else {
				/* Well-known port, unknown start: maybe a
				 * later segment that overtook the first. */
				kind = K_TCP_PENDING;
			}
			s = slot_alloc(ctx, slot);
			s->kind = (uint8_t)kind;
			s->dir = (int8_t)dir;
			s->base_seq = pi->tcp_seq;
			if (kind != K_TCP_PENDING) {
				/* Already parsed: just keep the bytes. */
				xb_reasm_put(&s->r, 0, payload, len);
				s->pkts = s->pkts_all = 1;
				s->bytes = len;
				return XB_NAME_MORE;
			}
		}
	}

	s->pkts_all++;
	if (dir != s->dir) {
		if (tcp && s->kind == K_DNS_TCP && pi->sport == 53)
			xb_name_dns_learn(ctx, payload, len, true, now_ns);
		if (s->pkts_all > XB_NAME_MAX_PKTS_ALL)
			return give_up(ctx, slot, pi, dir, init_dir, now_ns,
				       out);
		return XB_NAME_MORE;
	}
	s->pkts++;
	s->bytes += len;
	rc = feed_tcp(s, pi, payload, len, out);
	if (rc == XB_NAME_FOUND)
		return found(ctx, slot, out);
	if (rc == XB_NAME_GIVE_UP || s->pkts >= XB_NAME_MAX_PKTS ||
	    s->bytes >= XB_NAME_MAX_BYTES || s->pkts_all > XB_NAME_MAX_PKTS_ALL)
		return give_up(ctx, slot, pi, dir, init_dir, now_ns, out);
	return XB_NAME_MORE;
}
