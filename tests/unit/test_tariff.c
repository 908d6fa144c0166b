/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tariffs: band boundaries and wrap-around under several UTC offsets, the
 * local calendar month, row specificity (class > country > category >
 * band; code > group > *) and ties, exact rounding of charges, zero and
 * huge volumes, bad rows with their exact file:line messages, and the
 * default tables.  No EAL needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xb_category.h"
#include "xb_country.h"
#include "xb_tariff.h"
#include "xb_tenant.h"
#include "test_helpers_path.h"

#define NS 1000000000ull
#define H (3600)
/* 2026-11-05T00:00:00Z */
#define DAY0 1793836800ull

static const char countries_csv[] =
	"code,name,group\n"
	"SG,Singapore,ASEAN\n" /* 1 */
	"MY,Malaysia,ASEAN\n"  /* 2 */
	"TH,Thailand,ASEAN\n"  /* 3 */
	"CN,China,\n"          /* 4 */
	"US,United States,\n"; /* 5 */
static const char categories_csv[] =
	"category,name,list\n"
	"finance,Finance,negative\n" /* 1 */
	"media,Media,general\n";     /* 2 */
static const char tenants_csv[] =
	"tenant,name,class,quota_gb,over_quota\n"
	"t1,T1,enterprise,0,notify\n" /* class 1 */
	"t2,T2,sme,1,block\n"         /* class 2 */
	"t3,T3,government,0,notify\n"; /* class 3 */

enum { C_UNK, C_ENT, C_SME, C_GOV };
enum { ZZ, SG, MY, TH, CN, US };
enum { UNCL, UNNAMED, EVASIVE, FIN, MEDIA }; /* built-ins, then the file */

static const char std_bands[] =
	"band,start,end\n"
	"peak,08:00,20:00\n"
	"offpeak,20:00,01:00\n"
	"night,01:00,08:00\n";

struct tables {
	struct xb_countries *cty;
	struct xb_categories *cat;
	struct xb_tenants *ten;
};

static int
setup(void **state)
{
	struct tables *tb = calloc(1, sizeof(*tb));
	struct xb_errors e;

	xb_errors_init(&e);
	tb->cty = xb_countries_load(XB_TABLE_TEXT("countries.csv",
						  countries_csv,
						  strlen(countries_csv)), &e);
	tb->cat = xb_categories_load(XB_TABLE_TEXT("categories.csv",
						   categories_csv,
						   strlen(categories_csv)), &e);
	tb->ten = xb_tenants_load(XB_TABLE_TEXT("tenants.csv", tenants_csv,
						strlen(tenants_csv)), &e);
	xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	if (!tb->cty || !tb->cat || !tb->ten)
		return -1;
	*state = tb;
	return 0;
}

static int
teardown(void **state)
{
	struct tables *tb = *state;

	xb_countries_free(tb->cty);
	xb_categories_free(tb->cat);
	xb_tenants_free(tb->ten);
	free(tb);
	return 0;
}

static struct xb_tariff *
load(struct tables *tb, const char *bands, const char *tariffs,
     int32_t offset, struct xb_errors *e)
{
	return xb_tariff_load(XB_TABLE_TEXT("bands.csv", bands, strlen(bands)),
			      XB_TABLE_TEXT("tariffs.csv", tariffs,
					    strlen(tariffs)),
			      offset, tb->cty, tb->cat, tb->ten, e);
}

static struct xb_tariff *
load_ok(struct tables *tb, const char *bands, const char *tariffs,
	int32_t offset)
{
	struct xb_errors e;
	struct xb_tariff *t;

	xb_errors_init(&e);
	t = load(tb, bands, tariffs, offset, &e);
	xb_errors_print(&e, stderr);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_errors_free(&e);
	assert_non_null(t);
	return t;
}

/* ---- bands ---- */

