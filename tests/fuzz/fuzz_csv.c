/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the table loader: the input is a table text, loaded
 * by xb_table_load().  The table accepts two header variants; the row
 * function runs every field parser (and the prefix parser and formatter)
 * on every field, and the finish function checks it saw as many rows as
 * the loader says.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xb_csv.h"
#include "xb_errors.h"
#include "xb_prefix.h"
#include "xb_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const cols_a[] = {"prefix", "count", "name", "kind",
				     "price", NULL};
static const char *const cols_b[] = {"vlan", "tenant", NULL};
static const char *const kinds[] = {"channel", "public", "audit", "deny"};

struct fuzz_ctx {
	unsigned long sum;
	unsigned int rows;
};

static int
row_fn(void *vctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct fuzz_ctx *ctx = vctx;
	unsigned long *sum = &ctx->sum;

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
		/* Exact decimals: a value read at 6 decimals is read at 9 as
		 * 1000 times as many units (quota_gb in bytes, prices). */
		if (xb_csv_get_decimal(row, c, 9, UINT64_MAX, &u64, errs) == 0)
			*sum += u64;
		{
			uint64_t v6, v9;

			if (xb_decimal_parse(row->cols[c], 6, UINT64_MAX / 1000,
					     &v6) == 0 &&
			    (xb_decimal_parse(row->cols[c], 9, UINT64_MAX,
					      &v9) != 0 ||
			     v9 != v6 * 1000))
				__builtin_trap();
		}
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
	ctx->rows++;
	/* A row function may stop the load. */
	return row->ncols == 2 && strcmp(row->cols[1], "STOP") == 0 ? -1 : 0;
}

static int
finish_fn(void *vctx, const char *file, unsigned int rows, bool clean,
	  struct xb_errors *errs)
{
	const struct fuzz_ctx *ctx = vctx;

	if (rows != ctx->rows || file == NULL)
		__builtin_trap();
	if (!clean)
		xb_errors_add(errs, file, 0, "finish after %u rows", rows);
	return 0;
}

static const struct xb_table table = {
	.header = {.variants = {cols_a, cols_b, NULL, NULL}},
	.row = row_fn,
	.finish = finish_fn,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct fuzz_ctx ctx = {0, 0};
	struct xb_errors errs;
	char joined[2048];

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	xb_errors_init(&errs);
	xb_table_load(&table,
		      XB_TABLE_TEXT("fuzz.csv", (const char *)data, size), &ctx,
		      &errs);
	xb_errors_join(&errs, joined, sizeof(joined));
	if (devnull != NULL)
		xb_errors_print(&errs, devnull);
	xb_errors_free(&errs);
	return 0;
}
