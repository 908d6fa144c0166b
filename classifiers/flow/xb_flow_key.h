/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow keys: the canonical 40-byte key of a packet's flow (both
 * directions give the same key), its equality and its keyed hash
 * (xb_flow_hash.h).  Header-only: per packet, inlined into the parse loop.
 *
 * Thread safety: reentrant; no allocation.
 */
#ifndef XB_FLOW_KEY_H
#define XB_FLOW_KEY_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "xb_flow_hash.h"
#include "xb_parse.h"

/*
 * Canonical flow key: 40 bytes, every byte written (padding-free), so it can
 * be hashed and compared as raw memory.
 */
struct xb_flow_key {
	uint8_t addr[2][16]; /* endpoint 0 = the lower (addr, port) pair;
			      * network order; IPv4 in the first 4 bytes,
			      * the other 12 zero */
	uint16_t port[2];    /* host order; ICMP: see xb_flow_key_from_pkt */
	uint16_t vlan;       /* outermost VLAN id, 0 when untagged */
	uint8_t proto;       /* L4 protocol number */
	uint8_t family;      /* 4 or 6 */
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct xb_flow_key) == 40, "xb_flow_key is 40 bytes");

#define XB_FLOW_PROTO_ICMP 1
#define XB_FLOW_PROTO_TCP 6
#define XB_FLOW_PROTO_UDP 17
#define XB_FLOW_PROTO_ICMPV6 58

/* ICMP messages that form a bidirectional exchange keyed by identifier. */
static inline int
xb_flow_icmp_is_echo(uint8_t proto, uint16_t type_code)
{
	uint8_t type = (uint8_t)(type_code >> 8);

	if (proto == XB_FLOW_PROTO_ICMP)
		return type == 8 || type == 0;
	return type == 128 || type == 129;
}

/*
 * Canonical key from a parsed packet (xb_parse() returned XB_PARSE_IP).
 * *dir = 0 when the packet's source is endpoint 0, 1 otherwise; a packet
 * whose two (address, port) pairs are equal gets dir 0.
 *
 * ICMP/ICMPv6: the parser gives sport = type << 8 | code and dport = the
 * echo identifier.  Echo request and reply (ICMP 8/0, ICMPv6 128/129) use
 * the identifier as both ports, so a ping and its reply are one flow; every
 * other ICMP message (errors, router/neighbour discovery, ...) uses ports
 * 0/0, i.e. one "control" flow per address pair, protocol and VLAN.
 * Later IP fragments carry ports 0 (no L4 header) and so map to the
 * 0/0 flow of their address pair: defragmentation is not this module's job.
 *
 * Thread safety: reentrant.  Per packet; no allocation.
 */

/*
 * SipHash-1-3 of a key given as its five 8-byte words (the key's memory
 * layout, little-endian): IPv4 keys (family 4: words 1 and 3 zero, words
 * 0 and 2 below 2^32) as the 16 bytes (w0 | w2 << 32, w4), IPv6 keys as
 * all 40 (xb_flow_hash.h: an injective encoding either way).
 */
static inline uint64_t
xb_flow_key_siphash(const struct xb_siphash_key *hk, uint64_t w0,
		    uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
		    int ipv4)
{
	if (ipv4)
		return xb_flow_siphash13_16(hk, w0 | w2 << 32, w4);
	return xb_flow_siphash13_40(hk, w0, w1, w2, w3, w4);
}

/*
 * The table's 32-bit hash of a key under hash key hk (xb_flow_hash.h:
 * SipHash-1-3, folded to 32 bits).  Low bits pick the bucket, the top 16
 * bits are the in-bucket signature.  The memcpy loads make no aliasing or
 * alignment assumptions (the sanitizers check).
 * Thread safety: reentrant.
 */
static inline uint32_t
xb_flow_key_hash(const struct xb_siphash_key *hk, const struct xb_flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t w[5];

	memcpy(w, p, sizeof(w));
	return xb_flow_hash_fold(xb_flow_key_siphash(hk, w[0], w[1], w[2], w[3],
						     w[4], k->family == 4));
}

/*
 * Canonical key of a parsed packet and its hash under hk (equal to
 * xb_flow_key_hash(hk, key)), in one pass: *dir = 0 when the packet's
 * source is endpoint 0.  The hash is computed from registers, not by
 * reading back the key just written: a wide load over several narrower
 * stores cannot be store-forwarded and stalls the pipeline.  hk: the
 * table's (xb_flow_table_hash_key()).
 */
