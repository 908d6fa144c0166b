/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's flow verdict (app/dp/xb_verdict.h): a classification and a
 * policy decision filled into struct xb_flow_verdict, field by field as
 * xb_policy_decide() gives them; what a step does not own (the other
 * step's fields, the interim-record count) kept; a decision redone when
 * an approval lapses; and the layout rules of the flow entry it lives in.
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

#include "xb_verdict.h"

static const char countries_csv[] =
	"code,name,group\n"
	"SG,Singapore,ASEAN\n"
	"VN,Vietnam,ASEAN\n"
	"US,United States,\n";

static const char cats_csv[] =
	"category,name,list\n"
	"finance,Finance,negative\n"
	"media,Media,general\n";

static const char tenants_csv[] =
	"tenant,name,class,quota_gb,over_quota\n"
	"acme,Acme,enterprise,0,notify\n"
	"lotus,Lotus,sme,0,notify\n";

static const char qos_csv[] =
	"country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
	"*,*,*,public,0,*,*,*,*,*\n"
	"ASEAN,*,*,channel,2,*,*,*,*,18\n"
	"ASEAN,finance,*,channel,1,500,1500,1000,3000,26\n"
	"*,media,enterprise,deny,0,*,*,*,*,*\n"
	"SG,media,*,audit,5,*,*,*,*,*\n";

static const char approvals_csv[] =
	"tenant,category,country,expires\n"
	"lotus,finance,ASEAN,2026-01-31\n";

struct fixture {
	struct xb_countries *co;
	struct xb_categories *ca;
	struct xb_tenants *te;
	struct xb_policy *p;
};

static struct fixture fx;

static int
setup(void **state)
{
	struct xb_errors e;

	(void)state;
	xb_errors_init(&e);
	fx.co = xb_countries_load(XB_TABLE_TEXT("countries.csv", countries_csv,
						strlen(countries_csv)), &e);
	fx.ca = xb_categories_load(XB_TABLE_TEXT("cats.csv", cats_csv,
						 strlen(cats_csv)), &e);
	fx.te = xb_tenants_load(XB_TABLE_TEXT("tenants.csv", tenants_csv,
					      strlen(tenants_csv)), &e);
	if (fx.co && fx.ca && fx.te)
		fx.p = xb_policy_load(
			XB_TABLE_TEXT("qos.csv", qos_csv, strlen(qos_csv)),
			XB_TABLE_TEXT("approvals.csv", approvals_csv,
				      strlen(approvals_csv)),
			fx.co, fx.ca, fx.te, &e);
	xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	return fx.p != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	xb_policy_free(fx.p);
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
	int i = xb_tenants_find(fx.te, tenant);

	assert_true(i >= 0);
	return (uint16_t)i;
}

/* ns since the epoch of the first ns of a UTC date. */
static uint64_t
day(const char *date)
{
	uint64_t end;

	assert_int_equal(xb_policy_parse_expiry(date, &end), 0);
	return end + 1 - 86400ull * 1000000000ull;
}

/* A verdict full of values no step writes, to see what each keeps. */
static struct xb_flow_verdict
stale(void)
{
	struct xb_flow_verdict v;

	memset(&v, 0xa5, sizeof(v));
	return v;
}

/* ---- classification, then decision, as the worker fills a verdict ---- */

struct fill_case {
	const char *name;
	const char *country, *category, *tenant;
	const char *date; /* UTC day of now */
	uint8_t action;
	uint8_t dscp;
	int metered;
	const char *valid_until; /* date whose end bounds it; NULL: forever */
};

static const struct fill_case fill_cases[] = {
	{ "fallback row: public, DSCP kept, unmetered", "US", "media", "lotus",
	  "2026-01-15", XB_ACT_PUBLIC, XB_DSCP_KEEP, 0, NULL },
	{ "group row: channel with DSCP", "VN", "media", "lotus",
	  "2026-01-15", XB_ACT_CHANNEL, 18, 0, NULL },
	{ "audit row", "SG", "media", "lotus", "2026-01-15", XB_ACT_AUDIT,
	  XB_DSCP_KEEP, 0, NULL },
	{ "deny row", "US", "media", "acme", "2026-01-15", XB_ACT_DENY,
	  XB_DSCP_KEEP, 0, NULL },
	{ "approved negative list: metered, bounded by the approval", "VN",
	  "finance", "lotus", "2026-01-15", XB_ACT_CHANNEL, 26, 1,
	  "2026-01-31" },
	{ "approval expired", "VN", "finance", "lotus", "2026-02-01",
	  XB_ACT_NEGATIVE_LIST, XB_DSCP_KEEP, 0, NULL },
	{ "no approval", "VN", "finance", "acme", "2026-01-15",
	  XB_ACT_NEGATIVE_LIST, XB_DSCP_KEEP, 0, NULL },
};

static void
test_fill_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fill_cases) / sizeof(fill_cases[0]);
	     i++) {
		const struct fill_case *c = &fill_cases[i];
		struct xb_verdict cls = {.country = C(c->country),
					 .tenant = T(c->tenant),
					 .category = K(c->category),
					 .remote = 1};
		struct xb_flow_verdict v = stale();
		struct xb_policy_verdict pv;
		uint64_t now = day(c->date), until = UINT64_MAX;

		print_message("case: %s\n", c->name);
		if (c->valid_until != NULL)
			assert_int_equal(xb_policy_parse_expiry(c->valid_until,
								&until),
					 0);
		xb_verdict_classified(&v, &cls);
		xb_verdict_decide(&v, fx.p, now);
		/* what the policy says, field by field */
		xb_policy_decide(fx.p, cls.country, cls.category, cls.tenant,
				 now, &pv);
		assert_int_equal(v.country, cls.country);
		assert_int_equal(v.tenant, cls.tenant);
		assert_int_equal(v.category, cls.category);
		assert_int_equal(v.action, pv.action);
		assert_int_equal(v.dscp, pv.dscp);
		assert_int_equal(v.meter, pv.meter);
		assert_true(v.valid_until_ns == pv.valid_until_ns);
		/* and what the case expects of it */
		assert_int_equal(v.action, c->action);
		assert_int_equal(v.dscp, c->dscp);
		if (c->metered)
			assert_true(v.meter < xb_policy_meter_count(fx.p));
		else
			assert_true(v.meter == XB_METER_NONE);
		if (c->action != XB_ACT_NEGATIVE_LIST)
			assert_true(v.valid_until_ns == until);
		/* the interim count is neither step's */
		assert_int_equal(v.interims, stale().interims);
	}
}

