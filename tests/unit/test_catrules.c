/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Category rules on rte_acl: rows of {packet key, expected category}
 * through the burst classifier, bad rows with their exact messages, empty
 * tables, coexisting builds, the default table, and the per-burst cost.
 * Needs EAL (rte_acl allocates from EAL memory): --no-huge, own prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "xb_catrule.h"
#include "xb_category.h"
#include "test_eal.h"
#include "test_helpers_path.h"

static const char cats_csv[] =
	"category,name,list\n"
	"cloud,Cloud,general\n"
	"finance,Finance,negative\n"
	"media,Media,general\n"
	"dns,DNS,general\n"
	"email,E-mail,general\n"
	"social,Social,general\n"
	"collab,Collaboration,general\n"
	"geodata,Mapping,negative\n"
	"health_data,Health,negative\n"
	"ecommerce,E-commerce,general\n";

static struct xb_categories *cats;

static const char rules_csv[] =
	"priority,category,proto,src,dst,sport,dport,dscp\n"  /* 1 */
	"10,cloud,tcp,10.0.0.0/8,*,*,443,*\n"                 /* 2 */
	"20,finance,tcp,10.1.0.0/16,*,*,443,*\n"              /* 3 */
	"20,media,tcp,10.1.0.0/16,*,*,443,*\n"                /* 4: tie */
	"5,dns,udp,*,*,*,53,*\n"                              /* 5: v4+v6 */
	"30,email,6,*,192.0.2.0/24,*,25,*\n"                  /* 6 */
	"15,social,TCP,*,*,1024-65535,8000-8080,*\n"          /* 7 */
	"50,collab,udp,*,*,*,*,46\n"                          /* 8: v4+v6 */
	"40,geodata,*,2001:db8::/32,*,*,*,*\n"                /* 9 */
	"45,health_data,icmpv6,*,2001:db8:1::/48,*,*,*\n"     /* 10 */
	"60,finance,udp,*,2001:db8:1:8000::/49,*,*,*\n"       /* 11 */
	"25,ecommerce,sctp,*,*,*,*,*\n"                       /* 12 */
	"12,media,17,192.0.2.1,198.51.100.0/24,*,*,*\n";      /* 13 */

struct pkt_row {
	const char *what;
	const char *src, *dst; /* family from the text; NULL: not IP */
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t dscp;
	const char *cat;
};

