/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_rows.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xb_csv.h"

struct xb_rows *
xb_rows_create(const char *file)
{
	struct xb_rows *rows = calloc(1, sizeof(*rows));

	if (rows == NULL)
		return NULL;
	rows->file = strdup(file != NULL ? file : "");
	if (rows->file == NULL) {
		free(rows);
		return NULL;
	}
	return rows;
}

void
xb_rows_free(struct xb_rows *rows)
{
	if (rows == NULL)
		return;
	for (unsigned int i = 0; i < rows->n; i++)
		free(rows->r[i].text);
	free(rows->r);
	free(rows->file);
	free(rows);
}

int
xb_rows_add(struct xb_rows *rows, const struct xb_csv_row *row)
{
	size_t len = 0;
	char *text, *w;

	if (rows->n == rows->cap) {
		unsigned int cap = rows->cap ? rows->cap * 2 : 64;
		struct xb_row_src *nr = realloc(rows->r, cap * sizeof(*nr));

		if (nr == NULL)
			return -ENOMEM;
		rows->r = nr;
		rows->cap = cap;
	}
	for (unsigned int c = 0; c < row->ncols; c++)
		len += strlen(row->cols[c]) + 1;
	text = malloc(len + 1);
	if (text == NULL)
		return -ENOMEM;
	w = text;
	for (unsigned int c = 0; c < row->ncols; c++) {
		size_t l = strlen(row->cols[c]);

		if (c > 0)
			*w++ = ',';
		memcpy(w, row->cols[c], l);
		w += l;
	}
	*w = '\0';
	rows->r[rows->n].line = row->line;
	rows->r[rows->n].text = text;
	rows->n++;
	if (row->line > rows->max_line)
		rows->max_line = row->line;
	return 0;
}

const struct xb_row_src *
xb_rows_find(const struct xb_rows *rows, uint32_t line)
{
	unsigned int lo = 0, hi;

	if (rows == NULL)
		return NULL;
	hi = rows->n;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (rows->r[mid].line == line)
			return &rows->r[mid];
		if (rows->r[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
xb_rows_base(const struct xb_rows *rows)
{
	const char *slash;

	if (rows == NULL)
		return "";
	slash = strrchr(rows->file, '/');
	return slash != NULL ? slash + 1 : rows->file;
}
