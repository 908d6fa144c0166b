/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where each row of a table came from: its line in the file and its text
 * (the columns joined by commas, as the operator wrote them, without the
 * quoting).  Recorded by xb_table_load() for a source that asks for it
 * (xb_table_src.rows), so that explain, hit counters and flow records can
 * name "qos.csv:12" and show the row without the table modules keeping
 * text they never need on the packet path.
 *
 * Rows are kept in file order (lines ascending); xb_rows_find() maps a
 * line back to its row.  Control plane only; plain malloc, no EAL.
 */
#ifndef XB_ROWS_H
#define XB_ROWS_H

#include <stddef.h>
#include <stdint.h>

struct xb_csv_row;

struct xb_row_src {
	uint32_t line; /* 1-based line in the file */
	char *text;    /* the row's columns joined by ',' */
};

struct xb_rows {
	char *file;               /* path as given to the loader */
	struct xb_row_src *r;     /* [n], lines ascending */
	unsigned int n, cap;
	uint32_t max_line;        /* largest line recorded (0: none) */
};

/* An empty list for file (copied).  NULL on allocation failure. */
struct xb_rows *xb_rows_create(const char *file);
void xb_rows_free(struct xb_rows *rows);
/* Record one data row.  Returns 0 or -ENOMEM. */
int xb_rows_add(struct xb_rows *rows, const struct xb_csv_row *row);
/* The row at line, or NULL (binary search). */
const struct xb_row_src *xb_rows_find(const struct xb_rows *rows,
				      uint32_t line);
/* The file's base name ("qos.csv" of "/etc/xbgw/qos.csv"). */
const char *xb_rows_base(const struct xb_rows *rows);

#endif /* XB_ROWS_H */
