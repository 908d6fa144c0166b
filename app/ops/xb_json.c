/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "xb_utf8.h"

/*
 * Strings from the wire (names) may be ill-formed UTF-8: each ill-formed
 * subpart is written as \ufffd (xb_utf8.h), so every document stays valid
 * JSON (RFC 8259 8.1).  Besides the escapes JSON requires, C0 and C1
 * controls, DEL and U+2028 / U+2029 are written as \u escapes: a name
 * never moves a terminal's cursor when a log is read with cat, nor ends a
 * line for a JavaScript reader.
 */
void
xb_json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];

		if (c >= 0x80) {
			uint32_t cp;
			int k = xb_utf8_next(p + i, n - i, &cp);

			if (k < 0) {
				fputs("\\ufffd", f);
				i += (size_t)-k;
			} else if (cp <= 0x9f || cp == 0x2028 || cp == 0x2029) {
				fprintf(f, "\\u%04x", (unsigned int)cp);
				i += (size_t)k;
			} else {
				fwrite(p + i, 1, (size_t)k, f);
				i += (size_t)k;
			}
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
		i++;
	}
	fputc('"', f);
}

void
xb_json_init(struct xb_json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
	j->pretty = pretty;
}

static void
indent(struct xb_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void
prefix(struct xb_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	if (j->depth > 0)
		indent(j);
	j->need_comma[j->depth] = true;
	if (key != NULL) {
		xb_json_write_string(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void
open_(struct xb_json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < XB_JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void
close_(struct xb_json *j, char c)
{
	bool had = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	fputc(c, j->f);
}

void
xb_json_object_begin(struct xb_json *j, const char *key)
{
	open_(j, key, '{');
}

void
xb_json_object_end(struct xb_json *j)
{
	close_(j, '}');
}

void
xb_json_array_begin(struct xb_json *j, const char *key)
{
	open_(j, key, '[');
}

void
xb_json_array_end(struct xb_json *j)
{
	close_(j, ']');
}

void
xb_json_u64(struct xb_json *j, const char *key, uint64_t v)
{
	prefix(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void
xb_json_i64(struct xb_json *j, const char *key, int64_t v)
{
	prefix(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void
xb_json_double(struct xb_json *j, const char *key, double v, int prec)
{
	prefix(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", prec, v);
	else
		fputs("null", j->f);
}

void
xb_json_str(struct xb_json *j, const char *key, const char *s)
{
	prefix(j, key);
	if (s == NULL)
		fputs("null", j->f);
	else
		xb_json_write_string(j->f, s);
}

void
xb_json_null(struct xb_json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

void
xb_json_bool(struct xb_json *j, const char *key, bool v)
{
	prefix(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
xb_json_micros(struct xb_json *j, const char *key, int64_t micros)
{
	uint64_t a = micros < 0 ? (uint64_t)(-(micros + 1)) + 1 : (uint64_t)micros;

	prefix(j, key);
	fprintf(j->f, "%s%" PRIu64 ".%06" PRIu64, micros < 0 ? "-" : "",
		a / 1000000u, a % 1000000u);
}
