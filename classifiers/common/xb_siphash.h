/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-1-3 (Aumasson and Bernstein's SipHash with one compression and
 * three finalisation rounds) under a 128-bit secret: the keyed hash of
 * every table an outsider could otherwise fill in one place (the flow
 * table's buckets, the DNS cache's and the pending DNS queries' sets).
 * Without the secret, which never leaves the process, outputs cannot be
 * predicted, so keys that collide cannot be chosen offline.  (1-3 is the
 * variant Rust's and CPython's hash tables use for the same purpose.)
 *
 * The round macros are for callers that hash what they have in registers
 * (the flow key, xb_flow_hash.h); xb_siphash13() hashes bytes in memory.
 * Pure C, thread-safe (a key is read-only once made).
 */
#ifndef XB_SIPHASH_H
#define XB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes of secret a key is made from. */
#define XB_SIPHASH_SECRET_LEN 16

/*
 * A key as SipHash uses it: its initial state (the secret's two 64-bit
 * halves XORed with SipHash's constants), precomputed once so a hash pays
 * for none of it.
 */
struct xb_siphash_key {
	uint64_t v[4];
};

/* Key from a secret of XB_SIPHASH_SECRET_LEN bytes (little-endian halves
 * k0, k1, as in the SipHash paper's test vectors). */
void xb_siphash_key_init(struct xb_siphash_key *hk,
			 const uint8_t secret[XB_SIPHASH_SECRET_LEN]);

/* Key from a 64-bit seed a caller drew (its two halves the seed and the
 * seed times an odd constant): for modules handed a seed rather than a
 * key. */
void xb_siphash_key_from_seed(struct xb_siphash_key *hk, uint64_t seed);

/* Key from a fresh secret drawn with getrandom() (blocks only until the
 * kernel's pool is first initialised, early at boot).  Returns 0, or a
 * negative errno with *hk untouched.  Control plane. */
int xb_siphash_key_random(struct xb_siphash_key *hk);

static inline uint64_t
xb_rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound over the state v0..v3 (locals of the caller). */
#define XB_SIPROUND(v0, v1, v2, v3)                                           \
	do {                                                                  \
		v0 += v1;                                                     \
		v1 = xb_rotl64(v1, 13);                                       \
		v1 ^= v0;                                                     \
		v0 = xb_rotl64(v0, 32);                                       \
		v2 += v3;                                                     \
		v3 = xb_rotl64(v3, 16);                                       \
		v3 ^= v2;                                                     \
		v0 += v3;                                                     \
		v3 = xb_rotl64(v3, 21);                                       \
		v3 ^= v0;                                                     \
		v2 += v1;                                                     \
		v1 = xb_rotl64(v1, 17);                                       \
		v1 ^= v2;                                                     \
		v2 = xb_rotl64(v2, 32);                                       \
	} while (0)

/* One message word into the state v0..v3 (SipHash-1-3: one round). */
#define XB_SIP_WORD(v0, v1, v2, v3, m)                                        \
	do {                                                                  \
		v3 ^= (m);                                                    \
		XB_SIPROUND(v0, v1, v2, v3);                                  \
		v0 ^= (m);                                                    \
	} while (0)

/* The end of SipHash-1-3: the last block b (the message's tail bytes,
 * with its length in the top byte), then the finalisation rounds. */
#define XB_SIP_FINISH(v0, v1, v2, v3, b)                                      \
	do {                                                                  \
		XB_SIP_WORD(v0, v1, v2, v3, (b));                             \
		v2 ^= 0xff;                                                   \
		XB_SIPROUND(v0, v1, v2, v3);                                  \
		XB_SIPROUND(v0, v1, v2, v3);                                  \
		XB_SIPROUND(v0, v1, v2, v3);                                  \
	} while (0)

/* SipHash-1-3 of n bytes at p. */
static inline uint64_t
xb_siphash13(const struct xb_siphash_key *hk, const void *p, size_t n)
{
	uint64_t v0 = hk->v[0], v1 = hk->v[1], v2 = hk->v[2], v3 = hk->v[3];
	const uint8_t *b = p;
	uint64_t m, last = (uint64_t)n << 56;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&m, b + i, 8); /* little-endian hosts (x86, arm64) */
		XB_SIP_WORD(v0, v1, v2, v3, m);
	}
	for (size_t k = 0; i + k < n; k++)
		last |= (uint64_t)b[i + k] << (8 * k);
	XB_SIP_FINISH(v0, v1, v2, v3, last);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* XB_SIPHASH_H */
