/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Domain patterns (domains.csv: pattern,category) matched with Hyperscan.
 *
 * Pattern forms:
 *   example.com        that name and every subdomain (a.example.com), but
 *                      not badexample.com
 *   =www.example.com   exactly that name
 *   /regex/            a Hyperscan regex searched in the normalised name
 *                      (caseless, unanchored unless it says ^ or $; quote
 *                      the field when the regex has commas)
 *
 * Precedence: an exact pattern beats a suffix pattern, a longer suffix
 * beats a shorter one, and regexes come last, the first matching one in
 * file order winning.  All patterns are compiled into one block-mode
 * database whose expression ids are assigned in that precedence order
 * (exact, then suffixes by decreasing length, then regexes by file order),
 * so the winning row is simply the smallest id accepted.  Names are plain
 * literals; the match callback accepts one only when it ends the name and
 * starts it (exact) or starts at a label boundary (suffix).
 *
 * Names compare case-insensitively and without a trailing dot: the matcher
 * lower-cases the name and strips one trailing dot before scanning.
 *
 * Thread safety: load/free and scratch alloc/free on the control plane
 * only; the loaded object is immutable, and xb_domains_match() may run on
 * any number of lcores at once as long as each uses its own scratch.
 */
#ifndef XB_DOMAIN_H
#define XB_DOMAIN_H

#include <stddef.h>

#include "xb_category.h"
#include "xb_errors.h"
#include "xb_table.h"

/* Longest name looked up (a DNS name is at most 253 characters; SNI and
 * Host may be longer garbage, which then matches nothing). */
#define XB_DOMAIN_NAME_MAX 255

struct xb_domains;
struct xb_domains_scratch;

/*
 * Load domains.csv (a file or a text, xb_table.h) and compile it against
 * the loaded categories.  Returns NULL when anything is wrong; every
 * problem is in errs as "file:line: ...", including each regex Hyperscan
 * rejects (at its own line) and each unknown category.  A table with no
 * rows gives a valid, empty matcher.  Control plane only (compiling takes
 * milliseconds).
 */
struct xb_domains *xb_domains_load(const struct xb_table_src *src,
				   const struct xb_categories *cats,
				   struct xb_errors *errs);
void xb_domains_free(struct xb_domains *d);

/*
 * Per-lcore scratch space for d: one per worker lcore, allocated by the
 * control plane when it builds a ruleset (never on a worker), freed with
 * the ruleset.  Returns NULL on allocation failure.
 */
struct xb_domains_scratch *xb_domains_scratch_alloc(const struct xb_domains *d);
void xb_domains_scratch_free(struct xb_domains_scratch *s);

/*
 * Category index of the best pattern matching name[0..len), or -1 when none
 * matches (or len is 0 or above XB_DOMAIN_NAME_MAX after the trailing dot).
 * name need not be NUL-terminated and may hold upper case and one trailing
 * dot.  No allocation; s must be this lcore's scratch for d.
 */
int xb_domains_match(const struct xb_domains *d, struct xb_domains_scratch *s,
		     const char *name, size_t len);

/* Same, also giving the winning row's line in the file (for logs, tests);
 * *line is untouched when nothing matches. */
int xb_domains_match_line(const struct xb_domains *d,
			  struct xb_domains_scratch *s, const char *name,
			  size_t len, unsigned int *line);

/* Number of patterns loaded. */
unsigned int xb_domains_count(const struct xb_domains *d);
/* Bytes held by the compiled database and tables (not the scratches). */
size_t xb_domains_memory(const struct xb_domains *d);

#endif /* XB_DOMAIN_H */
