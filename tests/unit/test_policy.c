/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy: row precedence (code > group > *, country first, ties to the
 * earlier row), negative list with and without approvals (by code, group
 * and *, expiry checked against the time passed in), meter instance ids,
 * errors at their exact file:line, coverage, and the default tables.
 * No EAL needed.
 */
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
#include "xb_policy.h"
#include "xb_tenant.h"
#include "test_helpers_path.h"

static const char countries_csv[] =
	"code,name,group\n"
	"SG,Singapore,ASEAN\n"
	"MY,Malaysia,ASEAN\n"
	"VN,Vietnam,ASEAN\n"
	"CN,China,\n"
	"US,United States,\n";

static const char cats_csv[] =
	"category,name,list\n"
	"finance,Finance,negative\n"
	"media,Media,general\n"
	"cloud,Cloud,general\n"
	"personal_data,Personal data,negative\n"
	"vpn,VPN,unlisted\n";

static const char tenants_csv[] =
	"tenant,name,class,quota_gb,over_quota\n"
	"acme,Acme,enterprise,0,notify\n"
	"lotus,Lotus,sme,0,notify\n"
	"gov,Gov,government,0,notify\n"
	"lotus2,Lotus Two,sme,0,notify\n";

struct fixture {
	struct xb_countries *co;
	struct xb_categories *ca;
	struct xb_tenants *te;
};

static struct fixture fx;

static int
setup(void **state)
{
	struct xb_errors e;

	(void)state;
	xb_errors_init(&e);
	fx.co = xb_countries_load(XB_TABLE_TEXT("countries.csv", countries_csv,
						strlen(countries_csv)),
				  &e);
	fx.ca = xb_categories_load(XB_TABLE_TEXT("cats.csv", cats_csv,
						 strlen(cats_csv)),
				   &e);
	fx.te = xb_tenants_load(XB_TABLE_TEXT("tenants.csv", tenants_csv,
					      strlen(tenants_csv)),
				&e);
	xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	return fx.co && fx.ca && fx.te ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	xb_countries_free(fx.co);
	xb_categories_free(fx.ca);
	xb_tenants_free(fx.te);
	return 0;
}

static uint16_t
C(const char *code)
{
	int i = xb_countries_find(fx.co, code);

	assert_true(i >= 0);
	return (uint16_t)i;
}

static uint16_t
K(const char *cat)
{
	int i = xb_categories_find(fx.ca, cat);

	assert_true(i >= 0);
	return (uint16_t)i;
}

static uint16_t
T(const char *tenant)
{
	int i = strcmp(tenant, "unknown") == 0 ? 0 :
						 xb_tenants_find(fx.te, tenant);

	assert_true(i >= 0);
	return (uint16_t)i;
}

static struct xb_policy *
load(const char *qos, const char *appr, char *errbuf, size_t errsize)
{
	struct xb_errors e;
	struct xb_policy *p;

	xb_errors_init(&e);
	p = xb_policy_load(XB_TABLE_TEXT("qos.csv", qos, strlen(qos)),
			   appr ? XB_TABLE_TEXT("approvals.csv", appr,
						strlen(appr)) : NULL,
			   fx.co, fx.ca, fx.te, &e);
	if (errbuf != NULL)
		xb_errors_join(&e, errbuf, errsize);
	else
		xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	return p;
}

/* ns since the epoch of a UTC date plus an offset in ns. */
static uint64_t
day(const char *date, uint64_t plus_ns)
{
	uint64_t end;

	assert_int_equal(xb_policy_parse_expiry(date, &end), 0);
	return end + 1 - 86400ull * 1000000000ull + plus_ns;
}

#define NS_DAY (86400ull * 1000000000ull)

/* ---- precedence and negative list ---- */

