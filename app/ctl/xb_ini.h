/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The INI reader of the main config: DPDK's rte_cfgfile dialect, read by
 * xbgw itself so that every line is known and every problem has one.
 *
 * Dialect (rte_cfgfile's): "[section]" lines open a section, "key = value"
 * lines set a key of the section above; blanks around names and values are
 * dropped; ';' starts a comment anywhere in a line ("\;" is a literal ';'
 * in a value), and so does '#' at the start of a line; blank lines are
 * ignored.  A UTF-8 byte order mark at the start of the file is skipped.
 *
 * Where rte_cfgfile_load() is silent or vague, this reports each line as
 * "file:line: what is wrong (got X, expected Y)" and goes on:
 *   - a line that is no section, no key = value and no comment (rte_cfgfile
 *     skips such a line without a word);
 *   - a key set twice in one section, a section opened twice (rte_cfgfile
 *     keeps both, and only the first is ever read); the keys of a section's
 *     second opening still count as that section's, so each is checked;
 *   - a key before any section, an empty name, an empty value, a name or a
 *     value too long for rte_cfgfile (which cut them short), a section
 *     line without its ']' or with text after it.
 * The sections and keys that parsed fill an rte_cfgfile (the store the
 * config code reads), with the line of each kept for later messages.
 *
 * Thread safety: no global state; one reader per thread.
 */
#ifndef XB_INI_H
#define XB_INI_H

#include <stddef.h>

#include <rte_cfgfile.h>

#include "xb_errors.h"

struct xb_ini;

/*
 * Parse len bytes of text (need not be NUL-terminated), called name in
 * messages; every problem is recorded in errs (may be NULL: not recorded).
 * Returns the parsed file, NULL only when out of memory (errno ENOMEM).
 */
struct xb_ini *xb_ini_parse(const char *name, const char *text, size_t len,
			    struct xb_errors *errs);

/* Read the file at path and parse it; NULL (errno set) with "path: cannot
 * open: ..." recorded when it cannot be read. */
struct xb_ini *xb_ini_load(const char *path, struct xb_errors *errs);

/* What parsed, as an rte_cfgfile (owned by ini: do not close it). */
struct rte_cfgfile *xb_ini_cfgfile(const struct xb_ini *ini);

/* The line of [section] key, or of [section] itself when key is NULL (its
 * first opening); 0 when there is none. */
unsigned int xb_ini_line(const struct xb_ini *ini, const char *section,
			 const char *key);

void xb_ini_free(struct xb_ini *ini);

#endif /* XB_INI_H */
