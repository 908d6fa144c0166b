/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Country table (countries.csv: code,name,group).
 *
 * Countries are numbered in file order from 1; index 0 is the built-in
 * "ZZ" (unknown country), which is what an address no prefix covers gets.
 * The index is the value stored in the geo LPM, so it stays small (< 32768
 * keeps the FIB at 2 bytes per entry).  A group (such as ASEAN) is a name
 * several countries share; groups are numbered in order of first use.
 *
 * A loaded table is immutable: any number of threads may read it.
 */
#ifndef XB_COUNTRY_H
#define XB_COUNTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "xb_errors.h"
#include "xb_table.h"

struct xb_countries;

#define XB_COUNTRY_UNKNOWN 0   /* index of the built-in "ZZ" */
#define XB_COUNTRY_NAME_MAX 63 /* bytes of a country name */
#define XB_GROUP_NAME_MAX 31   /* bytes of a group name */

/*
 * Load countries.csv from a file or a text (xb_table.h).  code: two
 * letters (stored upper-case, unique, not ZZ); name: free text, 1..63
 * bytes; group: a name of letters, digits, '_', '-', '.' other than a
 * two-letter word (those are country codes), or empty.  Returns NULL when
 * the table has any error (all of them are in errs) or on allocation
 * failure.  Control plane only.
 */
struct xb_countries *xb_countries_load(const struct xb_table_src *src,
				       struct xb_errors *errs);

void xb_countries_free(struct xb_countries *c);

/* Index of code (case-insensitive), or -1. */
int xb_countries_find(const struct xb_countries *c, const char *code);

/* Number of countries including the built-in ZZ. */
unsigned int xb_countries_count(const struct xb_countries *c);

/* Code / English name of index idx; NULL when idx is out of range. */
const char *xb_countries_code(const struct xb_countries *c, unsigned int idx);
const char *xb_countries_name(const struct xb_countries *c, unsigned int idx);

/* Group id of name (case-insensitive), or -1. */
int xb_countries_group_find(const struct xb_countries *c, const char *group);

/* Is country idx in group gid? */
bool xb_countries_in_group(const struct xb_countries *c, unsigned int idx,
			   int gid);

/* Group of country idx, or -1 when it has none. */
int xb_countries_group_of(const struct xb_countries *c, unsigned int idx);

unsigned int xb_countries_group_count(const struct xb_countries *c);
const char *xb_countries_group_name(const struct xb_countries *c,
				    unsigned int gid);

#endif /* XB_COUNTRY_H */