static void
test_band_boundaries(void **state)
{
	static const struct {
		int32_t offset;
		int64_t utc_s; /* seconds from DAY0 (may be < 0) */
		const char *band;
	} cases[] = {
		/* +08:00: local = UTC + 8 h */
		{ 8 * H, 0, "peak" },               /* 08:00:00 local */
		{ 8 * H, -1, "night" },             /* 07:59:59 */
		{ 8 * H, 12 * H - 1, "peak" },      /* 19:59:59 */
		{ 8 * H, 12 * H, "offpeak" },       /* 20:00 */
		{ 8 * H, 16 * H - 1, "offpeak" },   /* 23:59:59 */
		{ 8 * H, 16 * H, "offpeak" },       /* 00:00 wrapped */
		{ 8 * H, 17 * H - 1, "offpeak" },   /* 00:59:59 */
		{ 8 * H, 17 * H, "night" },         /* 01:00 */
		{ 8 * H, 24 * H - 1, "night" },     /* 07:59:59 */
		/* UTC */
		{ 0, 8 * H, "peak" },
		{ 0, 8 * H - 1, "night" },
		{ 0, 0, "offpeak" },
		{ 0, -1, "offpeak" },
		/* -05:00 */
		{ -5 * H, 13 * H, "peak" },
		{ -5 * H, 13 * H - 1, "night" },
		{ -5 * H, 5 * H, "offpeak" },       /* 00:00 local */
		{ -5 * H, 6 * H, "night" },
		/* +05:45: minute-level offset */
		{ 5 * H + 45 * 60, 2 * H + 15 * 60, "peak" },
		{ 5 * H + 45 * 60, 2 * H + 15 * 60 - 1, "night" },
		/* the extreme offsets */
		{ 14 * H, -6 * H, "peak" },
		{ 14 * H, -6 * H - 1, "night" },
		{ -14 * H, 22 * H, "peak" },
		{ -14 * H, 22 * H - 1, "night" },
	};
	struct tables *tb = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xb_tariff *t = load_ok(tb, std_bands,
					      "tenant_class,country,category,band,price_per_gb,currency\n",
					      cases[i].offset);
		uint64_t ns = (uint64_t)((int64_t)DAY0 + cases[i].utc_s) * NS +
			      999999999u;
		unsigned int b = xb_tariff_band(t, ns);
		uint64_t from, until;

		if (strcmp(xb_tariff_band_name(t, b), cases[i].band) != 0)
			fail_msg("case %zu: offset %d utc %+lld: got %s, expected %s",
				 i, cases[i].offset, (long long)cases[i].utc_s,
				 xb_tariff_band_name(t, b), cases[i].band);
		/* The per-minute form: same band, over the whole minute that
		 * holds ns, and the band really is constant over it. */
		assert_int_equal(xb_tariff_band_minute(t, ns, &from, &until), b);
		assert_true(from <= ns && ns < until);
		assert_int_equal(until - from, 60 * NS);
		assert_int_equal(xb_tariff_band(t, from), b);
		assert_int_equal(xb_tariff_band(t, until - 1), b);
		xb_tariff_free(t);
	}
}

static void
test_band_forms(void **state)
{
	struct tables *tb = *state;
	static const char *const one_band[] = {
		"band,start,end\nall,00:00,24:00\n",
		"band,start,end\nall,06:00,06:00\n", /* start == end: all day */
	};
	struct xb_tariff *t;

	for (size_t i = 0; i < 2; i++) {
		t = load_ok(tb, one_band[i],
			    "tenant_class,country,category,band,price_per_gb,currency\n",
			    0);
		assert_int_equal(xb_tariff_band_count(t), 1);
		for (uint64_t s = 0; s < 86400; s += 60)
			assert_int_equal(xb_tariff_band(t, (DAY0 + s) * NS), 0);
		xb_tariff_free(t);
	}
	/* Bands in any order, one ending at 24:00. */
	t = load_ok(tb,
		    "band,start,end\nlate,18:00,24:00\nearly,00:00,18:00\n",
		    "tenant_class,country,category,band,price_per_gb,currency\n",
		    0);
	assert_string_equal(xb_tariff_band_name(t, xb_tariff_band(t, (DAY0 + 18 * H) * NS)), "late");
	assert_string_equal(xb_tariff_band_name(t, xb_tariff_band(t, (DAY0 + 18 * H - 1) * NS)), "early");
	assert_string_equal(xb_tariff_band_name(t, xb_tariff_band(t, (DAY0 + 24 * H) * NS)), "early");
	assert_int_equal(xb_tariff_band_find(t, "late"), 0);
	assert_int_equal(xb_tariff_band_find(t, "nope"), -1);
	assert_null(xb_tariff_band_name(t, 2));
	xb_tariff_free(t);
}