static inline uint32_t
xb_flow_key_from_pkt_hash(const struct xb_pkt_info *pi, struct xb_flow_key *k,
			  uint8_t *dir, const struct xb_siphash_key *hk)
{
	uint16_t sport = pi->sport, dport = pi->dport;
	uint64_t s0, s1, d0, d1, a0, a1, b0, b1, tail;
	uint8_t d;

	if (pi->proto == XB_FLOW_PROTO_ICMP ||
	    pi->proto == XB_FLOW_PROTO_ICMPV6) {
		if (xb_flow_icmp_is_echo(pi->proto, sport))
			sport = dport;
		else
			sport = dport = 0;
	}
	/*
	 * Order the endpoints as big-endian numbers (what memcmp would say):
	 * the parser zeroes the address bytes beyond the family's length, so
	 * 16 bytes compare right for IPv4 too.
	 */
	if (__builtin_expect(pi->family == 4, 1)) {
		/* Loads the size of the parser's stores (4 bytes), so they
		 * are store-forwarded; the other 12 bytes are zero. */
		uint32_t s4, d4;

		memcpy(&s4, pi->src, 4);
		memcpy(&d4, pi->dst, 4);
		s0 = s4;
		d0 = d4;
		s1 = d1 = 0;
	} else {
		memcpy(&s0, pi->src, 8);
		memcpy(&s1, pi->src + 8, 8);
		memcpy(&d0, pi->dst, 8);
		memcpy(&d1, pi->dst + 8, 8);
	}
	{
		uint64_t bs0 = __builtin_bswap64(s0), bd0 = __builtin_bswap64(d0);
		uint64_t bs1 = __builtin_bswap64(s1), bd1 = __builtin_bswap64(d1);

		d = bs0 != bd0 ? bs0 > bd0 : bs1 != bd1 ? bs1 > bd1 : sport > dport;
	}
	a0 = d ? d0 : s0;
	a1 = d ? d1 : s1;
	b0 = d ? s0 : d0;
	b1 = d ? s1 : d1;
	/* port[0], port[1], vlan, proto, family: the key's last 8 bytes
	 * (little-endian layout of struct xb_flow_key). */
	tail = (uint64_t)(d ? dport : sport) |
	       (uint64_t)(d ? sport : dport) << 16 | (uint64_t)pi->vlan << 32 |
	       (uint64_t)pi->proto << 48 | (uint64_t)pi->family << 56;
	memcpy(k->addr[0], &a0, 8);
	memcpy(k->addr[0] + 8, &a1, 8);
	memcpy(k->addr[1], &b0, 8);
	memcpy(k->addr[1] + 8, &b1, 8);
	memcpy(k->port, &tail, 8);
	*dir = d;
	return xb_flow_hash_fold(xb_flow_key_siphash(hk, a0, a1, b0, b1, tail,
						     pi->family == 4));
}

/* The key alone (the hash under an all-zero state is computed and
 * dropped: the compiler keeps only the key's stores). */
static inline void
xb_flow_key_from_pkt(const struct xb_pkt_info *pi, struct xb_flow_key *k,
		     uint8_t *dir)
{
	static const struct xb_siphash_key none;

	(void)xb_flow_key_from_pkt_hash(pi, k, dir, &none);
}

/* 40-byte equality, branch-free: two 16-byte compares and one 8-byte
 * word with SSE2 (the lookup's key compare), five 8-byte words without. */
static inline int
xb_flow_key_eq(const struct xb_flow_key *a, const struct xb_flow_key *b)
{
	const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
#if defined(__SSE2__)
	__m128i e0 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)pa),
				    _mm_loadu_si128((const __m128i *)(const void *)pb));
	__m128i e1 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(pa + 16)),
				    _mm_loadu_si128((const __m128i *)(const void *)(pb + 16)));
	uint64_t wa, wb;

	memcpy(&wa, pa + 32, 8);
	memcpy(&wb, pb + 32, 8);
	return (_mm_movemask_epi8(_mm_and_si128(e0, e1)) == 0xffff) &
	       (wa == wb);
#else
	uint64_t x = 0, wa, wb;
	unsigned int i;

	for (i = 0; i < sizeof(*a); i += 8) {
		memcpy(&wa, pa + i, 8);
		memcpy(&wb, pb + i, 8);
		x |= wa ^ wb;
	}
	return x == 0;
#endif
}


#endif /* XB_FLOW_KEY_H */
