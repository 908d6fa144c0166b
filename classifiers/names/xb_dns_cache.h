/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS answer cache: (tenant, server address) -> the name the tenant's
 * own resolver answered for it, for the flows that show no name of their
 * own (no SNI, ECH, a protocol without names).  What is put here has been
 * checked by xb_dns_learn (an answer from outside to an inside client that
 * matches a query the gateway saw); this module only stores and finds.
 *
 * Shared by the workers, without locks: the cache is cut into one
 * partition per worker.  A worker writes only its own partition (single
 * writer: the worker that saw the answer) and looks up in every partition
 * (a flow and its DNS lookup may land on different workers).  Each entry
 * is published under a per-entry sequence count (a seqlock: odd while the
 * writer changes it); a reader that sees the count odd or changed across
 * its read discards what it read.  When several partitions know the same
 * (tenant, address), the most recently learnt name wins.
 *
 * Bounded: a fixed number of entries per partition (set-associative, 4
 * ways); an entry lives for its record's TTL clamped to
 * [XB_NAME_CACHE_TTL_MIN, XB_NAME_CACHE_TTL_MAX]; when a set is full of
 * live entries the one learnt first is evicted (counted).  The set index
 * comes from a hash keyed with a secret drawn at creation, so an answer's
 * addresses cannot be chosen offline to crowd one set (and an eviction
 * only loses a name: the flow then keeps its own, stricter, verdict).
 *
 * Pure C (C11 atomics), no EAL, no allocation after create.
 */
#ifndef XB_DNS_CACHE_H
#define XB_DNS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "xb_name.h"

struct xb_dns_cache;

/* Most partitions (writers) a cache has. */
#define XB_DNS_CACHE_MAX_WRITERS 128

/*
 * Create a cache of `writers` partitions (1..XB_DNS_CACHE_MAX_WRITERS) of
 * `entries` entries each (rounded up to a power of two, at least 4, at
 * most 2^24): 336 bytes an entry (320 for its key and name, 16 its share
 * of its set's tag line).  seed: the secret of the set hash (draw it at
 * random).  Returns NULL on bad arguments or when out of memory.  Control
 * plane only.
 */
struct xb_dns_cache *xb_dns_cache_create(unsigned int writers,
					 unsigned int entries, uint64_t seed);
/* Free a cache no thread uses any more (NULL is fine). */
void xb_dns_cache_free(struct xb_dns_cache *c);

/*
 * The stable key of a tenant: a 64-bit hash of its identifier (the
 * `tenant` column of tenants.csv), which, unlike the tenant's index,
 * survives a reload that reorders or adds tenants.  Reentrant.
 */
uint64_t xb_dns_cache_tenant_key(const char *tenant_id);

/*
 * Learn (tenant, address) -> name for ttl_s seconds (clamped) from now_ns
 * (ns, the caller's clock): replaces the entry of the same key in the
 * partition, else takes an empty or expired way of its set, else evicts
 * the way learnt first.  family 4 (addr: 4 bytes) or 6 (16 bytes),
 * network order; anything else is ignored.  The stored name's source is
 * XB_NAME_SRC_DNS_CACHE.
 * Thread safety: only the thread that owns partition `writer` may call it;
 * readers may look up concurrently.  No allocation.
 */
void xb_dns_cache_put(struct xb_dns_cache *c, unsigned int writer,
		      uint64_t tenant, uint8_t family, const uint8_t *addr,
		      const struct xb_name *name, uint32_t ttl_s,
		      uint64_t now_ns);

/*
 * The name the tenant's resolver gave the address, live at now_ns: true
 * and *out filled (source XB_NAME_SRC_DNS_CACHE), else false.  Probes one
 * set in every partition (one cache line each, prefetched together), and
 * copies a name only on a tag match.  An entry its writer is changing at
 * that moment is retried a few times, then treated as absent.
 * Thread safety: any thread, concurrently with the writers.  No
 * allocation, no lock; for flows without a name of their own, not per
 * packet.
 */
bool xb_dns_cache_lookup(const struct xb_dns_cache *c, uint64_t tenant,
			 uint8_t family, const uint8_t *addr, uint64_t now_ns,
			 struct xb_name *out);

/* Counters of one partition, written by its writer only. */
struct xb_dns_cache_stats {
	uint64_t learnt;  /* entries written (new or refreshed) */
	uint64_t evicted; /* live entries overwritten by another key */
};
/* Add partition `writer`'s counters to *st (relaxed loads: from any
 * thread, slightly stale). */
void xb_dns_cache_stats_add(const struct xb_dns_cache *c, unsigned int writer,
			    struct xb_dns_cache_stats *st);

#endif /* XB_DNS_CACHE_H */
