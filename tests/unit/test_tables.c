/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CSV framework messages, the table loader (files and texts, row and
 * finish functions), and the countries / tenants / tenant_prefixes
 * loaders.  Fixture files are written to a temporary directory, so the
 * messages carry real paths; every bad row is checked against its exact
 * "file:line: ..." message.  No EAL needed (the LPM builder is plain
 * memory).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_errors.h"

#include "xb_country.h"
#include "xb_csv.h"
#include "xb_lpm.h"
#include "xb_prefix.h"
#include "xb_table.h"
#include "xb_tenant.h"

static char tmpdir[256];
static unsigned int fixture_no;

/* Write content to a new file in tmpdir; returns its path (static). */
static const char *
fixture(const char *name, const char *content)
{
	static char path[8][512];
	char *p = path[fixture_no++ % 8];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return p;
}

/* One bad-row case: the file body after the header, and the expected
 * message with "%s" standing for the file's path. */
struct bad_case {
	const char *body;
	const char *want;
};

static void
expect_one_error(const struct xb_errors *errs, const char *path,
		 const char *fmt)
{
	char want[1024];
	const char *w[1] = { want };

	snprintf(want, sizeof(want), fmt, path);
	errors_equal(errs, w, 1);
}

/* --- CSV framework --- */

static int
demo_row(void *ctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	uint64_t v;
	const char *name;

	(void)ctx;
	xb_csv_get_ident(row, 0, 8, &name, errs);
	xb_csv_get_u64(row, 1, 1, 1000, &v, errs);
	return 0;
}

static const char *const demo_cols[] = { "name", "count", NULL };
static const struct xb_table demo_table = {
	.header = { .variants = { demo_cols } },
	.row = demo_row,
};

static const struct bad_case csv_cases[] = {
	{ "nam,count\n", "%s:1: bad header (got \"nam,...\", expected \"name,count\")" },
	{ "name\n", "%s:1: bad header (got \"name\", expected \"name,count\")" },
	{ "", "%s: empty table (expected a header \"name,count\")" },
	{ "# only a comment\n", "%s: empty table (expected a header \"name,count\")" },
	{ "name,count\na,1,2\n", "%s:2: wrong number of fields (got 3, expected 2)" },
	{ "name,count\n\na\n", "%s:3: wrong number of fields (got 1, expected 2)" },
	{ "name,count\n\"a,1\n", "%s:2: unterminated quote" },
	{ "name,count\n\"a\"x,1\n", "%s:2: text after a closing quote" },
	{ "name,count\na,12x\n", "%s:2: count: got \"12x\", expected an integer 1..1000" },
	{ "name,count\na,0\n", "%s:2: count: got \"0\", expected an integer 1..1000" },
	{ "name,count\na,1001\n", "%s:2: count: got \"1001\", expected an integer 1..1000" },
	{ "name,count\na,\n", "%s:2: count: got \"\", expected an integer 1..1000" },
	{ "name,count\na b,5\n", "%s:2: name: got \"a b\", expected a name of 1..8 letters, digits, '_', '-' or '.'" },
	{ "name,count\n\"x,y\",5\n", "%s:2: name: got \"x,y\", expected a name of 1..8 letters, digits, '_', '-' or '.'" },
};

static void
test_csv_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		const char *path = fixture("demo.csv", csv_cases[i].body);
		struct xb_errors errs;

		xb_errors_init(&errs);
		xb_table_load(&demo_table, XB_TABLE_FILE(path), NULL, &errs);
		expect_one_error(&errs, path, csv_cases[i].want);
		xb_errors_free(&errs);
	}
}

static void
test_csv_missing_file(void **state)
{
	struct xb_errors errs;

	(void)state;
	xb_errors_init(&errs);
	assert_int_equal(xb_table_load(&demo_table,
				       XB_TABLE_FILE("/nonexistent/t.csv"),
				       NULL, &errs), -EINVAL);
	expect_one_error(&errs, "/nonexistent/t.csv",
			 "%s: cannot open: No such file or directory");
	xb_errors_free(&errs);
}

/* --- the table loader: files and texts, row and finish functions --- */

/* "item,count" rows summed; the finish function refuses a sum above 100.
 * A row "oom" runs out of memory, a row "stop" stops the load. */
struct sum_ctx {
	unsigned int rows, sum;
	unsigned int finished; /* calls of the finish function */
	unsigned int fin_rows; /* what it was given */
	bool fin_clean;
};

static int
sum_row(void *vctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct sum_ctx *c = vctx;
	uint32_t v;

	c->rows++;
	if (strcmp(row->cols[0], "oom") == 0)
		return -ENOMEM;
	if (strcmp(row->cols[0], "stop") == 0) {
		xb_csv_error(errs, row, 0, "got \"stop\", expected to go on");
		return -1;
	}
	if (xb_csv_get_u32(row, 1, 0, 1000, &v, errs) == 0)
		c->sum += v;
	return 0;
}

