/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Domain pattern matcher: precedence, normalisation, anchoring, errors at
 * their file:line, empty tables, the default tables, and the per-name cost.
 * No EAL needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "xb_category.h"
#include "xb_domain.h"
#include "test_helpers_path.h"

static const char cats_csv[] =
	"category,name,list\n"
	"cloud,Cloud,general\n"
	"media,Media,general\n"
	"social,Social,general\n"
	"ecommerce,E-commerce,general\n"
	"finance,Finance,negative\n"
	"news,News,general\n";

static struct xb_categories *
load_cats(void)
{
	struct xb_errors e;
	struct xb_categories *c;

	xb_errors_init(&e);
	c = xb_categories_load(XB_TABLE_TEXT("cats.csv", cats_csv,
					     strlen(cats_csv)),
			       &e);
	xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	assert_non_null(c);
	return c;
}

/* ---- precedence and normalisation ---- */

static const char prec_csv[] =
	"pattern,category\n"                         /* 1 */
	"# regexes first in the file: still tried last\n" /* 2 */
	"\"/^shop[0-9]{1,3}\\./\",ecommerce\n"        /* 3 */
	"/^shop/,finance\n"                           /* 4 */
	"example.com,cloud\n"                         /* 5 */
	"=www.example.com,media\n"                    /* 6 */
	"a.example.com,social\n"                      /* 7 */
	"Upper.Example.ORG.,news\n"                   /* 8 */
	"/^CASE\\.test$/,news\n"                      /* 9 */
	"com,finance\n";                              /* 10 */

static const struct {
	const char *name;
	int expect_cat;        /* by id below; -1 = no match */
	const char *cat;
	unsigned int line;
} prec_rows[] = {
	{ "example.com", 0, "cloud", 5 },
	{ "b.example.com", 0, "cloud", 5 },
	{ "a.example.com", 0, "social", 7 },        /* longer suffix wins */
	{ "x.y.a.example.com", 0, "social", 7 },
	{ "www.example.com", 0, "media", 6 },       /* exact beats suffix */
	{ "sub.www.example.com", 0, "cloud", 5 },   /* exact: that name only */
	{ "WWW.Example.COM.", 0, "media", 6 },      /* case, trailing dot */
	{ "A.EXAMPLE.COM", 0, "social", 7 },
	{ "badexample.com", 0, "finance", 10 },     /* not example.com: "com" */
	{ "example.com.evil.net", -1, NULL, 0 },
	/* Earlier occurrences of a literal must not hide the one at the end. */
	{ "example.com.example.com", 0, "cloud", 5 },
	{ "a.example.com.a.example.com", 0, "social", 7 },
	{ "www.example.com.www.example.com", 0, "cloud", 5 },
	{ "www.example.comx", -1, NULL, 0 },
	{ "examplexcom", -1, NULL, 0 },
	{ "upper.example.org", 0, "news", 8 },
	{ "shop12.test.net", 0, "ecommerce", 3 },   /* first regex in file */
	{ "shopx.test.net", 0, "finance", 4 },
	{ "shop1.example.com", 0, "cloud", 5 },     /* suffix beats regex */
	{ "case.test", 0, "news", 9 },              /* regexes are caseless */
	{ "Case.Test.", 0, "news", 9 },
	{ "", -1, NULL, 0 },
	{ ".", -1, NULL, 0 },
	{ "net", -1, NULL, 0 },
	{ "com", 0, "finance", 10 },
	{ "com.", 0, "finance", 10 },
};

