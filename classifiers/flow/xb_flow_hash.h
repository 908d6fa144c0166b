/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's keyed hash: SipHash-1-3 (Aumasson and Bernstein's
 * SipHash with one compression and three finalisation rounds) under a
 * 128-bit secret, over the 40-byte canonical flow key.
 *
 * Why keyed, and why not CRC32C with a secret seed: an outsider who can
 * compute the hash offline can build flows that all land in one bucket
 * pair and evict an established flow at will (16 SYNs are enough).  CRC
 * is linear over GF(2): crc(seed, a) ^ crc(seed, b) does not depend on
 * the seed, so two keys that collide under one seed collide under all of
 * them and a secret seed changes nothing.  SipHash is a PRF: without the
 * secret, outputs are unpredictable, so colliding keys cannot be chosen.
 * (1-3 is the variant Rust's and CPython's hash tables use for the same
 * purpose; 2-4 would cost four more rounds per packet for a margin that
 * matters for MACs, not for hash flooding.)
 *
 * The secret is drawn at start (xb_siphash_key_random, getrandom()),
 * one per flow table; tests pass a fixed one (xb_siphash_key_init).
 * Symmetry comes from the key, not the hash: both directions of a flow
 * have the same canonical key (xb_flow.h).
 *
 * What is hashed is an injective encoding of the key, not always its 40
 * bytes: an IPv4 key's addresses use 4 of their 16 bytes, so IPv4 keys
 * are hashed as 16 bytes (both addresses in one word, then the ports,
 * VLAN, protocol and family word), IPv6 keys as all 40.  The two lengths
 * differ and SipHash hashes the length, so the encodings never meet.
 *
 * Cost: 6 SipRounds of 14 simple 64-bit operations for IPv4 (9 for
 * IPv6), partly hidden by the parse loop's other work (FLOWTABLE.md has
 * the measured figures).
 *
 * Thread safety: a key is immutable once initialised; the hash functions
 * are pure and reentrant.
 */
#ifndef XB_FLOW_HASH_H
#define XB_FLOW_HASH_H

#include <stdint.h>
#include <string.h>

#include "xb_siphash.h"

/*
 * SipHash-1-3 of a 40-byte message given as its five little-endian
 * 64-bit words (w0 = bytes 0..7, ...), in full 64 bits.  Taking words,
 * not memory, lets the packet path hash what it has in registers.
 */
static inline uint64_t
xb_flow_siphash13_40(const struct xb_siphash_key *hk, uint64_t w0,
		     uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4)
{
	uint64_t v0 = hk->v[0], v1 = hk->v[1], v2 = hk->v[2], v3 = hk->v[3];

	XB_SIP_WORD(v0, v1, v2, v3, w0);
	XB_SIP_WORD(v0, v1, v2, v3, w1);
	XB_SIP_WORD(v0, v1, v2, v3, w2);
	XB_SIP_WORD(v0, v1, v2, v3, w3);
	XB_SIP_WORD(v0, v1, v2, v3, w4);
	XB_SIP_FINISH(v0, v1, v2, v3, (uint64_t)40 << 56);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The same for a 16-byte message (words w0, w1): 6 rounds instead of 9. */
static inline uint64_t
xb_flow_siphash13_16(const struct xb_siphash_key *hk, uint64_t w0,
		     uint64_t w1)
{
	uint64_t v0 = hk->v[0], v1 = hk->v[1], v2 = hk->v[2], v3 = hk->v[3];

	XB_SIP_WORD(v0, v1, v2, v3, w0);
	XB_SIP_WORD(v0, v1, v2, v3, w1);
	XB_SIP_FINISH(v0, v1, v2, v3, (uint64_t)16 << 56);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The table's 32-bit hash from the 64-bit SipHash: both halves folded,
 * so the bucket bits (low) and the signature bits (high) each depend on
 * all 64. */
static inline uint32_t
xb_flow_hash_fold(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

#endif /* XB_FLOW_HASH_H */