static const char qos_main[] =
	"country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n" /* 1 */
	"*,*,*,public,0,*,*,*,*,*\n"                              /* 2 */
	"ASEAN,*,*,channel,2,*,*,*,*,18\n"                        /* 3 */
	"SG,*,*,channel,3,*,*,*,*,20\n"                           /* 4 */
	"ASEAN,media,enterprise,channel,4,1000,1500,2000,3000,34\n" /* 5 */
	"ASEAN,media,*,audit,5,*,*,*,*,*\n"                       /* 6 */
	"ASEAN,media,*,public,6,*,*,*,*,*\n"                      /* 7 */
	"*,media,enterprise,deny,0,*,*,*,*,*\n"                   /* 8 */
	"ASEAN,finance,*,channel,1,500,1500,1000,3000,26\n"       /* 9 */
	"# a comment line still counts for line numbers\n"        /* 10 */
	"ASEAN,vpn,*,deny,0,*,*,*,*,*\n"                          /* 11 */
	"MY,*,sme,audit,7,*,*,*,*,*\n"                            /* 12 */
	"ASEAN,cloud,sme,channel,2,100,1600,100,1600,*\n"         /* 13 */
	"SG,finance,*,deny,0,*,*,*,*,*\n";                        /* 14 */

static const char appr_main[] =
	"tenant,category,country,expires\n" /* 1 */
	"acme,finance,MY,never\n"           /* 2 */
	"lotus,finance,ASEAN,2026-01-31\n"  /* 3 */
	"gov,finance,*,*\n"                 /* 4 */
	"acme,personal_data,SG,2025-12-31\n" /* 5 */
	"acme,personal_data,SG,2026-12-31\n"; /* 6: renewed */

struct decide_case {
	const char *name;
	const char *country, *category, *tenant;
	const char *date;   /* UTC day of now, NULL = 2026-01-15 */
	uint64_t plus_ns;   /* offset into that day */
	uint8_t action;
	unsigned int line;  /* qos.csv line of the row */
	uint8_t tc, dscp;
	const char *valid_until; /* date whose end bounds the verdict; NULL = forever */
	int metered;
};

static const struct decide_case decide_cases[] = {
	{ "no row but the fallback", "US", "cloud", "acme", NULL, 0,
	  XB_ACT_PUBLIC, 2, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "group beats *", "MY", "cloud", "acme", NULL, 0, XB_ACT_CHANNEL, 3,
	  2, 18, NULL, 0 },
	{ "code beats group, even a more specific group row", "SG", "cloud",
	  "lotus", NULL, 0, XB_ACT_CHANNEL, 4, 3, 20, NULL, 0 },
	{ "code with class beats group with category and class", "MY",
	  "cloud", "lotus", NULL, 0, XB_ACT_AUDIT, 12, 7, XB_DSCP_KEEP,
	  NULL, 0 },
	{ "group, category and class", "VN", "cloud", "lotus", NULL, 0,
	  XB_ACT_CHANNEL, 13, 2, XB_DSCP_KEEP, NULL, 1 },
	{ "class beats * at equal country and category", "MY", "media",
	  "acme", NULL, 0, XB_ACT_CHANNEL, 5, 4, 34, NULL, 1 },
	{ "tie goes to the earlier row", "VN", "media", "lotus", NULL, 0,
	  XB_ACT_AUDIT, 6, 5, XB_DSCP_KEEP, NULL, 0 },
	{ "country first: a * country row loses", "SG", "media", "acme", NULL,
	  0, XB_ACT_CHANNEL, 4, 3, 20, NULL, 0 },
	{ "deny row", "US", "media", "acme", NULL, 0, XB_ACT_DENY, 8, 0,
	  XB_DSCP_KEEP, NULL, 0 },
	{ "deny to a group", "VN", "vpn", "gov", NULL, 0, XB_ACT_DENY, 11, 0,
	  XB_DSCP_KEEP, NULL, 0 },
	{ "unknown everything", "ZZ", "unclassified", "unknown", NULL, 0,
	  XB_ACT_PUBLIC, 2, 0, XB_DSCP_KEEP, NULL, 0 },
	/* negative list */
	{ "approved by code, never expires", "MY", "finance", "acme", NULL, 0,
	  XB_ACT_CHANNEL, 9, 1, 26, NULL, 1 },
	{ "approval for another country", "SG", "finance", "acme", NULL, 0,
	  XB_ACT_NEGATIVE_LIST, 14, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "approved by group", "VN", "finance", "lotus", NULL, 0,
	  XB_ACT_CHANNEL, 9, 1, 26, "2026-01-31", 1 },
	{ "group approval, last ns of its day", "VN", "finance", "lotus",
	  "2026-01-31", NS_DAY - 1, XB_ACT_CHANNEL, 9, 1, 26, "2026-01-31", 1 },
	{ "group approval, expired one ns later", "VN", "finance", "lotus",
	  "2026-02-01", 0, XB_ACT_NEGATIVE_LIST, 9, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "group approval does not cover other countries", "CN", "finance",
	  "lotus", NULL, 0, XB_ACT_NEGATIVE_LIST, 2, 0, XB_DSCP_KEEP, NULL,
	  0 },
	{ "no approval for this tenant", "MY", "finance", "lotus2", NULL, 0,
	  XB_ACT_NEGATIVE_LIST, 12, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "unknown tenant has no approvals", "MY", "finance", "unknown", NULL,
	  0, XB_ACT_NEGATIVE_LIST, 9, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "* approval covers a non-group country", "CN", "finance", "gov",
	  NULL, 0, XB_ACT_PUBLIC, 2, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "* approval covers ZZ", "ZZ", "finance", "gov", NULL, 0,
	  XB_ACT_PUBLIC, 2, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "approved (by *), then a deny row", "SG", "finance", "gov", NULL,
	  0, XB_ACT_DENY, 14, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "approved (by group), then a deny row", "SG", "finance", "lotus",
	  NULL, 0, XB_ACT_DENY, 14, 0, XB_DSCP_KEEP, "2026-01-31", 0 },
	{ "negative list checked before deny", "SG", "finance", "lotus",
	  "2026-03-01", 0, XB_ACT_NEGATIVE_LIST, 14, 0, XB_DSCP_KEEP, NULL, 0 },
	{ "two approvals: the later expiry bounds the verdict", "SG",
	  "personal_data", "acme", "2025-06-01", 0, XB_ACT_CHANNEL, 4, 3, 20,
	  "2026-12-31", 0 },
	{ "renewed approval", "SG", "personal_data", "acme", "2026-06-01", 0,
	  XB_ACT_CHANNEL, 4, 3, 20, "2026-12-31", 0 },
	{ "both approvals expired", "SG", "personal_data", "acme",
	  "2027-01-01", 0, XB_ACT_NEGATIVE_LIST, 4, 0, XB_DSCP_KEEP, NULL, 0 },
};