static void
test_precedence(void **state)
{
	struct xb_categories *cats = load_cats();
	struct xb_errors e;
	struct xb_domains *d;
	struct xb_domains_scratch *s;

	(void)state;
	xb_errors_init(&e);
	d = xb_domains_load(XB_TABLE_TEXT("prec.csv", prec_csv,
					  strlen(prec_csv)),
			    cats, &e);
	xb_errors_print(&e, stderr);
	assert_int_equal(xb_errors_count(&e), 0);
	assert_non_null(d);
	assert_int_equal(xb_domains_count(d), 8);
	s = xb_domains_scratch_alloc(d);
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(prec_rows) / sizeof(prec_rows[0]); i++) {
		unsigned int line = 0;
		const char *n = prec_rows[i].name;
		int got = xb_domains_match_line(d, s, n, strlen(n), &line);
		int want = prec_rows[i].expect_cat < 0 ? -1 :
			xb_categories_find(cats, prec_rows[i].cat);

		if (got != want || line != prec_rows[i].line)
			fail_msg("row %zu \"%s\": got category %d line %u, expected %d line %u",
				 i, n, got, line, want, prec_rows[i].line);
	}
	/* The name need not be NUL-terminated: only len bytes count. */
	assert_int_equal(xb_domains_match(d, s, "example.comXYZ", 11),
			 xb_categories_find(cats, "cloud"));
	/* Longer than a name can be: no match, no overflow. */
	{
		char big[600];

		memset(big, 'a', sizeof(big));
		memcpy(big + sizeof(big) - 12, ".example.com", 12);
		assert_int_equal(xb_domains_match(d, s, big, sizeof(big)), -1);
		/* 255 bytes exactly still fits. */
		assert_int_equal(xb_domains_match(d, s, big + sizeof(big) - 255,
						  255),
				 xb_categories_find(cats, "cloud"));
	}
	assert_true(xb_domains_memory(d) > 0);
	xb_domains_scratch_free(s);
	xb_domains_free(d);
	xb_errors_free(&e);
	xb_categories_free(cats);
}

static void
test_empty(void **state)
{
	struct xb_categories *cats = load_cats();
	const char *texts[] = { "pattern,category\n",
				"# nothing\npattern,category\n# at all\n" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct xb_errors e;
		struct xb_domains *d;
		struct xb_domains_scratch *s;

		xb_errors_init(&e);
		d = xb_domains_load(XB_TABLE_TEXT("empty.csv", texts[i],
						  strlen(texts[i])),
				    cats, &e);
		assert_non_null(d);
		assert_int_equal(xb_errors_count(&e), 0);
		assert_int_equal(xb_domains_count(d), 0);
		s = xb_domains_scratch_alloc(d);
		assert_non_null(s);
		assert_int_equal(xb_domains_match(d, s, "example.com", 11), -1);
		xb_domains_scratch_free(s);
		xb_domains_free(d);
		xb_errors_free(&e);
	}
	xb_categories_free(cats);
}

/* ---- errors at file:line ---- */

static const struct {
	const char *what;
	const char *text;
	const char *errors; /* all messages, '\n'-joined */
} err_rows[] = {
	{ "unknown category",
	  "pattern,category\nexample.com,cloud\nexample.org,nope\n",
	  "t.csv:3: category: unknown category (got \"nope\", expected a category of cats.csv)" },
	{ "regexes Hyperscan rejects, each at its own line",
	  "pattern,category\n"
	  "example.com,cloud\n"
	  "/(ab/,media\n"
	  "/^fine[0-9]+$/,media\n"
	  "/a*/,media\n"
	  "\"/x{3,1}/\",media\n",
	  "t.csv:3: pattern: got \"/(ab/\", expected a regex Hyperscan accepts (Missing close parenthesis for group started at index 0.)\n"
	  "t.csv:5: pattern: got \"/a*/\", expected a regex Hyperscan accepts (Pattern matches empty buffer; use HS_FLAG_ALLOWEMPTY to enable support.)\n"
	  "t.csv:6: pattern: got \"/x{3,1}/\", expected a regex Hyperscan accepts (Invalid repeat at index 1.)" },
	{ "bad names",
	  "pattern,category\n"
	  "exa mple.com,cloud\n"
	  "*.example.com,cloud\n"
	  "a..b,cloud\n"
	  "/unterminated,cloud\n"
	  "=,cloud\n",
	  "t.csv:2: pattern: got \"exa mple.com\", expected a domain name (example.com), =name or /regex/ (character not allowed in a name)\n"
	  "t.csv:3: pattern: got \"*.example.com\", expected a domain name (example.com), =name or /regex/ (wildcards are not patterns: example.com already covers every subdomain)\n"
	  "t.csv:4: pattern: got \"a..b\", expected a domain name (example.com), =name or /regex/ (empty label)\n"
	  "t.csv:5: pattern: got \"/unterminated\", expected a domain name (example.com), =name or /regex/ (a regex must end with '/' and not be empty)\n"
	  "t.csv:6: pattern: got \"=\", expected a domain name (example.com), =name or /regex/ (empty name)" },
	{ "duplicates",
	  "pattern,category\n"
	  "example.com,cloud\n"
	  "=www.example.com,cloud\n"
	  "Example.COM.,media\n"
	  "=WWW.example.com,media\n"
	  "www.example.com,media\n",
	  "t.csv:5: pattern: duplicate pattern (got \"=www.example.com\", first at line 3)\n"
	  "t.csv:4: pattern: duplicate pattern (got \"example.com\", first at line 2)" },
	{ "bad header",
	  "domain,category\nexample.com,cloud\n",
	  "t.csv:1: bad header (got \"domain,...\", expected \"pattern,category\")" },
	{ "field count",
	  "pattern,category\nexample.com,cloud,extra\n",
	  "t.csv:2: wrong number of fields (got 3, expected 2)" },
};