static const struct pkt_row pkt_rows[] = {
	{ "v4 prefix", "10.2.3.4", "8.8.8.8", 6, 40000, 443, 0, "cloud" },
	{ "priority beats shorter", "10.1.3.4", "8.8.8.8", 6, 40000, 443, 0, "finance" },
	{ "tie: earlier row", "10.1.255.255", "1.1.1.1", 6, 1, 443, 0, "finance" },
	{ "port mismatch", "10.1.3.4", "8.8.8.8", 6, 40000, 80, 0, "unclassified" },
	{ "proto mismatch", "10.1.3.4", "8.8.8.8", 17, 40000, 443, 0, "unclassified" },
	{ "v4 wildcard rule", "1.2.3.4", "8.8.8.8", 17, 5353, 53, 0, "dns" },
	{ "v6 wildcard rule", "2001:db9::1", "2001:4860::8888", 17, 5353, 53, 0, "dns" },
	{ "proto number, dst prefix", "1.2.3.4", "192.0.2.7", 6, 30000, 25, 0, "email" },
	{ "dst outside", "1.2.3.4", "192.0.3.7", 6, 30000, 25, 0, "unclassified" },
	{ "range low ends", "1.2.3.4", "5.6.7.8", 6, 1024, 8000, 0, "social" },
	{ "range high ends", "1.2.3.4", "5.6.7.8", 6, 65535, 8080, 0, "social" },
	{ "below sport range", "1.2.3.4", "5.6.7.8", 6, 1023, 8000, 0, "unclassified" },
	{ "above dport range", "1.2.3.4", "5.6.7.8", 6, 2000, 8081, 0, "unclassified" },
	{ "dscp 46 v4", "1.2.3.4", "5.6.7.8", 17, 2000, 9999, 46, "collab" },
	{ "dscp beats dns", "1.2.3.4", "5.6.7.8", 17, 2000, 53, 46, "collab" },
	{ "dscp 45", "1.2.3.4", "5.6.7.8", 17, 2000, 9999, 45, "unclassified" },
	{ "dscp 46 v6", "2001:db9::1", "2001:db9::2", 17, 2000, 9999, 46, "collab" },
	{ "v6 src prefix", "2001:db8::5", "2001:db9::1", 6, 2000, 443, 0, "geodata" },
	{ "v6 outside", "2001:db9::5", "2001:db9::1", 6, 2000, 443, 0, "unclassified" },
	{ "icmpv6 name", "2001:db8::5", "2001:db8:1::1", 58, 0x8000, 7, 0, "health_data" },
	{ "icmpv6 elsewhere", "2001:db8::5", "2001:db8:2::1", 58, 0x8000, 7, 0, "geodata" },
	{ "v6 /49 inside", "2001:db9::5", "2001:db8:1:8123::1", 17, 1, 9, 0, "finance" },
	{ "v6 /49 edge", "2001:db9::5", "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 17, 1, 9, 0, "finance" },
	{ "v6 /49 below", "2001:db9::5", "2001:db8:1:7fff::1", 17, 1, 9, 0, "unclassified" },
	{ "sctp name", "1.2.3.4", "5.6.7.8", 132, 1, 2, 0, "ecommerce" },
	{ "sctp v6", "2001:db9::5", "2001:db9::6", 132, 1, 2, 0, "ecommerce" },
	{ "host /32", "192.0.2.1", "198.51.100.9", 17, 1, 2, 0, "media" },
	{ "host /32 other", "192.0.2.2", "198.51.100.9", 17, 1, 2, 0, "unclassified" },
	{ "not IP", NULL, NULL, 6, 1, 443, 0, "unclassified" },
};

static void
pkt_from_row(const struct pkt_row *r, struct xb_pkt_info *p)
{
	memset(p, 0, sizeof(*p));
	p->proto = r->proto;
	p->sport = r->sport;
	p->dport = r->dport;
	p->dscp = r->dscp;
	p->flags = XB_PKT_F_HAS_L4;
	if (r->src == NULL)
		return;
	if (strchr(r->src, ':') != NULL) {
		p->family = 6;
		assert_int_equal(inet_pton(AF_INET6, r->src, p->src), 1);
		assert_int_equal(inet_pton(AF_INET6, r->dst, p->dst), 1);
	} else {
		p->family = 4;
		assert_int_equal(inet_pton(AF_INET, r->src, p->src), 1);
		assert_int_equal(inet_pton(AF_INET, r->dst, p->dst), 1);
	}
}

static struct xb_catrules *
load_rules(const char *text)
{
	struct xb_errors e;
	struct xb_catrules *r;

	xb_errors_init(&e);
	r = xb_catrules_load(XB_TABLE_TEXT("rules.csv", text, strlen(text)),
			     cats, SOCKET_ID_ANY, &e);
	xb_errors_print(&e, stderr);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_errors_free(&e);
	assert_non_null(r);
	return r;
}

static void
check_rows(const struct xb_catrules *r)
{
	enum { N = sizeof(pkt_rows) / sizeof(pkt_rows[0]) };
	/* Classify as one burst and as a burst repeated past the internal
	 * chunk size, so splitting by family and chunking are both covered. */
	enum { REP = 5 };
	static struct xb_pkt_info infos[N];
	const struct xb_pkt_info *ptrs[N * REP];
	uint16_t out[N * REP];

	for (unsigned int i = 0; i < N; i++)
		pkt_from_row(&pkt_rows[i], &infos[i]);
	for (unsigned int i = 0; i < N * REP; i++)
		ptrs[i] = &infos[i % N];
	xb_catrules_classify(r, ptrs, N * REP, out);
	for (unsigned int i = 0; i < N * REP; i++) {
		int want = xb_categories_find(cats, pkt_rows[i % N].cat);

		if (out[i] != want)
			fail_msg("%s (packet %u): got %s, expected %s",
				 pkt_rows[i % N].what, i,
				 xb_categories_id(cats, out[i]),
				 pkt_rows[i % N].cat);
	}
	/* One at a time gives the same. */
	for (unsigned int i = 0; i < N; i++) {
		uint16_t one = 0xffff;

		xb_catrules_classify(r, &ptrs[i], 1, &one);
		assert_int_equal(one, out[i]);
	}
}

static void
test_rows(void **state)
{
	struct xb_catrules *r = load_rules(rules_csv);

	(void)state;
	assert_int_equal(xb_catrules_count(r), 12);
	assert_true(xb_catrules_memory(r) > 0);
	check_rows(r);
	xb_catrules_free(r);
}

/* A reload builds a second object while the first is in use. */
static void
test_two_builds(void **state)
{
	struct xb_catrules *a = load_rules(rules_csv);
	struct xb_catrules *b = load_rules(rules_csv);

	(void)state;
	check_rows(a);
	check_rows(b);
	xb_catrules_free(a);
	check_rows(b);
	xb_catrules_free(b);
}

static void
test_empty_and_single_family(void **state)
{
	static const char *const texts[] = {
		"priority,category,proto,src,dst,sport,dport,dscp\n",
		"priority,category,proto,src,dst,sport,dport,dscp\n"
		"1,cloud,*,10.0.0.0/8,*,*,*,*\n",
		"priority,category,proto,src,dst,sport,dport,dscp\n"
		"1,cloud,*,*,2001:db8::/32,*,*,*\n",
	};
	static const struct pkt_row rows[] = {
		{ "v4", "10.0.0.1", "1.1.1.1", 6, 1, 2, 0, NULL },
		{ "v6", "2001:db9::1", "2001:db8::1", 6, 1, 2, 0, NULL },
	};
	/* expected category per table per row */
	static const char *const want[3][2] = {
		{ "unclassified", "unclassified" },
		{ "cloud", "unclassified" },
		{ "unclassified", "cloud" },
	};

	(void)state;
	for (unsigned int t = 0; t < 3; t++) {
		struct xb_catrules *r = load_rules(texts[t]);
		struct xb_pkt_info p[2];
		const struct xb_pkt_info *pp[2] = { &p[0], &p[1] };
		uint16_t out[2] = { 0xffff, 0xffff };

		pkt_from_row(&rows[0], &p[0]);
		pkt_from_row(&rows[1], &p[1]);
		xb_catrules_classify(r, pp, 2, out);
		for (unsigned int i = 0; i < 2; i++)
			assert_int_equal(out[i],
					 xb_categories_find(cats, want[t][i]));
		xb_catrules_classify(r, pp, 0, out);
		xb_catrules_free(r);
	}
}

static const struct {
	const char *row;
	const char *error; /* for line 2 */
} bad_rows[] = {
	{ "10,cloud,tcp,*,*,*,90-80,*",
	  "t.csv:2: dport: got \"90-80\", expected a port 0..65535, a range a-b with a <= b, or *" },
	{ "10,cloud,tcp,*,*,65536,*,*",
	  "t.csv:2: sport: got \"65536\", expected a port 0..65535, a range a-b with a <= b, or *" },
	{ "10,cloud,tcp,*,*,1-,*,*",
	  "t.csv:2: sport: got \"1-\", expected a port 0..65535, a range a-b with a <= b, or *" },
	{ "10,cloud,tcp,10.0.0.0/33,*,*,*,*",
	  "t.csv:2: src: got \"10.0.0.0/33\", expected an IPv4 or IPv6 prefix or * (prefix length too long)" },
	{ "10,cloud,tcp,*,10.0.0.1/8,*,*,*",
	  "t.csv:2: dst: got \"10.0.0.1/8\", expected an IPv4 or IPv6 prefix or * (host bits set below the prefix length)" },
	{ "10,cloud,tcp,*,2001:db8::g/32,*,*,*",
	  "t.csv:2: dst: got \"2001:db8::g/32\", expected an IPv4 or IPv6 prefix or * (not an IPv6 address)" },
	{ "10,nope,tcp,*,*,*,*,*",
	  "t.csv:2: category: unknown category (got \"nope\", expected a category of cats.csv)" },
	{ "10,cloud,tcp,10.0.0.0/8,2001:db8::/32,*,*,*",
	  "t.csv:2: src and dst are of different families (got IPv4 and IPv6, expected one family)" },
	{ "10,cloud,igmpx,*,*,*,*,*",
	  "t.csv:2: proto: got \"igmpx\", expected a protocol number 0..255, tcp, udp, icmp, sctp, icmpv6 or *" },
	{ "10,cloud,256,*,*,*,*,*",
	  "t.csv:2: proto: got \"256\", expected a protocol number 0..255, tcp, udp, icmp, sctp, icmpv6 or *" },
	{ "10,cloud,tcp,*,*,*,*,64",
	  "t.csv:2: dscp: got \"64\", expected an integer 0..63" },
	{ "-1,cloud,tcp,*,*,*,*,*",
	  "t.csv:2: priority: got \"-1\", expected an integer 0..1000000" },
	{ "1000001,cloud,tcp,*,*,*,*,*",
	  "t.csv:2: priority: got \"1000001\", expected an integer 0..1000000" },
	{ "10,cloud,tcp,*,*,*,*",
	  "t.csv:2: wrong number of fields (got 7, expected 8)" },
	/* Several problems in one row: all reported, in column order. */
	{ "x,nope,tcp,*,*,*,90-80,99",
	  "t.csv:2: priority: got \"x\", expected an integer 0..1000000\n"
	  "t.csv:2: category: unknown category (got \"nope\", expected a category of cats.csv)\n"
	  "t.csv:2: dport: got \"90-80\", expected a port 0..65535, a range a-b with a <= b, or *\n"
	  "t.csv:2: dscp: got \"99\", expected an integer 0..63" },
};

static void
test_bad_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		char text[512], got[2048];
		struct xb_errors e;
		struct xb_catrules *r;

		snprintf(text, sizeof(text),
			 "priority,category,proto,src,dst,sport,dport,dscp\n%s\n"
			 "1,cloud,*,*,*,*,*,*\n",
			 bad_rows[i].row);
		xb_errors_init(&e);
		r = xb_catrules_load(XB_TABLE_TEXT("t.csv", text, strlen(text)),
				     cats, SOCKET_ID_ANY, &e);
		xb_errors_join(&e, got, sizeof(got));
		if (r != NULL || strcmp(got, bad_rows[i].error) != 0)
			fail_msg("row \"%s\": got %s\n%s\nexpected\n%s",
				 bad_rows[i].row, r ? "rules" : "NULL", got,
				 bad_rows[i].error);
		xb_errors_free(&e);
	}
}

