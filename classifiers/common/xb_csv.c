/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_csv.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/*
 * Split line in place into fields.  Returns the field count, or -1 for an
 * unterminated quote, or XB_CSV_MAX_COLS + 1 when there are too many.
 */
static int
split_fields(char *line, char **cols)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *field;

		while (*p == ' ' || *p == '\t')
			p++;
		if (n == XB_CSV_MAX_COLS)
			return XB_CSV_MAX_COLS + 1;
		if (*p == '"') {
			/* Quoted field: "" is a literal quote. */
			char *w = ++p;

			field = w;
			for (;;) {
				if (*p == '\0')
					return -1;
				if (*p == '"') {
					if (p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
			*w = '\0';
			while (*p == ' ' || *p == '\t' || *p == '\r')
				p++;
			cols[n++] = field;
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == '\0')
				return n;
			return -2; /* text after closing quote */
		}
		field = p;
		while (*p != ',' && *p != '\0')
			p++;
		if (*p == ',') {
			*p++ = '\0';
			cols[n++] = trim(field);
			continue;
		}
		cols[n++] = trim(field);
		return n;
	}
}

static unsigned int
count_names(const char *const *names)
{
	unsigned int n = 0;

	while (names[n] != NULL)
		n++;
	return n;
}

static void
expected_headers(const struct xb_csv_table *spec, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int v = 0; v < 4 && spec->variants[v] != NULL; v++) {
		const char *const *names = spec->variants[v];

		if (v > 0)
			off += (size_t)snprintf(buf + off, size - off, " or ");
		for (unsigned int i = 0; names[i] != NULL && off < size; i++)
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
						i ? "," : "", names[i]);
		if (off >= size)
			break;
	}
}

int
xb_csv_next_line(const char *name, const char *text, size_t len, size_t *pos,
		 unsigned int *lineno, char *buf, char **out,
		 struct xb_errors *errs)
{
	const char *nl;
	size_t llen;

	if (*pos >= len)
		return 0;
	nl = memchr(text + *pos, '\n', len - *pos);
	llen = nl ? (size_t)(nl - (text + *pos)) : len - *pos;
	(*lineno)++;
	if (llen > XB_CSV_MAX_LINE) {
		xb_errors_add(errs, name, *lineno,
			      "line too long (got %zu bytes, expected at most %d)",
			      llen, XB_CSV_MAX_LINE);
		*pos += llen + 1;
		return -1;
	}
	memcpy(buf, text + *pos, llen);
	buf[llen] = '\0';
	*pos += llen + 1;
	if (memchr(buf, '\0', llen) != NULL) {
		xb_errors_add(errs, name, *lineno, "NUL byte in line");
		return -1;
	}
	*out = trim(buf);
	return **out == '\0' || **out == '#' ? -1 : 1;
}

int
xb_csv_parse(const char *name, const char *text, size_t len,
	     const struct xb_csv_table *spec, xb_csv_row_fn fn, void *ctx,
	     struct xb_errors *errs)
{
	char line[XB_CSV_MAX_LINE + 1];
	struct xb_csv_row row;
	bool have_header = false;
	unsigned int lineno = 0;
	unsigned int expect = 0;
	int rows = 0, rc;
	size_t pos = 0;

	memset(&row, 0, sizeof(row));
	row.file = name;
	while (pos < len) {
		char *s;
		int n, got = xb_csv_next_line(name, text, len, &pos, &lineno,
					      line, &s, errs);

		if (got == 0)
			break;
		if (got < 0)
			continue;
		n = split_fields(s, row.cols);
		if (n == -1) {
			xb_errors_add(errs, name, lineno, "unterminated quote");
			continue;
		}
		if (n == -2) {
			xb_errors_add(errs, name, lineno,
				      "text after a closing quote");
			continue;
		}
		if (n > XB_CSV_MAX_COLS) {
			xb_errors_add(errs, name, lineno,
				      "too many fields (expected at most %d)",
				      XB_CSV_MAX_COLS);
			continue;
		}
		if (!have_header) {
			for (unsigned int v = 0; v < 4 && spec->variants[v]; v++) {
				const char *const *names = spec->variants[v];
				unsigned int nn = count_names(names);
				unsigned int i;

				if ((unsigned int)n != nn)
					continue;
				for (i = 0; i < nn; i++)
					if (strcasecmp(row.cols[i], names[i]) != 0)
						break;
				if (i == nn) {
					row.variant = v;
					row.names = names;
					expect = nn;
					have_header = true;
					break;
				}
			}
			if (!have_header) {
				char want[256];

				expected_headers(spec, want, sizeof(want));
				xb_errors_add(errs, name, lineno,
					      "bad header (got \"%s%s\", expected \"%s\")",
					      row.cols[0], n > 1 ? ",..." : "",
					      want);
				return -EINVAL;
			}
			continue;
		}
		if ((unsigned int)n != expect) {
			xb_errors_add(errs, name, lineno,
				      "wrong number of fields (got %d, expected %u)",
				      n, expect);
			continue;
		}
		row.line = lineno;
		row.ncols = (unsigned int)n;
		rows++;
		rc = fn(ctx, &row, errs);
		if (rc < 0)
			return rc;
	}
	if (!have_header) {
		char want[256];

		expected_headers(spec, want, sizeof(want));
		xb_errors_add(errs, name, 0, "empty table (expected a header \"%s\")",
			      want);
		return -EINVAL;
	}
	return rows;
}

