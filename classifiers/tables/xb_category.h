/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data categories (categories.csv: category,name,list).
 *
 * A category is a small integer index used everywhere on the packet path
 * (flow verdicts, counters, policy lookups).  Three are built in:
 *   0 "unclassified" (list "unlisted"): nothing matched;
 *   1 "unnamed" (negative): the flow should reveal a name and did not (a
 *     limit hit, bytes that cannot be parsed, a hidden name such as ECH);
 *   2 "evasive" (negative): the flow showed evasion (two different
 *     payloads for the same stream range).
 * The file's rows follow in file order from index 3.  A row whose id is
 * a built-in one does not add a category but renames / re-lists it (so an
 * operator may put unclassified traffic on the negative list, or take
 * unnamed flows off it).
 *
 * The list decides the regulatory treatment: the negative list needs an
 * approval per tenant and country, the general data list flows once the
 * tenant has filed, unlisted categories follow plain policy rows.
 *
 * Thread safety: loaded and freed by the control plane; the loaded object is
 * immutable, so any thread may call the getters concurrently.
 */
#ifndef XB_CATEGORY_H
#define XB_CATEGORY_H

#include <stddef.h>
#include <stdint.h>

#include "xb_csv.h"
#include "xb_errors.h"
#include "xb_table.h"

enum xb_data_list {
	XB_LIST_GENERAL = 0,  /* general data list: free once filed */
	XB_LIST_NEGATIVE = 1, /* negative list: needs an approval */
	XB_LIST_UNLISTED = 2, /* on neither list */
};
#define XB_LIST_COUNT 3

#define XB_CATEGORY_UNCLASSIFIED 0 /* indexes of the built-in categories */
#define XB_CATEGORY_UNNAMED 1
#define XB_CATEGORY_EVASIVE 2
#define XB_CATEGORY_BUILTINS 3
#define XB_CATEGORY_ID_MAX 31     /* longest category identifier */
#define XB_CATEGORY_NAME_MAX 95   /* longest display name */
#define XB_CATEGORIES_MAX 1024    /* indexes fit a uint16_t with room */

struct xb_categories;

/* "general", "negative", "unlisted"; "?" for anything else. */
const char *xb_data_list_str(enum xb_data_list l);

/*
 * Load categories.csv from a file or a text (xb_table.h).  Returns NULL
 * when the table cannot be read, has a bad header or any bad row (every
 * problem is in errs as "file:line: ...").  Control plane only.
 */
struct xb_categories *xb_categories_load(const struct xb_table_src *src,
					 struct xb_errors *errs);
void xb_categories_free(struct xb_categories *c);

/* Number of categories including the built-in one (always >= 1). */
unsigned int xb_categories_count(const struct xb_categories *c);
/* Index of the category with identifier id (case-sensitive), or -1. */
int xb_categories_find(const struct xb_categories *c, const char *id);
/* Getters; idx must be < count.  Strings live as long as c. */
const char *xb_categories_id(const struct xb_categories *c, unsigned int idx);
const char *xb_categories_name(const struct xb_categories *c,
			       unsigned int idx);
enum xb_data_list xb_categories_list(const struct xb_categories *c,
				     unsigned int idx);
/*
 * How strict a category is, from its list: negative > general > unlisted
 * > the built-in unclassified (unless re-listed); within a list evasive >
 * unnamed > the others (evidence against a flow beats what it claims).
 * New evidence about a flow may only make its category stricter.
 */
unsigned int xb_categories_strictness(const struct xb_categories *c,
				      unsigned int idx);
/*
 * The category a flow keeps when it is in cur and new evidence says
 * evidence: evidence when it is stricter, or as strict and not on the
 * negative list (a name refines an address rule); cur otherwise (a flow
 * never moves between two plain negative-list categories: each needs its
 * own approval).
 */
unsigned int xb_categories_stricter(const struct xb_categories *c,
				    unsigned int cur, unsigned int evidence);
/* The path the table was loaded from (for messages in other tables). */
const char *xb_categories_source(const struct xb_categories *c);

/*
 * CSV field parser for a category column of another table: *out gets the
 * index; an unknown id is recorded as "file:line: <col>: unknown category
 * (got \"x\", expected a category of <categories file>)" and -1 returned.
 * The caller handles '*' itself where its table allows a wildcard.
 */
int xb_categories_csv_get(const struct xb_categories *c,
			  const struct xb_csv_row *row, unsigned int col,
			  uint16_t *out, struct xb_errors *errs);

#endif /* XB_CATEGORY_H */
