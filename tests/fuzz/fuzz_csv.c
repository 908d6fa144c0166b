/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the CSV loader: the input is a table file.  The
 * table accepts two header variants; the row function runs every field
 * parser (and the prefix parser and formatter) on every field.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xb_csv.h"
#include "xb_errors.h"
#include "xb_prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const cols_a[] = {"prefix", "count", "name", "kind",
				     "price", NULL};
static const char *const cols_b[] = {"vlan", "tenant", NULL};
static const struct xb_csv_table spec = {{cols_a, cols_b, NULL, NULL}};
static const char *const kinds[] = {"channel", "public", "audit", "deny"};

static int
row_fn(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	unsigned long *sum = ctx;

	if (row->ncols > XB_CSV_MAX_COLS || row->names == NULL)
		__builtin_trap();
	for (unsigned int c = 0; c < row->ncols; c++) {
		struct xb_prefix p;
		const char *why = NULL, *id = NULL;
		char buf[64];
		uint64_t u64 = 0;
		uint32_t u32 = 0;
		unsigned int e = 0;

		if (xb_csv_is_wildcard(row, c))
			(*sum)++;
		if (xb_csv_get_u64(row, c, 1, UINT64_MAX, &u64, errs) == 0)
			*sum += u64;
		if (xb_csv_get_u32(row, c, 0, 4095, &u32, errs) == 0)
			*sum += u32;
		if (xb_csv_get_ident(row, c, 32, &id, errs) == 0)
			*sum += strlen(id);
		if (xb_csv_get_enum(row, c, kinds, 4, &e, errs) == 0)
			*sum += e;
		if (xb_csv_get_micros(row, c, 1000000000ull, &u64, errs) == 0)
			*sum += u64;
		if (xb_prefix_parse(row->cols[c], &p, &why) == 0) {
			xb_prefix_format(&p, buf, sizeof(buf));
			if (!xb_prefix_contains(&p, p.addr))
				__builtin_trap();
			*sum += strlen(buf);
		} else {
			xb_csv_error(errs, row, c, "got \"%s\", %s",
				     row->cols[c], why);
		}
	}
	/* A row function may stop the load. */
	return row->ncols == 2 && strcmp(row->cols[1], "STOP") == 0 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct xb_errors errs;
	unsigned long sum = 0;
	char joined[2048];

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	xb_errors_init(&errs);
	xb_csv_load_buffer("fuzz.csv", (const char *)data, size, &spec, row_fn,
			   &sum, &errs);
	xb_errors_join(&errs, joined, sizeof(joined));
	if (devnull != NULL)
		xb_errors_print(&errs, devnull);
	xb_errors_free(&errs);
	return 0;
}
