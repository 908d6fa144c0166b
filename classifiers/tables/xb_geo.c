/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_geo.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_csv.h"
#include "xb_prefix.h"
#include "xb_table.h"

#define RIR_MAX_FIELDS 16
#define RIR_RECORD_FIELDS 7
#define RIR_RECORD_COLS "registry|cc|type|start|value|date|status"

unsigned int
xb_geo_split_range4(uint32_t start, uint64_t count, struct xb_prefix *out,
		    unsigned int max)
{
	uint64_t s = start;
	unsigned int n = 0;

	while (count > 0) {
		/* Largest block aligned at s that still fits in count. */
		uint64_t block = s == 0 ? (1ull << 32) : (s & -s);
		unsigned int len = 32;

		while (block > count)
			block >>= 1;
		for (uint64_t b = block; b > 1; b >>= 1)
			len--;
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].family = 4;
			out[n].len = (uint8_t)len;
			out[n].addr[0] = (uint8_t)(s >> 24);
			out[n].addr[1] = (uint8_t)(s >> 16);
			out[n].addr[2] = (uint8_t)(s >> 8);
			out[n].addr[3] = (uint8_t)s;
		}
		n++;
		s += block;
		count -= block;
	}
	return n;
}

struct geo_ctx {
	const char *name;
	const struct xb_countries *c;
	struct xb_lpm_builder *b;
	struct xb_geo_stats *st;
	uint32_t source; /* xb_table_src.source, the origin's top byte */
	unsigned int line; /* line being loaded, the origin's low bytes */
	bool failed; /* allocation failure */
};

/* Origin of a prefix for xb_lpm_origin(): source << 24 | line (lines past
 * 2^24 - 1 keep that value: a file that long names its last line). */
static uint32_t
geo_origin(const struct geo_ctx *g)
{
	uint32_t line = g->line > 0xffffffu ? 0xffffffu : g->line;

	return g->source << 24 | line;
}

static void
add_prefix(struct geo_ctx *g, const struct xb_prefix *p, int country)
{
	if (xb_lpm_builder_add_origin(g->b, p, (uint32_t)country,
				      geo_origin(g)) < 0) {
		g->failed = true;
		return;
	}
	if (p->family == 4)
		g->st->prefixes_v4++;
	else
		g->st->prefixes_v6++;
}

/* --- RIR delegated statistics --- */

