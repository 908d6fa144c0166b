/* SPDX-License-Identifier: BSD-3-Clause */
/* Destination and source prefixes, addresses inside them; see
 * gen_prefixes.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen_common.h"
#include "gen_prefixes.h"
#include "xb_csv.h"
#include "xb_errors.h"
#include "xb_table.h"

static void
pfx_push(struct pfx_list *l, const struct xb_prefix *p)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *p;
}

struct country *
country_find(struct countries *cs, const char *cc)
{
	for (unsigned int i = 0; i < cs->n; i++)
		if (strcasecmp(cs->c[i].cc, cc) == 0)
			return &cs->c[i];
	return NULL;
}

/* Parse "BN,KH,..." into the set (duplicates ignored). */
static int
countries_add_list(struct countries *cs, const char *list)
{
	char buf[1024], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (strlen(tok) != 2 || !isalpha((unsigned char)tok[0]) ||
		    !isalpha((unsigned char)tok[1])) {
			fprintf(stderr,
				"xbgw-gen: --countries: got \"%s\", expected a two-letter country code\n",
				tok);
			return -1;
		}
		if (country_find(cs, tok) != NULL)
			continue;
		if (cs->n == MAX_COUNTRIES) {
			fprintf(stderr, "xbgw-gen: too many countries (expected at most %d)\n",
				MAX_COUNTRIES);
			return -1;
		}
		cs->c[cs->n].cc[0] = (char)toupper((unsigned char)tok[0]);
		cs->c[cs->n].cc[1] = (char)toupper((unsigned char)tok[1]);
		cs->c[cs->n].cc[2] = '\0';
		cs->n++;
	}
	return 0;
}

/*
 * Built-in destination prefixes, used for a country the --dst-prefixes
 * files do not cover (or when they are missing), so that the build never
 * depends on the geo tables.  A few real allocations per country, taken
 * from the registries' delegated data (ipverse aggregated lists).
 */
static const struct {
	const char *cc;
	const char *pfx;
} builtin_prefixes[] = {
	{"BN", "202.152.64.0/19"}, {"BN", "119.160.128.0/18"},
	{"BN", "156.31.0.0/16"}, {"BN", "2406:7800::/31"},
	{"BN", "2405:1700::/32"},
	{"KH", "111.118.128.0/19"}, {"KH", "203.189.128.0/19"},
	{"KH", "116.212.128.0/19"}, {"KH", "2405:da00::/32"},
	{"KH", "2405:e280::/32"},
	{"ID", "139.255.0.0/16"}, {"ID", "202.46.96.0/20"},
	{"ID", "61.94.0.0/16"}, {"ID", "2403:7200::/32"},
	{"ID", "2406:7640::/32"},
	{"LA", "183.182.96.0/19"}, {"LA", "202.62.96.0/20"},
	{"LA", "203.110.64.0/20"}, {"LA", "2402:8d80::/32"},
	{"LA", "2402:8c80::/32"},
	{"MY", "203.106.0.0/16"}, {"MY", "49.236.192.0/20"},
	{"MY", "221.133.32.0/20"}, {"MY", "2401:7a20::/32"},
	{"MY", "2404:b040::/32"},
	{"MM", "203.81.160.0/20"}, {"MM", "203.81.64.0/19"},
	{"MM", "122.248.96.0/19"}, {"MM", "2404:1780::/32"},
	{"MM", "2403:c280::/32"},
	{"PH", "202.69.160.0/19"}, {"PH", "61.28.128.0/18"},
	{"PH", "203.213.192.0/19"}, {"PH", "2401:2260::/32"},
	{"PH", "2403:4640::/32"},
	{"SG", "115.42.128.0/17"}, {"SG", "119.75.0.0/18"},
	{"SG", "202.172.32.0/19"}, {"SG", "2402:d0c0::/32"},
	{"SG", "2401:22c0::/32"},
	{"TH", "202.5.80.0/20"}, {"TH", "27.131.128.0/18"},
	{"TH", "203.130.128.0/19"}, {"TH", "2403:56c0::/32"},
	{"TH", "2403:5400::/32"},
	{"VN", "45.122.240.0/20"}, {"VN", "120.138.64.0/20"},
	{"VN", "112.197.0.0/16"}, {"VN", "2400:b520::/32"},
	{"VN", "2405:74c0::/32"},
	{"CN", "180.223.0.0/16"}, {"CN", "223.144.0.0/12"},
	{"CN", "42.186.0.0/16"}, {"CN", "2401:9c0::/32"},
	{"CN", "2407:be80::/32"},
	{"US", "66.186.128.0/18"}, {"US", "23.92.64.0/19"},
	{"US", "192.28.0.0/18"}, {"US", "2607:37c0::/32"},
	{"US", "2600:a400::/28"},
	{"JP", "59.87.0.0/16"}, {"JP", "203.216.192.0/18"},
	{"JP", "49.212.0.0/16"}, {"JP", "2001:d70::/30"},
	{"JP", "2403:3200::/32"},
};

