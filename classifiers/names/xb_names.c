/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-flow front end of the name extractors and the slot pool.  (DNS
 * answers are learnt by the worker into the cache the workers share:
 * xb_dns_learn.h, xb_dns_cache.h.)
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
	K_TCP_PENDING, /* stream type not known yet: its start is missing */
};

enum slot_phase {
	P_SEEK = 0, /* looking for the name */
	P_VERIFY,   /* result given; comparing copies until the server acks */
};

#define NIL UINT32_MAX
#define GEN_MAX 0x7fff /* handles are gen << 16 | index, gen 1..GEN_MAX */
/* TCP ports whose streams must show a name (the stream type itself is
 * decided from the first byte, on any port). */
#define SKIP_MAX XB_NAME_MAX_PKTS_ALL
/* Client packets a connection first seen mid-stream on a name port may
 * send before one looks like its stream's start (a ClientHello or a
 * request overtaken by a later segment); then it is unnamed. */
#define XB_NAME_MIDSTREAM_PKTS 2

struct slot {
	uint32_t prev, next; /* busy list (allocation order) or free list */
	uint16_t gen;
	uint8_t busy;
	uint8_t kind;
	int8_t dir;       /* direction whose bytes are reassembled */
	uint8_t phase;    /* enum slot_phase */
	uint8_t midstream; /* start of the stream not known (no SYN seen) */
	uint16_t big;     /* big buffer index + 1, 0: none */
	uint32_t bytes;   /* stream bytes taken in: the budget */
	uint32_t base_seq;
	uint32_t verify_end; /* stream bytes the server must acknowledge */
	/* Where the stream's message ends, followed as the prefix grows so
	 * that it is parsed once, when whole (the work stays linear however
	 * the stream is cut): TLS walks its record headers, HTTP looks for
	 * the end of the header block. */
	uint32_t scan;      /* TLS: next record header; HTTP: next byte */
	uint32_t hs_have;   /* TLS: handshake bytes in the records walked */
	uint32_t hs_need;   /* TLS: 4 + ClientHello length, 0: not known */
	uint32_t fed;       /* HTTP: window bytes given to the request parser */
	struct xb_http_stream http; /* HTTP: every request of the connection */
	struct xb_quic_flow quic;
	struct xb_reasm r;
	uint32_t bits[XB_NAME_BUF / 32];
	uint8_t data[XB_NAME_BUF];
};

struct xb_name_ctx {
	struct slot *slots;
	uint32_t nslots;
	uint32_t free_head;
	uint32_t busy_head, busy_tail; /* oldest at head */
	/* Big buffers: XB_NAME_BIG_BUF bytes and their bitmap each, a stack
	 * of free indexes. */
	uint8_t *big_data;
	uint32_t *big_bits;
	uint16_t *big_free;
	uint32_t nbig, nbig_free;
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
	if (s->big) {
		ctx->big_free[ctx->nbig_free++] = (uint16_t)(s->big - 1);
		s->big = 0;
	}
	s->busy = 0;
	s->gen = (uint16_t)(s->gen % GEN_MAX + 1);
	s->next = ctx->free_head;
	ctx->free_head = i;
}

/* A slot for a new stream; when all are busy the oldest is taken (its
 * flow finds out on its next packet and is unnamed). */
static struct slot *
slot_alloc(struct xb_name_ctx *ctx, struct xb_name_flow *nf)
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
	s->phase = P_SEEK;
	s->midstream = 0;
	s->bytes = 0;
	s->base_seq = 0;
	s->verify_end = 0;
	s->scan = s->hs_have = s->hs_need = 0;
	s->fed = 0;
	xb_quic_flow_reset(&s->quic);
	if (s->r.data == s->data) /* its own window: clear what was used */
		xb_reasm_reset(&s->r);
	else /* new, or back from a big buffer */
		xb_reasm_init(&s->r, s->data, s->bits, XB_NAME_BUF);
	nf->slot = (uint32_t)s->gen << 16 | i;
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

/* Give the slot's stream a big buffer: false when none is free. */
static bool
slot_grow(struct xb_name_ctx *ctx, struct slot *s)
{
	if (s->big)
		return false; /* already as large as streams get */
	if (ctx->nbig_free == 0) {
		ctx->st.big_exhausted++;
		return false;
	}
	uint16_t b = ctx->big_free[--ctx->nbig_free];
	xb_reasm_move(&s->r, ctx->big_data + (size_t)b * XB_NAME_BIG_BUF,
		      ctx->big_bits + (size_t)b * (XB_NAME_BIG_BUF / 32),
		      XB_NAME_BIG_BUF);
	s->big = (uint16_t)(b + 1);
	return true;
}

