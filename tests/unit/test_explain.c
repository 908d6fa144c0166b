/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where verdicts come from, on a small config written by the test (every
 * line number below is a line of those texts, so the expectations follow
 * the tables, not the shipped config):
 *
 * - xb_rows: rows kept in line order, found by line, the file's base name;
 * - xb_lpm_origin: the longest prefix covering an address gives its
 *   value and origin, nested and IPv6 prefixes included, none outside;
 * - xb_explain_run: each step names the line that decided it (geo line
 *   and prefix, tenant prefix or VLAN row, domain pattern or category
 *   rule, approval, qos row, tariff row), and the verdict;
 * - the request parsers (words, telemetry parameters, HH:MM): good
 *   requests and a table of bad ones, each refused with a reason.
 *
 * The ruleset needs EAL memory (rte_fib, rte_acl): --no-huge, own prefix;
 * no ports, no hugepages.
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
#include <arpa/inet.h>

#include <cmocka.h>

#include "xb_csv.h"
#include "xb_errors.h"
#include "xb_explain.h"
#include "xb_explain_query.h"
#include "xb_lpm.h"
#include "xb_prefix.h"
#include "xb_rows.h"
#include "xb_ruleset.h"
#include "test_eal.h"

/* ---- the config ------------------------------------------------------ */

static const struct {
	const char *file, *text;
} tables[] = {
	{"countries.csv", "code,name,group\n"
			  "SG,Singapore,ASEAN\n"
			  "US,United States,\n"},
	/* Line 2: the /19 inside line 3's /16; line 4: IPv6. */
	{"geo.csv", "prefix,country\n"
		    "1.21.224.0/19,SG\n"
		    "1.21.0.0/16,US\n"
		    "2001:df0::/32,SG\n"},
	{"tenants.csv", "tenant,name,class,quota_gb,over_quota\n"
			"acme,Acme,enterprise,0,notify\n"
			"lotus,Lotus,sme,0,notify\n"},
	/* Line 3 nests in line 2; line 5 a VLAN row. */
	{"tenant_prefixes.csv", "prefix,tenant\n"
				"10.1.0.0/16,lotus\n"
				"10.1.2.0/24,acme\n"
				"fd00::/8,acme\n"
				"vlan:100,lotus\n"},
	{"categories.csv", "category,name,list\n"
			   "finance,Finance,negative\n"
			   "gaming,Gaming,general\n"},
	{"domains.csv", "pattern,category\n"
			"bank.example,finance\n"
			"/^game[0-9]+\\.example$/,gaming\n"},
	{"category_rules.csv", "priority,category,proto,src,dst,sport,dport,dscp\n"
			       "50,gaming,udp,*,*,*,5000-5100,*\n"},
	{"approvals.csv", "tenant,category,country,expires\n"
			  "acme,finance,ASEAN,2099-12-31\n"},
	{"qos.csv", "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
		    "ASEAN,finance,*,channel,1,500000,625000,1000000,1250000,26\n"
		    "ASEAN,*,*,channel,3,*,*,*,*,10\n"
		    "*,*,*,public,0,*,*,*,*,*\n"},
	{"bands.csv", "band,start,end\nall,00:00,24:00\n"},
	{"tariffs.csv", "tenant_class,country,category,band,price_per_gb,currency\n"
			"sme,SG,*,*,0.16,USD\n"
			"*,*,*,*,1,USD\n"},
};

static char dir[256];
static char paths[sizeof(tables) / sizeof(tables[0])][512];
static struct xb_ruleset *rs;

static const char *
path_of(const char *file)
{
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(tables[i].file, file) == 0)
			return paths[i];
	return NULL;
}

static int
setup(void **state)
{
	struct xb_ruleset_params p;
	struct xb_errors e;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xbgw-test-explain-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		FILE *f;

		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir,
			 tables[i].file);
		f = fopen(paths[i], "w");
		if (f == NULL)
			return -1;
		fputs(tables[i].text, f);
		fclose(f);
	}
	memset(&p, 0, sizeof(p));
	p.geo[p.ngeo++] = path_of("geo.csv");
	p.countries = path_of("countries.csv");
	p.tenants = path_of("tenants.csv");
	p.tenant_prefixes = path_of("tenant_prefixes.csv");
	p.categories = path_of("categories.csv");
	p.domains = path_of("domains.csv");
	p.category_rules = path_of("category_rules.csv");
	p.approvals = path_of("approvals.csv");
	p.qos = path_of("qos.csv");
	p.bands = path_of("bands.csv");
	p.tariffs = path_of("tariffs.csv");
	p.utc_offset_s = 8 * 3600;
	p.nworkers = 1;
	p.socket_id = -1;
	p.generation = 1;
	xb_errors_init(&e);
	rs = xb_ruleset_build(&p, &e);
	if (rs == NULL)
		xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	return rs == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	xb_ruleset_free(rs);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		unlink(paths[i]);
	rmdir(dir);
	return 0;
}