char *
xb_csv_read_file(const char *path, size_t *len, struct xb_errors *errs)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t cap = 0;
	int err;

	*len = 0;
	if (f == NULL) {
		err = errno;
		if (errs != NULL)
			xb_errors_add(errs, path, 0, "cannot open: %s",
				      strerror(err));
		errno = err;
		return NULL;
	}
	for (;;) {
		size_t got;

		if (cap - *len < 65536) {
			char *t = realloc(text, cap + (1u << 20));

			if (t == NULL) {
				err = ENOMEM;
				if (errs != NULL)
					xb_errors_add(errs, path, 0,
						      "out of memory");
				goto fail;
			}
			text = t;
			cap += 1u << 20;
		}
		/* One byte always stays free for the terminating NUL. */
		got = fread(text + *len, 1, cap - *len - 1, f);
		*len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		err = errno ? errno : EIO;
		if (errs != NULL)
			xb_errors_add(errs, path, 0, "read error: %s",
				      strerror(err));
		goto fail;
	}
	fclose(f);
	text[*len] = '\0';
	return text;
fail:
	free(text);
	fclose(f);
	*len = 0;
	errno = err;
	return NULL;
}

void
xb_csv_error(struct xb_errors *errs, const struct xb_csv_row *row,
	     unsigned int col, const char *fmt, ...)
{
	char body[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (row->names != NULL && col < row->ncols)
		xb_errors_add(errs, row->file, row->line, "%s: %s",
			      row->names[col], body);
	else
		xb_errors_add(errs, row->file, row->line, "%s", body);
}

int
xb_csv_get_u64(const struct xb_csv_row *row, unsigned int col, uint64_t min,
	       uint64_t max, uint64_t *out, struct xb_errors *errs)
{
	const char *s = row->cols[col];
	uint64_t v = 0;

	if (*s == '\0')
		goto bad;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	xb_csv_error(errs, row, col,
		     "got \"%s\", expected an integer %" PRIu64 "..%" PRIu64,
		     s, min, max);
	return -1;
}

int
xb_csv_get_u32(const struct xb_csv_row *row, unsigned int col, uint32_t min,
	       uint32_t max, uint32_t *out, struct xb_errors *errs)
{
	uint64_t v;

	if (xb_csv_get_u64(row, col, min, max, &v, errs) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
xb_csv_get_ident(const struct xb_csv_row *row, unsigned int col,
		 size_t max_len, const char **out, struct xb_errors *errs)
{
	const char *s = row->cols[col];
	size_t n = strlen(s);

	if (n == 0 || n > max_len)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			goto bad;
	}
	*out = s;
	return 0;
bad:
	xb_csv_error(errs, row, col,
		     "got \"%s\", expected a name of 1..%zu letters, digits, '_', '-' or '.'",
		     s, max_len);
	return -1;
}

int
xb_csv_get_enum(const struct xb_csv_row *row, unsigned int col,
		const char *const *words, unsigned int nwords,
		unsigned int *out, struct xb_errors *errs)
{
	char want[256];
	size_t off = 0;

	for (unsigned int i = 0; i < nwords; i++) {
		if (strcmp(row->cols[col], words[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	want[0] = '\0';
	for (unsigned int i = 0; i < nwords && off < sizeof(want); i++)
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s",
					i == 0 ? "" :
					(i + 1 == nwords ? " or " : ", "),
					words[i]);
	xb_csv_error(errs, row, col, "got \"%s\", expected %s", row->cols[col],
		     want);
	return -1;
}

int
xb_decimal_parse(const char *s, unsigned int decimals, uint64_t max_units,
		 uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (decimals > 19)
		return -1;
	/* Digits on both sides of an optional point: "1." and ".5" look
	 * like a cut-off "1.5" or a lost "0", so they are refused, as are
	 * signs, exponents, hex and blanks (a typo never goes unnoticed). */
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		/* Checked before each step, so "99999999999999999999.5" can
		 * never wrap around into range. */
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
	}
	/* Scale the whole part, then append the fraction digit by digit. */
	for (unsigned int i = 0; i < decimals; i++) {
		uint64_t d = 0;

		if (isdigit((unsigned char)*p))
			d = (uint64_t)(*p++ - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (*p != '\0' || v > max_units)
		return -1; /* more decimals than allowed, junk, or too large */
	*out = v;
	return 0;
}

/* "0..MAX" of a scaled maximum, as the user writes it: 1000000000, 0.5. */
static void
format_units(char *buf, size_t len, uint64_t units, unsigned int decimals)
{
	uint64_t scale = 1;
	int n;

	for (unsigned int i = 0; i < decimals; i++)
		scale *= 10;
	n = snprintf(buf, len, "%" PRIu64, units / scale);
	if (units % scale != 0 && n > 0 && (size_t)n < len) {
		char frac[24];
		size_t k;

		snprintf(frac, sizeof(frac), "%0*" PRIu64, (int)decimals,
			 units % scale);
		for (k = strlen(frac); k > 0 && frac[k - 1] == '0'; k--)
			frac[k - 1] = '\0';
		snprintf(buf + n, len - (size_t)n, ".%s", frac);
	}
}

int
xb_csv_get_decimal(const struct xb_csv_row *row, unsigned int col,
		   unsigned int decimals, uint64_t max_units, uint64_t *out,
		   struct xb_errors *errs)
{
	const char *s = row->cols[col];
	char max[48];

	if (xb_decimal_parse(s, decimals, max_units, out) == 0)
		return 0;
	format_units(max, sizeof(max), max_units, decimals);
	xb_csv_error(errs, row, col,
		     "got \"%s\", expected a decimal number 0..%s with at most %u decimals",
		     s, max, decimals);
	return -1;
}

int
xb_csv_get_micros(const struct xb_csv_row *row, unsigned int col,
		  uint64_t max_units, uint64_t *out, struct xb_errors *errs)
{
	if (max_units > UINT64_MAX / 1000000u)
		max_units = UINT64_MAX / 1000000u;
	return xb_csv_get_decimal(row, col, 6, max_units * 1000000u, out, errs);
}
