/* SPDX-License-Identifier: BSD-3-Clause */
/* xoshiro256** seeded through splitmix64; see gen_rng.h. */
#include <string.h>

#include "gen_rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

uint32_t
rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

void
rng_bytes(struct rng *r, uint8_t *p, size_t n)
{
	while (n > 0) {
		uint64_t v = rng_next(r);
		size_t k = n < 8 ? n : 8;

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

/*
 * Multiplications by odd constants and xor-shifts are each invertible
 * modulo 2^bits, so the composition is a bijection.
 */
uint32_t
rng_perm(uint32_t x, unsigned int bits, uint64_t seed)
{
	uint32_t mask = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
	unsigned int sh = bits / 2 ? bits / 2 : 1;

	x = (x ^ (uint32_t)seed) & mask;
	x = (x * 0x9E3779B1u) & mask;
	x ^= x >> sh;
	x = (x * 0x85EBCA77u) & mask;
	x ^= x >> sh;
	x = (x + (uint32_t)(seed >> 32)) & mask;
	x = (x * 0xC2B2AE3Du) & mask;
	x ^= x >> sh;
	return x;
}
