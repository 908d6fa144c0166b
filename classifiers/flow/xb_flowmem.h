/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory of evicted flows: a bounded, 4-way set-associative cache from a
 * flow key to what its owner had learnt about the flow (category and its
 * ruleset generation, name, name source, evidence flags), so that a flow
 * evicted from the flow table and seen again mid-stream gets them back
 * instead of starting over with no name and its 5-tuple verdict.
 *
 * Indexed by the flow table's secret-keyed hash (xb_flow_hash.h) and
 * confirmed by the full 40-byte key: an outsider can neither compute
 * which set a flow uses (to crowd it out with flows of its own) nor forge
 * a record (a record is only ever returned for its exact key).  A set's
 * victim is an empty way, else the record saved longest ago.
 *
 * Layout: a tag array (per set: 4 hash tags and 4 save sequence numbers,
 * 32 bytes, two sets per cache line) read on every lookup, and the
 * records (192 bytes each) read only on a tag match.  Nothing is
 * allocated after create.
 *
 * Pure C, no EAL; time is passed in (ns).  Thread safety: none; one
 * owner thread (the worker whose flow table embeds it, or a test).
 */
#ifndef XB_FLOWMEM_H
#define XB_FLOWMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_flow_key.h"

#define XB_FLOWMEM_WAYS 4
/* Bytes of a remembered name, NUL included (at least XB_FLOW_NAME_MAX). */
#define XB_FLOWMEM_NAME_MAX 128
/* Fewest and most records a memory holds. */
#define XB_FLOWMEM_MIN_ENTRIES 64
#define XB_FLOWMEM_MAX_ENTRIES (1u << 24)

/*
 * What is remembered of a flow.  The meaning of the fields is the
 * caller's (the worker's); the memory stores and returns them as they
 * are.
 */
struct xb_flowmem_rec {
	uint32_t generation; /* ruleset generation category was decided in */
	uint16_t category;
	uint8_t name_source;
	uint8_t flags;
	char name[XB_FLOWMEM_NAME_MAX]; /* NUL-terminated, may be empty */
};

struct xb_flowmem;

struct xb_flowmem_params {
	uint32_t entries; /* records; rounded up to a power of two within
			   * [MIN_ENTRIES, MAX_ENTRIES] */
	/* As struct xb_flow_table_params: zeroed aligned memory, or both
	 * NULL for aligned_alloc. */
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *alloc_arg;
};

/* NULL and errno EINVAL (entries 0 or above MAX_ENTRIES, only one of
 * zalloc/free) or ENOMEM.  Any thread; then one owner. */
struct xb_flowmem *xb_flowmem_create(const struct xb_flowmem_params *p);
/* NULL ok. */
void xb_flowmem_free(struct xb_flowmem *m);
/* Bytes a memory of that many entries allocates; 0 if invalid. */
size_t xb_flowmem_memory(uint32_t entries);

/*
 * Remember rec for key k (hash: the flow table's hash of k) at now_ns:
 * replaces k's own record if there is one, else takes an empty way of
 * the set, else the way saved longest ago (counted as replaced).
 * Owner thread; bounded work (one set), no allocation.
 */
void xb_flowmem_save(struct xb_flowmem *m, const struct xb_flow_key *k,
		     uint32_t hash, uint64_t now_ns,
		     const struct xb_flowmem_rec *rec);

/*
 * The record of key k, if one was saved at most max_age_ns before
 * now_ns: copied to *out and removed (a flow comes back once), true.  A
 * record found older than that is removed and counted as expired;
 * false.  A clock that went back counts as age 0.
 * Owner thread; reads one tag line, and a record only on a tag match.
 */
bool xb_flowmem_take(struct xb_flowmem *m, const struct xb_flow_key *k,
		     uint32_t hash, uint64_t now_ns, uint64_t max_age_ns,
		     struct xb_flowmem_rec *out);

/* Whether the memory holds any record (lets callers skip the lookup of
 * every new flow while it is empty).  Owner thread. */
bool xb_flowmem_empty(const struct xb_flowmem *m);

struct xb_flowmem_stats {
	uint64_t saved;     /* xb_flowmem_save calls */
	uint64_t replaced;  /* live records of other flows overwritten */
	uint64_t taken;     /* records returned by xb_flowmem_take */
	uint64_t expired;   /* records found too old and dropped */
	uint32_t live;      /* records held now */
	uint32_t entries;   /* capacity in records */
	size_t memory_bytes;
};

void xb_flowmem_stats(const struct xb_flowmem *m, struct xb_flowmem_stats *st);

#endif /* XB_FLOWMEM_H */