static int
sum_finish(void *vctx, const char *file, unsigned int rows, bool clean,
	   struct xb_errors *errs)
{
	struct sum_ctx *c = vctx;

	c->finished++;
	c->fin_rows = rows;
	c->fin_clean = clean;
	if (c->sum > 100) {
		xb_errors_add(errs, file, 0,
			      "sum too large (got %u, expected at most 100)",
			      c->sum);
		return -EINVAL;
	}
	return 0;
}

static const char *const sum_cols[] = { "item", "count", NULL };
static const struct xb_table sum_table = {
	.header = { .variants = { sum_cols } },
	.row = sum_row,
	.finish = sum_finish,
};

/* One load: the text, what xb_table_load returns, what the row and finish
 * functions saw, and the messages ("%s" stands for the file's name). */
static const struct {
	const char *what;
	const char *text;
	int rc;
	struct sum_ctx want;
	const char *errs[4];
} table_cases[] = {
	{ "rows, comments, blank lines, a quoted field",
	  "# comment\nitem,count\na,10\n\nb,20\n\"c,d\",30\n", 0,
	  { .rows = 3, .sum = 60, .finished = 1, .fin_rows = 3,
	    .fin_clean = true }, { NULL } },
	{ "a header and no rows: finish sees 0 rows",
	  "item,count\n# no rows\n", 0,
	  { .finished = 1, .fin_clean = true }, { NULL } },
	{ "no header at all: stops, no finish", "", -EINVAL, { 0 },
	  { "%s: empty table (expected a header \"item,count\")" } },
	{ "comments only: stops, no finish", "# only comments\n\n", -EINVAL,
	  { 0 }, { "%s: empty table (expected a header \"item,count\")" } },
	{ "bad rows: all reported, finish told it is not clean",
	  "item,count\na,15\nb,x\nc,1,2\nd,-1\n", -EINVAL,
	  { .rows = 3, .sum = 15, .finished = 1, .fin_rows = 3,
	    .fin_clean = false },
	  { "%s:3: count: got \"x\", expected an integer 0..1000",
	    "%s:4: wrong number of fields (got 3, expected 2)",
	    "%s:5: count: got \"-1\", expected an integer 0..1000" } },
	{ "the finish function refuses the rows",
	  "item,count\na,100\nb,50\n", -EINVAL,
	  { .rows = 2, .sum = 150, .finished = 1, .fin_rows = 2,
	    .fin_clean = true },
	  { "%s: sum too large (got 150, expected at most 100)" } },
	{ "out of memory in a row: recorded once, no finish",
	  "item,count\na,1\noom,2\nb,3\n", -ENOMEM, { .rows = 2, .sum = 1 },
	  { "%s: out of memory" } },
	{ "a row function stops after saying why",
	  "item,count\na,1\nstop,2\nb,3\n", -EINVAL, { .rows = 2, .sum = 1 },
	  { "%s:3: item: got \"stop\", expected to go on" } },
	{ "a UTF-8 byte order mark before the header is skipped",
	  "\xef\xbb\xbfitem,count\na,10\n", 0,
	  { .rows = 1, .sum = 10, .finished = 1, .fin_rows = 1,
	    .fin_clean = true }, { NULL } },
	{ "a byte order mark before a comment line is skipped",
	  "\xef\xbb\xbf# saved by a spreadsheet\r\nitem,count\r\na,7\r\n", 0,
	  { .rows = 1, .sum = 7, .finished = 1, .fin_rows = 1,
	    .fin_clean = true }, { NULL } },
	{ "a byte order mark anywhere else is data",
	  "item,count\n\xef\xbb\xbf" "a,1\n", 0,
	  { .rows = 1, .sum = 1, .finished = 1, .fin_rows = 1,
	    .fin_clean = true }, { NULL } },
	{ "a wrong header stops before any row", "count,item\n1,a\n",
	  -EINVAL, { 0 },
	  { "%s:1: bad header (got \"count,...\", expected \"item,count\")" } },
};

/* Every case through a file and as a text: the same result and messages,
 * the messages naming the file's path or the text's name. */
