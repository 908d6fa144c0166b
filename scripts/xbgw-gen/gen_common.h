/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every module of xbgw-gen shares: the time unit and an allocator
 * that ends the program on failure (a generator has nothing to fall back
 * to).  Single-threaded, like the whole generator.
 */
#ifndef GEN_COMMON_H
#define GEN_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#define NS_PER_S 1000000000ULL

/* realloc(p, n), or exit(1) with a message when memory runs out. */
static inline void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "xbgw-gen: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return q;
}

#endif /* GEN_COMMON_H */
