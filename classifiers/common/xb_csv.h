/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CSV dialect of the policy tables: lines, fields, the header and the
 * field parsers.  Tables are loaded with xb_table_load() (xb_table.h),
 * which reads the file and runs xb_csv_parse() below.
 *
 * Dialect: one record per line, comma separated, fields trimmed of blanks,
 * a field may be double-quoted (so a regex may hold commas; "" is a quote),
 * blank lines and lines whose first non-blank character is '#' are ignored.
 * The first record is the header and must name the table's columns in order.
 *
 * Each table declares its columns once (struct xb_csv_table); the parser
 * checks the header and the field count and hands every row to the table's
 * row function, which parses fields with the xb_csv_get_*() helpers.  Every
 * problem is recorded in the error collector as
 * "file:line: what is wrong (got X, expected Y)"; parsing goes on so that a
 * single pass reports all errors.
 *
 * Thread safety: control plane only; no global state.
 */
#ifndef XB_CSV_H
#define XB_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_errors.h"

#define XB_CSV_MAX_COLS 16
#define XB_CSV_MAX_LINE 4096

struct xb_csv_row {
	const char *file;     /* path as given, for messages */
	unsigned int line;    /* 1-based line number */
	unsigned int variant; /* which header variant the file uses */
	unsigned int ncols;
	const char *const *names; /* column names of that variant */
	char *cols[XB_CSV_MAX_COLS];
};

struct xb_csv_table {
	/* Header variants: each a NULL-terminated list of column names.
	 * Most tables have one; tenant_prefixes.csv accepts "prefix,tenant"
	 * and "vlan,tenant". */
	const char *const *variants[4];
};

/*
 * Called once per data row.  Returns 0 to go on, or <0 to stop: -ENOMEM
 * when out of memory (xb_table_load() records "file: out of memory"), any
 * other negative value after recording why.
 */
typedef int (*xb_csv_row_fn)(void *ctx, const struct xb_csv_row *row,
			     struct xb_errors *errs);

/*
 * Read a whole file into a NUL-terminated heap buffer (*len bytes before
 * the NUL); the caller frees it.  On failure returns NULL with errno set
 * and, when errs is not NULL, "path: cannot open: ..." / "read error" /
 * "out of memory" recorded.  Every table and record file is read so.
 */
char *xb_csv_read_file(const char *path, size_t *len, struct xb_errors *errs);

/*
 * Parse a table text (len bytes, need not be NUL-terminated; name is used
 * in messages): check the header against spec and hand every data row
 * with the right field count to fn; a row with the wrong count is
 * reported and skipped.  Returns the number of rows handed to fn,
 * -EINVAL when the header is wrong or missing (reported), or fn's
 * negative value when fn stopped it.  The engine under xb_table_load();
 * tables call that.
 */
int xb_csv_parse(const char *name, const char *text, size_t len,
		 const struct xb_csv_table *spec, xb_csv_row_fn fn, void *ctx,
		 struct xb_errors *errs);

/*
 * Next line of a table text (shared by the CSV loader and the RIR-format
 * geo loader): copies it into buf (XB_CSV_MAX_LINE + 1 bytes), trimmed of
 * blanks and CR, and advances *pos and *lineno.  Returns 1 for a line to
 * parse, 0 at the end, -1 for a line to skip: blank, a '#' comment, or one
 * reported as an error (too long, a NUL byte).  *out points into buf.
 */
int xb_csv_next_line(const char *name, const char *text, size_t len,
		     size_t *pos, unsigned int *lineno, char *buf, char **out,
		     struct xb_errors *errs);

/* Report an error about column col of row: "file:line: <col>: <msg>". */
void xb_csv_error(struct xb_errors *errs, const struct xb_csv_row *row,
		  unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline bool
xb_csv_is_wildcard(const struct xb_csv_row *row, unsigned int col)
{
	return row->cols[col][0] == '*' && row->cols[col][1] == '\0';
}

/*
 * Field parsers.  Each returns 0 on success, or -1 after recording an error
 * that names the column, the value found and what was expected.
 */
int xb_csv_get_u64(const struct xb_csv_row *row, unsigned int col,
		   uint64_t min, uint64_t max, uint64_t *out,
		   struct xb_errors *errs);
int xb_csv_get_u32(const struct xb_csv_row *row, unsigned int col,
		   uint32_t min, uint32_t max, uint32_t *out,
		   struct xb_errors *errs);
/* Identifier: [A-Za-z0-9_.-]{1,max_len}. */
int xb_csv_get_ident(const struct xb_csv_row *row, unsigned int col,
		     size_t max_len, const char **out, struct xb_errors *errs);
/* One of a fixed set of words; *out is its index. */
int xb_csv_get_enum(const struct xb_csv_row *row, unsigned int col,
		    const char *const *words, unsigned int nwords,
		    unsigned int *out, struct xb_errors *errs);
/*
 * Decimal "D[.F]" (digits on both sides of the point; no sign, exponent,
 * hex or blanks) with at most `decimals` fraction digits (<= 19), as an
 * integer count of 10^-decimals units, exactly (no floating point):
 * "0.5" with 9 decimals is 500000000.  Fails (-1) on anything else, on
 * more fraction digits than allowed (even zeros) and above max_units
 * (a scaled count, so it also stops a uint64_t overflow).  Any thread.
 */
int xb_decimal_parse(const char *s, unsigned int decimals, uint64_t max_units,
		     uint64_t *out);
/* xb_decimal_parse() on a field; the error names 0..max as written. */
int xb_csv_get_decimal(const struct xb_csv_row *row, unsigned int col,
		       unsigned int decimals, uint64_t max_units,
		       uint64_t *out, struct xb_errors *errs);
/* Decimal with up to 6 fraction digits, 0..max_units whole units, as
 * integer micro-units. */
int xb_csv_get_micros(const struct xb_csv_row *row, unsigned int col,
		      uint64_t max_units, uint64_t *out,
		      struct xb_errors *errs);

#endif /* XB_CSV_H */
