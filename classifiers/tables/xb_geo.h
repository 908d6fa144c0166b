/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Geo sources: address -> country prefixes from registry data.
 *
 * Two formats, detected per file from its first line that is neither blank
 * nor a '#' comment:
 *
 *  - RIR delegated statistics ("RIR statistics exchange format"), lines
 *    separated by '|': an optional version line
 *    "2|registry|serial|records|startdate|enddate|UTCoffset", summary lines
 *    "registry|*|type|*|count|summary", and records
 *    "registry|cc|type|start|value|date|status[|extensions]".  ipv4 and ipv6
 *    records whose status is allocated or assigned are kept; asn records
 *    and the statuses available and reserved are skipped.  An ipv4 value is
 *    an address count, split into the exact CIDR blocks it covers (768
 *    addresses from 10.0.0.0 are 10.0.0.0/23 + 10.0.2.0/24; a start that is
 *    not aligned is fine); an ipv6 value is a prefix length.  A record
 *    whose country is not in countries.csv is skipped and counted (RIR
 *    files list every country).
 *
 *  - CIDR lists: CSV with the header "prefix,country" and rows such as
 *    "1.32.0.0/13,SG" or "2001:df0::/32,SG"; here an unknown country is an
 *    error.
 *
 * Every prefix is added to the builder with the country index as value, in
 * file order, so across files the later source wins for the same prefix
 * and, once built, the more specific prefix wins.  Every malformed line is
 * reported as "file:line: field: got X, expected Y"; duplicates and
 * overlaps are not errors.
 */
#ifndef XB_GEO_H
#define XB_GEO_H

#include <stdint.h>

#include "xb_country.h"
#include "xb_errors.h"
#include "xb_lpm.h"
#include "xb_table.h"

enum xb_geo_format {
	XB_GEO_FORMAT_NONE = 0, /* empty file */
	XB_GEO_FORMAT_RIR,
	XB_GEO_FORMAT_CIDR,
};

/* Counters of one or more loads (each load adds to them; zero it first). */
struct xb_geo_stats {
	uint64_t files_rir, files_cidr;
	uint64_t records_v4, records_v6;   /* records / rows accepted */
	uint64_t prefixes_v4, prefixes_v6; /* prefixes added (v4 after split) */
	uint64_t skipped_asn;              /* RIR asn records */
	uint64_t skipped_status;           /* RIR available / reserved */
	uint64_t skipped_country;          /* RIR codes not in countries.csv */
	uint64_t summary_lines;            /* RIR version + summary lines */
};

/*
 * Load one geo source (a file or a text, xb_table.h) into b.  Returns 0,
 * or -EINVAL when it has any error (all of them are in errs; prefixes of
 * good lines may have been added: discard b), or -ENOMEM.  Control plane
 * only.
 */
int xb_geo_load(const struct xb_table_src *src, const struct xb_countries *c,
		struct xb_lpm_builder *b, struct xb_geo_stats *st,
		struct xb_errors *errs);

/*
 * Split the IPv4 range [start, start + count) (host order, count >= 1,
 * start + count <= 2^32) into the fewest CIDR blocks, in address order.
 * Writes at most max blocks to out and returns how many the range needs
 * (at most 62).
 */
unsigned int xb_geo_split_range4(uint32_t start, uint64_t count,
				 struct xb_prefix *out, unsigned int max);

#endif /* XB_GEO_H */