static void
test_decide_table(void **state)
{
	struct xb_policy *p = load(qos_main, appr_main, NULL, 0);

	(void)state;
	assert_non_null(p);
	assert_int_equal(xb_policy_row_count(p), 12);
	assert_int_equal(xb_policy_approval_count(p), 5);
	for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]);
	     i++) {
		const struct decide_case *c = &decide_cases[i];
		struct xb_policy_verdict v;
		uint64_t now = day(c->date ? c->date : "2026-01-15", c->plus_ns);
		uint64_t until = UINT64_MAX;

		if (c->valid_until != NULL)
			assert_int_equal(xb_policy_parse_expiry(c->valid_until,
								&until),
					 0);
		xb_policy_decide(p, C(c->country), K(c->category), T(c->tenant),
				 now, &v);
		print_message("case: %s\n", c->name);
		assert_int_equal(v.action, c->action);
		assert_int_not_equal(v.row, XB_POLICY_NO_ROW);
		assert_int_equal(xb_policy_row(p, v.row)->line, c->line);
		assert_int_equal(v.tc, c->tc);
		assert_int_equal(v.dscp, c->dscp);
		if (c->action != XB_ACT_NEGATIVE_LIST)
			assert_true(v.valid_until_ns == until);
		if (c->metered)
			assert_true(v.meter < xb_policy_meter_count(p));
		else
			assert_true(v.meter == XB_METER_NONE);
	}
	xb_policy_free(p);
}

static void
test_out_of_range_indexes(void **state)
{
	struct xb_policy *p = load(qos_main, appr_main, NULL, 0);
	struct xb_policy_verdict v;

	(void)state;
	assert_non_null(p);
	xb_policy_decide(p, 60000, 60000, 60000, 0, &v);
	assert_int_equal(v.action, XB_ACT_PUBLIC);
	assert_int_equal(xb_policy_row(p, v.row)->line, 2);
	xb_policy_free(p);
}

