/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one loader of the policy tables (and of the other CSV files xbgw
 * reads: usage records, the traffic generator's prefix lists).
 *
 * A table module declares its table once, as a struct xb_table: the
 * header it accepts, a function for each data row and, optionally, one for
 * after the last row (checks across rows such as duplicates or gaps, and
 * building what the rows describe).  xb_table_load() runs it over a source
 * that is a file or a text in memory, with the same code either way, so
 * unit tests and fuzzers run exactly what a live load and --check-config
 * run.  The dialect (quoting, comments, field parsers) is xb_csv.h's.
 *
 * Errors: every problem is recorded in the collector as "file:line: what
 * is wrong (got X, expected Y)" and loading goes on, so that one pass
 * reports them all; a table with any error is to be discarded.
 *
 * Thread safety: control plane only; no global state.
 */
#ifndef XB_TABLE_H
#define XB_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "xb_csv.h"
#include "xb_errors.h"
#include "xb_rows.h"

/* Where a table's text comes from. */
struct xb_table_src {
	const char *name; /* the file's path, or what messages call a text */
	const char *text; /* NULL: read the file at name */
	size_t len;       /* bytes of text (need not be NUL-terminated) */
	/* Optional: xb_table_load() records every data row's line and text
	 * here (xb_rows.h), for explain and hit counters. */
	struct xb_rows *rows;
	/* Optional: which of several sources of one table this is (1..255;
	 * geo tags each prefix with it and the line, for explain). */
	unsigned int source;
};

/* A source for a call's argument: the file at path, or len bytes of text
 * going by name in messages (tests, fuzzing). */
#define XB_TABLE_FILE(path) (&(const struct xb_table_src){ .name = (path) })
/* A file whose rows are recorded into rows_ (struct xb_rows *). */
#define XB_TABLE_FILE_ROWS(path, rows_)                                    \
	(&(const struct xb_table_src){ .name = (path), .rows = (rows_) })
#define XB_TABLE_TEXT(name_, text_, len_)                                  \
	(&(const struct xb_table_src){ .name = (name_), .text = (text_),  \
				       .len = (len_) })

struct xb_table {
	struct xb_csv_table header; /* the header variants it accepts */
	xb_csv_row_fn row;          /* each data row (xb_csv.h: stopping) */
	/*
	 * Optional: called once after the last row, whatever errors the rows
	 * had, unless loading stopped (the file could not be read, the header
	 * was wrong, a row function stopped it).  rows: data rows handed to
	 * row(); clean: nothing recorded by this load so far.  Returns 0, or
	 * <0 after recording why.
	 */
	int (*finish)(void *ctx, const char *file, unsigned int rows,
		      bool clean, struct xb_errors *errs);
};

/*
 * Load one table from src: its rows and finish function fill ctx.
 * Returns 0 when nothing was recorded in errs, -ENOMEM when out of memory
 * (recorded as "file: out of memory" or by the function that ran out),
 * -EINVAL when any other problem was recorded.
 */
int xb_table_load(const struct xb_table *t, const struct xb_table_src *src,
		  void *ctx, struct xb_errors *errs);

/*
 * Make src's text available before loading it: a file is read into a heap
 * buffer (*buf, which the caller frees after the last use of src; src->text
 * and len then point into it), a text is left as it is (*buf = NULL); a
 * UTF-8 byte order mark at the start is skipped (src->text and len move
 * past it), so every table may come from a spreadsheet that saves one.  For
 * tables that look at their text first (geo sources detect their format)
 * or read several files before parsing any (bands and tariffs).  Returns
 * 0, or -ENOMEM / -EINVAL with "path: cannot open: ..." (or what else went
 * wrong) recorded.
 */
int xb_table_read(struct xb_table_src *src, char **buf,
		  struct xb_errors *errs);

#endif /* XB_TABLE_H */