static void
test_table_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(table_cases) / sizeof(table_cases[0]);
	     i++) {
		const char *text = table_cases[i].text;
		const char *path = fixture("sum.csv", text);
		const struct sum_ctx *want = &table_cases[i].want;

		for (int as_file = 0; as_file < 2; as_file++) {
			const char *name = as_file ? path : "sum.txt";
			struct sum_ctx c = { 0 };
			struct xb_errors errs;
			char w[4][256];
			const char *wp[4];
			size_t n = 0;
			int rc;

			for (; n < 4 && table_cases[i].errs[n] != NULL; n++) {
				snprintf(w[n], sizeof(w[n]),
					 table_cases[i].errs[n], name);
				wp[n] = w[n];
			}
			xb_errors_init(&errs);
			rc = xb_table_load(&sum_table,
					   as_file ? XB_TABLE_FILE(path) :
					   XB_TABLE_TEXT(name, text,
							 strlen(text)),
					   &c, &errs);
			if (rc != table_cases[i].rc || c.rows != want->rows ||
			    c.sum != want->sum ||
			    c.finished != want->finished ||
			    c.fin_rows != want->fin_rows ||
			    c.fin_clean != want->fin_clean)
				fail_msg("%s (%s): got %d, rows %u, sum %u, finished %u (%u rows, clean %d)",
					 table_cases[i].what,
					 as_file ? "file" : "text", rc, c.rows,
					 c.sum, c.finished, c.fin_rows,
					 c.fin_clean);
			errors_equal(&errs, wp, n);
			xb_errors_free(&errs);
		}
	}
}

static void
test_table_read(void **state)
{
	const char *path = fixture("sum.csv", "item,count\n");
	struct xb_table_src src = { .name = path };
	struct xb_errors errs;
	char *buf;

	(void)state;
	xb_errors_init(&errs);
	/* A file is read into a buffer the caller frees. */
	assert_int_equal(xb_table_read(&src, &buf, &errs), 0);
	assert_non_null(buf);
	assert_ptr_equal(src.text, buf);
	assert_int_equal(src.len, strlen("item,count\n"));
	assert_memory_equal(src.text, "item,count\n", src.len);
	free(buf);
	/* A text is left as it is. */
	src.text = "abc";
	src.len = 3;
	assert_int_equal(xb_table_read(&src, &buf, &errs), 0);
	assert_null(buf);
	assert_string_equal(src.text, "abc");
	errors_equal(&errs, NULL, 0);
	/* A byte order mark is skipped, in a text as in a file. */
	src.text = "\xef\xbb\xbfitem";
	src.len = 7;
	assert_int_equal(xb_table_read(&src, &buf, &errs), 0);
	assert_null(buf);
	assert_int_equal(src.len, 4);
	assert_memory_equal(src.text, "item", 4);
	path = fixture("bom.csv", "\xef\xbb\xbfitem,count\n");
	src.name = path;
	src.text = NULL;
	assert_int_equal(xb_table_read(&src, &buf, &errs), 0);
	assert_non_null(buf);
	assert_ptr_equal(src.text, buf + 3);
	assert_int_equal(src.len, strlen("item,count\n"));
	free(buf);
	errors_equal(&errs, NULL, 0);
	/* A file that is not there. */
	src.name = "/nonexistent/t.csv";
	src.text = NULL;
	assert_int_equal(xb_table_read(&src, &buf, &errs), -EINVAL);
	assert_null(buf);
	expect_one_error(&errs, "/nonexistent/t.csv",
			 "%s: cannot open: No such file or directory");
	xb_errors_free(&errs);
}

/* --- countries.csv --- */

static const char countries_good[] =
	"# test countries\n"
	"code,name,group\n"
	"SG,Singapore,ASEAN\n"
	"TH,Thailand,ASEAN\n"
	"CN,China,\n"
	"\"KR\",\"Korea, Republic of\",APAC\n"
	"JP,Japan,APAC\n"
	"US,United States,\n";

static void
test_countries_good(void **state)
{
	const char *path = fixture("countries.csv", countries_good);
	struct xb_errors errs;
	struct xb_countries *c;
	int asean, apac;

	(void)state;
	xb_errors_init(&errs);
	c = xb_countries_load(XB_TABLE_FILE(path), &errs);
	errors_equal(&errs, NULL, 0);
	assert_non_null(c);
	assert_int_equal(xb_countries_count(c), 7);
	assert_int_equal(xb_countries_find(c, "ZZ"), XB_COUNTRY_UNKNOWN);
	assert_string_equal(xb_countries_code(c, 0), "ZZ");
	assert_int_equal(xb_countries_find(c, "SG"), 1);
	assert_int_equal(xb_countries_find(c, "sg"), 1);
	assert_int_equal(xb_countries_find(c, "Us"), 6);
	assert_int_equal(xb_countries_find(c, "XX"), -1);
	assert_int_equal(xb_countries_find(c, "S"), -1);
	assert_int_equal(xb_countries_find(c, "SGP"), -1);
	assert_int_equal(xb_countries_find(c, ""), -1);
	assert_string_equal(xb_countries_name(c, 4), "Korea, Republic of");
	assert_null(xb_countries_name(c, 7));
	assert_null(xb_countries_code(c, 100));
	assert_int_equal(xb_countries_group_count(c), 2);
	asean = xb_countries_group_find(c, "ASEAN");
	apac = xb_countries_group_find(c, "apac");
	assert_int_equal(asean, 0);
	assert_int_equal(apac, 1);
	assert_int_equal(xb_countries_group_find(c, "EMEA"), -1);
	assert_string_equal(xb_countries_group_name(c, 1), "APAC");
	assert_null(xb_countries_group_name(c, 2));
	assert_true(xb_countries_in_group(c, 1, asean));
	assert_true(xb_countries_in_group(c, 2, asean));
	assert_false(xb_countries_in_group(c, 3, asean));
	assert_false(xb_countries_in_group(c, 0, asean));
	assert_false(xb_countries_in_group(c, 1, apac));
	assert_false(xb_countries_in_group(c, 1, -1));
	assert_true(xb_countries_in_group(c, 5, apac));
	assert_int_equal(xb_countries_group_of(c, 3), -1);
	xb_countries_free(c);
	xb_countries_free(NULL);
	xb_errors_free(&errs);
}

