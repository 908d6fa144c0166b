/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Geo sources (no EAL needed: only the LPM builder is used): RIR delegated
 * files (non-power-of-two and unaligned IPv4 ranges, IPv6, skipped types,
 * statuses and countries), CIDR lists, "later source wins", and every
 * kind of malformed line with its exact message.  With XBGW_SHARED_DATA
 * (default ../shared/data) the real APNIC file is loaded too.
 */
#include <errno.h>
#include <setjmp.h>
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
#include "xb_geo.h"
#include "xb_lpm.h"
#include "xb_prefix.h"

static const char countries_csv[] =
	"code,name,group\n"
	"SG,Singapore,ASEAN\n"
	"TH,Thailand,ASEAN\n"
	"CN,China,\n"
	"VN,Vietnam,ASEAN\n";

static struct xb_countries *
countries(void)
{
	struct xb_errors errs;
	struct xb_countries *c;

	xb_errors_init(&errs);
	c = xb_countries_load(XB_TABLE_TEXT("countries.csv", countries_csv,
					    strlen(countries_csv)),
			      &errs);
	assert_non_null(c);
	xb_errors_free(&errs);
	return c;
}

/* Builder content as "prefix=CC" strings, in add order. */
static void
entries_equal(const struct xb_lpm_builder *b, const struct xb_countries *c,
	      const char *const *want, size_t nwant)
{
	assert_int_equal(xb_lpm_builder_count(b), nwant);
	for (size_t i = 0; i < nwant; i++) {
		struct xb_prefix p;
		uint32_t v;
		char buf[96], got[128];

		assert_int_equal(xb_lpm_builder_get(b, i, &p, &v), 0);
		xb_prefix_format(&p, buf, sizeof(buf));
		snprintf(got, sizeof(got), "%s=%s", buf,
			 xb_countries_code(c, v));
		if (strcmp(got, want[i]) != 0)
			fail_msg("entry %zu: got %s, expected %s", i, got,
				 want[i]);
	}
}

/* --- range splitting --- */

struct split_case {
	const char *start;
	uint64_t count;
	const char *want[40];
};

static const struct split_case split_cases[] = {
	{ "10.0.0.0", 256, { "10.0.0.0/24" } },
	{ "10.0.0.0", 768, { "10.0.0.0/23", "10.0.2.0/24" } },
	{ "10.0.1.0", 768, { "10.0.1.0/24", "10.0.2.0/23" } },
	{ "10.0.0.3", 10,
	  { "10.0.0.3/32", "10.0.0.4/30", "10.0.0.8/30", "10.0.0.12/32" } },
	{ "1.2.3.0", 1000,
	  { "1.2.3.0/24", "1.2.4.0/23", "1.2.6.0/25", "1.2.6.128/26",
	    "1.2.6.192/27", "1.2.6.224/29" } },
	{ "0.0.0.0", 1ull << 32, { "0.0.0.0/0" } },
	{ "128.0.0.0", 1ull << 31, { "128.0.0.0/1" } },
	{ "255.255.255.255", 1, { "255.255.255.255/32" } },
	{ "255.255.255.0", 256, { "255.255.255.0/24" } },
	{ "192.0.2.0", 0, { NULL } },
};

static void
test_split_range(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(split_cases) / sizeof(split_cases[0]);
	     k++) {
		const struct split_case *tc = &split_cases[k];
		struct xb_prefix out[64];
		struct xb_prefix s;
		const char *why;
		uint32_t start;
		unsigned int n, want = 0;

		while (want < 40 && tc->want[want] != NULL)
			want++;
		assert_int_equal(xb_prefix_parse(tc->start, &s, &why), 0);
		start = (uint32_t)s.addr[0] << 24 | (uint32_t)s.addr[1] << 16 |
			(uint32_t)s.addr[2] << 8 | s.addr[3];
		n = xb_geo_split_range4(start, tc->count, out, 64);
		if (n != want)
			fail_msg("%s + %llu: got %u blocks, expected %u",
				 tc->start, (unsigned long long)tc->count, n,
				 want);
		for (unsigned int i = 0; i < n; i++) {
			char buf[64];

			xb_prefix_format(&out[i], buf, sizeof(buf));
			if (strcmp(buf, tc->want[i]) != 0)
				fail_msg("%s + %llu: block %u got %s, expected %s",
					 tc->start,
					 (unsigned long long)tc->count, i, buf,
					 tc->want[i]);
		}
	}
	/* Worst case: every bit of an unaligned range, and max truncation. */
	{
		struct xb_prefix out[2];

		assert_int_equal(xb_geo_split_range4(1, 0xffffffffull, out, 2),
				 32);
	}
}