/* ---- xb_rows ------------------------------------------------------------ */

static void
add_row(struct xb_rows *rows, unsigned int line, const char *a, const char *b)
{
	struct xb_csv_row r;

	memset(&r, 0, sizeof(r));
	r.file = "x";
	r.line = line;
	r.ncols = 2;
	r.cols[0] = (char *)a;
	r.cols[1] = (char *)b;
	assert_int_equal(xb_rows_add(rows, &r), 0);
}

static void
test_rows(void **state)
{
	struct xb_rows *rows = xb_rows_create("/etc/xbgw/qos.csv");
	char name[16];

	(void)state;
	assert_non_null(rows);
	assert_string_equal(xb_rows_base(rows), "qos.csv");
	assert_null(xb_rows_find(rows, 1));
	/* Enough rows to make the list grow, every third line a row. */
	for (unsigned int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		add_row(rows, 2 + 3 * i, name, "b");
	}
	assert_int_equal(rows->n, 100);
	assert_int_equal(rows->max_line, 2 + 3 * 99);
	for (unsigned int i = 0; i < 100; i++) {
		const struct xb_row_src *r = xb_rows_find(rows, 2 + 3 * i);
		char want[32];

		assert_non_null(r);
		assert_int_equal(r->line, 2 + 3 * i);
		snprintf(want, sizeof(want), "r%u,b", i);
		assert_string_equal(r->text, want);
		/* Lines between rows are none. */
		assert_null(xb_rows_find(rows, 3 + 3 * i));
	}
	assert_null(xb_rows_find(rows, 0));
	assert_null(xb_rows_find(rows, 1000));
	xb_rows_free(rows);
	xb_rows_free(NULL);

	rows = xb_rows_create("plain.csv");
	assert_string_equal(xb_rows_base(rows), "plain.csv");
	xb_rows_free(rows);
}

/* ---- xb_lpm_origin ---------------------------------------------------------- */

static void
add_pfx(struct xb_lpm_builder *b, const char *s, uint32_t value,
	uint32_t origin)
{
	struct xb_prefix p;
	const char *why;

	assert_int_equal(xb_prefix_parse(s, &p, &why), 0);
	assert_int_equal(xb_lpm_builder_add_origin(b, &p, value, origin), 0);
}

static int
origin_of(const struct xb_lpm *l, const char *addr, char *pfx, size_t len,
	  uint32_t *value, uint32_t *origin)
{
	uint8_t a[16] = {0};
	struct xb_prefix p;
	unsigned int family = strchr(addr, ':') ? 6 : 4;
	int rc;

	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, addr, a), 1);
	rc = xb_lpm_origin(l, family, a, &p, value, origin);
	if (rc == 0)
		xb_prefix_format(&p, pfx, len);
	return rc;
}