/* ---- calendar ---- */

static void
test_month(void **state)
{
	static const struct {
		uint64_t utc_s;
		int32_t offset;
		uint32_t month;
	} cases[] = {
		{ 1796054400ull, 8 * H, 202612 },     /* 2026-11-30T16:00Z */
		{ 1796054399ull, 8 * H, 202611 },
		{ 1796054400ull, 0, 202611 },
		{ 1798732800ull, 8 * H, 202701 },     /* 2026-12-31T16:00Z */
		{ 1798732799ull, 8 * H, 202612 },
		{ 1709247600ull, 0, 202402 },         /* 2024-02-29T23:00Z */
		{ 1709247600ull, 1 * H, 202403 },
		{ 0, 0, 197001 },
		{ 0, -1 * H, 196912 },
		{ 951782400ull, 0, 200002 },          /* 2000-02-29 */
		{ 4107542399ull, 0, 210002 },         /* 2100-02-28T23:59:59Z (no leap day) */
		{ 4107542400ull, 0, 210003 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t m = xb_month_of(cases[i].utc_s * NS + 5, cases[i].offset);

		if (m != cases[i].month)
			fail_msg("case %zu: got %u, expected %u", i, m,
				 cases[i].month);
	}
	assert_int_equal(xb_month_next(202612), 202701);
	assert_int_equal(xb_month_next(202611), 202612);
	assert_int_equal(xb_month_start_ns(202612, 8 * H), 1796054400ull * NS);
	assert_int_equal(xb_month_start_ns(202701, 0), 1798761600ull * NS);
	assert_int_equal(xb_month_start_ns(202403, 0), 1709251200ull * NS);
}

/* ---- prices ---- */

static const char spec_tariffs[] =
	"tenant_class,country,category,band,price_per_gb,currency\n" /* 1 */
	"*,*,*,*,1.00,USD\n"                                         /* 2 */
	"*,ASEAN,*,*,0.50,USD\n"                                     /* 3 */
	"*,SG,*,*,0.40,USD\n"                                        /* 4 */
	"enterprise,*,*,*,0.90,USD\n"                                /* 5 */
	"*,*,finance,peak,2.00,USD\n"                                /* 6 */
	"*,ASEAN,*,*,0.55,USD\n"                                     /* 7 */
	"sme,ASEAN,media,*,0.30,SGD\n"                               /* 8 */
	"sme,MY,*,*,0.20,SGD\n"                                      /* 9 */
	"government,*,*,night,0.000001,CNY\n";                       /* 10 */

static void
test_specificity(void **state)
{
	static const struct {
		uint16_t cls, cty, cat;
		const char *band;
		uint64_t price;
		const char *cur;
		unsigned int line;
	} cases[] = {
		{ C_UNK, CN, UNCL, "peak", 1000000, "USD", 2 },
		{ C_UNK, ZZ, UNCL, "night", 1000000, "USD", 2 },
		{ C_UNK, MY, UNCL, "peak", 500000, "USD", 3 }, /* tie: 3 not 7 */
		{ C_UNK, TH, MEDIA, "night", 500000, "USD", 3 },
		{ C_UNK, SG, UNCL, "peak", 400000, "USD", 4 }, /* code > group */
		{ C_UNK, SG, FIN, "peak", 400000, "USD", 4 },  /* country > category */
		{ C_UNK, MY, FIN, "peak", 500000, "USD", 3 },
		{ C_UNK, CN, FIN, "peak", 2000000, "USD", 6 },
		{ C_UNK, US, FIN, "offpeak", 1000000, "USD", 2 },
		{ C_ENT, SG, FIN, "peak", 900000, "USD", 5 },  /* class first */
		{ C_SME, MY, MEDIA, "peak", 200000, "SGD", 9 }, /* code > group+cat */
		{ C_SME, TH, MEDIA, "offpeak", 300000, "SGD", 8 },
		{ C_SME, TH, FIN, "offpeak", 500000, "USD", 3 },
		{ C_SME, CN, FIN, "peak", 2000000, "USD", 6 },
		{ C_GOV, CN, UNCL, "night", 1, "CNY", 10 },
		{ C_GOV, SG, UNCL, "peak", 400000, "USD", 4 },
	};
	struct tables *tb = *state;
	struct xb_tariff *t = load_ok(tb, std_bands, spec_tariffs, 8 * H);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int b = xb_tariff_band_find(t, cases[i].band);
		uint64_t p = 99;
		const char *cur = NULL;
		int rc = xb_tariff_price(t, cases[i].cls, cases[i].cty,
					 cases[i].cat, (unsigned int)b, &p, &cur);
		unsigned int line = xb_tariff_price_line(t, cases[i].cls,
							 cases[i].cty,
							 cases[i].cat,
							 (unsigned int)b);

		if (rc != 0 || p != cases[i].price ||
		    strcmp(cur, cases[i].cur) != 0 || line != cases[i].line)
			fail_msg("case %zu: got rc %d %llu %s line %u, expected %llu %s line %u",
				 i, rc, (unsigned long long)p, cur, line,
				 (unsigned long long)cases[i].price,
				 cases[i].cur, cases[i].line);
	}
	xb_tariff_free(t);
}