/* --- RIR delegated files --- */

static const char rir_good[] =
	"#\n"
	"# CONDITIONS OF USE (a comment)\n"
	"2|apnic|20260214|84201|19830613|20260213|+1000\n"
	"apnic|*|asn|*|13489|summary\n"
	"apnic|*|ipv4|*|53993|summary\n"
	"apnic|*|ipv6|*|16719|summary\n"
	"apnic|SG|asn|963|1|20220622|allocated\n"
	"apnic|SG|ipv4|1.32.0.0|16384|20100224|allocated\n"
	"apnic|TH|ipv4|10.0.0.0|768|20100224|assigned\n"
	"apnic|VN|ipv4|10.0.1.0|768|20100224|allocated\n"
	"apnic|CN|ipv4|10.9.0.3|10|20100224|allocated\n"
	"apnic|SG|ipv6|2001:208::|35|19990827|allocated\n"
	"apnic|th|ipv6|2001:c00::|23|19990827|assigned\n"
	"apnic|AU|ipv4|1.1.1.0|256|20110811|assigned\n"
	"apnic|AU|ipv6|2401::|32|20110811|allocated\n"
	"apnic||ipv4|1.2.0.0|512||available\n"
	"apnic|ZZ|ipv6|2400::|12||reserved\n"
	"apnic|SG|ipv4|103.1.0.0|1024|20120101|allocated|A9184F1A|e-stats\n"
	"\r\n"
	"   \n";

static const char *const rir_good_entries[] = {
	"1.32.0.0/18=SG",
	"10.0.0.0/23=TH",
	"10.0.2.0/24=TH",
	"10.0.1.0/24=VN",
	"10.0.2.0/23=VN",
	"10.9.0.3/32=CN",
	"10.9.0.4/30=CN",
	"10.9.0.8/30=CN",
	"10.9.0.12/32=CN",
	"2001:208::/35=SG",
	"2001:c00::/23=TH",
	"103.1.0.0/22=SG",
};

static void
test_rir_good(void **state)
{
	struct xb_countries *c = countries();
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_geo_stats st;
	struct xb_errors errs;

	(void)state;
	xb_errors_init(&errs);
	memset(&st, 0, sizeof(st));
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("apnic.txt", rir_good,
						   strlen(rir_good)),
				     c, b, &st, &errs),
			 0);
	errors_equal(&errs, NULL, 0);
	entries_equal(b, c, rir_good_entries,
		      sizeof(rir_good_entries) / sizeof(rir_good_entries[0]));
	assert_int_equal(st.files_rir, 1);
	assert_int_equal(st.files_cidr, 0);
	assert_int_equal(st.records_v4, 5);
	assert_int_equal(st.records_v6, 2);
	assert_int_equal(st.prefixes_v4, 10);
	assert_int_equal(st.prefixes_v6, 2);
	assert_int_equal(st.skipped_asn, 1);
	assert_int_equal(st.skipped_status, 2);
	assert_int_equal(st.skipped_country, 2);
	assert_int_equal(st.summary_lines, 4);
	xb_lpm_builder_free(b);
	xb_countries_free(c);
	xb_errors_free(&errs);
}

struct bad_line {
	const char *line;
	const char *want; /* message after "bad.txt:N: " */
};