/* Each step writes its own fields only. */
static void
test_steps_keep_the_rest(void **state)
{
	const struct xb_flow_verdict before = stale();
	struct xb_verdict cls = {.country = 1, .tenant = 2, .category = 3};
	struct xb_policy_verdict pv = {.action = XB_ACT_PUBLIC,
				       .tc = 4,
				       .dscp = XB_DSCP_KEEP,
				       .row = 7,
				       .meter = XB_METER_NONE,
				       .valid_until_ns = UINT64_MAX};
	struct xb_flow_verdict v = before;

	(void)state;
	xb_verdict_classified(&v, &cls);
	assert_int_equal(v.country, 1);
	assert_int_equal(v.tenant, 2);
	assert_int_equal(v.category, 3);
	assert_int_equal(v.action, before.action);
	assert_int_equal(v.dscp, before.dscp);
	assert_int_equal(v.meter, before.meter);
	assert_int_equal(v.interims, before.interims);
	assert_true(v.valid_until_ns == before.valid_until_ns);

	v = before;
	xb_verdict_decided(&v, &pv);
	assert_int_equal(v.action, XB_ACT_PUBLIC);
	assert_int_equal(v.dscp, XB_DSCP_KEEP);
	assert_true(v.meter == XB_METER_NONE);
	assert_true(v.valid_until_ns == UINT64_MAX);
	assert_int_equal(v.country, before.country);
	assert_int_equal(v.tenant, before.tenant);
	assert_int_equal(v.category, before.category);
	assert_int_equal(v.interims, before.interims);
}

/*
 * A flow's verdict decided again when its approval lapses, as the worker
 * does (valid_until_ns reached): the action turns to negative_list, the
 * indexes and the interim records sent stay.
 */