static void
test_no_price(void **state)
{
	struct tables *tb = *state;
	struct xb_tariff *t = load_ok(tb, std_bands,
				      "tenant_class,country,category,band,price_per_gb,currency\n"
				      "sme,SG,*,peak,0.10,USD\n",
				      8 * H);
	uint64_t p = 7;
	const char *cur = NULL;

	assert_int_equal(xb_tariff_price(t, C_SME, SG, FIN, 0, &p, &cur), 0);
	assert_int_equal(p, 100000);
	assert_int_equal(xb_tariff_price(t, C_SME, SG, FIN, 1, &p, &cur),
			 -ENOENT);
	assert_int_equal(p, 0);
	assert_string_equal(cur, "XXX");
	assert_int_equal(xb_tariff_price(t, C_ENT, MY, FIN, 0, &p, &cur),
			 -ENOENT);
	/* Out-of-range indexes. */
	assert_int_equal(xb_tariff_price(t, 4, SG, FIN, 0, &p, &cur), -EINVAL);
	assert_int_equal(xb_tariff_price(t, C_SME, 6, FIN, 0, &p, &cur),
			 -EINVAL);
	assert_int_equal(xb_tariff_price(t, C_SME, SG, 5, 0, &p, &cur),
			 -EINVAL);
	assert_int_equal(xb_tariff_price(t, C_SME, SG, FIN, 3, &p, &cur),
			 -EINVAL);
	assert_string_equal(cur, "XXX");
	xb_tariff_free(t);
}

/* ---- charges ---- */