/* ---- default tables ---- */

static struct xb_categories *
load_default(struct xb_catrules **r)
{
	char cpath[1024], rpath[1024];
	struct xb_categories *c;
	struct xb_errors e;

	if (test_config_path("categories.csv", cpath, sizeof(cpath)) != 0 ||
	    test_config_path("category_rules.csv", rpath, sizeof(rpath)) != 0)
		fail_msg("default tables not found (%s): set XBGW_SOURCE_ROOT",
			 cpath);
	xb_errors_init(&e);
	c = xb_categories_load(XB_TABLE_FILE(cpath), &e);
	*r = c ? xb_catrules_load(XB_TABLE_FILE(rpath), c, SOCKET_ID_ANY, &e)
	       : NULL;
	xb_errors_print(&e, stderr);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_errors_free(&e);
	assert_non_null(*r);
	return c;
}

static const struct pkt_row default_rows[] = {
	{ "dns v4", "192.168.1.2", "8.8.8.8", 17, 5353, 53, 0, "dns" },
	{ "dns v6", "fd00::2", "2001:4860:4860::8888", 17, 5353, 53, 0, "dns" },
	{ "smtp", "10.0.0.2", "203.0.114.25", 6, 40000, 25, 0, "email" },
	{ "imaps v6", "fd00::2", "2001:db8:9::1", 6, 40000, 993, 0, "email" },
	{ "voice", "10.0.0.2", "1.2.3.4", 17, 40000, 16384, 46, "collab" },
	{ "netflix oca", "192.168.1.2", "23.246.11.141", 6, 50000, 443, 0, "media" },
	{ "test prefix", "198.51.100.7", "1.2.3.4", 6, 50000, 443, 0, "finance" },
	{ "web", "192.168.1.2", "1.2.3.4", 6, 50000, 443, 0, "unclassified" },
};

