/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_tariff.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_category.h"
#include "xb_country.h"
#include "xb_csv.h"
#include "xb_table.h"
#include "xb_tenant.h"

#define NO_ROW 0xffffu       /* cell without a matching row */
#define ANY16 0xffffu        /* wildcard in a row's 16-bit column */
#define MAX_ROWS 65000u      /* row indexes fit the uint16_t cells */
#define MAX_CELLS (1u << 24) /* 32 MB of cells at most */

enum cty_kind { CTY_ANY = 0, CTY_GROUP = 1, CTY_CODE = 2 };

struct band {
	char name[XB_TARIFF_BAND_NAME_MAX + 1];
	uint16_t start, end; /* minutes of the local day */
	unsigned int line;
};

struct row {
	uint16_t cls;      /* class id or ANY16 */
	uint8_t cty_kind;  /* enum cty_kind */
	uint16_t cty;      /* country index or group id */
	uint16_t cat;      /* category index or ANY16 */
	uint16_t band;     /* band index or ANY16 */
	uint64_t price;    /* micro-units per GB */
	char currency[4];
	unsigned int line;
};

struct xb_tariff {
	struct xb_tariff_hot hot; /* must stay first: xb_tariff_band() */
	int32_t utc_offset_s;
	unsigned int nbands;
	struct band bands[XB_TARIFF_BANDS_MAX];
	struct row *rows;
	unsigned int nrows, rcap;
	/*
	 * Dense price table.  Values of one dimension that no row names
	 * behave alike, so each dimension is first mapped to an equivalence
	 * class (eq 0 = "named by no row"): that keeps the table small
	 * whatever the size of the country or category tables.
	 */
	unsigned int ncls, ncty, ncat;         /* table sizes */
	uint16_t *cls_eq, *cty_eq, *cat_eq;    /* value -> eq class */
	unsigned int ncls_eq, ncty_eq, ncat_eq;
	uint16_t *cells; /* [cls_eq][cty_eq][cat_eq][band] -> row or NO_ROW */
	/* load-time context */
	const struct xb_countries *countries;
	const struct xb_categories *categories;
	const struct xb_tenants *tenants;
};

_Static_assert(offsetof(struct xb_tariff, hot) == 0,
	       "xb_tariff_band() reads the hot part at offset 0");

/* ISO 4217 active codes (2024), space separated, sorted. */
static const char iso4217[] =
	"AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF "
	"BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC "
	"CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS "
	"GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD "
	"JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL "
	"LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD "
	"NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD "
	"RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP "
	"SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES "
	"VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL";

int
xb_currency_valid(const char *code)
{
	if (code == NULL || strlen(code) != 3)
		return 0;
	for (int i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return 0;
	for (const char *p = iso4217; *p; p += 4) {
		if (memcmp(p, code, 3) == 0)
			return 1;
		if (p[3] == '\0')
			break;
	}
	return 0;
}

/* ---- bands.csv ---- */

/* "HH:MM" -> minutes; max_min is 1439 for a start, 1440 for an end. */
static int
get_hhmm(const struct xb_csv_row *row, unsigned int col, unsigned int max_min,
	 uint16_t *out, struct xb_errors *errs)
{
	const char *s = row->cols[col];
	unsigned int h, m;

	if (strlen(s) == 5 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' &&
	    s[1] <= '9' && s[2] == ':' && s[3] >= '0' && s[3] <= '5' &&
	    s[4] >= '0' && s[4] <= '9') {
		h = (unsigned int)(s[0] - '0') * 10 + (unsigned int)(s[1] - '0');
		m = (unsigned int)(s[3] - '0') * 10 + (unsigned int)(s[4] - '0');
		if (h * 60 + m <= max_min) {
			*out = (uint16_t)(h * 60 + m);
			return 0;
		}
	}
	xb_csv_error(errs, row, col, "got \"%s\", expected a time HH:MM %s", s,
		     max_min == 1440 ? "00:00..24:00" : "00:00..23:59");
	return -1;
}

static int
band_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct xb_tariff *t = ctx;
	const char *name;
	uint16_t start = 0, end = 0;
	int bad = 0;

	if (xb_csv_get_ident(row, 0, XB_TARIFF_BAND_NAME_MAX, &name, errs) < 0)
		bad = 1;
	else if (xb_tariff_band_find(t, name) >= 0) {
		xb_csv_error(errs, row, 0,
			     "duplicate band (got \"%s\", expected a name not used above)",
			     name);
		bad = 1;
	}
	bad |= get_hhmm(row, 1, 1439, &start, errs) < 0;
	bad |= get_hhmm(row, 2, 1440, &end, errs) < 0;
	if (bad)
		return 0;
	if (t->nbands == XB_TARIFF_BANDS_MAX) {
		xb_csv_error(errs, row, 0,
			     "too many bands (got more than %d, expected at most %d)",
			     XB_TARIFF_BANDS_MAX, XB_TARIFF_BANDS_MAX);
		return 0;
	}
	snprintf(t->bands[t->nbands].name, sizeof(t->bands[0].name), "%s",
		 name);
	t->bands[t->nbands].start = start;
	t->bands[t->nbands].end = end % 1440; /* 24:00 is midnight */
	t->bands[t->nbands].line = row->line;
	t->nbands++;
	return 0;
}