static void
test_charge(void **state)
{
	static const struct {
		uint64_t bytes, price, charge;
	} cases[] = {
		{ 0, 1000000, 0 },
		{ 123456789, 0, 0 },
		{ 1000000000ull, 1000000, 1000000 },         /* 1 GB at 1.00 */
		{ 1, 500000000, 1 },                          /* 0.5 -> up */
		{ 1, 499999999, 0 },                          /* 0.499.. -> down */
		{ 3, 166666667, 1 },                          /* 0.500000001 */
		{ 1500, 300000, 0 },                          /* 0.45 */
		{ 2500, 300000, 1 },                          /* 0.75 */
		{ 2500000000ull, 176000, 440000 },
		{ 1234567890123ull, 450000, 555555551 },      /* 555555550.555 */
		{ 1000000000000000000ull, 10000000, 10000000000000000ull },
		{ 1000000000000000000ull, 123456789, 123456789000000000ull },
		{ 1000000000000000000ull, 1000000000000ull, UINT64_MAX }, /* sat */
		{ UINT64_MAX, 1, 18446744074ull },
		{ UINT64_MAX, 1000000, 18446744073709552ull },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t c = xb_tariff_charge(cases[i].bytes, cases[i].price);

		if (c != cases[i].charge)
			fail_msg("case %zu: got %llu, expected %llu", i,
				 (unsigned long long)c,
				 (unsigned long long)cases[i].charge);
	}
	/* Charging per record, not per packet: 10^6 packets of 1500 B at
	 * 0.45 per GB cost 0.675 units, whereas rounding each packet's
	 * charge (0.675 micro-units -> 1) would bill 1.000000. */
	assert_int_equal(xb_tariff_charge(1500ull * 1000000, 450000), 675000);
	assert_int_equal(xb_tariff_charge(1500, 450000), 1);
}

/* ---- errors ---- */

static void
check_errors(struct tables *tb, const char *bands, const char *tariffs,
	     const char *const *want, size_t nwant)
{
	struct xb_errors e;
	struct xb_tariff *t;

	xb_errors_init(&e);
	t = load(tb, bands, tariffs, 8 * H, &e);
	assert_null(t);
	for (size_t i = 0; i < nwant || i < e.stored; i++) {
		const char *got = i < e.stored ? e.msgs[i] : "(none)";
		const char *exp = i < nwant ? want[i] : "(none)";

		if (strcmp(got, exp) != 0) {
			xb_errors_print(&e, stderr);
			fail_msg("error %zu:\n got      %s\n expected %s", i,
				 got, exp);
		}
	}
	xb_errors_free(&e);
}

#define EMPTY_TARIFFS "tenant_class,country,category,band,price_per_gb,currency\n"
#define N(a) (sizeof(a) / sizeof(a[0]))

static void
test_band_errors(void **state)
{
	struct tables *tb = *state;
	static const char *const gap[] = {
		"bands.csv:2: gap from 20:00 to 22:00 after band peak (expected every minute in exactly one band)",
	};
	static const char *const gap_midnight[] = {
		"bands.csv:2: gap from 20:00 to 00:30 after band day (expected every minute in exactly one band)",
	};
	static const char *const overlap[] = {
		"bands.csv:3: band off overlaps band peak (line 2) from 19:00 to 20:00 (expected every minute in exactly one band)",
	};
	static const char *const none[] = {
		"bands.csv: no bands (expected at least one row)",
	};

	check_errors(tb, "band,start,end\npeak,08:00,20:00\nnight,22:00,08:00\n",
		     EMPTY_TARIFFS, gap, N(gap));
	check_errors(tb, "band,start,end\nday,00:30,20:00\n", EMPTY_TARIFFS,
		     gap_midnight, N(gap_midnight));
	check_errors(tb,
		     "band,start,end\npeak,08:00,20:00\noff,19:00,08:00\n",
		     EMPTY_TARIFFS, overlap, N(overlap));
	check_errors(tb, "band,start,end\n", EMPTY_TARIFFS, none, N(none));
}