void
xb_name_release(struct xb_name_ctx *ctx, struct xb_name_flow *nf)
{
	if (nf->slot != 0 && slot_get(ctx, nf->slot))
		slot_free(ctx, nf->slot & 0xffff);
	nf->slot = 0;
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
	for (uint32_t i = 0; i < slots; i++) {
		ctx->slots[i].next = i + 1 < slots ? i + 1 : NIL;
		ctx->slots[i].gen = 1;
	}
	ctx->free_head = 0;
	ctx->busy_head = ctx->busy_tail = NIL;
	ctx->nbig = slots / 64 > 8 ? slots / 64 : 8;
	ctx->big_data = malloc((size_t)ctx->nbig * XB_NAME_BIG_BUF);
	ctx->big_bits = malloc((size_t)ctx->nbig * (XB_NAME_BIG_BUF / 8));
	ctx->big_free = malloc(ctx->nbig * sizeof(*ctx->big_free));
	if (!ctx->big_data || !ctx->big_bits || !ctx->big_free)
		goto fail;
	for (uint32_t i = 0; i < ctx->nbig; i++)
		ctx->big_free[i] = (uint16_t)(ctx->nbig - 1 - i);
	ctx->nbig_free = ctx->nbig;
	(void)dns_cache_entries;
	ctx->qc = xb_quic_crypto_create(XB_QUIC_DERIVE_BUDGET_DEFAULT);
	if (!ctx->qc)
		goto fail;
	return ctx;
fail:
	free(ctx->slots);
	free(ctx->big_data);
	free(ctx->big_bits);
	free(ctx->big_free);
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
	free(ctx->big_data);
	free(ctx->big_bits);
	free(ctx->big_free);
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

/* Ports whose TCP streams must show a name when their start was missed
 * (a connection first seen mid-stream); with the start seen, the first
 * byte decides, on any port. */
static bool
is_name_port(uint16_t p)
{
	return p == 443 || p == 80 || p == 8080 || p == 8443;
}

/* Done with the flow: release, no more packets wanted. */
static int
finish(struct xb_name_ctx *ctx, struct xb_name_flow *nf, int rc)
{
	xb_name_release(ctx, nf);
	nf->flags |= XB_NAME_FLOW_DONE;
	return rc;
}

static int
found(struct xb_name_ctx *ctx, struct xb_name_flow *nf, struct xb_name *out)
{
	ctx->st.found[out->source < XB_NAME_SRC_COUNT ? out->source : 0]++;
	return finish(ctx, nf, XB_NAME_FOUND);
}

/* Should have shown a name and did not: the flow is unnamed (out keeps a
 * cover name the flow showed, if any). */
static int
unnamed(struct xb_name_ctx *ctx, struct xb_name_flow *nf)
{
	ctx->st.unnamed++;
	return finish(ctx, nf, XB_NAME_UNNAMED);
}

static int
evasive(struct xb_name_ctx *ctx, struct xb_name_flow *nf)
{
	ctx->st.evasive++;
	return finish(ctx, nf, XB_NAME_EVASIVE);
}

/* No name of its own (the caller may still find one in the DNS cache). */
static int
give_up(struct xb_name_ctx *ctx, struct xb_name_flow *nf,
	const struct xb_pkt_info *pi, int dir, int init_dir, uint64_t now_ns,
	struct xb_name *out)
{
	(void)pi, (void)dir, (void)init_dir, (void)now_ns;
	out->len = 0;
	ctx->st.give_up++;
	return finish(ctx, nf, XB_NAME_GIVE_UP);
}

/* Kind of a TCP stream from its first bytes; 0 if none of ours. */
static int
tcp_kind(const struct xb_pkt_info *pi, const uint8_t *p, uint32_t n)
{
	if (pi->dport == 53 || pi->sport == 53)
		return K_DNS_TCP;
	if (p[0] == 0x16 && (n < 2 || p[1] == 3))
		return K_TLS;
	if ((p[0] >= 'A' && p[0] <= 'Z') || p[0] == '\r' || p[0] == '\n')
		return K_HTTP;
	return 0;
}

/* Looks like the first bytes of a ClientHello (record header, then
 * handshake type 1) or of an HTTP request (a common method and a space):
 * strong enough to take a segment for the start of a stream whose SYN
 * was not seen. */
static bool
looks_like_start(const uint8_t *p, uint32_t n)
{
	static const char *const methods[] = {
		"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
		"CONNECT ", "PATCH ",
	};

	if (n >= 6 && p[0] == 0x16 && p[1] == 3 && p[2] <= 4 && p[5] == 1)
		return true;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t l = strlen(methods[i]);
		if (n >= l && memcmp(p, methods[i], l) == 0)
			return true;
	}
	return false;
}