/* Meter instances: dense, one per (tenant, metered row) that can meet. */
static void
test_meter_instances(void **state)
{
	struct xb_policy *p = load(qos_main, appr_main, NULL, 0);
	const char *tenants[] = { "unknown", "acme", "lotus", "gov", "lotus2" };
	uint8_t seen[64] = { 0 };
	uint32_t n;

	(void)state;
	assert_non_null(p);
	/* line 5 (enterprise: acme), line 9 (all 5 tenants), line 13 (sme:
	 * lotus, lotus2). */
	n = xb_policy_meter_count(p);
	assert_int_equal(n, 1 + 5 + 2);
	assert_non_null(xb_policy_meter_profiles(p));
	for (uint32_t i = 0; i < n; i++) {
		uint16_t t, r;

		assert_int_equal(xb_policy_meter_owner(p, i, &t, &r), 0);
		assert_true(xb_policy_row(p, r)->metered);
		assert_int_equal(xb_policy_meter_profiles(p)[i].cir_kbps,
				 xb_policy_row(p, r)->cir_kbps);
	}
	assert_int_equal(xb_policy_meter_owner(p, n, NULL, NULL), -1);
	/* Every (tenant, row) decision maps to the instance that owns it. */
	for (size_t t = 0; t < 5; t++) {
		struct xb_policy_verdict v;
		uint16_t ot, orow;

		xb_policy_decide(p, C("MY"), K("finance"), T(tenants[t]),
				 day("2026-01-15", 0), &v);
		if (v.meter == XB_METER_NONE)
			continue;
		assert_int_equal(xb_policy_meter_owner(p, v.meter, &ot, &orow),
				 0);
		assert_int_equal(ot, T(tenants[t]));
		assert_int_equal(orow, v.row);
		assert_false(seen[v.meter]);
		seen[v.meter] = 1;
	}
	{
		struct xb_policy_verdict a, b;

		xb_policy_decide(p, C("VN"), K("cloud"), T("lotus"), 0, &a);
		xb_policy_decide(p, C("MY"), K("cloud"), T("lotus2"), 0, &b);
		assert_int_equal(xb_policy_row(p, a.row)->line, 13);
		assert_int_equal(xb_policy_row(p, b.row)->line, 12);
		xb_policy_decide(p, C("VN"), K("cloud"), T("lotus2"), 0, &b);
		assert_int_equal(a.row, b.row);
		assert_int_not_equal(a.meter, b.meter);
		assert_true(a.meter < n && b.meter < n);
	}
	xb_policy_free(p);
}