static void
test_lpm_origin(void **state)
{
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_errors e;
	struct xb_lpm *l;
	char pfx[64];
	uint32_t v, o;
	static const struct {
		const char *addr, *pfx;
		uint32_t value, origin;
	} want[] = {
		{"10.1.2.3", "10.1.2.0/24", 3, 103},
		{"10.1.3.3", "10.1.0.0/16", 2, 102},
		{"10.200.0.1", "10.0.0.0/8", 1, 101},
		{"10.1.2.255", "10.1.2.0/24", 3, 103},
		{"192.0.2.7", "192.0.2.7/32", 4, 104},
		{"2001:db8:1::5", "2001:db8:1::/48", 6, 106},
		{"2001:db8:2::5", "2001:db8::/32", 5, 105},
	};

	(void)state;
	assert_non_null(b);
	add_pfx(b, "10.0.0.0/8", 1, 101);
	add_pfx(b, "10.1.0.0/16", 2, 102);
	add_pfx(b, "10.1.2.0/24", 3, 103);
	add_pfx(b, "192.0.2.7/32", 4, 104);
	add_pfx(b, "2001:db8::/32", 5, 105);
	add_pfx(b, "2001:db8:1::/48", 6, 106);
	xb_errors_init(&e);
	l = xb_lpm_build(b, "test_origin", 0, -1, &e);
	xb_errors_free(&e);
	assert_non_null(l);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(origin_of(l, want[i].addr, pfx, sizeof(pfx), &v,
					   &o), 0);
		assert_string_equal(pfx, want[i].pfx);
		assert_int_equal(v, want[i].value);
		assert_int_equal(o, want[i].origin);
	}
	/* Outside every prefix: none. */
	assert_int_equal(origin_of(l, "11.0.0.1", pfx, sizeof(pfx), &v, &o),
			 -ENOENT);
	assert_int_equal(origin_of(l, "2001:db9::1", pfx, sizeof(pfx), &v, &o),
			 -ENOENT);
	xb_lpm_free(l);
	xb_lpm_builder_free(b);
}

/* ---- explain ------------------------------------------------------------------ */

struct want_step {
	const char *value; /* NULL: null */
	const char *file;  /* table base name, NULL: null */
	uint32_t line;
	const char *match; /* NULL: not checked */
};

static void
check_step(const struct xb_explain_item *it, const struct want_step *w)
{
	const char *base = strrchr(it->file, '/');

	if (w->value == NULL)
		assert_string_equal(it->value, "");
	else
		assert_string_equal(it->value, w->value);
	if (w->file == NULL) {
		assert_string_equal(it->file, "");
	} else {
		assert_non_null(base);
		assert_string_equal(base + 1, w->file);
	}
	assert_int_equal(it->line, w->line);
	if (w->match != NULL)
		assert_string_equal(it->match, w->match);
}

static void
explain(const char *proto, const char *src, const char *dst, const char *sp,
	const char *dp, const char *name, uint16_t vlan, struct xb_explain *e)
{
	struct xb_explain_query q;
	char why[256];

	assert_int_equal(xb_explain_parse(proto, src, dst, sp, dp, &q, why,
					  sizeof(why)), 0);
	q.name = name;
	q.vlan = vlan;
	q.now_ns = 1800000000ull * 1000000000ull; /* 2027-01-15 */
	assert_int_equal(xb_explain_run(rs, &q, e), 0);
}

