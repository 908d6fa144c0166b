/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-flow front end of the name extractors and the slot pool.  (DNS
 * answers are learnt apart, under stricter rules, by xb_dns_learn into the
 * cache the workers share, xb_dns_cache; the worker consults it.)
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
	uint8_t quic_retry_keys;
	uint8_t shifted; /* window moved to an older segment */
	uint32_t bytes;
	uint32_t base_seq;
	struct xb_quic_keys keys;
	struct xb_reasm r;
};

struct xb_name_ctx {
	struct slot *slots;
	uint32_t nslots;
	uint32_t free_head;
	uint32_t busy_head, busy_tail; /* oldest at head */
	struct xb_name_stats st;
	struct xb_quic_crypto qc;
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
	s->quic_retry_keys = 0;
	s->shifted = 0;
	s->bytes = 0;
	s->base_seq = 0;
	s->keys.valid = 0;
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
	(void)dns_cache_entries; /* the cache moved to xb_dns_cache */
	if (xb_quic_crypto_init(&ctx->qc) < 0)
		goto fail;
	return ctx;
fail:
	free(ctx->slots);
	free(ctx);
	return NULL;
}

void
xb_name_ctx_free(struct xb_name_ctx *ctx)
{
	if (!ctx)
		return;
	xb_quic_crypto_fini(&ctx->qc);
	free(ctx->slots);
	free(ctx);
}

void
xb_name_stats_get(const struct xb_name_ctx *ctx, struct xb_name_stats *st)
{
	*st = ctx->st;
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

/* No name of its own: release.  (The worker may still name the flow from
 * the shared DNS cache, under the flow's tenant: xb_dns_learn.h.) */
static int
give_up(struct xb_name_ctx *ctx, uint32_t *slot, const struct xb_pkt_info *pi,
	int dir, int init_dir, uint64_t now_ns, struct xb_name *out)
{
	(void)pi, (void)dir, (void)init_dir, (void)now_ns, (void)out;
	xb_name_release(ctx, slot);
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

static int
feed_quic(struct xb_name_ctx *ctx, struct slot *s, const uint8_t *payload,
	  uint32_t len, struct xb_name *out)
{
	if (xb_quic_sniff(payload, len) != XB_QUIC_IETF)
		return XB_NAME_MORE; /* 0-RTT, Handshake, short header */
	int n = xb_quic_dgram(&ctx->qc, &s->keys, payload, len, &s->r);
	if (n < 0 && !s->quic_retry_keys) {
		/* Keys from another DCID (e.g. after a Retry): derive them
		 * again from this packet once. */
		s->quic_retry_keys = 1;
		s->keys.valid = 0;
		n = xb_quic_dgram(&ctx->qc, &s->keys, payload, len, &s->r);
	}
	if (n < 0) {
		ctx->st.quic_decrypt_fail++;
		return XB_NAME_MORE;
	}
	int rc = xb_tls_hs_sni(s->r.data, s->r.prefix, out);
	if (rc == XB_NAME_FOUND)
		out->source = XB_NAME_SRC_QUIC;
	if (rc == XB_NAME_MORE && s->r.prefix >= XB_NAME_BUF)
		rc = XB_NAME_GIVE_UP;
	return rc;
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
			return give_up(ctx, slot, pi, dir, init_dir, now_ns,
				       out);
		}
	}
	if (len == 0)
		return XB_NAME_MORE; /* handshake, pure ACK */

	if (!s) {
		/* First payload packet: decide with a few byte checks. */
		if (udp) {
			if (is_dns_port(pi->sport) || is_dns_port(pi->dport)) {
				if (xb_dns_qname(payload, len, out) ==
				    XB_NAME_FOUND)
					return found(ctx, slot, out);
				return give_up(ctx, slot, pi, dir, init_dir,
					       now_ns, out);
			}
			int q = xb_quic_sniff(payload, len);
			if (q == XB_QUIC_GQUIC) {
				if (xb_gquic_sni(payload, len, out) ==
				    XB_NAME_FOUND)
					return found(ctx, slot, out);
				return give_up(ctx, slot, pi, dir, init_dir,
					       now_ns, out);
			}
			if (q != XB_QUIC_IETF)
				return give_up(ctx, slot, pi, dir, init_dir,
					       now_ns, out);
			s = slot_alloc(ctx, slot);
			s->kind = K_QUIC;
			s->dir = (int8_t)dir;
		} else {
			int kind = tcp_kind(pi, payload);
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
		if (s->pkts_all > XB_NAME_MAX_PKTS_ALL)
			return give_up(ctx, slot, pi, dir, init_dir, now_ns,
				       out);
		return XB_NAME_MORE;
	}
	s->pkts++;
	s->bytes += len;
	if (s->kind == K_QUIC)
		rc = feed_quic(ctx, s, payload, len, out);
	else
		rc = feed_tcp(s, pi, payload, len, out);
	if (rc == XB_NAME_FOUND)
		return found(ctx, slot, out);
	if (rc == XB_NAME_GIVE_UP || s->pkts >= XB_NAME_MAX_PKTS ||
	    s->bytes >= XB_NAME_MAX_BYTES || s->pkts_all > XB_NAME_MAX_PKTS_ALL)
		return give_up(ctx, slot, pi, dir, init_dir, now_ns, out);
	return XB_NAME_MORE;
}