struct csv_ctx {
	struct countries *cs[2]; /* destination and other countries */
	unsigned long rows;
};

static int
geo_row(void *vctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct csv_ctx *ctx = vctx;
	struct country *c = country_find(ctx->cs[0], row->cols[1]);
	struct xb_prefix p;
	const char *why;

	if (c == NULL)
		c = country_find(ctx->cs[1], row->cols[1]);
	if (c == NULL)
		return 0;
	if (xb_prefix_parse(row->cols[0], &p, &why) < 0) {
		xb_csv_error(errs, row, 0, "got \"%s\", expected a prefix (%s)",
			     row->cols[0], why);
		return 0;
	}
	pfx_push(p.family == 4 ? &c->v4 : &c->v6, &p);
	ctx->rows++;
	return 0;
}

static const char *const geo_cols[] = {"prefix", "country", NULL};
static const struct xb_table geo_table = {
	.header = {.variants = {geo_cols}},
	.row = geo_row,
};

/* Load one prefix,country file into the two country sets; the header line
 * is optional.  Returns the rows kept, -1 on errors (in errs), -2 when the
 * file cannot be read (errno set). */
static int
load_geo_file(const char *path, struct countries *dst, struct countries *other,
	      struct xb_errors *errs)
{
	struct csv_ctx ctx = {.cs = {dst, other}};
	size_t len;
	char *text = xb_csv_read_file(path, &len, NULL), *first;
	int rc;

	if (text == NULL)
		return -2;

	/* Without a header, prepend one (error line numbers then count it). */
	first = text;
	for (;;) {
		while (*first == ' ' || *first == '\t' || *first == '\r' ||
		       *first == '\n')
			first++;
		if (*first != '#')
			break;
		first = strchr(first, '\n');
		if (first == NULL) {
			first = text + len;
			break;
		}
	}
	if (strncasecmp(first, "prefix", 6) != 0) {
		static const char hdr[] = "prefix,country\n";

		text = xrealloc(text, len + sizeof(hdr) + 1);
		memmove(text + sizeof(hdr) - 1, text, len + 1);
		memcpy(text, hdr, sizeof(hdr) - 1);
		len += sizeof(hdr) - 1;
	}
	rc = xb_table_load(&geo_table, XB_TABLE_TEXT(path, text, len), &ctx,
			   errs);
	free(text);
	return rc < 0 ? -1 : (int)ctx.rows;
}

static void
load_builtin(struct countries *cs)
{
	for (unsigned int i = 0; i < cs->n; i++) {
		struct country *c = &cs->c[i];
		bool need4 = c->v4.n == 0, need6 = c->v6.n == 0;

		for (size_t b = 0;
		     b < sizeof(builtin_prefixes) / sizeof(builtin_prefixes[0]);
		     b++) {
			struct xb_prefix p;
			const char *why;

			if (strcmp(builtin_prefixes[b].cc, c->cc) != 0)
				continue;
			if (xb_prefix_parse(builtin_prefixes[b].pfx, &p, &why) < 0)
				abort(); /* table above is wrong */
			if ((p.family == 4 && need4) || (p.family == 6 && need6))
				pfx_push(p.family == 4 ? &c->v4 : &c->v6, &p);
		}
	}
}

int
destinations_load(struct countries *dst, struct countries *other,
		  const char *list, const char *others, const char *files)
{
	struct xb_errors errs;

	if (countries_add_list(dst, list) < 0 ||
	    countries_add_list(other, others) < 0)
		return -1;
	xb_errors_init(&errs);
	if (files != NULL) {
		char buf[4096], *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", files);
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			if (load_geo_file(tok, dst, other, &errs) == -2)
				fprintf(stderr,
					"xbgw-gen: %s: %s; using the built-in prefixes\n",
					tok, strerror(errno));
		}
	}
	if (xb_errors_count(&errs) > 0) {
		xb_errors_print(&errs, stderr);
		xb_errors_free(&errs);
		return -1;
	}
	xb_errors_free(&errs);
	load_builtin(dst);
	load_builtin(other);
	for (unsigned int i = 0; i < dst->n; i++)
		if (dst->c[i].v4.n == 0 && dst->c[i].v6.n == 0) {
			fprintf(stderr,
				"xbgw-gen: --countries: no prefixes for %s in the files or the built-in list\n",
				dst->c[i].cc);
			return -1;
		}
	return 0;
}