static void
test_errors(void **state)
{
	struct xb_categories *cats = load_cats();

	(void)state;
	for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++) {
		struct xb_errors e;
		struct xb_domains *d;
		char got[4096];

		xb_errors_init(&e);
		d = xb_domains_load(XB_TABLE_TEXT("t.csv", err_rows[i].text,
						  strlen(err_rows[i].text)),
				    cats, &e);
		xb_errors_join(&e, got, sizeof(got));
		if (d != NULL || strcmp(got, err_rows[i].errors) != 0)
			fail_msg("%s: got %s\n%s\nexpected\n%s", err_rows[i].what,
				 d ? "a matcher" : "NULL", got,
				 err_rows[i].errors);
		xb_errors_free(&e);
	}
	xb_categories_free(cats);
}

/* A bad regex in a real file is reported at that file's path and line. */
static void
test_error_in_file(void **state)
{
	struct xb_categories *cats = load_cats();
	char path[] = "/tmp/xbgw_test_domains_XXXXXX";
	const char text[] = "pattern,category\n# comment\n\nexample.com,cloud\n"
			    "\"/a{1,2}(/\",media\n";
	char want[256], got[1024];
	struct xb_errors e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
			 (ssize_t)(sizeof(text) - 1));
	close(fd);
	xb_errors_init(&e);
	assert_null(xb_domains_load(XB_TABLE_FILE(path), cats, &e));
	xb_errors_join(&e, got, sizeof(got));
	snprintf(want, sizeof(want),
		 "%s:5: pattern: got \"/a{1,2}(/\", expected a regex Hyperscan accepts (Missing close parenthesis for group started at index 6.)",
		 path);
	assert_string_equal(got, want);
	xb_errors_free(&e);
	unlink(path);
	xb_categories_free(cats);
}

/* ---- categories.csv itself ---- */