static void
test_default_tables(void **state)
{
	enum { N = sizeof(default_rows) / sizeof(default_rows[0]) };
	struct xb_catrules *r;
	struct xb_categories *c = load_default(&r);
	struct xb_pkt_info infos[N];
	const struct xb_pkt_info *ptrs[N];
	uint16_t out[N];

	(void)state;
	for (unsigned int i = 0; i < N; i++) {
		pkt_from_row(&default_rows[i], &infos[i]);
		ptrs[i] = &infos[i];
	}
	xb_catrules_classify(r, ptrs, N, out);
	for (unsigned int i = 0; i < N; i++)
		if (out[i] != xb_categories_find(c, default_rows[i].cat))
			fail_msg("%s: got %s, expected %s",
				 default_rows[i].what,
				 xb_categories_id(c, out[i]),
				 default_rows[i].cat);
	xb_catrules_free(r);
	xb_categories_free(c);
}

/* Per-burst cost on the default table (printed, not asserted). */
static void
test_classify_cost(void **state)
{
	enum { BURST = 32, ROUNDS = 20000 };
	struct xb_catrules *r;
	struct xb_categories *c = load_default(&r);
	struct xb_pkt_info infos[BURST];
	const struct xb_pkt_info *ptrs[BURST];
	uint16_t out[BURST];
	struct timespec t0, t1;
	unsigned long sink = 0;
	double ns;

	(void)state;
	for (unsigned int i = 0; i < BURST; i++) {
		/* Mixed families, as on a real link (1 in 4 IPv6). */
		pkt_from_row(&default_rows[i % 8], &infos[i]);
		infos[i].sport = (uint16_t)(1024 + i * 7);
		ptrs[i] = &infos[i];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int k = 0; k < ROUNDS; k++) {
		xb_catrules_classify(r, ptrs, BURST, out);
		sink += out[k % BURST];
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	     (double)(t1.tv_nsec - t0.tv_nsec);
	printf("# catrules: %u rules, ~%zu bytes of ACL memory, %.0f ns per "
	       "burst of %d (%.1f ns per packet, checksum %lu)\n",
	       xb_catrules_count(r), xb_catrules_memory(r), ns / ROUNDS, BURST,
	       ns / ROUNDS / BURST, sink);
	fflush(stdout);
	xb_catrules_free(r);
	xb_categories_free(c);
}

static int
setup(void **state)
{
	struct xb_errors e;

	(void)state;
	xb_errors_init(&e);
	cats = xb_categories_load(XB_TABLE_TEXT("cats.csv", cats_csv,
						strlen(cats_csv)),
				  &e);
	xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	return cats == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	xb_categories_free(cats);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_two_builds),
		cmocka_unit_test(test_empty_and_single_family),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_default_tables),
		cmocka_unit_test(test_classify_cost),
	};
	int rc;

	if (test_eal_init("test_catrules", "512") < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	rte_eal_cleanup();
	return rc;
}
