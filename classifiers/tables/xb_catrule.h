/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Category rules (category_rules.csv:
 *   priority,category,proto,src,dst,sport,dport,dscp)
 * compiled into DPDK rte_acl contexts, one for IPv4 and one for IPv6.
 *
 * Columns: priority 0..1000000 (highest wins, ties go to the earlier row);
 * category from categories.csv; proto a number 0..255 or tcp, udp, icmp,
 * sctp, icmpv6; src/dst an IPv4 or IPv6 prefix (or bare address); sport and
 * dport a port, a range a-b or *; dscp 0..63.  Every column but priority and
 * category may be '*'.  A rule's src and dst must be of one family; a rule
 * with '*' for both addresses goes into both contexts.
 *
 * Rules see the flow in its initiator direction: src is the side that
 * opened the flow (the caller orients struct xb_pkt_info accordingly).
 *
 * Thread safety: load/free on the control plane only (rte_acl build is not
 * thread safe and needs EAL memory); the loaded object is immutable and
 * xb_catrules_classify() may run on any number of lcores at once.
 */
#ifndef XB_CATRULE_H
#define XB_CATRULE_H

#include <stddef.h>
#include <stdint.h>

#include "xb_category.h"
#include "xb_errors.h"
#include "xb_parse.h"
#include "xb_table.h"

#define XB_CATRULE_PRIORITY_MAX 1000000
#define XB_CATRULES_MAX 65536 /* rows per table */

struct xb_catrules;

/*
 * Load category_rules.csv (a file or a text, xb_table.h) and build the ACL
 * contexts on socket_id (SOCKET_ID_ANY allowed).  Each build uses context
 * names of its own, so a reload may build a new object while the old one
 * is still in use.  Returns NULL when anything is wrong (every problem in
 * errs as "file:line: ...") or the build fails.  A table with no rows
 * gives a valid object that classifies everything as unclassified.  Needs
 * EAL; control plane only.
 */
struct xb_catrules *xb_catrules_load(const struct xb_table_src *src,
				     const struct xb_categories *cats,
				     int socket_id, struct xb_errors *errs);
void xb_catrules_free(struct xb_catrules *r);

/*
 * Classify a burst: categories[i] gets the category index of the best rule
 * matching pkts[i], or 0 (unclassified) when none does or the packet is not
 * IPv4/IPv6.  pkts[i] must be oriented in the flow's initiator direction.
 * Any n; keys are built on the stack, no allocation, no locks.
 */
void xb_catrules_classify(const struct xb_catrules *r,
			  const struct xb_pkt_info *const *pkts,
			  unsigned int n, uint16_t *categories);

/* The same, also giving the line of the matching row in lines[i] (0 when
 * no rule matches; lines past 2^21 - 1 read as that), for explain and the
 * rule hit counters.  lines may be NULL. */
void xb_catrules_classify_lines(const struct xb_catrules *r,
				const struct xb_pkt_info *const *pkts,
				unsigned int n, uint16_t *categories,
				uint32_t *lines);

/* Number of table rows loaded (a rule in both families counts once). */
unsigned int xb_catrules_count(const struct xb_catrules *r);
/* Bytes of EAL memory the ACL contexts took (measured from the malloc
 * heap statistics around the build, so approximate) plus the object. */
size_t xb_catrules_memory(const struct xb_catrules *r);

#endif /* XB_CATRULE_H */