static void
fmt_min(char buf[6], unsigned int m)
{
	if (m > 1440)
		m %= 1440;
	snprintf(buf, 6, "%02u:%02u", (m / 60) % 25, m % 60);
}

/*
 * Paint every band onto the minute table; report overlaps at the later
 * band's line and gaps at the line of the band ending where the gap starts
 * (or, failing that, the band starting where it ends).
 */
static void
bands_check(struct xb_tariff *t, const char *file, struct xb_errors *errs)
{
	int owner[1440];

	for (unsigned int m = 0; m < 1440; m++)
		owner[m] = -1;
	for (unsigned int b = 0; b < t->nbands; b++) {
		const struct band *bd = &t->bands[b];
		unsigned int len = (bd->end + 1440u - bd->start) % 1440u;
		int other = -1;
		unsigned int from = 0, n = 0;

		if (len == 0)
			len = 1440;
		for (unsigned int i = 0; i < len; i++) {
			unsigned int m = (bd->start + i) % 1440u;

			if (owner[m] >= 0) {
				if (other < 0) {
					other = owner[m];
					from = m;
				}
				if (owner[m] == other)
					n++;
				continue;
			}
			owner[m] = (int)b;
			t->hot.minute_band[m] = (uint8_t)b;
		}
		if (other >= 0) {
			char a[6], z[6];

			fmt_min(a, from);
			fmt_min(z, from + n);
			xb_errors_add(errs, file, bd->line,
				      "band %s overlaps band %s (line %u) from %s to %s (expected every minute in exactly one band)",
				      bd->name, t->bands[other].name,
				      t->bands[other].line, a, z);
		}
	}
	if (t->nbands == 0)
		return; /* "no bands" is reported by the caller */
	/* Gaps: runs of unowned minutes, walking from an owned minute so a
	 * gap across midnight is one run. */
	unsigned int base = 0;

	while (owner[base] < 0 && base < 1439)
		base++;
	if (owner[base] < 0) {
		xb_errors_add(errs, file, 0, "no band covers any minute");
		return;
	}
	for (unsigned int i = 0; i < 1440; i++) {
		unsigned int m = (base + i) % 1440u, len = 0;
		unsigned int line = 0;
		const char *after = NULL;
		char a[6], z[6];

		if (owner[m] >= 0)
			continue;
		while (len < 1440 && owner[(m + len) % 1440u] < 0)
			len++;
		for (unsigned int b = 0; b < t->nbands; b++)
			if (t->bands[b].end == m) {
				line = t->bands[b].line;
				after = t->bands[b].name;
				break;
			}
		if (line == 0)
			for (unsigned int b = 0; b < t->nbands; b++)
				if (t->bands[b].start == (m + len) % 1440u) {
					line = t->bands[b].line;
					break;
				}
		fmt_min(a, m);
		fmt_min(z, (m + len) % 1440u);
		if (after != NULL)
			xb_errors_add(errs, file, line,
				      "gap from %s to %s after band %s (expected every minute in exactly one band)",
				      a, z, after);
		else
			xb_errors_add(errs, file, line,
				      "gap from %s to %s (expected every minute in exactly one band)",
				      a, z);
		i += len - 1;
	}
}

/* After the last band: none at all, or gaps and overlaps, are errors. */
static int
bands_finish(void *ctx, const char *file, unsigned int rows, bool clean,
	     struct xb_errors *errs)
{
	(void)clean;
	if (rows == 0) {
		xb_errors_add(errs, file, 0,
			      "no bands (expected at least one row)");
		return -EINVAL;
	}
	bands_check(ctx, file, errs);
	return 0;
}