static const struct bad_case country_cases[] = {
	{ "sg,Singapore,\n", "%s:2: code: got \"sg\", expected two upper-case letters (ISO 3166-1 alpha-2)" },
	{ "SGP,Singapore,\n", "%s:2: code: got \"SGP\", expected two upper-case letters (ISO 3166-1 alpha-2)" },
	{ "S1,Singapore,\n", "%s:2: code: got \"S1\", expected two upper-case letters (ISO 3166-1 alpha-2)" },
	{ ",Singapore,\n", "%s:2: code: got \"\", expected two upper-case letters (ISO 3166-1 alpha-2)" },
	{ "ZZ,Nowhere,\n", "%s:2: code: got \"ZZ\", expected a code other than ZZ (built in: unknown country)" },
	{ "SG,Singapore,\nTH,Thailand,\n# x\nSG,Singapura,\n", "%s:5: code: got \"SG\" again, expected each code once (first at line 2)" },
	{ "SG,,ASEAN\n", "%s:2: name: got \"\", expected a name of 1..63 bytes" },
	{ "SG,Singapore,ASEAN!\n", "%s:2: group: got \"ASEAN!\", expected a name of 1..31 letters, digits, '_', '-' or '.'" },
	{ "SG,Singapore,EU\n", "%s:2: group: got \"EU\", expected a group name that is not two letters (those are country codes)" },
	{ "SG,Singapore\n", "%s:2: wrong number of fields (got 2, expected 3)" },
};

static void
test_countries_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(country_cases) / sizeof(country_cases[0]);
	     i++) {
		char text[512];
		const char *path;
		struct xb_errors errs;

		snprintf(text, sizeof(text), "code,name,group\n%s",
			 country_cases[i].body);
		path = fixture("countries.csv", text);
		xb_errors_init(&errs);
		assert_null(xb_countries_load(XB_TABLE_FILE(path), &errs));
		expect_one_error(&errs, path, country_cases[i].want);
		xb_errors_free(&errs);
	}
}

/* --- tenants.csv --- */

static const char tenants_good[] =
	"tenant,name,class,quota_gb,over_quota\n"
	"acme,\"Acme, Inc.\",enterprise,5000,throttle:200000\n"
	"lotus,Lotus SME,sme,200,block\n"
	"customs,Customs Bureau,government,0,notify\n"
	"bamboo,Bamboo,sme,1000000000,throttle:1\n"
	/* Decimal quotas, exact in bytes (GB = 10^9 bytes). */
	"half,Half,sme,0.5,block\n"
	"milli,Milli,sme,0.001,block\n"
	"nano,Nano,sme,0.000000001,block\n"
	"odd,Odd,sme,12.345678901,block\n"
	"zeros,Zeros,sme,0.000000000,block\n"
	"top,Top,sme, 1000000000.000000000 ,block\n";

/* Tenants 5.. of tenants_good and their quotas in bytes. */
static const struct {
	const char *id;
	uint64_t bytes;
} decimal_quotas[] = {
	{ "half", 500000000ull },
	{ "milli", 1000000ull },
	{ "nano", 1ull },
	{ "odd", 12345678901ull },
	{ "zeros", 0ull },
	{ "top", 1000000000000000000ull },
};

