/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
xb_table_read(struct xb_table_src *src, char **buf, struct xb_errors *errs)
{
	*buf = NULL;
	if (src->text == NULL) {
		*buf = xb_csv_read_file(src->name, &src->len, errs);
		if (*buf == NULL)
			return errno == ENOMEM ? -ENOMEM : -EINVAL;
		src->text = *buf;
	}
	/* A UTF-8 byte order mark (spreadsheets save one) is no data. */
	if (src->len >= 3 && memcmp(src->text, "\xef\xbb\xbf", 3) == 0) {
		src->text += 3;
		src->len -= 3;
	}
	return 0;
}

/* The row function of a load that records its rows: record, then parse. */
struct recording {
	xb_csv_row_fn row;
	void *ctx;
	struct xb_rows *rows;
};

static int
record_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct recording *rec = ctx;

	if (xb_rows_add(rec->rows, row) < 0)
		return -ENOMEM;
	return rec->row(rec->ctx, row, errs);
}

int
xb_table_load(const struct xb_table *t, const struct xb_table_src *src,
	      void *ctx, struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);
	struct xb_table_src s = *src;
	char *buf;
	int rc, rows;

	rc = xb_table_read(&s, &buf, errs);
	if (rc < 0)
		return rc;
	if (s.rows != NULL) {
		struct recording rec = { t->row, ctx, s.rows };

		rows = xb_csv_parse(s.name, s.text, s.len, &t->header,
				    record_row, &rec, errs);
	} else {
		rows = xb_csv_parse(s.name, s.text, s.len, &t->header, t->row,
				    ctx, errs);
	}
	free(buf);
	if (rows == -ENOMEM) {
		xb_errors_add(errs, s.name, 0, "out of memory");
		return -ENOMEM;
	}
	if (rows < 0)
		return -EINVAL;
	if (t->finish != NULL) {
		rc = t->finish(ctx, s.name, (unsigned int)rows,
			       xb_errors_count(errs) == before, errs);
		if (rc < 0)
			return rc;
	}
	return xb_errors_count(errs) == before ? 0 : -EINVAL;
}
