/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests' and benchmarks' random numbers: xorshift64* (Vigna), from a
 * seed each caller keeps, so every run sees the same numbers.  Not for
 * anything that must be unpredictable.
 */
#ifndef TEST_RNG_H
#define TEST_RNG_H

#include <stdint.h>

/* Next number of the sequence in *state (never 0: seed it non-zero). */
static inline uint64_t
test_rng(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

#endif /* TEST_RNG_H */