static void
test_tenants_good(void **state)
{
	const char *path = fixture("tenants.csv", tenants_good);
	const struct xb_tenant *t;
	struct xb_errors errs;
	struct xb_tenants *ts;

	(void)state;
	xb_errors_init(&errs);
	ts = xb_tenants_load(XB_TABLE_FILE(path), &errs);
	errors_equal(&errs, NULL, 0);
	assert_non_null(ts);
	assert_int_equal(xb_tenants_count(ts), 11);
	assert_int_equal(xb_tenants_find(ts, "unknown"), XB_TENANT_UNKNOWN);
	assert_int_equal(xb_tenants_find(ts, "lotus"), 2);
	assert_int_equal(xb_tenants_find(ts, "LOTUS"), -1);
	assert_int_equal(xb_tenants_class_count(ts), 4);
	assert_string_equal(xb_tenants_class_name(ts, 0), "unknown");
	assert_string_equal(xb_tenants_class_name(ts, 1), "enterprise");
	assert_int_equal(xb_tenants_class_find(ts, "sme"), 2);
	assert_int_equal(xb_tenants_class_find(ts, "government"), 3);
	assert_int_equal(xb_tenants_class_find(ts, "gov"), -1);
	assert_null(xb_tenants_class_name(ts, 4));

	t = xb_tenants_get(ts, 0);
	assert_string_equal(t->id, "unknown");
	assert_int_equal(t->class_id, XB_TENANT_CLASS_UNKNOWN);
	assert_int_equal(t->quota_bytes, 0);
	t = xb_tenants_get(ts, 1);
	assert_string_equal(t->id, "acme");
	assert_string_equal(t->name, "Acme, Inc.");
	assert_int_equal(t->class_id, 1);
	assert_int_equal(t->quota_bytes, 5000ull * 1000000000ull);
	assert_int_equal(t->over_quota, XB_OVER_QUOTA_THROTTLE);
	assert_int_equal(t->throttle_kbps, 200000);
	t = xb_tenants_get(ts, 2);
	assert_int_equal(t->over_quota, XB_OVER_QUOTA_BLOCK);
	assert_int_equal(t->class_id, 2);
	t = xb_tenants_get(ts, 3);
	assert_int_equal(t->over_quota, XB_OVER_QUOTA_NOTIFY);
	assert_int_equal(t->quota_bytes, 0);
	t = xb_tenants_get(ts, 4);
	assert_int_equal(t->class_id, 2);
	assert_int_equal(t->quota_bytes, 1000000000ull * 1000000000ull);
	assert_int_equal(t->throttle_kbps, 1);
	for (size_t i = 0; i < sizeof(decimal_quotas) / sizeof(decimal_quotas[0]);
	     i++) {
		int idx = xb_tenants_find(ts, decimal_quotas[i].id);

		assert_int_equal(idx, 5 + (int)i);
		assert_int_equal(xb_tenants_get(ts, (unsigned int)idx)->quota_bytes,
				 decimal_quotas[i].bytes);
	}
	assert_null(xb_tenants_get(ts, 11));
	xb_tenants_free(ts);
	xb_tenants_free(NULL);
	xb_errors_free(&errs);
}

static const struct bad_case tenant_cases[] = {
	{ "acme corp,Acme,sme,1,block\n", "%s:2: tenant: got \"acme corp\", expected a name of 1..31 letters, digits, '_', '-' or '.'" },
	{ "a23456789012345678901234567890123,Acme,sme,1,block\n", "%s:2: tenant: got \"a23456789012345678901234567890123\", expected a name of 1..31 letters, digits, '_', '-' or '.'" },
	{ "unknown,Acme,sme,1,block\n", "%s:2: tenant: got \"unknown\", expected a tenant other than the built-in \"unknown\"" },
	{ "acme,Acme,sme,1,block\nacme,Acme 2,sme,1,block\n", "%s:3: tenant: got \"acme\" again, expected each tenant once (first at line 2)" },
	{ "acme,,sme,1,block\n", "%s:2: name: got \"\", expected a name of 1..63 bytes" },
	{ "acme,Acme,small biz,1,block\n", "%s:2: class: got \"small biz\", expected a name of 1..31 letters, digits, '_', '-' or '.'" },
	{ "acme,Acme,sme,-1,block\n", "%s:2: quota_gb: got \"-1\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,-0.5,block\n", "%s:2: quota_gb: got \"-0.5\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,+1,block\n", "%s:2: quota_gb: got \"+1\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,1.,block\n", "%s:2: quota_gb: got \"1.\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,1..5,block\n", "%s:2: quota_gb: got \"1..5\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,.5,block\n", "%s:2: quota_gb: got \".5\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,0.0000000001,block\n", "%s:2: quota_gb: got \"0.0000000001\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,0.5000000000,block\n", "%s:2: quota_gb: got \"0.5000000000\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,1e9,block\n", "%s:2: quota_gb: got \"1e9\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,1E3,block\n", "%s:2: quota_gb: got \"1E3\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,0x10,block\n", "%s:2: quota_gb: got \"0x10\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,\"1,5\",block\n", "%s:2: quota_gb: got \"1,5\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,0. 5,block\n", "%s:2: quota_gb: got \"0. 5\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,0 .5,block\n", "%s:2: quota_gb: got \"0 .5\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,1000000000.000000001,block\n", "%s:2: quota_gb: got \"1000000000.000000001\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,1000000001,block\n", "%s:2: quota_gb: got \"1000000001\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,18446744073709551616,block\n", "%s:2: quota_gb: got \"18446744073709551616\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,99999999999999999999999.5,block\n", "%s:2: quota_gb: got \"99999999999999999999999.5\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,0.5GB,block\n", "%s:2: quota_gb: got \"0.5GB\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,NaN,block\n", "%s:2: quota_gb: got \"NaN\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,inf,block\n", "%s:2: quota_gb: got \"inf\", expected a decimal number 0..1000000000 with at most 9 decimals" },
	{ "acme,Acme,sme,1,drop\n", "%s:2: over_quota: got \"drop\", expected throttle:<kbps>, block or notify" },
	{ "acme,Acme,sme,1,Block\n", "%s:2: over_quota: got \"Block\", expected throttle:<kbps>, block or notify" },
	{ "acme,Acme,sme,1,throttle:0\n", "%s:2: over_quota: got \"throttle:0\", expected throttle:<kbps> with kbps 1..100000000" },
	{ "acme,Acme,sme,1,throttle:100000001\n", "%s:2: over_quota: got \"throttle:100000001\", expected throttle:<kbps> with kbps 1..100000000" },
	{ "acme,Acme,sme,1,throttle:\n", "%s:2: over_quota: got \"throttle:\", expected throttle:<kbps> with kbps 1..100000000" },
	{ "acme,Acme,sme,1,throttle:5m\n", "%s:2: over_quota: got \"throttle:5m\", expected throttle:<kbps> with kbps 1..100000000" },
	{ "acme,Acme,sme,1\n", "%s:2: wrong number of fields (got 4, expected 5)" },
};