static const struct bad_line rir_bad[] = {
	{ "apnic|SG|ipv4|1.0.0.0|256|20100224",
	  "wrong number of fields (got 6, expected 7: registry|cc|type|start|value|date|status)" },
	{ "apnic|SG|ipv4",
	  "wrong number of fields (got 3, expected 7: registry|cc|type|start|value|date|status)" },
	{ "|SG|ipv4|1.0.0.0|256|20100224|allocated",
	  "registry: got \"\", expected a registry name such as apnic" },
	{ "apnic|SG|ipv5|1.0.0.0|256|20100224|allocated",
	  "type: got \"ipv5\", expected ipv4, ipv6 or asn" },
	{ "apnic|SG|ipv4|1.0.0.0|256|20100224|allocatd",
	  "status: got \"allocatd\", expected allocated, assigned, available or reserved" },
	{ "apnic|SGP|ipv4|1.0.0.0|256|20100224|allocated",
	  "cc: got \"SGP\", expected a two-letter country code" },
	{ "apnic|S1|ipv4|1.0.0.0|256|20100224|allocated",
	  "cc: got \"S1\", expected a two-letter country code" },
	{ "apnic|SG|ipv4|1.0.0|256|20100224|allocated",
	  "start: got \"1.0.0\", expected an IPv4 address" },
	{ "apnic|SG|ipv4|2001:db8::|256|20100224|allocated",
	  "start: got \"2001:db8::\", expected an IPv4 address" },
	{ "apnic|SG|ipv4|1.0.0.0|0|20100224|allocated",
	  "value: got \"0\", expected an address count 1..4294967296" },
	{ "apnic|SG|ipv4|1.0.0.0|4294967297|20100224|allocated",
	  "value: got \"4294967297\", expected an address count 1..4294967296" },
	{ "apnic|SG|ipv4|1.0.0.0|25x|20100224|allocated",
	  "value: got \"25x\", expected an address count 1..4294967296" },
	{ "apnic|SG|ipv4|255.255.255.0|512|20100224|allocated",
	  "value: got 512 addresses from 255.255.255.0, expected a range that ends at 255.255.255.255 or before" },
	{ "apnic|SG|ipv6|1.0.0.0|32|20100224|allocated",
	  "start: got \"1.0.0.0\", expected an IPv6 address" },
	{ "apnic|SG|ipv6|2001:db8::|129|20100224|allocated",
	  "value: got \"129\", expected a prefix length 1..128" },
	{ "apnic|SG|ipv6|2001:db8::|0|20100224|allocated",
	  "value: got \"0\", expected a prefix length 1..128" },
	{ "apnic|SG|ipv6|2001:db8::1|32|20100224|allocated",
	  "start: got \"2001:db8::1/32\", expected an IPv6 prefix (host bits set below the prefix length)" },
	{ "apnic|SG|ipv4|1.0.0.0|256|2010-02-24|allocated",
	  "date: got \"2010-02-24\", expected YYYYMMDD or nothing" },
	{ "2|apnic|20260214|84201|19830613|20260213|+1000",
	  "registry: got \"2\", expected a registry name such as apnic" },
};

static void
test_rir_malformed(void **state)
{
	struct xb_countries *c = countries();
	const size_t n = sizeof(rir_bad) / sizeof(rir_bad[0]);
	char text[8192], want_buf[sizeof(rir_bad) / sizeof(rir_bad[0])][300];
	const char *want[sizeof(rir_bad) / sizeof(rir_bad[0])];
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_geo_stats st;
	struct xb_errors errs;
	size_t off;

	(void)state;
	/* Line 1 is the version line, then one bad line each, then a good
	 * one: loading goes on after errors and reports them all. */
	off = (size_t)snprintf(text, sizeof(text),
			       "2|apnic|1|2|3|4|+1000\n");
	for (size_t i = 0; i < n; i++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\n",
					rir_bad[i].line);
		snprintf(want_buf[i], sizeof(want_buf[i]), "bad.txt:%zu: %s",
			 i + 2, rir_bad[i].want);
		want[i] = want_buf[i];
	}
	off += (size_t)snprintf(text + off, sizeof(text) - off,
				"apnic|SG|ipv4|9.0.0.0|256|20100224|allocated\n");
	xb_errors_init(&errs);
	memset(&st, 0, sizeof(st));
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("bad.txt", text, off), c, b,
				     &st, &errs),
			 -EINVAL);
	errors_equal(&errs, want, n);
	assert_int_equal(st.records_v4, 1);
	xb_errors_free(&errs);

	/* A short version line. */
	xb_errors_init(&errs);
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("v.txt", "2|apnic|1\n", 10),
				     c, b, &st, &errs),
			 -EINVAL);
	{
		static const char *const w[] = {
			"v.txt:1: version line: wrong number of fields (got 3, expected 7: version|registry|serial|records|startdate|enddate|UTCoffset)",
		};
		errors_equal(&errs, w, 1);
	}
	xb_errors_free(&errs);
	xb_lpm_builder_free(b);
	xb_countries_free(c);
}

/* --- CIDR lists --- */

static const char cidr_good[] =
	"# operator overrides\n"
	"prefix,country\n"
	"1.32.0.0/13,SG\n"
	"  203.0.113.7 , th \n"
	"2001:df0::/32,VN\n"
	"# comment\n"
	"\n"
	"10.0.0.0/8,ZZ\n";