static const char *const band_cols[] = { "band", "start", "end", NULL };
static const struct xb_table band_table = {
	.header = { .variants = { band_cols } },
	.row = band_row,
	.finish = bands_finish,
};

/* ---- tariffs.csv ---- */

static void
list_classes(const struct xb_tenants *tn, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int c = 0; c < xb_tenants_class_count(tn) && off < size;
	     c++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
					c ? ", " : "",
					xb_tenants_class_name(tn, c));
}

static int
tariff_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct xb_tariff *t = ctx;
	struct row r;
	int bad = 0;

	memset(&r, 0, sizeof(r));
	r.line = row->line;
	/* tenant_class */
	if (xb_csv_is_wildcard(row, 0)) {
		r.cls = ANY16;
	} else {
		int c = xb_tenants_class_find(t->tenants, row->cols[0]);

		if (c < 0) {
			char want[256];

			list_classes(t->tenants, want, sizeof(want));
			xb_csv_error(errs, row, 0,
				     "unknown tenant class (got \"%s\", expected *, %s)",
				     row->cols[0], want);
			bad = 1;
		}
		r.cls = (uint16_t)c;
	}
	/* country: code beats group beats * */
	if (xb_csv_is_wildcard(row, 1)) {
		r.cty_kind = CTY_ANY;
	} else {
		int c = strlen(row->cols[1]) == 2 ?
			xb_countries_find(t->countries, row->cols[1]) : -1;
		int g = c < 0 ? xb_countries_group_find(t->countries,
						        row->cols[1]) : -1;

		if (c >= 0) {
			r.cty_kind = CTY_CODE;
			r.cty = (uint16_t)c;
		} else if (g >= 0) {
			r.cty_kind = CTY_GROUP;
			r.cty = (uint16_t)g;
		} else {
			xb_csv_error(errs, row, 1,
				     "unknown country or group (got \"%s\", expected a code or group of countries.csv, or *)",
				     row->cols[1]);
			bad = 1;
		}
	}
	/* category */
	if (xb_csv_is_wildcard(row, 2))
		r.cat = ANY16;
	else if (xb_categories_csv_get(t->categories, row, 2, &r.cat, errs) < 0)
		bad = 1;
	/* band */
	if (xb_csv_is_wildcard(row, 3)) {
		r.band = ANY16;
	} else {
		int b = xb_tariff_band_find(t, row->cols[3]);

		if (b < 0) {
			char want[XB_TARIFF_BANDS_MAX * 34];
			size_t off = 0;

			want[0] = '\0';
			for (unsigned int i = 0; i < t->nbands; i++)
				off += (size_t)snprintf(want + off,
							sizeof(want) - off,
							", %s",
							t->bands[i].name);
			xb_csv_error(errs, row, 3,
				     "unknown band (got \"%s\", expected *%s)",
				     row->cols[3], want);
			bad = 1;
		}
		r.band = (uint16_t)b;
	}
	if (xb_csv_get_micros(row, 4, XB_TARIFF_PRICE_MAX, &r.price, errs) < 0)
		bad = 1;
	if (!xb_currency_valid(row->cols[5]) ||
	    strcmp(row->cols[5], XB_TARIFF_NO_CURRENCY) == 0) {
		xb_csv_error(errs, row, 5,
			     "unknown currency (got \"%s\", expected an ISO 4217 code such as USD, CNY or SGD)",
			     row->cols[5]);
		bad = 1;
	} else {
		memcpy(r.currency, row->cols[5], 4);
	}
	if (bad)
		return 0;
	if (t->nrows >= MAX_ROWS) {
		xb_csv_error(errs, row, 0,
			     "too many rows (expected at most %u)", MAX_ROWS);
		return 0;
	}
	if (t->nrows == t->rcap) {
		unsigned int cap = t->rcap ? t->rcap * 2 : 64;
		struct row *nr = realloc(t->rows, cap * sizeof(*nr));

		if (nr == NULL) {
			xb_errors_add(errs, row->file, row->line,
				      "out of memory");
			return -1;
		}
		t->rows = nr;
		t->rcap = cap;
	}
	t->rows[t->nrows++] = r;
	return 0;
}