static void
test_band_field_errors(void **state)
{
	struct tables *tb = *state;
	static const char *const want[] = {
		"bands.csv:2: start: got \"8:00\", expected a time HH:MM 00:00..23:59",
		"bands.csv:3: end: got \"24:01\", expected a time HH:MM 00:00..24:00",
		"bands.csv:4: start: got \"24:00\", expected a time HH:MM 00:00..23:59",
		"bands.csv:6: band: duplicate band (got \"x\", expected a name not used above)",
		"bands.csv:7: band: got \"a b\", expected a name of 1..31 letters, digits, '_', '-' or '.'",
	};

	check_errors(tb,
		     "band,start,end\n"
		     "a,8:00,09:00\n"
		     "b,08:00,24:01\n"
		     "c,24:00,01:00\n"
		     "x,00:00,24:00\n"
		     "x,01:00,02:00\n"
		     "a b,01:00,02:00\n",
		     EMPTY_TARIFFS, want, N(want));
}

static void
test_tariff_errors(void **state)
{
	struct tables *tb = *state;
	static const char *const want[] = {
		"tariffs.csv:2: currency: unknown currency (got \"usd\", expected an ISO 4217 code such as USD, CNY or SGD)",
		"tariffs.csv:3: currency: unknown currency (got \"ABC\", expected an ISO 4217 code such as USD, CNY or SGD)",
		"tariffs.csv:4: currency: unknown currency (got \"XXX\", expected an ISO 4217 code such as USD, CNY or SGD)",
		"tariffs.csv:5: tenant_class: unknown tenant class (got \"corp\", expected *, unknown, enterprise, sme, government)",
		"tariffs.csv:6: country: unknown country or group (got \"XX\", expected a code or group of countries.csv, or *)",
		"tariffs.csv:7: country: unknown country or group (got \"EU\", expected a code or group of countries.csv, or *)",
		"tariffs.csv:8: category: unknown category (got \"gambling\", expected a category of categories.csv)",
		"tariffs.csv:9: band: unknown band (got \"evening\", expected *, peak, offpeak, night)",
		"tariffs.csv:10: price_per_gb: got \"-1\", expected a decimal number 0..1000000 with at most 6 decimals",
		"tariffs.csv:11: price_per_gb: got \"0.1234567\", expected a decimal number 0..1000000 with at most 6 decimals",
		"tariffs.csv:12: price_per_gb: got \"1000001\", expected a decimal number 0..1000000 with at most 6 decimals",
		"tariffs.csv:13: wrong number of fields (got 5, expected 6)",
	};

	check_errors(tb, std_bands,
		     "tenant_class,country,category,band,price_per_gb,currency\n"
		     "*,*,*,*,1,usd\n"
		     "*,*,*,*,1,ABC\n"
		     "*,*,*,*,1,XXX\n"
		     "corp,*,*,*,1,USD\n"
		     "*,XX,*,*,1,USD\n"
		     "*,EU,*,*,1,USD\n"
		     "*,*,gambling,*,1,USD\n"
		     "*,*,*,evening,1,USD\n"
		     "*,*,*,*,-1,USD\n"
		     "*,*,*,*,0.1234567,USD\n"
		     "*,*,*,*,1000001,USD\n"
		     "*,*,*,*,1\n",
		     want, N(want));
}

static void
test_bad_args(void **state)
{
	struct tables *tb = *state;
	struct xb_errors e;

	xb_errors_init(&e);
	assert_null(xb_tariff_load(XB_TABLE_TEXT("b", std_bands,
						 strlen(std_bands)),
				   XB_TABLE_TEXT("t", EMPTY_TARIFFS,
						 strlen(EMPTY_TARIFFS)),
				   0, NULL, tb->cat, tb->ten, &e));
	assert_null(load(tb, std_bands, EMPTY_TARIFFS, 15 * H, &e));
	assert_null(xb_tariff_load(XB_TABLE_FILE("/nonexistent/bands.csv"),
				   XB_TABLE_FILE("/nonexistent/tariffs.csv"), 0,
				   tb->cty, tb->cat, tb->ten, &e));
	assert_true(xb_errors_count(&e) >= 3);
	xb_errors_free(&e);
	assert_true(xb_currency_valid("CNY"));
	assert_false(xb_currency_valid("CN"));
	assert_false(xb_currency_valid("QQQ"));
	xb_tariff_free(NULL);
}

