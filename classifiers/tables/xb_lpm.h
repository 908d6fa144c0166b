/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Longest-prefix match over IPv4 and IPv6, for the country and tenant
 * tables.
 *
 * Two phases, as everything in a ruleset:
 *  - a *builder* (plain malloc, no EAL) collects (prefix, value) pairs from
 *    any number of loaders; the same prefix added again replaces the
 *    earlier value, which is how "the later source wins" is implemented;
 *  - xb_lpm_build() turns it into an immutable lookup structure: DPDK's
 *    rte_fib (DIR-24-8) for IPv4 and rte_fib6 (trie) for IPv6, with the
 *    value as next hop and a default value for addresses that match nothing.
 *
 * The built FIBs live in EAL memory, so xb_lpm_build() needs an initialised
 * EAL (hugepages, or --no-huge with enough -m).  A small table takes about
 * 64 MB (the two 2^24-entry first-level tables at 2 bytes per entry); the
 * full world geo table about 300 MB (IPv6 needs 4-byte entries for its
 * ~90k tbl8 groups, and the RIBs keep two nodes per route).  A reload holds
 * the old and the new table at once.
 * A built xb_lpm is never modified: reload builds a new one (each build gets
 * unique FIB names from a counter, so old and new coexist) and frees the old
 * one after the RCU grace period.
 */
#ifndef XB_LPM_H
#define XB_LPM_H

#include <stddef.h>
#include <stdint.h>

#include "xb_errors.h"
#include "xb_prefix.h"

struct xb_lpm_builder;
struct xb_lpm;

/* Largest value a built table can return (rte_fib reserves one bit of the
 * next hop for its own use). */
#define XB_LPM_MAX_VALUE 0x7fffffffu

/*
 * Create an empty builder.  Returns NULL on allocation failure.
 * Thread safety: a builder belongs to one (control-plane) thread.
 */
struct xb_lpm_builder *xb_lpm_builder_create(void);

/*
 * Add prefix p (family 4 or 6, host bits are ignored) with value
 * (0..XB_LPM_MAX_VALUE).  Adding a prefix that is already there replaces its
 * value once built (later wins).  Returns 0, -EINVAL for a bad family,
 * length or value, -ENOMEM.
 */
int xb_lpm_builder_add(struct xb_lpm_builder *b, const struct xb_prefix *p,
		       uint32_t value);

/*
 * xb_lpm_add() that also tags the prefix with origin (non-zero: the
 * caller's code for where it came from, e.g. source file and line).  A
 * table built from a builder with origins keeps its distinct prefixes,
 * values and origins beside the FIB for xb_lpm_origin() (control plane
 * memory: 32 bytes per prefix).
 */
int xb_lpm_builder_add_origin(struct xb_lpm_builder *b,
			      const struct xb_prefix *p, uint32_t value,
			      uint32_t origin);
/* Number of add calls so far (duplicates included). */
size_t xb_lpm_builder_count(const struct xb_lpm_builder *b);

/* The i-th added entry, in add order (tests, dumps).  Returns 0 or -ERANGE. */
int xb_lpm_builder_get(const struct xb_lpm_builder *b, size_t i,
		       struct xb_prefix *p, uint32_t *value);

/* The origin of the i-th added entry (0: none or out of range). */
uint32_t xb_lpm_builder_origin(const struct xb_lpm_builder *b, size_t i);
/* The value exactly prefix p will have once built (the last one added for
 * it).  Returns 0, or -ENOENT if p was never added.  Linear: control plane
 * and tests only. */
int xb_lpm_builder_find(const struct xb_lpm_builder *b,
			const struct xb_prefix *p, uint32_t *value);

/* Free a builder (NULL is fine).  A built xb_lpm does not need it. */
void xb_lpm_builder_free(struct xb_lpm_builder *b);

/*
 * Build the lookup tables from b (b is left unchanged and may be freed
 * afterwards).  name (a short word such as "geo" or "tenant") prefixes the
 * FIB names; default_value is returned for addresses no prefix covers;
 * socket_id is the NUMA socket of the tables (SOCKET_ID_ANY is fine).
 * Returns NULL with the reason in errs (and rte_errno set) on failure.
 * Thread safety: control plane; may run while workers read another xb_lpm.
 */
struct xb_lpm *xb_lpm_build(const struct xb_lpm_builder *b, const char *name,
			    uint32_t default_value, int socket_id,
			    struct xb_errors *errs);

/* Free a built table (NULL is fine).  Only once no reader holds it. */
void xb_lpm_free(struct xb_lpm *l);

/*
 * Bulk lookups, for the packet path: values[i] = value of the longest
 * prefix covering ips[i], or the default value.  IPv4 addresses are in host
 * byte order; IPv6 addresses are 16 bytes in network order.  No allocation,
 * no locks; any number of threads may look up the same table at once.
 */
void xb_lpm_lookup4_bulk(const struct xb_lpm *l, const uint32_t *ips,
			 uint64_t *values, unsigned int n);
void xb_lpm_lookup6_bulk(const struct xb_lpm *l, const uint8_t (*ips)[16],
			 uint64_t *values, unsigned int n);

/* Single-address variants of the above (same rules). */
static inline uint32_t
xb_lpm_lookup4(const struct xb_lpm *l, uint32_t ip)
{
	uint64_t v;

	xb_lpm_lookup4_bulk(l, &ip, &v, 1);
	return (uint32_t)v;
}

static inline uint32_t
xb_lpm_lookup6(const struct xb_lpm *l, const uint8_t ip[16])
{
	uint64_t v;

	xb_lpm_lookup6_bulk(l, (const uint8_t (*)[16])ip, &v, 1);
	return (uint32_t)v;
}

/*
 * The longest prefix of the table covering addr (family 4: 4 bytes, 6: 16
 * bytes, network order), with its value and origin (0 when added without
 * one): the prefix that made the FIB's answer for addr, for explaining it.
 * Returns 0, or -ENOENT when no prefix covers addr (the default value
 * answers) or the table keeps no origins.  O(prefix lengths x log n);
 * control plane only, any number of threads.
 */
int xb_lpm_origin(const struct xb_lpm *l, unsigned int family,
		  const uint8_t addr[16], struct xb_prefix *prefix,
		  uint32_t *value, uint32_t *origin);
/* Number of distinct prefixes in the built table, per family (4 or 6). */
size_t xb_lpm_prefix_count(const struct xb_lpm *l, unsigned int family);

/* Of those, the routes installed in the FIB: a prefix whose value equals
 * that of its longest covering prefix (or the default) changes no lookup
 * and is left out, which saves RIB nodes and tbl8 groups. */
size_t xb_lpm_route_count(const struct xb_lpm *l, unsigned int family);

/* EAL heap bytes the built table took (tables, tbl8 pools, RIB nodes), as
 * measured around its construction. */
size_t xb_lpm_memory(const struct xb_lpm *l);

/* The default value given at build time. */
uint32_t xb_lpm_default_value(const struct xb_lpm *l);

#endif /* XB_LPM_H */