static const char *const cidr_good_entries[] = {
	"1.32.0.0/13=SG",
	"203.0.113.7/32=TH",
	"2001:df0::/32=VN",
	"10.0.0.0/8=ZZ",
};

static void
test_cidr_good(void **state)
{
	struct xb_countries *c = countries();
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_geo_stats st;
	struct xb_errors errs;

	(void)state;
	xb_errors_init(&errs);
	memset(&st, 0, sizeof(st));
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("list.csv", cidr_good,
						   strlen(cidr_good)),
				     c, b, &st, &errs),
			 0);
	errors_equal(&errs, NULL, 0);
	entries_equal(b, c, cidr_good_entries, 4);
	assert_int_equal(st.files_cidr, 1);
	assert_int_equal(st.records_v4, 3);
	assert_int_equal(st.records_v6, 1);
	xb_lpm_builder_free(b);
	xb_countries_free(c);
	xb_errors_free(&errs);
}

static const char cidr_bad[] =
	"prefix,country\n"
	"1.32.0.0/33,SG\n"
	"1.32.0.1/24,SG\n"
	"1.32.0.0/16,AU\n"
	"1.32.0.0/16\n"
	"1.32.0.0/16,SG,extra\n"
	"2001:db8::g/32,SG\n"
	"bogus,XX\n"
	"\"1.2.3.0/24,SG\n"
	"1.2.3.0/24,SG\n";

static const char *const cidr_bad_errors[] = {
	"list.csv:2: prefix: got \"1.32.0.0/33\", expected an IPv4 or IPv6 prefix (prefix length too long)",
	"list.csv:3: prefix: got \"1.32.0.1/24\", expected an IPv4 or IPv6 prefix (host bits set below the prefix length)",
	"list.csv:4: country: got \"AU\", expected a country from countries.csv",
	"list.csv:5: wrong number of fields (got 1, expected 2)",
	"list.csv:6: wrong number of fields (got 3, expected 2)",
	"list.csv:7: prefix: got \"2001:db8::g/32\", expected an IPv4 or IPv6 prefix (not an IPv6 address)",
	"list.csv:8: prefix: got \"bogus\", expected an IPv4 or IPv6 prefix (not an IPv4 address)",
	"list.csv:8: country: got \"XX\", expected a country from countries.csv",
	"list.csv:9: unterminated quote",
};

static void
test_cidr_malformed(void **state)
{
	struct xb_countries *c = countries();
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_geo_stats st;
	struct xb_errors errs;

	(void)state;
	xb_errors_init(&errs);
	memset(&st, 0, sizeof(st));
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("list.csv", cidr_bad,
						   strlen(cidr_bad)),
				     c, b, &st, &errs),
			 -EINVAL);
	errors_equal(&errs, cidr_bad_errors,
		     sizeof(cidr_bad_errors) / sizeof(cidr_bad_errors[0]));
	xb_errors_free(&errs);

	/* A list without its header. */
	xb_errors_init(&errs);
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("nohdr.csv",
						   "1.0.0.0/8,SG\n", 13),
				     c, b, &st, &errs),
			 -EINVAL);
	{
		static const char *const w[] = {
			"nohdr.csv:1: bad header (got \"1.0.0.0/8,...\", expected \"prefix,country\")",
		};
		errors_equal(&errs, w, 1);
	}
	xb_errors_free(&errs);
	xb_lpm_builder_free(b);
	xb_countries_free(c);
}

/* --- order of sources --- */