/* Random address inside p; IPv4 avoids the all-zero / all-one host part
 * when the prefix is shorter than /31. */
static void
addr_in(struct rng *r, const struct xb_prefix *p, uint8_t *out)
{
	unsigned int bytes = p->family == 4 ? 4 : 16, bits = bytes * 8;

	for (;;) {
		uint8_t rnd[16];
		bool zero = true, ones = true;

		rng_bytes(r, rnd, bytes);
		for (unsigned int i = 0; i < bytes; i++) {
			unsigned int lo = i * 8;
			uint8_t keep;

			if (p->len >= lo + 8)
				keep = 0xff;
			else if (p->len <= lo)
				keep = 0;
			else
				keep = (uint8_t)(0xff << (8 - (p->len - lo)));
			out[i] = (uint8_t)((p->addr[i] & keep) | (rnd[i] & ~keep));
			if ((out[i] & ~keep) != 0)
				zero = false;
			if ((out[i] | keep) != 0xff)
				ones = false;
		}
		if (p->family == 6 || p->len >= bits - 1 || (!zero && !ones))
			return;
	}
}

void
addr_host(const struct xb_prefix *p, uint64_t host, uint8_t *out)
{
	unsigned int bytes = p->family == 4 ? 4 : 16;

	memcpy(out, p->addr, 16);
	for (int i = (int)bytes - 1; i >= 0 && host != 0; i--) {
		out[i] |= (uint8_t)(host & 0xff);
		host >>= 8;
	}
}

bool
pick_dst(struct rng *r, struct countries *cs, int family, uint8_t *addr,
	 const char **cc)
{
	unsigned int cand[MAX_COUNTRIES], n = 0;

	for (unsigned int i = 0; i < cs->n; i++)
		if ((family == 4 ? cs->c[i].v4.n : cs->c[i].v6.n) > 0)
			cand[n++] = i;
	if (n == 0)
		return false;
	struct country *c = &cs->c[cand[rng_below(r, n)]];
	struct pfx_list *l = family == 4 ? &c->v4 : &c->v6;

	addr_in(r, &l->v[rng_below(r, (uint32_t)l->n)], addr);
	if (cc)
		*cc = c->cc;
	return true;
}

bool
pick_dst_cc(struct rng *r, struct countries *cs, const char *ccname,
	    int family, uint8_t *addr)
{
	struct country *c = country_find(cs, ccname);
	struct pfx_list *l;

	if (c == NULL)
		return false;
	l = family == 4 ? &c->v4 : &c->v6;
	if (l->n == 0)
		return false;
	addr_in(r, &l->v[rng_below(r, (uint32_t)l->n)], addr);
	return true;
}

int
sources_load(struct sources *s, const char *list, unsigned int v6_share)
{
	char buf[2048], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		struct xb_prefix p;
		const char *why;

		while (isspace((unsigned char)*tok))
			tok++;
		if (xb_prefix_parse(tok, &p, &why) < 0) {
			fprintf(stderr,
				"xbgw-gen: --src-prefixes: got \"%s\", expected a prefix (%s)\n",
				tok, why);
			return -1;
		}
		if ((p.family == 4 && (p.len > 30 || s->nsrc4 == MAX_SRC)) ||
		    (p.family == 6 && (p.len > 120 || s->nsrc6 == MAX_SRC))) {
			fprintf(stderr,
				"xbgw-gen: --src-prefixes: got \"%s\", expected at most %d prefixes of /30 (IPv4) or /120 (IPv6) or shorter\n",
				tok, MAX_SRC);
			return -1;
		}
		if (p.family == 4) {
			uint64_t h = (1ULL << (32 - p.len)) - 2;

			s->src4[s->nsrc4++] = p;
			s->hosts4 += h;
		} else {
			s->src6[s->nsrc6++] = p;
		}
	}
	if (s->hosts4 > (1u << 24))
		s->hosts4 = 1u << 24;
	if (s->nsrc4 == 0 && v6_share < 100) {
		fprintf(stderr, "xbgw-gen: --src-prefixes: no IPv4 prefix but --ipv6-share < 100\n");
		return -1;
	}
	if (s->nsrc6 == 0 && v6_share > 0) {
		fprintf(stderr, "xbgw-gen: --src-prefixes: no IPv6 prefix but --ipv6-share > 0\n");
		return -1;
	}
	return 0;
}