static const char *const tariff_cols[] = {
	"tenant_class", "country", "category", "band", "price_per_gb",
	"currency", NULL
};
static const struct xb_table tariff_table = {
	.header = { .variants = { tariff_cols } },
	.row = tariff_row,
};

/* ---- dense table ---- */

/* Identity of an equivalence class, to test rows against it. */
struct eq_id {
	uint16_t cls;     /* named class, or ANY16 for "named by no row" */
	uint8_t cty_kind; /* CTY_CODE: country cty; CTY_GROUP: group cty;
			   * CTY_ANY: named by no row */
	uint16_t cty;
	int cty_group;    /* group of the country for CTY_CODE, or -1 */
	uint16_t cat;     /* named category, or ANY16 */
};

/* Specificity of r for the cell, or -1 when it does not match.  Base-3
 * digits, tenant_class most significant: the column order of importance. */
static int
row_score(const struct row *r, const struct eq_id *id, unsigned int band)
{
	int cls_s, cty_s, cat_s, band_s;

	if (r->cls == ANY16)
		cls_s = 0;
	else if (r->cls == id->cls)
		cls_s = 1;
	else
		return -1;
	if (r->cty_kind == CTY_ANY)
		cty_s = 0;
	else if (r->cty_kind == CTY_CODE && id->cty_kind == CTY_CODE &&
		 r->cty == id->cty)
		cty_s = 2;
	else if (r->cty_kind == CTY_GROUP &&
		 ((id->cty_kind == CTY_GROUP && r->cty == id->cty) ||
		  (id->cty_kind == CTY_CODE && id->cty_group == (int)r->cty)))
		cty_s = 1;
	else
		return -1;
	if (r->cat == ANY16)
		cat_s = 0;
	else if (r->cat == id->cat)
		cat_s = 1;
	else
		return -1;
	if (r->band == ANY16)
		band_s = 0;
	else if (r->band == band)
		band_s = 1;
	else
		return -1;
	return ((cls_s * 3 + cty_s) * 3 + cat_s) * 3 + band_s;
}

static int
build_cells(struct xb_tariff *t, const char *file, struct xb_errors *errs)
{
	uint16_t *cls_rep, *cat_rep;
	struct eq_id *cty_rep;
	int ngroups = (int)xb_countries_group_count(t->countries);
	uint16_t *group_eq;
	uint64_t ncells;
	int rc = -1;

	t->ncls = xb_tenants_class_count(t->tenants);
	t->ncty = xb_countries_count(t->countries);
	t->ncat = xb_categories_count(t->categories);
	t->cls_eq = calloc(t->ncls, sizeof(uint16_t));
	t->cty_eq = calloc(t->ncty, sizeof(uint16_t));
	t->cat_eq = calloc(t->ncat, sizeof(uint16_t));
	cls_rep = calloc(t->ncls + 1, sizeof(uint16_t));
	cat_rep = calloc(t->ncat + 1, sizeof(uint16_t));
	cty_rep = calloc(t->ncty + (unsigned int)ngroups + 1, sizeof(*cty_rep));
	group_eq = calloc((unsigned int)ngroups + 1, sizeof(uint16_t));
	if (!t->cls_eq || !t->cty_eq || !t->cat_eq || !cls_rep || !cat_rep ||
	    !cty_rep || !group_eq) {
		xb_errors_add(errs, file, 0, "out of memory");
		goto out;
	}
	/* eq 0 of each dimension: values no row names. */
	t->ncls_eq = t->ncty_eq = t->ncat_eq = 1;
	cls_rep[0] = ANY16;
	cat_rep[0] = ANY16;
	cty_rep[0].cty_kind = CTY_ANY;
	cty_rep[0].cty_group = -1;
	for (unsigned int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];

		if (r->cls != ANY16 && t->cls_eq[r->cls] == 0) {
			cls_rep[t->ncls_eq] = r->cls;
			t->cls_eq[r->cls] = (uint16_t)t->ncls_eq++;
		}
		if (r->cat != ANY16 && t->cat_eq[r->cat] == 0) {
			cat_rep[t->ncat_eq] = r->cat;
			t->cat_eq[r->cat] = (uint16_t)t->ncat_eq++;
		}
		if (r->cty_kind == CTY_GROUP && group_eq[r->cty] == 0) {
			struct eq_id *e = &cty_rep[t->ncty_eq];

			e->cty_kind = CTY_GROUP;
			e->cty = r->cty;
			e->cty_group = r->cty;
			group_eq[r->cty] = (uint16_t)t->ncty_eq++;
		}
	}
	/* Codes named by a row get their own class (they are more specific
	 * than their group); other members of a named group share it. */
	for (unsigned int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];

		if (r->cty_kind == CTY_CODE && t->cty_eq[r->cty] == 0) {
			struct eq_id *e = &cty_rep[t->ncty_eq];

			e->cty_kind = CTY_CODE;
			e->cty = r->cty;
			e->cty_group = xb_countries_group_of(t->countries, r->cty);
			t->cty_eq[r->cty] = (uint16_t)t->ncty_eq++;
		}
	}
	for (unsigned int c = 0; c < t->ncty; c++) {
		int g;

		if (t->cty_eq[c] != 0)
			continue;
		g = xb_countries_group_of(t->countries, c);
		if (g >= 0)
			t->cty_eq[c] = group_eq[g];
	}
	ncells = (uint64_t)t->ncls_eq * t->ncty_eq * t->ncat_eq * t->nbands;
	if (ncells > MAX_CELLS) {
		xb_errors_add(errs, file, 0,
			      "too many distinct price combinations (got %llu, expected at most %u)",
			      (unsigned long long)ncells, MAX_CELLS);
		goto out;
	}
	t->cells = malloc((ncells ? ncells : 1) * sizeof(uint16_t));
	if (t->cells == NULL) {
		xb_errors_add(errs, file, 0, "out of memory");
		goto out;
	}
	for (unsigned int a = 0; a < t->ncls_eq; a++)
	for (unsigned int y = 0; y < t->ncty_eq; y++)
	for (unsigned int g = 0; g < t->ncat_eq; g++)
	for (unsigned int b = 0; b < t->nbands; b++) {
		struct eq_id id = cty_rep[y];
		int best = -1;
		uint16_t best_row = NO_ROW;

		id.cls = cls_rep[a];
		id.cat = cat_rep[g];
		for (unsigned int i = 0; i < t->nrows; i++) {
			int s = row_score(&t->rows[i], &id, b);

			if (s > best) { /* strict: ties keep the earlier row */
				best = s;
				best_row = (uint16_t)i;
			}
		}
		t->cells[((a * t->ncty_eq + y) * t->ncat_eq + g) * t->nbands +
			 b] = best_row;
	}
	rc = 0;
