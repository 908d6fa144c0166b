/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's only source of randomness: xoshiro256** seeded through
 * splitmix64, so the same seed gives the same bytes on every machine.
 * A stream number derives independent generators from one seed (per-flow
 * choices in the benchmark modes are recomputed, never stored).
 */
#ifndef GEN_RNG_H
#define GEN_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seed r from (seed, stream). */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t rng_next(struct rng *r);

/* Uniform in [0, n), n > 0 (Lemire's multiply; bias < 2^-32, irrelevant). */
uint32_t rng_below(struct rng *r, uint32_t n);

/* Uniform in [0, 1), 53 bits. */
double rng_unit(struct rng *r);

/* Uniform in [lo, hi], lo <= hi. */
uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi);

/* n random bytes at p (8 per draw, the last draw cut short). */
void rng_bytes(struct rng *r, uint8_t *p, size_t n);

/*
 * Bijection on [0, 2^bits) keyed by seed: distinct inputs give distinct,
 * scattered outputs; gives every flow index a unique 5-tuple.
 */
uint32_t rng_perm(uint32_t x, unsigned int bits, uint64_t seed);

#endif /* GEN_RNG_H */