static void
test_decided_again_at_expiry(void **state)
{
	struct xb_verdict cls = {.country = C("SG"),
				 .tenant = T("lotus"),
				 .category = K("finance")};
	struct xb_flow_verdict v = {0};
	uint64_t now = day("2026-01-20");

	(void)state;
	xb_verdict_classified(&v, &cls);
	xb_verdict_decide(&v, fx.p, now);
	assert_int_equal(v.action, XB_ACT_CHANNEL);
	assert_true(v.valid_until_ns == day("2026-02-01") - 1);
	v.interims = 3;
	/* the approval holds through its last ns */
	xb_verdict_decide(&v, fx.p, v.valid_until_ns);
	assert_int_equal(v.action, XB_ACT_CHANNEL);
	assert_true(v.valid_until_ns == day("2026-02-01") - 1);
	/* and not one ns longer */
	xb_verdict_decide(&v, fx.p, v.valid_until_ns + 1);
	assert_int_equal(v.action, XB_ACT_NEGATIVE_LIST);
	assert_true(v.meter == XB_METER_NONE);
	assert_int_equal(v.country, cls.country);
	assert_int_equal(v.tenant, cls.tenant);
	assert_int_equal(v.category, cls.category);
	assert_int_equal(v.interims, 3);
}

/* Where the verdict sits in a flow entry (xb_flow.h): a hit's first reads
 * on line 0 with the key, the rest on line 1 with the counters. */
static void
test_entry_layout(void **state)
{
	size_t v = offsetof(struct xb_flow, verdict);

	(void)state;
	assert_int_equal(sizeof(struct xb_flow), 128);
	assert_true(v + offsetof(struct xb_flow_verdict, country) < 64);
	assert_true(v + offsetof(struct xb_flow_verdict, tenant) < 64);
	assert_true(v + offsetof(struct xb_flow_verdict, category) < 64);
	assert_true(v + offsetof(struct xb_flow_verdict, action) < 64);
	assert_true(v + offsetof(struct xb_flow_verdict, dscp) < 64);
	assert_true(offsetof(struct xb_flow, generation) < 64);
	assert_true(v + offsetof(struct xb_flow_verdict, meter) >= 64);
	assert_true(v + offsetof(struct xb_flow_verdict, valid_until_ns) >= 64);
	assert_true(offsetof(struct xb_flow, packets) >= 64);
}

/* A flow's drops by reason: the entry's low byte and the side array's
 * high part add up exactly across the wraps, per reason, in steps of 1
 * and of a reassembled datagram's frames; reasons that are not the
 * flow's (malformed) are not counted; a new entry starts at zero. */
static void
test_flow_drops(void **state)
{
	static struct xb_siphash_key hk;
	static const uint8_t secret[XB_SIPHASH_SECRET_LEN] = {1, 2, 3};
	struct xb_flow_table_params p = {.capacity = 16, .hash_key = &hk};
	struct xb_flow_table *t;
	struct xb_flow_key k;
	struct xb_flow *f;
	uint64_t want[XB_FLOW_DROP_REASONS] = {0};
	uint32_t h;

	(void)state;
	xb_siphash_key_init(&hk, secret);
	t = xb_flow_table_create(&p);
	assert_non_null(t);
	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = 17;
	k.port[0] = 1000;
	k.port[1] = 53;
	h = xb_flow_key_hash(&hk, &k);
	f = xb_flow_insert(t, &k, h, 1, NULL, NULL);
	assert_non_null(f);
	for (unsigned int k2 = 0; k2 < XB_FLOW_DROP_REASONS; k2++)
		assert_int_equal(xb_flow_drops(t, f, k2), 0);
	for (unsigned int i = 0; i < 3000; i++) {
		unsigned int k2 = i % 7 % XB_FLOW_DROP_REASONS;
		uint32_t n = i % 5 == 0 ? 8 : 1;

		xb_flow_count_drop(t, f, XB_FLOW_DROP_FIRST + k2, n);
		want[k2] += n;
		xb_flow_count_drop(t, f, XB_DROP_MALFORMED, 1);
	}
	for (unsigned int k2 = 0; k2 < XB_FLOW_DROP_REASONS; k2++) {
		assert_true(want[k2] > 256);
		assert_int_equal(xb_flow_drops(t, f, k2), want[k2]);
	}
	xb_flow_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_table),
		cmocka_unit_test(test_steps_keep_the_rest),
		cmocka_unit_test(test_decided_again_at_expiry),
		cmocka_unit_test(test_entry_layout),
		cmocka_unit_test(test_flow_drops),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