/* Parse a contiguous stream prefix of the given kind. */
static int
parse_stream(int kind, const uint8_t *p, uint32_t n, struct xb_name *out)
{
	switch (kind) {
	case K_TLS:
		return xb_tls_sni(p, n, out);
	case K_HTTP: {
		/* Empty lines may precede a request (RFC 9112 2.2). */
		uint32_t skip = 0;
		while (skip < n && skip < 64 &&
		       (p[skip] == '\r' || p[skip] == '\n'))
			skip++;
		if (skip == n)
			return skip < 64 ? XB_NAME_MORE : XB_NAME_UNNAMED;
		return xb_http_host(p + skip, n - skip, out);
	}
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

/* The client's direction: from the handshake when seen, else the end
 * that is not on a well-known name port, else the first packet's. */
static int
client_dir(const struct xb_name_flow *nf, const struct xb_pkt_info *pi,
	   int dir, int init_dir)
{
	if (nf->flags & XB_NAME_FLOW_CLIENT)
		return (nf->flags & XB_NAME_FLOW_CLIENT1) ? 1 : 0;
	if (is_name_port(pi->sport) && !is_name_port(pi->dport))
		return dir ^ 1; /* this packet comes from the server */
	if (is_name_port(pi->dport) && !is_name_port(pi->sport))
		return dir;
	return init_dir;
}

/* The handshake tells where the client's stream starts: its SYN, or
 * better the server's SYN-ACK (which acknowledges the SYN the server
 * took, not a decoy). */
static void
learn_start(struct xb_name_flow *nf, const struct xb_pkt_info *pi, int dir)
{
	uint8_t f = pi->tcp_flags;

	if (!(f & 0x02)) /* SYN */
		return;
	nf->flags = (uint8_t)(nf->flags & ~XB_NAME_FLOW_CLIENT1);
	if (f & 0x10) { /* SYN-ACK: from the server */
		nf->tcp_start = pi->tcp_ack;
		nf->flags |= XB_NAME_FLOW_START | XB_NAME_FLOW_SYNACK |
			     XB_NAME_FLOW_CLIENT |
			     (dir == 0 ? XB_NAME_FLOW_CLIENT1 : 0);
	} else if (!(nf->flags & XB_NAME_FLOW_SYNACK)) {
		nf->tcp_start = pi->tcp_seq + 1;
		nf->flags |= XB_NAME_FLOW_START | XB_NAME_FLOW_CLIENT |
			     (dir == 1 ? XB_NAME_FLOW_CLIENT1 : 0);
	}
}

/* seq a is at or after b (RFC 1982 serial arithmetic). */
static bool
seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/*
 * HTTP: the connection's requests, one after the other, from the window's
 * contiguous bytes not yet given to the parser.  A name is reported as
 * soon as its request head ends (the rest is parsed on the next call);
 * the slot stays, watching every request of the connection.
 */
static int
http_feed(struct xb_name_ctx *ctx, struct xb_name_flow *nf, struct slot *s,
	  const struct xb_pkt_info *pi, struct xb_name *out)
{
	while (s->fed < s->r.prefix) {
		uint32_t used = 0;
		int rc = xb_http_stream_feed(&s->http, s->r.data + s->fed,
					     s->r.prefix - s->fed, out, &used);
		s->fed += used;
		switch (rc) {
		case XB_NAME_MORE:
			break;
		case XB_NAME_FOUND:
			ctx->st.found[XB_NAME_SRC_HTTP]++;
			return XB_NAME_FOUND;
		case XB_NAME_UNNAMED:
			out->len = 0;
			return unnamed(ctx, nf);
		default:
			/* Not HTTP (nothing named yet: a name port wanted
			 * one), or a tunnel after CONNECT / Upgrade: the
			 * names reported stand. */
			out->len = 0;
			if (xb_http_stream_requests(&s->http) == 0 &&
			    (s->midstream || is_name_port(pi->dport)))
				return unnamed(ctx, nf);
			return finish(ctx, nf, XB_NAME_GIVE_UP);
		}
		if (used == 0)
			break;
	}
	return XB_NAME_MORE;
}

/*
 * The server acknowledged the client's stream up to ack: those bytes can
 * no longer be replaced, so an HTTP window drops what it has parsed of
 * them (in steps of half a window, so the move stays cheap per byte).
 */
static void
http_acked(struct slot *s, uint32_t ack)
{
	int32_t acked = (int32_t)(ack - s->base_seq);
	uint32_t slide;

	if (acked <= 0)
		return;
	slide = (uint32_t)acked < s->fed ? (uint32_t)acked : s->fed;
	slide &= ~31u; /* whole bitmap words */
	if (slide < s->r.cap / 2)
		return;
	memmove(s->r.data, s->r.data + slide, s->r.high - slide);
	memmove(s->r.bits, s->r.bits + slide / 32,
		(s->r.cap - slide) / 8);
	memset(s->r.bits + (s->r.cap - slide) / 32, 0, slide / 8);
	s->r.high -= slide;
	s->r.prefix -= slide;
	s->fed -= slide;
	s->base_seq += slide;
}

/*
 * Whether the stream's first message is whole in the prefix [0, pre) (or
 * can no longer be: the parser then says why), following it from where
 * the previous call stopped.
 */
static bool
message_whole(struct slot *s, uint32_t pre)
{
	const uint8_t *d = s->r.data;

	switch (s->kind) {
	case K_TLS:
		while (s->scan + 5 <= pre) {
			uint32_t rl = (uint32_t)d[s->scan + 3] << 8 |
				      d[s->scan + 4];
			if (d[s->scan] != 0x16 || rl == 0)
				return true; /* not a handshake record */
			if (s->hs_need == 0 && s->hs_have < 4) {
				/* The message header, maybe across records. */
				uint32_t avail = pre - (s->scan + 5);
				if (avail < rl && s->hs_have + avail < 4)
					return false;
			}
			if (s->hs_need == 0) {
				/* Handshake bytes 1..3: the message length. */
				uint8_t h[4];
				uint32_t got = 0, r = 0, q = 0;
				while (got < 4 && r + 5 <= pre) {
					uint32_t l = (uint32_t)d[r + 3] << 8 |
						     d[r + 4];
					for (q = 0; q < l && got < 4 &&
						    r + 5 + q < pre;
					     q++)
						h[got++] = d[r + 5 + q];
					r += 5 + l;
				}
				if (got < 4)
					return false;
				s->hs_need = 4 + ((uint32_t)h[1] << 16 |
						  (uint32_t)h[2] << 8 | h[3]);
			}
			if (s->scan + 5 + rl > pre)
				return s->hs_have + (pre - s->scan - 5) >=
				       s->hs_need;
			s->hs_have += rl;
			s->scan += 5 + rl;
			if (s->hs_have >= s->hs_need)
				return true;
		}
		return false;
	case K_HTTP:
		/* Empty lines before the request (RFC 9112 2.2), then the
		 * empty line that ends its header block. */
		if (s->hs_have == 0) {
			while (s->scan < pre &&
			       (d[s->scan] == '\r' || d[s->scan] == '\n'))
				s->scan++;
			if (s->scan == pre)
				return s->scan >= 64; /* only empty lines */
			s->hs_have = s->scan + 1; /* the request's start + 1 */
		}
		for (; s->scan < pre; s->scan++) {
			uint32_t i = s->scan, from = s->hs_have - 1;
			if (d[i] != '\n' || i < from + 1)
				continue;
			if (d[i - 1] == '\n' ||
			    (i >= from + 3 && d[i - 1] == '\r' &&
			     d[i - 2] == '\n'))
				return true;
		}
		return false;
	case K_DNS_TCP:
		return pre >= 2 && pre >= 2 + ((uint32_t)d[0] << 8 | d[1]);
	default:
		return true;
	}
}

/* A result for the stream's name-bearing bytes [0, end): given now, and
 * the slot kept to compare every later copy of them until the server has
 * acknowledged them. */
static int
verify_from(struct xb_name_ctx *ctx, struct slot *s, uint32_t end, int rc,
	    const struct xb_pkt_info *pi, int init_dir, uint64_t now_ns,
	    struct xb_name *out)
{
	(void)pi, (void)init_dir, (void)now_ns;
	s->phase = P_VERIFY;
	s->verify_end = end;
	if (rc == XB_NAME_FOUND && (out->flags & XB_NAME_F_ECH))
		ctx->st.ech++;
	if (rc == XB_NAME_FOUND)
		ctx->st.found[out->source < XB_NAME_SRC_COUNT ? out->source
							      : 0]++;
	else if (rc == XB_NAME_UNNAMED)
		ctx->st.unnamed++;
	else
		ctx->st.give_up++;
	return rc;
}

/*
 * A client segment into the slot's stream: [off, off + len) of it.
 * Returns MORE, a result (the slot then verifies), or UNNAMED / EVASIVE
 * (released).
 */
static int
stream_put(struct xb_name_ctx *ctx, struct xb_name_flow *nf, struct slot *s,
	   const struct xb_pkt_info *pi, int init_dir, uint64_t now_ns,
	   int64_t off, const uint8_t *payload, uint32_t len,
	   struct xb_name *out)
{
	if (off < 0) {
		/* Before the stream's start (the handshake's, or the segment
		 * a mid-stream flow began with): the server discards those
		 * bytes as old, so they never count. */
		if (off + len <= 0)
			return XB_NAME_MORE;
		payload += -off;
		len -= (uint32_t)-off;
		off = 0;
	}
	if (s->phase == P_VERIFY && off >= s->verify_end)
		return XB_NAME_MORE; /* past the name-bearing bytes */
	/* The byte budget bounds the work of a stream that never shows its
	 * name; HTTP's parser bounds its own (O(1) per body). */
	s->bytes += len;
	if (s->bytes > XB_NAME_MAX_BYTES && s->kind != K_HTTP) {
		ctx->st.budget_spent++;
		return unnamed(ctx, nf);
	}
	if (s->kind == K_HTTP && (uint64_t)off + len > s->r.cap &&
	    off == s->r.high && s->r.prefix == s->r.high &&
	    s->fed == s->r.prefix) {
		/* In order, past a window that is all parsed (a large body
		 * the server has not acknowledged yet): the parser takes it
		 * straight, and the window restarts after it. */
		uint32_t used = 0;
		int rc = xb_http_stream_feed(&s->http, payload, len, out, &used);
		s->base_seq += (uint32_t)off + used;
		xb_reasm_reset(&s->r);
		s->fed = 0;
		if (used < len)
			xb_reasm_put(&s->r, 0, payload + used, len - used);
		if (rc == XB_NAME_FOUND) {
			ctx->st.found[XB_NAME_SRC_HTTP]++;
			return XB_NAME_FOUND;
		}
		if (rc == XB_NAME_UNNAMED)
			return unnamed(ctx, nf);
		if (rc == XB_NAME_GIVE_UP)
			return finish(ctx, nf, XB_NAME_GIVE_UP);
		return http_feed(ctx, nf, s, pi, out);
	}
	if ((uint64_t)off + len > s->r.cap && s->phase == P_SEEK &&
	    (uint64_t)off < XB_NAME_BIG_BUF && !slot_grow(ctx, s)) {
		if (s->big == 0)
			return unnamed(ctx, nf); /* no big buffer free */
	}
	uint32_t pre = xb_reasm_put(&s->r, (uint64_t)off, payload, len);
	if (s->r.conflict)
		return evasive(ctx, nf);
	if (s->phase == P_VERIFY)
		return XB_NAME_MORE;
	if (s->kind == K_HTTP) {
		if (s->r.clipped)
			return unnamed(ctx, nf); /* reordered past the window */
		return http_feed(ctx, nf, s, pi, out);
	}
	if (pre == 0)
		return XB_NAME_MORE;
	if (s->kind == K_TCP_PENDING) {
		/* Offset 0, the handshake's start, has arrived. */
		s->kind = (uint8_t)tcp_kind(pi, s->r.data, pre);
		if (!s->kind)
			return s->midstream || is_name_port(pi->dport)
				       ? unnamed(ctx, nf)
				       : finish(ctx, nf, XB_NAME_GIVE_UP);
		if (s->kind == K_HTTP) {
			xb_http_stream_init(&s->http);
			return http_feed(ctx, nf, s, pi, out);
		}
	}
	if (!message_whole(s, pre)) {
		if (pre >= XB_NAME_BIG_BUF || s->r.clipped) {
			ctx->st.budget_spent++;
			return unnamed(ctx, nf);
		}
		return XB_NAME_MORE;
	}
	int rc = parse_stream(s->kind, s->r.data, pre, out);
	if (rc == XB_NAME_MORE) {
		/* Whole by its framing, yet the parser wants more: broken. */
		return unnamed(ctx, nf);
	}
	return verify_from(ctx, s, pre, rc, pi, init_dir, now_ns, out);
}

static int
feed_tcp(struct xb_name_ctx *ctx, struct xb_name_flow *nf,
	 const struct xb_pkt_info *pi, int dir, int init_dir,
	 const uint8_t *payload, uint32_t len, uint64_t now_ns,
	 struct xb_name *out)
{
	struct slot *s = NULL;

	learn_start(nf, pi, dir);
	int client = client_dir(nf, pi, dir, init_dir);
	if (nf->slot != 0) {
		s = slot_get(ctx, nf->slot);
		if (!s) {
			/* Its slot went to another flow while all were
			 * busy: what it showed can no longer be checked. */
			ctx->st.slot_lost++;
			nf->slot = 0;
			out->len = 0;
			return unnamed(ctx, nf);
		}
	}
	if (dir != client) {
		/* The server: its acknowledgment of the name-bearing bytes
		 * ends their verification (no other copy can be taken). */
		if (s && s->phase == P_VERIFY && (pi->tcp_flags & 0x10) &&
		    seq_ge(pi->tcp_ack, s->base_seq + s->verify_end)) {
			ctx->st.verified++;
			return finish(ctx, nf, XB_NAME_MORE);
		}
		if (s && s->kind == K_HTTP) {
			if (pi->tcp_flags & 0x10)
				http_acked(s, pi->tcp_ack);
			if (s->fed < s->r.prefix) /* requests left to parse */
				return http_feed(ctx, nf, s, pi, out);
		}
		if (len == 0)
			return XB_NAME_MORE;
		if (!s && ++nf->skipped > SKIP_MAX) {
			/* The server talks, the client never does. */
			out->len = 0;
			return is_name_port(pi->sport) ? unnamed(ctx, nf)
						       : give_up(ctx, nf, pi, dir,
								 init_dir,
								 now_ns, out);
		}
		return XB_NAME_MORE;
	}
	if (len == 0)
		return XB_NAME_MORE;
	/* A SYN's own data (TCP Fast Open) starts one after its seq. */
	uint32_t seq = pi->tcp_seq + ((pi->tcp_flags & 0x02) ? 1u : 0u);
	if (s)
		return stream_put(ctx, nf, s, pi, init_dir, now_ns,
				  (int32_t)(seq - s->base_seq), payload, len,
				  out);

	/* The client's first payload packet. */
	bool start_known = nf->flags & XB_NAME_FLOW_START;
	int32_t off = start_known ? (int32_t)(seq - nf->tcp_start) : 0;
	int kind = 0;
	if (start_known && off != 0) {
		if (off < 0 && off + (int64_t)len <= 0)
			return XB_NAME_MORE; /* before the stream starts */
		kind = K_TCP_PENDING; /* the start is still to come */
	} else if (!start_known && !looks_like_start(payload, len) &&
		   pi->dport != 53 && pi->sport != 53) {
		/* Mid-stream, and not a ClientHello's or request's start:
		 * only a name port waits, a few packets and without a slot
		 * (a flood of such flows takes none), for a segment that
		 * starts the stream.  The lowest sequence seen is kept: a
		 * start below it would leave bytes the server got and the
		 * gateway did not keep. */
		if (!is_name_port(pi->dport))
			return give_up(ctx, nf, pi, dir, init_dir, now_ns, out);
		if (!(nf->flags & XB_NAME_FLOW_SEEN) ||
		    (int32_t)(seq - nf->tcp_start) < 0)
			nf->tcp_start = seq;
		nf->flags |= XB_NAME_FLOW_SEEN;
		if (++nf->skipped > XB_NAME_MIDSTREAM_PKTS) {
			out->len = 0;
			return unnamed(ctx, nf);
		}
		return XB_NAME_MORE;
	} else {
		if (!start_known && (nf->flags & XB_NAME_FLOW_SEEN) &&
		    (int32_t)(nf->tcp_start - seq) > 0) {
			/* Its continuation went by before it. */
			out->len = 0;
			return unnamed(ctx, nf);
		}
		kind = tcp_kind(pi, payload, len);
		if (!kind) {
			/* Not TLS, HTTP or DNS: no name expected, except on
			 * a name port (a tunnel on 443 shows none). */
			out->len = 0;
			if (is_name_port(pi->dport))
				return unnamed(ctx, nf);
			return give_up(ctx, nf, pi, dir, init_dir, now_ns, out);
		}
	}
	s = slot_alloc(ctx, nf);
	s->kind = (uint8_t)kind;
	s->dir = (int8_t)dir;
	s->midstream = !start_known;
	if (kind == K_HTTP)
		xb_http_stream_init(&s->http);
	s->base_seq = start_known ? nf->tcp_start : seq;
	return stream_put(ctx, nf, s, pi, init_dir, now_ns,
			  kind == K_TCP_PENDING ? off : 0, payload, len, out);
}

/* ---- QUIC -------------------------------------------------------------
 *
 * A UDP flow is QUIC by its content, on any port.  Its life in here:
 *   1. up to QUIC_SKIP_MAX datagrams (either direction) that are not a
 *      plausible client Initial are looked past without a slot (counted in
 *      nf->skipped), so junk sent ahead of the Initial does not end the
 *      search.  Past that the flow is not QUIC: GIVE_UP, except on UDP
 *      port 443 (QUIC's port), where every later datagram is still looked
 *      at with the same byte checks, so an Initial after any amount of
 *      junk is still found;
 *   2. the first plausible client Initial takes a slot; the client's
 *      datagrams are decrypted (packets that fail authentication are
 *      skipped, the others kept) until the CRYPTO stream yields the
 *      ClientHello's name: FOUND, and the slot is kept (still active);
 *   3. verify: later client Initials are still decrypted and their CRYPTO
 *      bytes compared with those held; a difference is EVASIVE (a decoy,
 *      e.g. with a bad UDP checksum the server drops, beside the real
 *      Initial).  It ends, slot released, flow done and MORE returned, once
 *      the server has sent a datagram and the client
 *      QUIC_VERIFY_AFTER_SERVER more: the server answers the ClientHello
 *      it accepted, so a decoy comes before that.
 * Every limit ends in UNNAMED, counted by cause: QUIC_MAX_DGRAMS client
 * datagrams without a name (or, verifying, without the server answering),
 * CRYPTO data past the largest window (or no big buffer free), CRYPTO
 * bytes that are no ClientHello with a name, an Initial needing keys past
 * the budget or the per-flow limit, an Initial cut by the caller, the slot
 * lost to a newer flow.
 */
#define QUIC_SKIP_MAX 8
#define QUIC_MAX_DGRAMS 16
#define QUIC_VERIFY_AFTER_SERVER 2

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
quic_unnamed(struct xb_name_ctx *ctx, struct xb_name_flow *nf,
	     struct xb_name *out, uint64_t *why)
{
	(*why)++;
	out->len = 0;
	return unnamed(ctx, nf);
}

/* CRYPTO data past the slot's window: a big buffer, as TLS streams get
 * (a ClientHello may be as large as the protocol allows). */
struct quic_grow {
	struct xb_name_ctx *ctx;
	struct slot *s;
};

static bool
quic_grow(void *arg, struct xb_reasm *r)
{
	struct quic_grow *g = arg;
	(void)r; /* &g->s->r */
	return slot_grow(g->ctx, g->s);
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
quic_slot(struct xb_name_ctx *ctx, struct xb_name_flow *nf, struct slot *s,
	  const struct xb_pkt_info *pi, int dir, const uint8_t *payload,
	  uint32_t len, uint64_t now_ns, struct xb_name *out)
{
	struct xb_quic_flow *f = &s->quic;
	struct xb_name_stats *st = &ctx->st;
	struct xb_quic_dgram_result res;

	if (dir != s->dir) {
		if (f->server_dgrams < UINT8_MAX)
			f->server_dgrams++;
		return XB_NAME_MORE;
	}
	if (f->client_dgrams < UINT8_MAX)
		f->client_dgrams++;
	if (f->server_dgrams && f->after_server < UINT8_MAX)
		f->after_server++;
	struct quic_grow g = {ctx, s};
	xb_quic_dgram(ctx->qc, f, payload, len, pi->payload_len, now_ns, &s->r,
		      quic_grow, &g, &res);
	quic_count(ctx, &res);
	if (res.conflict) {
		out->len = 0;
		return evasive(ctx, nf);
	}
	if (res.truncated)
		return quic_unnamed(ctx, nf, out, &st->quic_truncated);
	if (res.no_keys)
		return quic_unnamed(ctx, nf, out, &st->quic_no_keys);
	if (res.beyond)
		return quic_unnamed(ctx, nf, out, &st->quic_beyond);
	if (s->phase == P_VERIFY) {
		if (f->after_server > QUIC_VERIFY_AFTER_SERVER) {
			st->verified++;
			return finish(ctx, nf, XB_NAME_MORE);
		}
		if (f->client_dgrams >= QUIC_MAX_DGRAMS)
			return quic_unnamed(ctx, nf, out, &st->quic_dgram_limit);
		return XB_NAME_MORE;
	}
	if (res.decrypted) {
		int rc = xb_tls_hs_sni(s->r.data, s->r.prefix, out);
		if (rc == XB_NAME_FOUND) {
			out->source = XB_NAME_SRC_QUIC;
			s->phase = P_VERIFY;
			st->found[XB_NAME_SRC_QUIC]++;
			return XB_NAME_FOUND; /* slot kept: verify */
		}
		if (rc != XB_NAME_MORE) {
			/* No ClientHello, no name in it, or a hidden one: the
			 * TLS parser's UNNAMED may leave the name shown
			 * instead (an ECH outer name) in out. */
			st->quic_no_hello++;
			if (rc == XB_NAME_UNNAMED && out->len > 0)
				out->source = XB_NAME_SRC_QUIC;
			else
				out->len = 0;
			return unnamed(ctx, nf);
		}
		if (s->r.prefix >= s->r.cap)
			return quic_unnamed(ctx, nf, out, &st->quic_beyond);
	}
	if (f->client_dgrams >= QUIC_MAX_DGRAMS)
		return quic_unnamed(ctx, nf, out, &st->quic_dgram_limit);
	return XB_NAME_MORE;
}

static int
feed_udp(struct xb_name_ctx *ctx, struct xb_name_flow *nf,
	 const struct xb_pkt_info *pi, int dir, int init_dir,
	 const uint8_t *payload, uint32_t len, uint64_t now_ns,
	 struct xb_name *out)
{
	if (nf->slot != 0) {
		struct slot *s = slot_get(ctx, nf->slot);
		if (!s) {
			ctx->st.slot_lost++;
			nf->slot = 0;
			return quic_unnamed(ctx, nf, out,
					    &ctx->st.quic_slot_lost);
		}
		if (len == 0)
			return XB_NAME_MORE;
		return quic_slot(ctx, nf, s, pi, dir, payload, len, now_ns,
				 out);
	}
	if (len == 0)
		return XB_NAME_MORE;
	/* No slot yet: decide with a few byte checks. */
	if (is_dns_port(pi->sport) || is_dns_port(pi->dport)) {
		if (xb_dns_qname(payload, len, out) == XB_NAME_FOUND)
			return found(ctx, nf, out);
		return give_up(ctx, nf, pi, dir, init_dir, now_ns, out);
	}
	int q = xb_quic_sniff(payload, len);
	if (q == XB_QUIC_GQUIC) {
		if (xb_gquic_sni(payload, len, out) == XB_NAME_FOUND)
			return found(ctx, nf, out);
		return give_up(ctx, nf, pi, dir, init_dir, now_ns, out);
	}
	enum xb_quic_check chk = XB_QUIC_INITIAL_NOT;
	if (q == XB_QUIC_IETF)
		chk = xb_quic_initial_check(payload, len, pi->payload_len, true);
	if (chk == XB_QUIC_INITIAL_TRUNCATED)
		return quic_unnamed(ctx, nf, out, &ctx->st.quic_truncated);
	if (chk != XB_QUIC_INITIAL_OK) {
		if (chk == XB_QUIC_INITIAL_IMPLAUSIBLE)
			ctx->st.quic_implausible++;
		ctx->st.quic_skipped++;
		if (nf->skipped <= QUIC_SKIP_MAX && ++nf->skipped > QUIC_SKIP_MAX) {
			/* Not QUIC so far.  Elsewhere that ends the search;
			 * on QUIC's port the flow keeps being looked at (a
			 * few byte checks a datagram, no slot), so junk sent
			 * ahead never hides a later Initial, and honest UDP
			 * there that is not QUIC is not taken for unnamed. */
			if (!quic_port(pi))
				return give_up(ctx, nf, pi, dir, init_dir,
					       now_ns, out);
			ctx->st.quic_no_initial++;
		}
		return XB_NAME_MORE;
	}
	struct slot *s = slot_alloc(ctx, nf);
	s->kind = K_QUIC;
	s->dir = (int8_t)dir;
	return quic_slot(ctx, nf, s, pi, dir, payload, len, now_ns, out);
}

int
xb_name_feed(struct xb_name_ctx *ctx, struct xb_name_flow *nf,
	     const struct xb_pkt_info *pi, int dir, int init_dir,
	     const uint8_t *payload, uint32_t len, uint64_t now_ns,
	     struct xb_name *out)
{
	if (nf->flags & XB_NAME_FLOW_DONE)
		return XB_NAME_GIVE_UP;
	if (!(pi->flags & XB_PKT_F_HAS_L4))
		return give_up(ctx, nf, pi, dir, init_dir, now_ns, out);
	if (pi->proto == 6)
		return feed_tcp(ctx, nf, pi, dir, init_dir, payload, len, now_ns,
				out);
	if (pi->proto == 17)
		return feed_udp(ctx, nf, pi, dir, init_dir, payload, len, now_ns,
				out);
	return give_up(ctx, nf, pi, dir, init_dir, now_ns, out);
}