static void
test_explain_steps(void **state)
{
	static struct xb_explain e;

	(void)state;
	/* A finance name from a tenant without an approval. */
	explain("tcp", "10.1.0.5", "1.21.224.9", "40000", "443",
		"www.bank.example", 0, &e);
	check_step(&e.steps[XB_EXPLAIN_COUNTRY],
		   &(struct want_step){"SG", "geo.csv", 2, "1.21.224.0/19"});
	check_step(&e.steps[XB_EXPLAIN_TENANT],
		   &(struct want_step){"lotus", "tenant_prefixes.csv", 2,
				       "10.1.0.0/16,lotus"});
	check_step(&e.steps[XB_EXPLAIN_CATEGORY],
		   &(struct want_step){"finance", "domains.csv", 2,
				       "bank.example,finance"});
	check_step(&e.steps[XB_EXPLAIN_APPROVAL],
		   &(struct want_step){"none", NULL, 0, NULL});
	check_step(&e.steps[XB_EXPLAIN_QOS],
		   &(struct want_step){"tc 1", "qos.csv", 2, NULL});
	check_step(&e.steps[XB_EXPLAIN_TARIFF],
		   &(struct want_step){"all", "tariffs.csv", 2,
				       "sme,SG,*,*,0.16,USD"});
	assert_string_equal(e.action, "negative_list");
	assert_string_equal(e.drop_reason, "negative_list");

	/* The nested prefix's tenant holds the approval: forwarded. */
	explain("tcp", "10.1.2.7", "1.21.224.9", "40000", "443",
		"www.bank.example", 0, &e);
	check_step(&e.steps[XB_EXPLAIN_TENANT],
		   &(struct want_step){"acme", "tenant_prefixes.csv", 3, NULL});
	check_step(&e.steps[XB_EXPLAIN_APPROVAL],
		   &(struct want_step){"approved", "approvals.csv", 2, NULL});
	check_step(&e.steps[XB_EXPLAIN_POLICY],
		   &(struct want_step){"channel", "qos.csv", 2, NULL});
	check_step(&e.steps[XB_EXPLAIN_TARIFF],
		   &(struct want_step){"all", "tariffs.csv", 3, NULL});
	assert_string_equal(e.action, "channel");
	assert_null(e.drop_reason);
	assert_int_equal(e.dscp, 26);
	assert_int_equal(e.price_micros_per_gb, 1000000);

	/* The shorter geo prefix; a category rule; outside ASEAN. */
	explain("udp", "10.1.0.5", "1.21.5.5", "40000", "5050", NULL, 0, &e);
	check_step(&e.steps[XB_EXPLAIN_COUNTRY],
		   &(struct want_step){"US", "geo.csv", 3, "1.21.0.0/16"});
	check_step(&e.steps[XB_EXPLAIN_CATEGORY],
		   &(struct want_step){"gaming", "category_rules.csv", 2, NULL});
	check_step(&e.steps[XB_EXPLAIN_QOS],
		   &(struct want_step){"tc 0", "qos.csv", 4, NULL});
	assert_string_equal(e.action, "public");
	assert_int_equal(e.dscp, -1);

	/* A regex pattern. */
	explain("tcp", "10.1.0.5", "1.21.224.9", "1", "443", "game42.example",
		0, &e);
	check_step(&e.steps[XB_EXPLAIN_CATEGORY],
		   &(struct want_step){"gaming", "domains.csv", 3, NULL});
	check_step(&e.steps[XB_EXPLAIN_QOS],
		   &(struct want_step){"tc 3", "qos.csv", 3, NULL});

	/* A VLAN row; an IPv6 flow. */
	explain("udp", "192.0.2.1", "1.21.224.9", "1", "2", NULL, 100, &e);
	check_step(&e.steps[XB_EXPLAIN_TENANT],
		   &(struct want_step){"lotus", "tenant_prefixes.csv", 5,
				       "vlan:100,lotus"});
	explain("tcp", "fd00::1", "2001:df0::1", "1", "443", NULL, 0, &e);
	check_step(&e.steps[XB_EXPLAIN_COUNTRY],
		   &(struct want_step){"SG", "geo.csv", 4, "2001:df0::/32"});
	check_step(&e.steps[XB_EXPLAIN_TENANT],
		   &(struct want_step){"acme", "tenant_prefixes.csv", 4, NULL});

	/* Nobody's flow to nowhere: no row decides country or tenant. */
	explain("udp", "192.0.2.1", "8.8.8.8", "1", "2", NULL, 0, &e);
	check_step(&e.steps[XB_EXPLAIN_COUNTRY],
		   &(struct want_step){"ZZ", NULL, 0, NULL});
	check_step(&e.steps[XB_EXPLAIN_TENANT],
		   &(struct want_step){"unknown", NULL, 0, NULL});
	check_step(&e.steps[XB_EXPLAIN_CATEGORY],
		   &(struct want_step){"unclassified", NULL, 0, NULL});
	check_step(&e.steps[XB_EXPLAIN_QOS],
		   &(struct want_step){"tc 0", "qos.csv", 4, NULL});
	for (unsigned int s = 0; s < XB_EXPLAIN_STEPS; s++)
		assert_string_equal(e.steps[s].step, xb_explain_step_name(s));
}

static void
test_explain_tenant_override(void **state)
{
	static struct xb_explain e;
	struct xb_explain_query q;
	char why[256];

	(void)state;
	assert_int_equal(xb_explain_parse("tcp", "192.0.2.1", "1.21.224.9", "1",
					  "443", &q, why, sizeof(why)), 0);
	q.name = "bank.example";
	q.tenant = "acme";
	assert_int_equal(xb_explain_run(rs, &q, &e), 0);
	assert_string_equal(e.tenant, "acme");
	assert_string_equal(e.action, "channel");
	q.tenant = "nobody";
	assert_int_equal(xb_explain_run(rs, &q, &e), -EINVAL);
	assert_non_null(strstr(e.steps[XB_EXPLAIN_TENANT].detail, "nobody"));
	q.tenant = NULL;
	q.family = 5;
	assert_int_equal(xb_explain_run(rs, &q, &e), -EINVAL);
}

/* ---- request parsing ----------------------------------------------------------- */