static void
test_describe_and_names(void **state)
{
	struct xb_policy *p = load(qos_main, NULL, NULL, 0);
	char buf[128];

	(void)state;
	assert_non_null(p);
	assert_true(xb_policy_row_describe(p, 3, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "qos.csv:5 (ASEAN,media,enterprise -> channel)");
	assert_int_equal(xb_policy_row_describe(p, 99, buf, sizeof(buf)), -1);
	assert_null(xb_policy_row(p, 99));
	assert_int_equal(xb_policy_row(p, 0)->dscp, XB_DSCP_KEEP);
	assert_int_equal(xb_policy_row(p, 3)->pir_kbps, 2000);
	assert_int_equal(xb_policy_row(p, 3)->pbs_bytes, 3000);
	assert_string_equal(xb_action_name(XB_ACT_CHANNEL), "channel");
	assert_string_equal(xb_action_name(XB_ACT_PUBLIC), "public");
	assert_string_equal(xb_action_name(XB_ACT_AUDIT), "audit");
	assert_string_equal(xb_action_name(XB_ACT_DENY), "deny");
	assert_string_equal(xb_action_name(XB_ACT_NEGATIVE_LIST),
			    "negative_list");
	assert_string_equal(xb_action_name(99), "?");
	assert_true(xb_action_forwards(XB_ACT_AUDIT));
	assert_false(xb_action_forwards(XB_ACT_DENY));
	assert_false(xb_action_forwards(XB_ACT_NEGATIVE_LIST));
	/* No approvals file: negative list always drops. */
	{
		struct xb_policy_verdict v;

		xb_policy_decide(p, C("MY"), K("finance"), T("acme"), 0, &v);
		assert_int_equal(v.action, XB_ACT_NEGATIVE_LIST);
	}
	xb_policy_free(p);
}

/* ---- expiry dates ---- */

static void
test_expiry_parse(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t ns;
	} cases[] = {
		{ "1970-01-01", 0, NS_DAY - 1 },
		{ "1970-01-02", 0, 2 * NS_DAY - 1 },
		{ "2000-03-01", 0, 11017 * NS_DAY - 1 + NS_DAY },
		{ "2024-02-29", 0, 19782 * NS_DAY - 1 + NS_DAY },
		{ "*", 0, UINT64_MAX },
		{ "never", 0, UINT64_MAX },
		{ "2023-02-29", -1, 0 },
		{ "2026-13-01", -1, 0 },
		{ "2026-00-10", -1, 0 },
		{ "2026-04-31", -1, 0 },
		{ "1969-12-31", -1, 0 },
		{ "2262-01-01", -1, 0 },
		{ "2026-1-1", -1, 0 },
		{ "20260101", -1, 0 },
		{ "", -1, 0 },
		{ "2026-01-0x", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 0;

		print_message("expiry: %s\n", cases[i].s);
		assert_int_equal(xb_policy_parse_expiry(cases[i].s, &ns),
				 cases[i].rc);
		if (cases[i].rc == 0)
			assert_true(ns == cases[i].ns);
	}
}

/* ---- errors at their file:line ---- */

#define QOS_HDR "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
#define APPR_HDR "tenant,category,country,expires\n"
#define QOS_ALL "*,*,*,public,0,*,*,*,*,*\n"

struct error_case {
	const char *name;
	const char *qos, *appr;
	const char *errors; /* joined with '\n' */
};

static const struct error_case error_cases[] = {
	{ "unknown country", QOS_HDR QOS_ALL "XX,*,*,public,0,*,*,*,*,*\n",
	  NULL,
	  "qos.csv:3: country: unknown country (got \"XX\", expected a code or group of countries.csv, or *)" },
	{ "unknown group", QOS_HDR QOS_ALL "EU,*,*,public,0,*,*,*,*,*\n",
	  NULL,
	  "qos.csv:3: country: unknown country (got \"EU\", expected a code or group of countries.csv, or *)" },
	{ "unknown category", QOS_HDR "\n" QOS_ALL
	  "SG,nope,*,public,0,*,*,*,*,*\n", NULL,
	  "qos.csv:4: category: unknown category (got \"nope\", expected a category of cats.csv)" },
	{ "unknown class", QOS_HDR QOS_ALL "SG,*,gold,public,0,*,*,*,*,*\n",
	  NULL,
	  "qos.csv:3: tenant_class: unknown tenant class (got \"gold\", expected a class of tenants.csv or *)" },
	{ "bad action", QOS_HDR QOS_ALL "SG,*,*,drop,0,*,*,*,*,*\n", NULL,
	  "qos.csv:3: action: got \"drop\", expected channel, public, audit or deny" },
	{ "bad tc", QOS_HDR QOS_ALL "SG,*,*,channel,8,*,*,*,*,*\n", NULL,
	  "qos.csv:3: tc: got \"8\", expected an integer 0..7" },
	{ "bad dscp", QOS_HDR QOS_ALL "SG,*,*,channel,0,*,*,*,*,64\n", NULL,
	  "qos.csv:3: dscp: got \"64\", expected an integer 0..63" },
	{ "pir below cir", QOS_HDR QOS_ALL
	  "SG,*,*,channel,0,1000,1500,500,3000,*\n", NULL,
	  "qos.csv:3: pir_kbps: got \"500\", expected at least cir_kbps (1000)" },
	{ "zero burst", QOS_HDR QOS_ALL "SG,*,*,channel,0,1000,0,2000,3000,*\n",
	  NULL,
	  "qos.csv:3: cbs_bytes: got \"0\", expected an integer 1..4000000000" },
	{ "rates half set", QOS_HDR QOS_ALL
	  "SG,*,*,channel,0,1000,1500,*,3000,*\n", NULL,
	  "qos.csv:3: pir_kbps: got \"*\", expected a number like cir_kbps (the four rate columns are all * or all numbers)" },
	{ "rates half unset", QOS_HDR QOS_ALL
	  "SG,*,*,channel,0,*,1500,*,*,*\n", NULL,
	  "qos.csv:3: cbs_bytes: got \"1500\", expected * like cir_kbps (the four rate columns are all * or all numbers)" },
	{ "several errors in one pass", QOS_HDR QOS_ALL
	  "XX,nope,*,public,0,*,*,*,*,*\n"
	  "SG,*,*,channel,0,10,1,5,1,*\n", NULL,
	  "qos.csv:3: country: unknown country (got \"XX\", expected a code or group of countries.csv, or *)\n"
	  "qos.csv:3: category: unknown category (got \"nope\", expected a category of cats.csv)\n"
	  "qos.csv:4: pir_kbps: got \"5\", expected at least cir_kbps (10)" },
	{ "wrong field count", QOS_HDR QOS_ALL "SG,*,*,channel,0\n", NULL,
	  "qos.csv:3: wrong number of fields (got 5, expected 10)" },
	{ "incomplete coverage", QOS_HDR "ASEAN,*,*,public,0,*,*,*,*,*\n"
	  "*,*,enterprise,public,0,*,*,*,*,*\n", NULL,
	  "qos.csv: incomplete table: no row matches country ZZ, category unclassified, tenant class unknown and others (got 72 such combinations, expected every one to match a row, e.g. a last \"*,*,*\" row)" },
	{ "approval: unknown tenant", QOS_HDR QOS_ALL,
	  APPR_HDR "acme,finance,SG,never\nnobody,finance,SG,never\n",
	  "approvals.csv:3: tenant: unknown tenant (got \"nobody\", expected a tenant of tenants.csv)" },
	{ "approval: the unknown tenant", QOS_HDR QOS_ALL,
	  APPR_HDR "unknown,finance,SG,never\n",
	  "approvals.csv:2: tenant: unknown tenant (got \"unknown\", expected a tenant of tenants.csv; the built-in \"unknown\" cannot hold approvals)" },
	{ "approval: unknown category", QOS_HDR QOS_ALL,
	  APPR_HDR "acme,fin,SG,never\n",
	  "approvals.csv:2: category: unknown category (got \"fin\", expected a category of cats.csv)" },
	{ "approval: not a negative-list category", QOS_HDR QOS_ALL,
	  APPR_HDR "acme,media,SG,never\n",
	  "approvals.csv:2: category: not on the negative list (got \"media\" of list general, expected a negative-list category: only those need approvals)" },
	{ "approval: unknown country", QOS_HDR QOS_ALL,
	  APPR_HDR "acme,finance,ASIA,never\n",
	  "approvals.csv:2: country: unknown country (got \"ASIA\", expected a code or group of countries.csv, or *)" },
	{ "approval: bad date", QOS_HDR QOS_ALL,
	  APPR_HDR "# comment\nacme,finance,SG,2026-02-30\n",
	  "approvals.csv:3: expires: got \"2026-02-30\", expected a date YYYY-MM-DD (1970..2261), * or never" },
	{ "errors in both files", QOS_HDR QOS_ALL "SG,*,*,channel,9,*,*,*,*,*\n",
	  APPR_HDR "acme,finance,SG,tomorrow\n",
	  "qos.csv:3: tc: got \"9\", expected an integer 0..7\n"
	  "approvals.csv:2: expires: got \"tomorrow\", expected a date YYYY-MM-DD (1970..2261), * or never" },
	{ "bad header", "country,category\n", NULL,
	  "qos.csv:1: bad header (got \"country,...\", expected \"country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\")" },
};

static void
test_errors_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]);
	     i++) {
		const struct error_case *c = &error_cases[i];
		char buf[4096];
		struct xb_policy *p;

		print_message("case: %s\n", c->name);
		p = load(c->qos, c->appr, buf, sizeof(buf));
		assert_null(p);
		assert_string_equal(buf, c->errors);
	}
}