static void
test_later_source_wins(void **state)
{
	static const char list[] = "prefix,country\n"
				   "1.0.0.0/24,SG\n"
				   "2001:db8::/32,SG\n"
				   "5.0.0.0/8,SG\n"
				   "5.0.0.0/8,CN\n"; /* same file: later wins */
	static const char rir[] =
		"2|apnic|1|2|3|4|+1000\n"
		"apnic|TH|ipv4|1.0.0.0|256|20100101|allocated\n"
		"apnic|TH|ipv6|2001:db8::|32|20100101|allocated\n"
		"apnic|TH|ipv4|1.0.0.0|128|20100101|allocated\n";
	static const struct {
		const char *prefix;
		const char *list_then_rir, *rir_then_list;
	} want[] = {
		{ "1.0.0.0/24", "TH", "SG" },
		{ "2001:db8::/32", "TH", "SG" },
		{ "1.0.0.0/25", "TH", "TH" },
		{ "5.0.0.0/8", "CN", "CN" },
	};
	struct xb_countries *c = countries();

	(void)state;
	for (int order = 0; order < 2; order++) {
		struct xb_lpm_builder *b = xb_lpm_builder_create();
		struct xb_geo_stats st;
		struct xb_errors errs;

		xb_errors_init(&errs);
		memset(&st, 0, sizeof(st));
		for (int k = 0; k < 2; k++) {
			bool is_list = (k == 0) == (order == 0);
			const char *t = is_list ? list : rir;
			const char *name = is_list ? "l" : "r";

			assert_int_equal(xb_geo_load(XB_TABLE_TEXT(name, t,
								   strlen(t)),
						     c, b, &st, &errs), 0);
		}
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			struct xb_prefix p;
			const char *why;
			uint32_t v;
			const char *w = order == 0 ? want[i].list_then_rir :
						     want[i].rir_then_list;

			assert_int_equal(xb_prefix_parse(want[i].prefix, &p,
							 &why), 0);
			assert_int_equal(xb_lpm_builder_find(b, &p, &v), 0);
			if (strcmp(xb_countries_code(c, v), w) != 0)
				fail_msg("order %d, %s: got %s, expected %s",
					 order, want[i].prefix,
					 xb_countries_code(c, v), w);
		}
		xb_lpm_builder_free(b);
		xb_errors_free(&errs);
	}
	xb_countries_free(c);
}

static void
test_empty_and_missing(void **state)
{
	struct xb_countries *c = countries();
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_geo_stats st;
	struct xb_errors errs;
	static const char only_comments[] = "# nothing yet\n\n   # still\n";

	(void)state;
	xb_errors_init(&errs);
	memset(&st, 0, sizeof(st));
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("e", only_comments,
						   strlen(only_comments)),
				     c, b, &st, &errs),
			 0);
	assert_int_equal(xb_geo_load(XB_TABLE_TEXT("e", "", 0), c, b, &st,
				     &errs),
			 0);
	assert_int_equal(xb_lpm_builder_count(b), 0);
	assert_int_equal(xb_geo_load(XB_TABLE_FILE("/nonexistent/geo.txt"), c,
				     b, &st, &errs),
			 -EINVAL);
	{
		static const char *const w[] = {
			"/nonexistent/geo.txt: cannot open: No such file or directory",
		};
		errors_equal(&errs, w, 1);
	}
	xb_lpm_builder_free(b);
	xb_countries_free(c);
	xb_errors_free(&errs);
}

/* The real APNIC file of ../shared/data: loads without error. */
static void
test_real_apnic(void **state)
{
	const char *dir = getenv("XBGW_SHARED_DATA");
	char path[4096];
	struct xb_countries *c;
	struct xb_lpm_builder *b;
	struct xb_geo_stats st;
	struct xb_errors errs;

	(void)state;
	if (dir == NULL)
		dir = XBGW_SHARED_DATA_DEFAULT;
	snprintf(path, sizeof(path),
		 "%s/geo/apnic/delegated-apnic-latest.trimmed.txt", dir);
	if (access(path, R_OK) != 0) {
		printf("# %s absent: skipped (set XBGW_SHARED_DATA)\n", path);
		skip();
	}
	c = countries(); /* SG TH CN VN: the rest is skipped and counted */
	b = xb_lpm_builder_create();
	xb_errors_init(&errs);
	memset(&st, 0, sizeof(st));
	assert_int_equal(xb_geo_load(XB_TABLE_FILE(path), c, b, &st, &errs), 0);
	errors_equal(&errs, NULL, 0);
	printf("# %s: %llu+%llu records, %llu+%llu prefixes, %llu asn, %llu other countries\n",
	       path, (unsigned long long)st.records_v4,
	       (unsigned long long)st.records_v6,
	       (unsigned long long)st.prefixes_v4,
	       (unsigned long long)st.prefixes_v6,
	       (unsigned long long)st.skipped_asn,
	       (unsigned long long)st.skipped_country);
	assert_true(st.records_v4 > 10000);
	assert_true(st.records_v6 > 2000);
	assert_true(st.skipped_country > 10000);
	assert_int_equal(st.summary_lines, 4);
	xb_lpm_builder_free(b);
	xb_countries_free(c);
	xb_errors_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_range),
		cmocka_unit_test(test_rir_good),
		cmocka_unit_test(test_rir_malformed),
		cmocka_unit_test(test_cidr_good),
		cmocka_unit_test(test_cidr_malformed),
		cmocka_unit_test(test_later_source_wins),
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_real_apnic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