static void
test_categories(void **state)
{
	static const struct {
		const char *text;
		const char *errors; /* NULL: loads */
	} rows[] = {
		{ "category,name,list\nfinance,\"Payments, banking\",negative\n",
		  NULL },
		{ "category,name,list\nunclassified,Unknown traffic,negative\n",
		  NULL },
		{ "category,name,list\na,A,general\na,B,general\n",
		  "c.csv:3: category: duplicate category (got \"a\", first defined at line 2)" },
		{ "category,name,list\na b,A,general\nb,B,white\n",
		  "c.csv:2: category: got \"a b\", expected a name of 1..31 letters, digits, '_', '-' or '.'\n"
		  "c.csv:3: list: got \"white\", expected general, negative or unlisted" },
	};
	struct xb_errors e;
	struct xb_categories *c;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char got[1024];

		xb_errors_init(&e);
		c = xb_categories_load(XB_TABLE_TEXT("c.csv", rows[i].text,
						     strlen(rows[i].text)),
				       &e);
		xb_errors_join(&e, got, sizeof(got));
		if (rows[i].errors == NULL) {
			assert_non_null(c);
			assert_string_equal(got, "");
		} else {
			assert_null(c);
			assert_string_equal(got, rows[i].errors);
		}
		if (i == 0) {
			assert_int_equal(xb_categories_count(c), 4);
			assert_int_equal(xb_categories_find(c, "unclassified"), 0);
			assert_int_equal(xb_categories_find(c, "unnamed"),
					 XB_CATEGORY_UNNAMED);
			assert_int_equal(xb_categories_find(c, "evasive"),
					 XB_CATEGORY_EVASIVE);
			assert_int_equal(xb_categories_find(c, "finance"), 3);
			assert_int_equal(xb_categories_find(c, "Finance"), -1);
			assert_string_equal(xb_categories_name(c, 3),
					    "Payments, banking");
			assert_int_equal(xb_categories_list(c, 3),
					 XB_LIST_NEGATIVE);
			/* Built in, fail closed. */
			assert_int_equal(xb_categories_list(c, XB_CATEGORY_UNNAMED),
					 XB_LIST_NEGATIVE);
			assert_int_equal(xb_categories_list(c, XB_CATEGORY_EVASIVE),
					 XB_LIST_NEGATIVE);
			/* Only ever stricter; among negative ones the first
			 * stays. */
			assert_int_equal(xb_categories_stricter(c, 0, 3), 3);
			assert_int_equal(xb_categories_stricter(c, 3, 0), 3);
			assert_int_equal(xb_categories_stricter(
						 c, 3, XB_CATEGORY_UNNAMED),
					 XB_CATEGORY_UNNAMED);
			assert_int_equal(xb_categories_stricter(
						 c, XB_CATEGORY_EVASIVE,
						 XB_CATEGORY_UNNAMED),
					 XB_CATEGORY_EVASIVE);
			assert_int_equal(xb_categories_stricter(
						 c, 0, XB_CATEGORY_EVASIVE),
					 XB_CATEGORY_EVASIVE);
			assert_int_equal(xb_categories_list(c, 0),
					 XB_LIST_UNLISTED);
			assert_string_equal(xb_data_list_str(XB_LIST_GENERAL),
					    "general");
		}
		if (i == 1) {
			/* Re-lists the built-in category, adds none. */
			assert_int_equal(xb_categories_count(c),
					 XB_CATEGORY_BUILTINS);
			assert_int_equal(xb_categories_list(c, 0),
					 XB_LIST_NEGATIVE);
			assert_string_equal(xb_categories_name(c, 0),
					    "Unknown traffic");
		}
		xb_categories_free(c);
		xb_errors_free(&e);
	}
}

/* ---- the default tables, with names from the real captures ---- */

static const struct {
	const char *name;
	const char *cat; /* NULL: no match */
} default_rows[] = {
	{ "www.youtube.com", "media" },
	{ "i.ytimg.com", "media" },
	{ "yt3.ggpht.com", "media" },
	{ "wide-youtube.l.google.com", "media" },
	{ "r4---sn-4g5e6nsz.googlevideo.com", "media" },
	{ "api-global.netflix.com", "media" },
	{ "art-1.nflximg.net", "media" },
	{ "www.primevideo.com", "media" },
	{ "www.facebook.com", "social" },
	{ "scontent-mxp1-1.cdninstagram.com", "social" },
	{ "igcdn-photos-a-a.akamaihd.net", "social" },
	{ "vcs-va.tiktokv.com", "social" },
	{ "bag.itunes.apple.com", "media" },
	{ "mesu.apple.com", "software" },
	{ "gsp85-ssl.ls.apple.com", "geodata" },
	{ "maps.google.com", "geodata" },
	{ "mail.google.com", "email" },
	{ "www.google.com", "cloud" },
	{ "www.google.it", "cloud" },
	{ "accounts.google.com", "personal_data" },
	{ "www.ebay.com", "ecommerce" },
	{ "fenek.market.yandex.ru", "ecommerce" },
	{ "music.yandex.kz", "music" },
	{ "metrika.yandex.kz", "advertising" },
	{ "www.wikipedia.it", "news" },
	{ "shopee.co.id", "ecommerce" },
	{ "mall.shopee.co.th", "ecommerce" },
	{ "www.lazada.com.my", "ecommerce" },
	{ "api.grab.com", "logistics" },
	{ "www.dbs.com.sg", "finance" },
	{ "www.maybank2u.com.my", "finance" },
	{ "ib.bankislam.com.my", "finance" },
	{ "it-mil-v086.prod.surfshark.com", "vpn" },
	{ "www.activision.com", "gaming" },
	{ "www.iit.cnr.it", NULL },
	{ "badyoutube.com", NULL },
};