static void
test_tenants_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tenant_cases) / sizeof(tenant_cases[0]);
	     i++) {
		char text[512];
		const char *path;
		struct xb_errors errs;

		snprintf(text, sizeof(text),
			 "tenant,name,class,quota_gb,over_quota\n%s",
			 tenant_cases[i].body);
		path = fixture("tenants.csv", text);
		xb_errors_init(&errs);
		assert_null(xb_tenants_load(XB_TABLE_FILE(path), &errs));
		expect_one_error(&errs, path, tenant_cases[i].want);
		xb_errors_free(&errs);
	}
}

/* The decimal parser itself, at other scales too: the edges of uint64_t
 * and of the number of decimals. */
static void
test_decimal_parse(void **state)
{
	static const struct {
		const char *text;
		unsigned int decimals;
		uint64_t max;
		int rc;
		uint64_t want;
	} cases[] = {
		{ "0", 9, UINT64_MAX, 0, 0 },
		{ "0.5", 9, UINT64_MAX, 0, 500000000ull },
		{ "0.001", 9, UINT64_MAX, 0, 1000000ull },
		{ "7", 0, UINT64_MAX, 0, 7 },
		{ "7.0", 0, UINT64_MAX, -1, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -1, 0 },
		{ "18446744073.709551615", 9, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073.709551616", 9, UINT64_MAX, -1, 0 },
		{ "18446744074", 9, UINT64_MAX, -1, 0 },
		{ "1.5", 1, 15, 0, 15 },
		{ "1.6", 1, 15, -1, 0 },
		{ "00.50", 2, 100, 0, 50 },
		{ "0.123", 2, 100, -1, 0 },
		{ "", 9, UINT64_MAX, -1, 0 },
		{ ".", 9, UINT64_MAX, -1, 0 },
		{ "1.", 9, UINT64_MAX, -1, 0 },
		{ ".5", 9, UINT64_MAX, -1, 0 },
		{ "1.2.3", 9, UINT64_MAX, -1, 0 },
		{ "0.5", 20, UINT64_MAX, -1, 0 },
		{ "1.8446744073709551615", 19, UINT64_MAX, 0, UINT64_MAX },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int rc = xb_decimal_parse(cases[i].text, cases[i].decimals,
					  cases[i].max, &v);

		if (rc != cases[i].rc || (rc == 0 && v != cases[i].want))
			fail_msg("\"%s\" (%u decimals, max %" PRIu64
				 "): rc %d value %" PRIu64 ", expected rc %d value %" PRIu64,
				 cases[i].text, cases[i].decimals, cases[i].max,
				 rc, v, cases[i].rc, cases[i].want);
		if (rc != 0 && v != 12345)
			fail_msg("\"%s\": failed parse wrote its output",
				 cases[i].text);
	}
}

/* Several bad rows in one file: all are reported in one pass. */
static void
test_tenants_all_errors(void **state)
{
	const char *path = fixture("tenants.csv",
				   "tenant,name,class,quota_gb,over_quota\n"
				   "a,A,sme,x,block\n"
				   "b,B,sme,1,stop\n"
				   "c,C,sme,1,notify\n");
	struct xb_errors errs;
	char w0[512], w1[512];
	const char *w[2] = { w0, w1 };

	(void)state;
	snprintf(w0, sizeof(w0),
		 "%s:2: quota_gb: got \"x\", expected a decimal number 0..1000000000 with at most 9 decimals",
		 path);
	snprintf(w1, sizeof(w1),
		 "%s:3: over_quota: got \"stop\", expected throttle:<kbps>, block or notify",
		 path);
	xb_errors_init(&errs);
	assert_null(xb_tenants_load(XB_TABLE_FILE(path), &errs));
	errors_equal(&errs, w, 2);
	xb_errors_free(&errs);
}

/* --- tenant_prefixes.csv --- */

static struct xb_tenants *
load_tenants(void)
{
	struct xb_errors errs;
	struct xb_tenants *t;

	xb_errors_init(&errs);
	t = xb_tenants_load(XB_TABLE_FILE(fixture("tenants.csv", tenants_good)),
			    &errs);
	assert_non_null(t);
	xb_errors_free(&errs);
	return t;
}

static void
test_tenant_prefixes_good(void **state)
{
	static const char prefixes[] =
		"prefix,tenant\n"
		"192.168.1.0/24,acme\n"
		"10.0.0.0/24,customs\n"
		"10.0.0.7,lotus\n"
		"2001:db8:100::/48,bamboo\n"
		"vlan:100,lotus\n"
		"vlan:4094,acme\n";
	static const char vlans[] =
		"vlan,tenant\n"
		"1,customs\n"
		"200,bamboo\n";
	static const struct {
		const char *prefix;
		const char *tenant;
	} want[] = {
		{ "192.168.1.0/24", "acme" },
		{ "10.0.0.0/24", "customs" },
		{ "10.0.0.7/32", "lotus" },
		{ "2001:db8:100::/48", "bamboo" },
	};
	struct xb_tenants *t = load_tenants();
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	uint16_t vlan[4096];
	struct xb_errors errs;
	const char *path;

	(void)state;
	memset(vlan, 0, sizeof(vlan));
	xb_errors_init(&errs);
	path = fixture("tp.csv", prefixes);
	assert_int_equal(xb_tenant_prefixes_load(XB_TABLE_FILE(path), t, b,
						 vlan, &errs), 0);
	path = fixture("tv.csv", vlans);
	assert_int_equal(xb_tenant_prefixes_load(XB_TABLE_FILE(path), t, b,
						 vlan, &errs), 0);
	errors_equal(&errs, NULL, 0);
	assert_int_equal(xb_lpm_builder_count(b), 4);
	for (size_t i = 0; i < 4; i++) {
		struct xb_prefix p;
		uint32_t v;
		char buf[64];

		assert_int_equal(xb_lpm_builder_get(b, i, &p, &v), 0);
		xb_prefix_format(&p, buf, sizeof(buf));
		assert_string_equal(buf, want[i].prefix);
		assert_string_equal(xb_tenants_get(t, v)->id, want[i].tenant);
	}
	assert_int_equal(vlan[100], xb_tenants_find(t, "lotus"));
	assert_int_equal(vlan[4094], xb_tenants_find(t, "acme"));
	assert_int_equal(vlan[1], xb_tenants_find(t, "customs"));
	assert_int_equal(vlan[200], xb_tenants_find(t, "bamboo"));
	assert_int_equal(vlan[2], XB_TENANT_UNKNOWN);
	assert_int_equal(vlan[0], XB_TENANT_UNKNOWN);
	xb_lpm_builder_free(b);
	xb_tenants_free(t);
	xb_errors_free(&errs);
}

static const struct bad_case tp_cases[] = {
	{ "prefix,tenant\n10.0.0.0/24,acme-corp\n", "%s:2: tenant: got \"acme-corp\", expected a tenant from tenants.csv" },
	{ "prefix,tenant\n10.0.0.0/33,acme\n", "%s:2: prefix: got \"10.0.0.0/33\", expected an IPv4 or IPv6 prefix or vlan:<id> (prefix length too long)" },
	{ "prefix,tenant\n10.0.0.1/24,acme\n", "%s:2: prefix: got \"10.0.0.1/24\", expected an IPv4 or IPv6 prefix or vlan:<id> (host bits set below the prefix length)" },
	{ "prefix,tenant\n2001:db8::zz/64,acme\n", "%s:2: prefix: got \"2001:db8::zz/64\", expected an IPv4 or IPv6 prefix or vlan:<id> (not an IPv6 address)" },
	{ "prefix,tenant\nvlan 100,acme\n", "%s:2: prefix: got \"vlan 100\", expected an IPv4 or IPv6 prefix or vlan:<id> (not an IPv4 address)" },
	{ "prefix,tenant\nvlan:0,acme\n", "%s:2: prefix: got \"vlan:0\", expected a VLAN id 1..4094" },
	{ "prefix,tenant\nvlan:4095,acme\n", "%s:2: prefix: got \"vlan:4095\", expected a VLAN id 1..4094" },
	{ "prefix,tenant\nvlan:,acme\n", "%s:2: prefix: got \"vlan:\", expected a VLAN id 1..4094" },
	{ "vlan,tenant\nx12,acme\n", "%s:2: vlan: got \"x12\", expected a VLAN id 1..4094" },
	{ "vlan,tenant\n12,acme\n12,lotus\n", "%s:3: vlan: got VLAN 12 again, expected each VLAN once (first at line 2)" },
	{ "prefix,tenant\nvlan:12,acme\n10.0.0.0/8,acme\nvlan:12,lotus\n", "%s:4: prefix: got VLAN 12 again, expected each VLAN once (first at line 2)" },
	{ "prefix,tenant\n10.0.0.0/8,acme\n192.0.2.0/24,lotus\n10.0.0.0/8,lotus\n", "%s:4: prefix: got 10.0.0.0/8 again, expected each prefix once (first at line 2)" },
	{ "prefix,tenant\n10.0.0.0/8\n", "%s:2: wrong number of fields (got 1, expected 2)" },
	{ "address,tenant\n10.0.0.0/8,acme\n", "%s:1: bad header (got \"address,...\", expected \"prefix,tenant or vlan,tenant\")" },
};

static void
test_tenant_prefixes_bad(void **state)
{
	struct xb_tenants *t = load_tenants();

	(void)state;
	for (size_t i = 0; i < sizeof(tp_cases) / sizeof(tp_cases[0]); i++) {
		const char *path = fixture("tp.csv", tp_cases[i].body);
		struct xb_lpm_builder *b = xb_lpm_builder_create();
		uint16_t vlan[4096];
		struct xb_errors errs;

		memset(vlan, 0, sizeof(vlan));
		xb_errors_init(&errs);
		assert_int_equal(xb_tenant_prefixes_load(XB_TABLE_FILE(path), t,
							 b, vlan, &errs),
				 -EINVAL);
		expect_one_error(&errs, path, tp_cases[i].want);
		xb_errors_free(&errs);
		xb_lpm_builder_free(b);
	}
	xb_tenants_free(t);
}

/* The default config tables of the source tree load cleanly. */
static void
test_default_config_tables(void **state)
{
	const char *root = getenv("XBGW_SOURCE_ROOT");
	char path[4096];
	struct xb_errors errs;
	struct xb_countries *c;
	struct xb_tenants *t;
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	uint16_t vlan[4096];
	int asean;
	static const char *const asean_codes[] = {
		"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"
	};

	(void)state;
	if (root == NULL)
		root = XBGW_SOURCE_ROOT_DEFAULT;
	xb_errors_init(&errs);
	snprintf(path, sizeof(path), "%s/config/countries.csv", root);
	c = xb_countries_load(XB_TABLE_FILE(path), &errs);
	snprintf(path, sizeof(path), "%s/config/tenants.csv", root);
	t = xb_tenants_load(XB_TABLE_FILE(path), &errs);
	errors_equal(&errs, NULL, 0);
	snprintf(path, sizeof(path), "%s/config/tenant_prefixes.csv", root);
	memset(vlan, 0, sizeof(vlan));
	assert_int_equal(xb_tenant_prefixes_load(XB_TABLE_FILE(path), t, b,
						 vlan, &errs), 0);
	errors_equal(&errs, NULL, 0);

	assert_true(xb_countries_count(c) > 200);
	asean = xb_countries_group_find(c, "ASEAN");
	assert_true(asean >= 0);
	for (size_t i = 0; i < 10; i++) {
		int idx = xb_countries_find(c, asean_codes[i]);

		assert_true(idx > 0);
		assert_true(xb_countries_in_group(c, (unsigned int)idx, asean));
	}
	assert_false(xb_countries_in_group(c, (unsigned int)xb_countries_find(c, "CN"), asean));
	assert_true(xb_tenants_count(t) >= 8);
	assert_true(xb_tenants_class_find(t, "sme") > 0);
	assert_true(xb_tenants_class_find(t, "enterprise") > 0);
	assert_true(xb_tenants_class_find(t, "government") > 0);
	assert_true(xb_lpm_builder_count(b) >= 10);
	xb_lpm_builder_free(b);
	xb_tenants_free(t);
	xb_countries_free(c);
	xb_errors_free(&errs);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/xbgw_test_tables.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	static const char *const names[] = {
		"demo.csv", "sum.csv", "countries.csv", "tenants.csv",
		"tp.csv", "tv.csv"
	};
	char p[512];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_csv_missing_file),
		cmocka_unit_test(test_table_cases),
		cmocka_unit_test(test_table_read),
		cmocka_unit_test(test_countries_good),
		cmocka_unit_test(test_countries_bad),
		cmocka_unit_test(test_tenants_good),
		cmocka_unit_test(test_tenants_bad),
		cmocka_unit_test(test_tenants_all_errors),
		cmocka_unit_test(test_decimal_parse),
		cmocka_unit_test(test_tenant_prefixes_good),
		cmocka_unit_test(test_tenant_prefixes_bad),
		cmocka_unit_test(test_default_config_tables),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
