/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker cache of name -> category, in front of the Hyperscan match.
 *
 * Names repeat: a gateway sees the same few thousand services in most of
 * its new flows, and a Hyperscan scan costs hundreds of cycles while a hit
 * here costs a hash and a compare.  Direct-mapped, one entry per slot; an
 * entry is valid only for the ruleset generation that computed it, so a
 * reload needs no flush.  Names longer than XB_NAME_CACHE_LEN - 1 bypass
 * the cache.  One cache per worker: not thread-safe by design.
 */
#ifndef XB_NAME_CACHE_H
#define XB_NAME_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define XB_NAME_CACHE_SLOTS 4096 /* power of two */
#define XB_NAME_CACHE_LEN 56

struct xb_name_cache_entry {
	uint64_t hash;       /* 0 = empty */
	uint32_t generation; /* ruleset generation of the answer */
	int32_t category;    /* category index, or -1: no pattern matched */
	char name[XB_NAME_CACHE_LEN];
};

struct xb_name_cache {
	struct xb_name_cache_entry e[XB_NAME_CACHE_SLOTS];
	uint64_t hits, misses;
};

static inline uint64_t
xb_name_cache_hash(const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
	return h | 1;
}

/* True and *category set when name was matched under generation. */
static inline bool
xb_name_cache_get(struct xb_name_cache *c, uint32_t generation,
		  const char *name, size_t len, uint64_t hash, int *category)
{
	const struct xb_name_cache_entry *e =
		&c->e[hash & (XB_NAME_CACHE_SLOTS - 1)];

	if (len >= XB_NAME_CACHE_LEN || e->hash != hash ||
	    e->generation != generation || memcmp(e->name, name, len) != 0 ||
	    e->name[len] != '\0') {
		c->misses++;
		return false;
	}
	c->hits++;
	*category = e->category;
	return true;
}

static inline void
xb_name_cache_put(struct xb_name_cache *c, uint32_t generation,
		  const char *name, size_t len, uint64_t hash, int category)
{
	struct xb_name_cache_entry *e = &c->e[hash & (XB_NAME_CACHE_SLOTS - 1)];

	if (len >= XB_NAME_CACHE_LEN)
		return;
	e->hash = hash;
	e->generation = generation;
	e->category = category;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
}

#endif /* XB_NAME_CACHE_H */