static int
load_default(struct xb_categories **cats, struct xb_domains **d)
{
	char cpath[1024], dpath[1024];
	struct xb_errors e;

	if (test_config_path("categories.csv", cpath, sizeof(cpath)) != 0 ||
	    test_config_path("domains.csv", dpath, sizeof(dpath)) != 0)
		fail_msg("default tables not found (%s): set XBGW_SOURCE_ROOT",
			 cpath);
	xb_errors_init(&e);
	*cats = xb_categories_load(XB_TABLE_FILE(cpath), &e);
	*d = *cats ? xb_domains_load(XB_TABLE_FILE(dpath), *cats, &e) : NULL;
	xb_errors_print(&e, stderr);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_errors_free(&e);
	assert_non_null(*d);
	return 0;
}

static void
test_default_tables(void **state)
{
	struct xb_categories *cats;
	struct xb_domains *d;
	struct xb_domains_scratch *s;

	(void)state;
	load_default(&cats, &d);
	s = xb_domains_scratch_alloc(d);
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(default_rows) / sizeof(default_rows[0]);
	     i++) {
		const char *n = default_rows[i].name;
		int got = xb_domains_match(d, s, n, strlen(n));
		int want = default_rows[i].cat ?
			xb_categories_find(cats, default_rows[i].cat) : -1;

		if (got != want)
			fail_msg("%s: got %s, expected %s", n,
				 got < 0 ? "no match" :
				 xb_categories_id(cats, (unsigned int)got),
				 default_rows[i].cat ? default_rows[i].cat :
				 "no match");
	}
	xb_domains_scratch_free(s);
	xb_domains_free(d);
	xb_categories_free(cats);
}

/* Per-name cost on the default tables (printed, not asserted: shared
 * machines are noisy).  A few hundred thousand lookups, well under 1 s. */
static void
test_match_cost(void **state)
{
	struct xb_categories *cats;
	struct xb_domains *d;
	struct xb_domains_scratch *s;
	const unsigned int rounds = 4000;
	const size_t nn = sizeof(default_rows) / sizeof(default_rows[0]);
	struct timespec t0, t1;
	unsigned long sink = 0;
	double ns;

	(void)state;
	load_default(&cats, &d);
	s = xb_domains_scratch_alloc(d);
	assert_non_null(s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int r = 0; r < rounds; r++)
		for (size_t i = 0; i < nn; i++)
			sink += (unsigned long)(xb_domains_match(
				d, s, default_rows[i].name,
				strlen(default_rows[i].name)) + 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	     (double)(t1.tv_nsec - t0.tv_nsec);
	printf("# domains: %u patterns, database %zu bytes, %.0f ns per name "
	       "(%zu names x %u rounds, checksum %lu)\n",
	       xb_domains_count(d), xb_domains_memory(d),
	       ns / ((double)rounds * (double)nn), nn, rounds, sink);
	fflush(stdout);
	xb_domains_scratch_free(s);
	xb_domains_free(d);
	xb_categories_free(cats);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_in_file),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_default_tables),
		cmocka_unit_test(test_match_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
