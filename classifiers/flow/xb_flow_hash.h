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
 * The secret is drawn at start (xb_flow_hash_key_random, getrandom()),
 * one per flow table; tests pass a fixed one (xb_flow_hash_key_init).
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

/* Bytes of secret a hash key is made from. */
#define XB_FLOW_HASH_SECRET_LEN 16

/*
 * A hash key as SipHash uses it: its initial state (the secret's two
 * 64-bit halves XORed with SipHash's constants), precomputed once so a
 * packet pays for none of it.
 */
struct xb_flow_hash_key {
	uint64_t v[4];
};

/* Key from a secret of XB_FLOW_HASH_SECRET_LEN bytes (little-endian
 * halves k0, k1, as in the SipHash paper's test vectors). */
void xb_flow_hash_key_init(struct xb_flow_hash_key *hk,
			   const uint8_t secret[XB_FLOW_HASH_SECRET_LEN]);

/* Key from a fresh secret drawn with getrandom() (blocks only until the
 * kernel's pool is first initialised, early at boot).  Returns 0, or a
 * negative errno with *hk untouched.  Control plane (table creation). */
int xb_flow_hash_key_random(struct xb_flow_hash_key *hk);

static inline uint64_t
xb_flow_rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound over the state v0..v3 (locals of the caller). */
#define XB_FLOW_SIPROUND(v0, v1, v2, v3)                                      \
	do {                                                                  \
		v0 += v1;                                                     \
		v1 = xb_flow_rotl64(v1, 13);                                  \
		v1 ^= v0;                                                     \
		v0 = xb_flow_rotl64(v0, 32);                                  \
		v2 += v3;                                                     \
		v3 = xb_flow_rotl64(v3, 16);                                  \
		v3 ^= v2;                                                     \
		v0 += v3;                                                     \
		v3 = xb_flow_rotl64(v3, 21);                                  \
		v3 ^= v0;                                                     \
		v2 += v1;                                                     \
		v1 = xb_flow_rotl64(v1, 17);                                  \
		v1 ^= v2;                                                     \
		v2 = xb_flow_rotl64(v2, 32);                                  \
	} while (0)

/* One message word into the state v0..v3 (SipHash-1-3: one round). */
#define XB_FLOW_SIP_WORD(v0, v1, v2, v3, m)                                   \
	do {                                                                  \
		v3 ^= (m);                                                    \
		XB_FLOW_SIPROUND(v0, v1, v2, v3);                             \
		v0 ^= (m);                                                    \
	} while (0)

/* The end of SipHash-1-3 for a message of len bytes, a multiple of 8:
 * the length block, then the three finalisation rounds. */
#define XB_FLOW_SIP_FINISH(v0, v1, v2, v3, len)                               \
	do {                                                                  \
		XB_FLOW_SIP_WORD(v0, v1, v2, v3, (uint64_t)(len) << 56);      \
		v2 ^= 0xff;                                                   \
		XB_FLOW_SIPROUND(v0, v1, v2, v3);                             \
		XB_FLOW_SIPROUND(v0, v1, v2, v3);                             \
		XB_FLOW_SIPROUND(v0, v1, v2, v3);                             \
	} while (0)

/*
 * SipHash-1-3 of a 40-byte message given as its five little-endian
 * 64-bit words (w0 = bytes 0..7, ...), in full 64 bits.  Taking words,
 * not memory, lets the packet path hash what it has in registers.
 */
static inline uint64_t
xb_flow_siphash13_40(const struct xb_flow_hash_key *hk, uint64_t w0,
		     uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4)
{
	uint64_t v0 = hk->v[0], v1 = hk->v[1], v2 = hk->v[2], v3 = hk->v[3];

	XB_FLOW_SIP_WORD(v0, v1, v2, v3, w0);
	XB_FLOW_SIP_WORD(v0, v1, v2, v3, w1);
	XB_FLOW_SIP_WORD(v0, v1, v2, v3, w2);
	XB_FLOW_SIP_WORD(v0, v1, v2, v3, w3);
	XB_FLOW_SIP_WORD(v0, v1, v2, v3, w4);
	XB_FLOW_SIP_FINISH(v0, v1, v2, v3, 40);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The same for a 16-byte message (words w0, w1): 6 rounds instead of 9. */
static inline uint64_t
xb_flow_siphash13_16(const struct xb_flow_hash_key *hk, uint64_t w0,
		     uint64_t w1)
{
	uint64_t v0 = hk->v[0], v1 = hk->v[1], v2 = hk->v[2], v3 = hk->v[3];

	XB_FLOW_SIP_WORD(v0, v1, v2, v3, w0);
	XB_FLOW_SIP_WORD(v0, v1, v2, v3, w1);
	XB_FLOW_SIP_FINISH(v0, v1, v2, v3, 16);
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