static bool
all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* A registry name: a letter, then letters, digits, '-' or '_'. */
static bool
is_word(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* Returns a country index (>= 0), -1 for a country to skip, -2 when cc is
 * not two letters (the caller reports it). */
static int
rir_country(const struct geo_ctx *g, const char *cc)
{
	int idx;

	if (strlen(cc) != 2 || !isalpha((unsigned char)cc[0]) ||
	    !isalpha((unsigned char)cc[1]))
		return -2;
	idx = xb_countries_find(g->c, cc);
	return idx < 0 ? -1 : idx;
}

static void
rir_ipv4(struct geo_ctx *g, unsigned int line, char **f, int country,
	 struct xb_errors *errs)
{
	struct xb_prefix blocks[64];
	struct in_addr a;
	uint64_t count = 0;
	uint32_t start;
	unsigned int n;
	bool bad = false;

	if (inet_pton(AF_INET, f[3], &a) != 1) {
		xb_errors_add(errs, g->name, line,
			      "start: got \"%s\", expected an IPv4 address",
			      f[3]);
		bad = true;
	}
	if (!all_digits(f[4], 1, 10) ||
	    (count = strtoull(f[4], NULL, 10)) < 1 || count > (1ull << 32)) {
		xb_errors_add(errs, g->name, line,
			      "value: got \"%s\", expected an address count 1..4294967296",
			      f[4]);
		bad = true;
	}
	if (bad)
		return;
	start = ntohl(a.s_addr);
	if ((uint64_t)start + count > (1ull << 32)) {
		xb_errors_add(errs, g->name, line,
			      "value: got %" PRIu64 " addresses from %s, expected a range that ends at 255.255.255.255 or before",
			      count, f[3]);
		return;
	}
	if (country == -2)
		return;
	if (country < 0) {
		g->st->skipped_country++;
		return;
	}
	n = xb_geo_split_range4(start, count, blocks, 64);
	for (unsigned int i = 0; i < n && !g->failed; i++)
		add_prefix(g, &blocks[i], country);
	g->st->records_v4++;
}

static void
rir_ipv6(struct geo_ctx *g, unsigned int line, char **f, int country,
	 struct xb_errors *errs)
{
	char text[96];
	struct xb_prefix p;
	const char *why;
	uint8_t tmp[16];
	bool bad = false;

	if (inet_pton(AF_INET6, f[3], tmp) != 1) {
		xb_errors_add(errs, g->name, line,
			      "start: got \"%s\", expected an IPv6 address",
			      f[3]);
		bad = true;
	}
	if (!all_digits(f[4], 1, 3) || atoi(f[4]) < 1 || atoi(f[4]) > 128) {
		xb_errors_add(errs, g->name, line,
			      "value: got \"%s\", expected a prefix length 1..128",
			      f[4]);
		bad = true;
	}
	if (bad)
		return;
	snprintf(text, sizeof(text), "%s/%s", f[3], f[4]);
	if (xb_prefix_parse(text, &p, &why) < 0) {
		xb_errors_add(errs, g->name, line,
			      "start: got \"%s\", expected an IPv6 prefix (%s)",
			      text, why);
		return;
	}
	if (country == -2)
		return;
	if (country < 0) {
		g->st->skipped_country++;
		return;
	}
	add_prefix(g, &p, country);
	g->st->records_v6++;
}

static void
rir_line(struct geo_ctx *g, unsigned int line, char *s, bool *first,
	 struct xb_errors *errs)
{
	static const char *const types[] = { "ipv4", "ipv6", "asn" };
	char *f[RIR_MAX_FIELDS];
	unsigned int nf = 0, type;
	int country;
	bool keep, bad_date;
	char *p = s;

	g->line = line;

	for (;;) {
		char *bar = strchr(p, '|');

		if (nf < RIR_MAX_FIELDS)
			f[nf] = p;
		nf++;
		if (bar == NULL)
			break;
		*bar = '\0';
		p = bar + 1;
	}
	for (unsigned int i = 0; i < nf && i < RIR_MAX_FIELDS; i++) {
		char *t = f[i], *e;

		while (*t == ' ' || *t == '\t')
			t++;
		e = t + strlen(t);
		while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		f[i] = t;
	}

	/* Version line: "2|registry|serial|records|start|end|UTCoffset". */
	if (*first && nf >= 1 && all_digits(f[0], 1, 4)) {
		*first = false;
		g->st->summary_lines++;
		if (nf != 7)
			xb_errors_add(errs, g->name, line,
				      "version line: wrong number of fields (got %u, expected 7: version|registry|serial|records|startdate|enddate|UTCoffset)",
				      nf);
		return;
	}
	*first = false;
	if (nf == 6 && strcmp(f[5], "summary") == 0) {
		g->st->summary_lines++;
		return;
	}
	if (nf < RIR_RECORD_FIELDS) {
		xb_errors_add(errs, g->name, line,
			      "wrong number of fields (got %u, expected 7: " RIR_RECORD_COLS ")",
			      nf);
		return;
	}
	if (!is_word(f[0])) {
		xb_errors_add(errs, g->name, line,
			      "registry: got \"%s\", expected a registry name such as apnic",
			      f[0]);
		return;
	}
	for (type = 0; type < 3; type++)
		if (strcmp(f[2], types[type]) == 0)
			break;
	if (type == 3) {
		xb_errors_add(errs, g->name, line,
			      "type: got \"%s\", expected ipv4, ipv6 or asn",
			      f[2]);
		return;
	}
	if (strcmp(f[6], "allocated") == 0 || strcmp(f[6], "assigned") == 0) {
		keep = true;
	} else if (strcmp(f[6], "available") == 0 ||
		   strcmp(f[6], "reserved") == 0) {
		keep = false;
	} else {
		xb_errors_add(errs, g->name, line,
			      "status: got \"%s\", expected allocated, assigned, available or reserved",
			      f[6]);
		return;
	}
	if (type == 2) {
		g->st->skipped_asn++;
		return;
	}
	if (!keep) {
		/* available / reserved records carry no (or a ZZ) country. */
		g->st->skipped_status++;
		return;
	}
	bad_date = f[5][0] != '\0' && !all_digits(f[5], 8, 8);
	if (bad_date)
		xb_errors_add(errs, g->name, line,
			      "date: got \"%s\", expected YYYYMMDD or nothing",
			      f[5]);
	country = rir_country(g, f[1]);
	if (country == -2)
		xb_errors_add(errs, g->name, line,
			      "cc: got \"%s\", expected a two-letter country code",
			      f[1]);
	if (bad_date)
		country = -2; /* check the rest, add nothing */
	if (type == 0)
		rir_ipv4(g, line, f, country, errs);
	else
		rir_ipv6(g, line, f, country, errs);
}

static void
load_rir(struct geo_ctx *g, const char *text, size_t len,
	 struct xb_errors *errs)
{
	char buf[XB_CSV_MAX_LINE + 1];
	unsigned int lineno = 0;
	bool first = true;
	size_t pos = 0;

	while (pos < len && !g->failed) {
		char *s;
		int got = xb_csv_next_line(g->name, text, len, &pos, &lineno,
					   buf, &s, errs);

		if (got == 0)
			break;
		if (got < 0)
			continue;
		rir_line(g, lineno, s, &first, errs);
	}
}

/* --- CIDR lists --- */

static int
cidr_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct geo_ctx *g = ctx;
	struct xb_prefix p;
	const char *why;
	bool bad = false;
	int country;

	g->line = row->line;
	if (xb_prefix_parse(row->cols[0], &p, &why) < 0) {
		xb_csv_error(errs, row, 0,
			     "got \"%s\", expected an IPv4 or IPv6 prefix (%s)",
			     row->cols[0], why);
		bad = true;
	}
	country = xb_countries_find(g->c, row->cols[1]);
	if (country < 0) {
		xb_csv_error(errs, row, 1,
			     "got \"%s\", expected a country from countries.csv",
			     row->cols[1]);
		bad = true;
	}
	if (bad)
		return 0;
	add_prefix(g, &p, country);
	if (p.family == 4)
		g->st->records_v4++;
	else
		g->st->records_v6++;
	return g->failed ? -ENOMEM : 0;
}