out:
	free(cls_rep);
	free(cat_rep);
	free(cty_rep);
	free(group_eq);
	return rc;
}

/* Both texts at hand: parse them and build the price table. */
static struct xb_tariff *
tariff_parse(const struct xb_table_src *bands,
	     const struct xb_table_src *tariffs, int32_t utc_offset_s,
	     const struct xb_countries *countries,
	     const struct xb_categories *categories,
	     const struct xb_tenants *tenants, struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);
	struct xb_tariff *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		xb_errors_add(errs, bands->name, 0, "out of memory");
		return NULL;
	}
	t->countries = countries;
	t->categories = categories;
	t->tenants = tenants;
	if (utc_offset_s < -XB_TARIFF_UTC_OFFSET_MAX ||
	    utc_offset_s > XB_TARIFF_UTC_OFFSET_MAX) {
		xb_errors_add(errs, bands->name, 0,
			      "utc_offset out of range (got %d s, expected -14:00..+14:00)",
			      (int)utc_offset_s);
	}
	t->utc_offset_s = utc_offset_s;
	t->hot.day_shift_s = (uint32_t)(utc_offset_s + 86400);
	xb_table_load(&band_table, bands, t, errs);
	xb_table_load(&tariff_table, tariffs, t, errs);
	if (xb_errors_count(errs) == before)
		build_cells(t, tariffs->name, errs);
	t->countries = NULL;
	t->categories = NULL;
	t->tenants = NULL;
	if (xb_errors_count(errs) != before) {
		xb_tariff_free(t);
		return NULL;
	}
	return t;
}