static void
test_bad_arguments(void **state)
{
	struct xb_errors e;

	(void)state;
	xb_errors_init(&e);
	assert_null(xb_policy_load(XB_TABLE_TEXT("q", QOS_HDR QOS_ALL, 10),
				   NULL, NULL, fx.ca, fx.te, &e));
	assert_null(xb_policy_load(NULL, NULL, fx.co, fx.ca, fx.te, &e));
	assert_null(xb_policy_load(XB_TABLE_FILE("/nonexistent/qos.csv"), NULL,
				   fx.co, fx.ca, fx.te, &e));
	assert_true(xb_errors_count(&e) >= 1);
	xb_errors_free(&e);
	xb_policy_free(NULL);
}

/* ---- the default tables in config/ ---- */

static void
test_default_tables(void **state)
{
	char path[4][1024], qos[1024], appr[1024];
	struct xb_countries *co;
	struct xb_categories *ca;
	struct xb_tenants *te;
	struct xb_policy *p;
	struct xb_errors e;
	uint64_t now;

	(void)state;
	if (test_config_path("countries.csv", path[0], sizeof(path[0])) != 0 ||
	    test_config_path("categories.csv", path[1], sizeof(path[1])) != 0 ||
	    test_config_path("tenants.csv", path[2], sizeof(path[2])) != 0 ||
	    test_config_path("qos.csv", qos, sizeof(qos)) != 0 ||
	    test_config_path("approvals.csv", appr, sizeof(appr)) != 0) {
		skip();
		return;
	}
	xb_errors_init(&e);
	co = xb_countries_load(XB_TABLE_FILE(path[0]), &e);
	ca = xb_categories_load(XB_TABLE_FILE(path[1]), &e);
	te = xb_tenants_load(XB_TABLE_FILE(path[2]), &e);
	assert_non_null(co);
	assert_non_null(ca);
	assert_non_null(te);
	p = xb_policy_load(XB_TABLE_FILE(qos), XB_TABLE_FILE(appr), co, ca, te,
			   &e);
	xb_errors_print(&e, stderr);
	assert_non_null(p);
	assert_int_equal(xb_errors_count(&e), 0);
	now = day("2026-11-01", 0);

	static const struct {
		const char *country, *category, *tenant;
		uint8_t action;
		int metered;
	} cases[] = {
		{ "SG", "ecommerce", "acme-pay", XB_ACT_CHANNEL, 1 },
		{ "TH", "ecommerce", "lotus-trade", XB_ACT_CHANNEL, 1 },
		{ "VN", "media", "bamboo-media", XB_ACT_CHANNEL, 1 },
		{ "SG", "finance", "acme-pay", XB_ACT_CHANNEL, 1 },
		{ "SG", "finance", "lotus-trade", XB_ACT_NEGATIVE_LIST, 0 },
		{ "MY", "health_data", "gov-health", XB_ACT_NEGATIVE_LIST, 0 },
		{ "SG", "health_data", "gov-health", XB_ACT_AUDIT, 1 },
		{ "VN", "geodata", "silk-logistics", XB_ACT_NEGATIVE_LIST, 0 },
		{ "ID", "vpn", "sea-cloud", XB_ACT_DENY, 0 },
		{ "US", "media", "acme-pay", XB_ACT_PUBLIC, 0 },
		{ "ZZ", "unclassified", "unknown", XB_ACT_PUBLIC, 0 },
		{ "SG", "cloud", "unknown", XB_ACT_PUBLIC, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xb_policy_verdict v;
		int co_i = xb_countries_find(co, cases[i].country);
		int ca_i = xb_categories_find(ca, cases[i].category);
		int te_i = strcmp(cases[i].tenant, "unknown") == 0 ?
				   0 :
				   xb_tenants_find(te, cases[i].tenant);

		print_message("default: %s %s %s\n", cases[i].country,
			      cases[i].category, cases[i].tenant);
		assert_true(co_i >= 0 && ca_i >= 0 && te_i >= 0);
		xb_policy_decide(p, (uint16_t)co_i, (uint16_t)ca_i,
				 (uint16_t)te_i, now, &v);
		assert_int_equal(v.action, cases[i].action);
		assert_int_equal(v.meter != XB_METER_NONE, cases[i].metered);
	}
	xb_policy_free(p);
	xb_tenants_free(te);
	xb_categories_free(ca);
	xb_countries_free(co);
	xb_errors_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_out_of_range_indexes),
		cmocka_unit_test(test_meter_instances),
		cmocka_unit_test(test_describe_and_names),
		cmocka_unit_test(test_expiry_parse),
		cmocka_unit_test(test_errors_table),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_default_tables),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