static const char *const cidr_cols[] = { "prefix", "country", NULL };
static const struct xb_table cidr_table = {
	.header = { .variants = { cidr_cols } },
	.row = cidr_row,
};

/* --- entry points --- */

static enum xb_geo_format
detect(const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
		size_t i = 0;

		while (i < llen && (text[pos + i] == ' ' ||
				    text[pos + i] == '\t' ||
				    text[pos + i] == '\r'))
			i++;
		if (i < llen && text[pos + i] != '#')
			return memchr(text + pos, '|', llen) != NULL ?
			       XB_GEO_FORMAT_RIR : XB_GEO_FORMAT_CIDR;
		pos += llen + 1;
	}
	return XB_GEO_FORMAT_NONE;
}

int
xb_geo_load(const struct xb_table_src *src, const struct xb_countries *c,
	    struct xb_lpm_builder *b, struct xb_geo_stats *st,
	    struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);
	struct xb_table_src s = *src;
	struct geo_ctx g = { .name = s.name, .c = c, .b = b, .st = st,
			     .source = src->source & 0xffu };
	char *buf;
	int rc = xb_table_read(&s, &buf, errs);

	if (rc < 0)
		return rc;
	switch (detect(s.text, s.len)) {
	case XB_GEO_FORMAT_NONE:
		break;
	case XB_GEO_FORMAT_RIR:
		st->files_rir++;
		load_rir(&g, s.text, s.len, errs);
		if (g.failed) {
			xb_errors_add(errs, s.name, 0, "out of memory");
			rc = -ENOMEM;
		} else if (xb_errors_count(errs) != before) {
			rc = -EINVAL;
		}
		break;
	case XB_GEO_FORMAT_CIDR:
		st->files_cidr++;
		rc = xb_table_load(&cidr_table, &s, &g, errs);
		break;
	}
	free(buf);
	return rc;
}