struct xb_tariff *
xb_tariff_load(const struct xb_table_src *bands,
	       const struct xb_table_src *tariffs, int32_t utc_offset_s,
	       const struct xb_countries *countries,
	       const struct xb_categories *categories,
	       const struct xb_tenants *tenants, struct xb_errors *errs)
{
	struct xb_table_src b, p;
	char *bbuf, *pbuf;
	struct xb_tariff *t = NULL;
	int rb, rp;

	if (countries == NULL || categories == NULL || tenants == NULL ||
	    bands == NULL || tariffs == NULL) {
		xb_errors_add(errs, tariffs ? tariffs->name : "tariffs", 0,
			      "tariff needs the country, category and tenant tables");
		return NULL;
	}
	b = *bands;
	p = *tariffs;
	rb = xb_table_read(&b, &bbuf, errs);
	rp = xb_table_read(&p, &pbuf, errs);
	if (rb == 0 && rp == 0)
		t = tariff_parse(&b, &p, utc_offset_s, countries, categories,
				 tenants, errs);
	free(bbuf);
	free(pbuf);
	return t;
}

void
xb_tariff_free(struct xb_tariff *t)
{
	if (t == NULL)
		return;
	free(t->rows);
	free(t->cls_eq);
	free(t->cty_eq);
	free(t->cat_eq);
	free(t->cells);
	free(t);
}

unsigned int
xb_tariff_band_count(const struct xb_tariff *t)
{
	return t->nbands;
}

const char *
xb_tariff_band_name(const struct xb_tariff *t, unsigned int idx)
{
	return idx < t->nbands ? t->bands[idx].name : NULL;
}

int
xb_tariff_band_find(const struct xb_tariff *t, const char *name)
{
	for (unsigned int i = 0; i < t->nbands; i++)
		if (strcmp(t->bands[i].name, name) == 0)
			return (int)i;
	return -1;
}

int32_t
xb_tariff_utc_offset(const struct xb_tariff *t)
{
	return t->utc_offset_s;
}

static const struct row *
lookup(const struct xb_tariff *t, uint16_t cls, uint16_t cty, uint16_t cat,
       unsigned int band, int *rc)
{
	uint16_t r;

	if (cls >= t->ncls || cty >= t->ncty || cat >= t->ncat ||
	    band >= t->nbands) {
		*rc = -EINVAL;
		return NULL;
	}
	r = t->cells[((t->cls_eq[cls] * t->ncty_eq + t->cty_eq[cty]) *
		      t->ncat_eq + t->cat_eq[cat]) * t->nbands + band];
	if (r == NO_ROW) {
		*rc = -ENOENT;
		return NULL;
	}
	*rc = 0;
	return &t->rows[r];
}

int
xb_tariff_price(const struct xb_tariff *t, uint16_t tenant_class,
		uint16_t country, uint16_t category, unsigned int band,
		uint64_t *price_micros_per_gb, const char **currency)
{
	int rc;
	const struct row *r = lookup(t, tenant_class, country, category, band,
				     &rc);

	*price_micros_per_gb = r ? r->price : 0;
	*currency = r ? r->currency : XB_TARIFF_NO_CURRENCY;
	return rc;
}

unsigned int
xb_tariff_price_line(const struct xb_tariff *t, uint16_t tenant_class,
		     uint16_t country, uint16_t category, unsigned int band)
{
	int rc;
	const struct row *r = lookup(t, tenant_class, country, category, band,
				     &rc);

	return r ? r->line : 0;
}

uint64_t
xb_tariff_charge(uint64_t bytes, uint64_t price_micros_per_gb)
{
	unsigned __int128 v = (unsigned __int128)bytes * price_micros_per_gb;

	v = (v + XB_TARIFF_GB / 2) / XB_TARIFF_GB;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

/* Civil date of a day number: shift the year to start in March so the
 * leap day is the last day of the year, then split into 400-year eras. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era, yy;
	uint64_t doe, yoe, doy, mp;

	z += 719468; /* 0000-03-01 -> 1970-01-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (uint64_t)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	uint64_t yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (uint64_t)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

uint32_t
xb_month_of(uint64_t now_ns, int32_t utc_offset_s)
{
	int64_t local = (int64_t)(now_ns / 1000000000u) + utc_offset_s;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	int64_t y;
	unsigned int m, d;

	civil_from_days(days, &y, &m, &d);
	return (uint32_t)(y * 100 + m);
}

uint32_t
xb_month_next(uint32_t yyyymm)
{
	return yyyymm % 100 >= 12 ? (yyyymm / 100 + 1) * 100 + 1 : yyyymm + 1;
}

uint64_t
xb_month_start_ns(uint32_t yyyymm, int32_t utc_offset_s)
{
	int64_t s = days_from_civil(yyyymm / 100, yyyymm % 100, 1) * 86400 -
		    utc_offset_s;

	return s < 0 ? 0 : (uint64_t)s * 1000000000u;
}