/* ---- the default tables ---- */

static void
test_default_tables(void **state)
{
	char p[4][1024];
	static const char *const names[4] = { "countries.csv",
					      "categories.csv", "tenants.csv",
					      "bands.csv" };
	struct xb_countries *cty;
	struct xb_categories *cat;
	struct xb_tenants *ten;
	struct xb_tariff *t;
	struct xb_errors e;
	char tariffs[1024];
	static const struct {
		const char *tenant, *country, *category, *band;
		uint64_t price;
		const char *cur;
	} cases[] = {
		{ "acme-pay", "SG", "finance", "peak", 200000, "USD" },
		{ "acme-pay", "TH", "media", "peak", 450000, "USD" },
		{ "acme-pay", "TH", "media", "night", 150000, "USD" },
		{ "acme-pay", "CN", "cloud", "offpeak", 700000, "USD" },
		{ "lotus-trade", "VN", "ecommerce", "offpeak", 176000, "USD" },
		{ "lotus-trade", "SG", "ecommerce", "night", 80000, "USD" },
		{ "gov-customs", "MY", "government", "peak", 1400000, "CNY" },
		{ "gov-customs", "US", "government", "night", 4200000, "CNY" },
		{ "unknown", "SG", "unclassified", "peak", 1000000, "USD" },
	};

	(void)state;
	for (int i = 0; i < 4; i++)
		if (test_config_path(names[i], p[i], sizeof(p[i])) != 0)
			skip();
	if (test_config_path("tariffs.csv", tariffs, sizeof(tariffs)) != 0)
		skip();
	xb_errors_init(&e);
	cty = xb_countries_load(XB_TABLE_FILE(p[0]), &e);
	cat = xb_categories_load(XB_TABLE_FILE(p[1]), &e);
	ten = xb_tenants_load(XB_TABLE_FILE(p[2]), &e);
	t = cty && cat && ten ?
		xb_tariff_load(XB_TABLE_FILE(p[3]), XB_TABLE_FILE(tariffs),
			       8 * H, cty, cat, ten, &e) : NULL;
	xb_errors_print(&e, stderr);
	assert_int_equal(xb_errors_count(&e), 0);
	assert_non_null(t);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int tn = xb_tenants_find(ten, cases[i].tenant);
		int c = xb_countries_find(cty, cases[i].country);
		int g = xb_categories_find(cat, cases[i].category);
		int b = xb_tariff_band_find(t, cases[i].band);
		uint64_t price;
		const char *cur;

		assert_true(tn >= 0 && c >= 0 && g >= 0 && b >= 0);
		assert_int_equal(xb_tariff_price(t,
						 xb_tenants_get(ten, (unsigned int)tn)->class_id,
						 (uint16_t)c, (uint16_t)g,
						 (unsigned int)b, &price, &cur),
				 0);
		if (price != cases[i].price || strcmp(cur, cases[i].cur) != 0)
			fail_msg("case %zu: got %llu %s, expected %llu %s", i,
				 (unsigned long long)price, cur,
				 (unsigned long long)cases[i].price,
				 cases[i].cur);
	}
	xb_tariff_free(t);
	xb_tenants_free(ten);
	xb_categories_free(cat);
	xb_countries_free(cty);
	xb_errors_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_band_boundaries),
		cmocka_unit_test(test_band_forms),
		cmocka_unit_test(test_month),
		cmocka_unit_test(test_specificity),
		cmocka_unit_test(test_no_price),
		cmocka_unit_test(test_charge),
		cmocka_unit_test(test_band_errors),
		cmocka_unit_test(test_band_field_errors),
		cmocka_unit_test(test_tariff_errors),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_default_tables),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