static void
test_parse_request(void **state)
{
	struct xb_explain_query q;
	const char *hhmm;
	char why[256], buf[512];
	static const char *const bad[] = {
		"", "tcp", "tcp,1.2.3.4,5.6.7.8,1", "tcp,1.2.3.4,5.6.7.8,1,",
		"bogus,1.2.3.4,5.6.7.8,1,2", "256,1.2.3.4,5.6.7.8,1,2",
		"tcp,1.2.3.999,5.6.7.8,1,2", "tcp,1.2.3.4,::1,1,2",
		"tcp,1.2.3.4,5.6.7.8,-1,2", "tcp,1.2.3.4,5.6.7.8,1,65536",
		"tcp,1.2.3.4,5.6.7.8, 1,2", "tcp,1.2.3.4,5.6.7.8,0x1,2",
		"tcp,1.2.3.4,5.6.7.8,1,2,3", "tcp,1.2.3.4,5.6.7.8,1,2,nope=1",
		"tcp,1.2.3.4,5.6.7.8,1,2,vlan=0", "tcp,1.2.3.4,5.6.7.8,1,2,vlan=4095",
		"tcp,1.2.3.4,5.6.7.8,1,2,vlan=", "tcp,1.2.3.4,5.6.7.8,1,2,name=a,name=b",
		"tcp,1.2.3.4,name=x,1,2", "tcp,1.2.3.4,5.6.7.8,1,2,,name=a",
	};

	(void)state;
	snprintf(buf, sizeof(buf),
		 "TCP,2001:db8::1,2001:db8::2,0,65535,time=12:30,vlan=4094,name=a.example,tenant=acme-pay");
	assert_int_equal(xb_explain_parse_request(buf, &q, &hhmm, why,
						  sizeof(why)), 0);
	assert_int_equal(q.proto, 6);
	assert_int_equal(q.family, 6);
	assert_int_equal(q.sport, 0);
	assert_int_equal(q.dport, 65535);
	assert_int_equal(q.vlan, 4094);
	assert_string_equal(q.name, "a.example");
	assert_string_equal(q.tenant, "acme-pay");
	assert_string_equal(hhmm, "12:30");
	snprintf(buf, sizeof(buf), "17,10.0.0.1,8.8.8.8,53,53");
	assert_int_equal(xb_explain_parse_request(buf, &q, &hhmm, why,
						  sizeof(why)), 0);
	assert_int_equal(q.proto, 17);
	assert_null(q.name);
	assert_null(q.tenant);
	assert_null(hhmm);
	assert_int_equal(q.vlan, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		why[0] = '\0';
		if (xb_explain_parse_request(buf, &q, &hhmm, why, sizeof(why)) !=
		    -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(why[0] != '\0');
	}
	/* A name longer than any DNS name. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "tcp,1.2.3.4,5.6.7.8,1,2,name=", 29);
	buf[29 + XB_EXPLAIN_NAME_MAX + 1] = '\0';
	assert_int_equal(xb_explain_parse_request(buf, &q, &hhmm, why,
						  sizeof(why)), -1);
}

static void
test_parse_time(void **state)
{
	/* 2027-01-15 08:00:00 UTC = 16:00 at +08:00. */
	const uint64_t now = 1800000000ull * 1000000000ull;
	uint64_t t;
	static const char *const bad[] = {"", "1:30", "24:00", "12:60", "12-30",
					  "12:3", "12:300", " 1:30", "+1:30",
					  "ab:cd"};

	(void)state;
	assert_int_equal(xb_explain_parse_time("16:00", 8 * 3600, now, &t), 0);
	assert_int_equal(t / 1000000000ull % 86400, (now / 1000000000ull) % 86400);
	assert_int_equal(xb_explain_parse_time("00:00", 8 * 3600, now, &t), 0);
	/* Local midnight of the same local day: 16:00 UTC the day before. */
	assert_int_equal((t / 1000000000ull) % 86400, 16 * 3600);
	assert_true(t < now);
	assert_int_equal(xb_explain_parse_time("23:59", 0, now, &t), 0);
	assert_int_equal((t / 1000000000ull) % 86400, 23 * 3600 + 59 * 60);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xb_explain_parse_time(bad[i], 0, now, &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_lpm_origin),
		cmocka_unit_test(test_explain_steps),
		cmocka_unit_test(test_explain_tenant_override),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_parse_time),
	};

	if (test_eal_init("test_explain", "512") < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
