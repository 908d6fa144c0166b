/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS answer cache the workers share (xb_dns_cache) and what may enter
 * it (xb_dns_learn): tenant isolation, TTL clamp and expiry, bounded sets
 * with counted evictions, the newest name across partitions; answers
 * learnt only from the outside server, for a query seen on the same flow
 * (id, 5-tuple, question), once; forged answers refused and counted; and
 * one writer beside one reader thread never shows a torn entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "xb_dns.h"
#include "xb_dns_cache.h"
#include "xb_dns_learn.h"

#define NS 1000000000ull
#define T0 (1000 * NS)

static struct xb_name
name_of(const char *s)
{
	struct xb_name n;

	assert_int_equal(xb_name_store(&n, (const uint8_t *)s,
				       (uint32_t)strlen(s), XB_NAME_SRC_DNS),
			 XB_NAME_FOUND);
	return n;
}

static const uint8_t SRV4[4] = {1, 21, 224, 10};
static const uint8_t SRV4B[4] = {1, 21, 224, 20};

static void
test_cache_args(void **state)
{
	(void)state;
	assert_null(xb_dns_cache_create(0, 16, 1));
	assert_null(xb_dns_cache_create(XB_DNS_CACHE_MAX_WRITERS + 1, 16, 1));
	assert_null(xb_dns_cache_create(1, 0, 1));
	assert_null(xb_dns_cache_create(1, (1u << 24) + 1, 1));
	xb_dns_cache_free(NULL);
	assert_null(xb_dns_learner_create(NULL, 0, 16, 1));
	struct xb_dns_cache *c = xb_dns_cache_create(1, 16, 1);
	assert_non_null(c);
	assert_null(xb_dns_learner_create(c, 0, 0, 1));
	assert_null(xb_dns_learner_create(c, 0, (1u << 20) + 1, 1));
	xb_dns_learner_free(NULL);
	xb_dns_cache_free(c);
	/* Stable keys: the same id, the same key; different ids differ. */
	assert_true(xb_dns_cache_tenant_key("lotus-trade") ==
		    xb_dns_cache_tenant_key("lotus-trade"));
	assert_true(xb_dns_cache_tenant_key("lotus-trade") !=
		    xb_dns_cache_tenant_key("acme-pay"));
}

static void
test_cache_tenants_ttl(void **state)
{
	(void)state;
	struct xb_dns_cache *c = xb_dns_cache_create(2, 64, 99);
	uint64_t ta = xb_dns_cache_tenant_key("a"), tb = xb_dns_cache_tenant_key("b");
	struct xb_name n = name_of("WWW.Example.org."), out;

	xb_dns_cache_put(c, 0, ta, 4, SRV4, &n, 5, T0);
	assert_true(xb_dns_cache_lookup(c, ta, 4, SRV4, T0 + 1, &out));
	assert_string_equal(out.str, "www.example.org");
	assert_int_equal(out.len, 15);
	assert_int_equal(out.source, XB_NAME_SRC_DNS_CACHE);
	/* Another tenant, another address, another family: nothing. */
	assert_false(xb_dns_cache_lookup(c, tb, 4, SRV4, T0 + 1, &out));
	assert_false(xb_dns_cache_lookup(c, ta, 4, SRV4B, T0 + 1, &out));
	uint8_t v6[16] = {1, 21, 224, 10};
	assert_false(xb_dns_cache_lookup(c, ta, 6, v6, T0 + 1, &out));
	assert_false(xb_dns_cache_lookup(c, ta, 5, SRV4, T0 + 1, &out));
	/* TTL 5 s clamped up to the floor; gone after it. */
	assert_true(xb_dns_cache_lookup(
		c, ta, 4, SRV4, T0 + (XB_NAME_CACHE_TTL_MIN - 1) * NS, &out));
	assert_false(xb_dns_cache_lookup(c, ta, 4, SRV4,
					 T0 + XB_NAME_CACHE_TTL_MIN * NS, &out));
	/* A week clamped down to the ceiling. */
	xb_dns_cache_put(c, 0, ta, 4, SRV4, &n, 7 * 86400, T0);
	assert_true(xb_dns_cache_lookup(
		c, ta, 4, SRV4, T0 + (XB_NAME_CACHE_TTL_MAX - 1) * NS, &out));
	assert_false(xb_dns_cache_lookup(c, ta, 4, SRV4,
					 T0 + XB_NAME_CACHE_TTL_MAX * NS, &out));
	/* IPv6, and tenant b's own name for the same IPv4 address. */
	xb_dns_cache_put(c, 1, ta, 6, v6, &n, 300, T0);
	assert_true(xb_dns_cache_lookup(c, ta, 6, v6, T0 + 1, &out));
	struct xb_name nb = name_of("b.example");
	xb_dns_cache_put(c, 1, tb, 4, SRV4, &nb, 300, T0);
	assert_true(xb_dns_cache_lookup(c, tb, 4, SRV4, T0 + 1, &out));
	assert_string_equal(out.str, "b.example");
	assert_true(xb_dns_cache_lookup(c, ta, 4, SRV4, T0 + 1, &out));
	assert_string_equal(out.str, "www.example.org");
	/* A bad writer index or family is ignored. */
	xb_dns_cache_put(c, 2, ta, 4, SRV4B, &n, 300, T0);
	xb_dns_cache_put(c, 0, ta, 7, SRV4B, &n, 300, T0);
	assert_false(xb_dns_cache_lookup(c, ta, 4, SRV4B, T0 + 1, &out));
	xb_dns_cache_free(c);
}

/* Two partitions know the key: the name learnt last wins, wherever. */
static void
test_cache_newest_wins(void **state)
{
	(void)state;
	struct xb_dns_cache *c = xb_dns_cache_create(3, 16, 5);
	struct xb_name n1 = name_of("old.example"), n2 = name_of("new.example");
	struct xb_name out;

	xb_dns_cache_put(c, 2, 1, 4, SRV4, &n1, 300, T0);
	xb_dns_cache_put(c, 0, 1, 4, SRV4, &n2, 300, T0 + NS);
	assert_true(xb_dns_cache_lookup(c, 1, 4, SRV4, T0 + 2 * NS, &out));
	assert_string_equal(out.str, "new.example");
	xb_dns_cache_put(c, 2, 1, 4, SRV4, &n1, 300, T0 + 3 * NS);
	assert_true(xb_dns_cache_lookup(c, 1, 4, SRV4, T0 + 4 * NS, &out));
	assert_string_equal(out.str, "old.example");
	/* A name of the longest length goes in and out whole. */
	char longest[XB_NAME_MAX + 1];
	for (int i = 0; i < XB_NAME_MAX; i++)
		longest[i] = (i % 4 == 3) ? '.' : 'a';
	longest[XB_NAME_MAX] = '\0';
	struct xb_name nl = name_of(longest);
	xb_dns_cache_put(c, 1, 1, 4, SRV4B, &nl, 300, T0);
	assert_true(xb_dns_cache_lookup(c, 1, 4, SRV4B, T0 + 1, &out));
	assert_int_equal(out.len, XB_NAME_MAX);
	assert_string_equal(out.str, longest);
	xb_dns_cache_free(c);
}

/* Far more keys than entries: bounded, evictions counted, the newest
 * keys kept. */
static void
test_cache_bounded(void **state)
{
	(void)state;
	struct xb_dns_cache *c = xb_dns_cache_create(1, 64, 77);
	struct xb_name n = name_of("x.example"), out;
	struct xb_dns_cache_stats st = {0};
	uint8_t a[4] = {10, 0, 0, 0};
	int live = 0;

	for (int i = 0; i < 1000; i++) {
		a[2] = (uint8_t)(i >> 8), a[3] = (uint8_t)i;
		xb_dns_cache_put(c, 0, 1, 4, a, &n, 300, T0 + (uint64_t)i);
	}
	for (int i = 0; i < 1000; i++) {
		a[2] = (uint8_t)(i >> 8), a[3] = (uint8_t)i;
		live += xb_dns_cache_lookup(c, 1, 4, a, T0 + 1000, &out);
	}
	xb_dns_cache_stats_add(c, 0, &st);
	assert_int_equal(st.learnt, 1000);
	assert_true(live <= 64 && live > 0);
	assert_int_equal(st.evicted, 1000 - 64);
	/* The last one learnt is there. */
	a[2] = 999 >> 8, a[3] = (uint8_t)999;
	assert_true(xb_dns_cache_lookup(c, 1, 4, a, T0 + 1000, &out));
	/* Expired entries are reused without an eviction (4 new keys: at
	 * most a set's ways, wherever they land). */
	for (int i = 0; i < 4; i++) {
		a[2] = 0x40, a[3] = (uint8_t)i;
		xb_dns_cache_put(c, 0, 1, 4, a, &n, 300,
				 T0 + (XB_NAME_CACHE_TTL_MAX + 1) * NS);
	}
	st = (struct xb_dns_cache_stats){0};
	xb_dns_cache_stats_add(c, 0, &st);
	assert_int_equal(st.evicted, 1000 - 64);
	xb_dns_cache_free(c);
}

/* ---- learner ---------------------------------------------------------- */

/* DNS messages built by hand. */
static size_t
put_name(uint8_t *p, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		p[n++] = (uint8_t)l;
		memcpy(p + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	p[n++] = 0;
	return n;
}

static size_t
query(uint8_t *m, uint16_t id, const char *qname, uint16_t qtype)
{
	size_t n = 12;

	memset(m, 0, 12);
	m[0] = (uint8_t)(id >> 8), m[1] = (uint8_t)id;
	m[2] = 0x01; /* RD */
	m[5] = 1;    /* one question */
	n += put_name(m + n, qname);
	m[n++] = (uint8_t)(qtype >> 8), m[n++] = (uint8_t)qtype;
	m[n++] = 0, m[n++] = 1;
	return n;
}

/* The answer to query(id, qname, qtype): a CNAME to cdn.example, then
 * one A (addr4) and one AAAA (addr6) record of the CNAME's name. */
static size_t
answer(uint8_t *m, uint16_t id, const char *qname, uint16_t qtype,
       const uint8_t *addr4, const uint8_t *addr6, uint32_t ttl)
{
	size_t n = query(m, id, qname, qtype);
	size_t cname_at;

	m[2] = 0x81, m[3] = 0x80; /* QR RD RA, rcode 0 */
	m[7] = 3;                 /* three answers */
	static const uint8_t ptr_q[2] = {0xc0, 12};
	memcpy(m + n, ptr_q, 2), n += 2;
	m[n++] = 0, m[n++] = 5, m[n++] = 0, m[n++] = 1; /* CNAME IN */
	m[n++] = (uint8_t)(ttl >> 24), m[n++] = (uint8_t)(ttl >> 16);
	m[n++] = (uint8_t)(ttl >> 8), m[n++] = (uint8_t)ttl;
	m[n++] = 0, m[n++] = 13;
	cname_at = n;
	n += put_name(m + n, "cdn.example");
	for (int r = 0; r < 2; r++) {
		m[n++] = (uint8_t)(0xc0 | cname_at >> 8), m[n++] = (uint8_t)cname_at;
		m[n++] = 0, m[n++] = r == 0 ? 1 : 28, m[n++] = 0, m[n++] = 1;
		m[n++] = (uint8_t)(ttl >> 24), m[n++] = (uint8_t)(ttl >> 16);
		m[n++] = (uint8_t)(ttl >> 8), m[n++] = (uint8_t)ttl;
		m[n++] = 0, m[n++] = r == 0 ? 4 : 16;
		memcpy(m + n, r == 0 ? addr4 : addr6, r == 0 ? 4 : 16);
		n += r == 0 ? 4 : 16;
	}
	return n;
}

struct fixture {
	struct xb_dns_cache *c;
	struct xb_dns_learner *l; /* writes partition 0 */
	struct xb_dns_flow fl;    /* 192.168.2.10:40000 -> 8.8.8.8:53 UDP */
	uint8_t q[512], a[512];
	size_t qn, an;
};

static const uint8_t V6[16] = {0x24, 0x01, 0x74, 0, [15] = 0x10};

static void
fixture_init(struct fixture *x, unsigned int pending)
{
	memset(x, 0, sizeof(*x));
	x->c = xb_dns_cache_create(2, 64, 11);
	assert_non_null(x->c);
	x->l = xb_dns_learner_create(x->c, 0, pending, 12);
	assert_non_null(x->l);
	x->fl.tenant = xb_dns_cache_tenant_key("lotus-trade");
	x->fl.family = 4;
	x->fl.proto = 17;
	x->fl.client_port = 40000;
	x->fl.server_port = 53;
	memcpy(x->fl.client, "\xc0\xa8\x02\x0a", 4);
	memcpy(x->fl.server, "\x08\x08\x08\x08", 4);
	x->qn = query(x->q, 0x1234, "www.Example.org", 1);
	x->an = answer(x->a, 0x1234, "www.example.ORG", 1, SRV4, V6, 300);
}

static void
fixture_fini(struct fixture *x)
{
	xb_dns_learner_free(x->l);
	xb_dns_cache_free(x->c);
}

static struct xb_dns_learn_stats
stats(const struct fixture *x)
{
	struct xb_dns_learn_stats st = {0};

	xb_dns_learn_stats_add(x->l, &st);
	return st;
}

static bool
named(struct fixture *x, uint64_t tenant, const uint8_t *addr, uint64_t now)
{
	struct xb_name out;

	return xb_dns_learn_lookup(x->l, tenant, 4, addr, now, &out) &&
	       strcmp(out.str, "www.example.org") == 0;
}

/* The honest case: the query out, its answer back; A records only for
 * an A question (the AAAA of the same answer is not learnt), once. */
static void
test_learn_honest(void **state)
{
	(void)state;
	struct fixture x;
	struct xb_name out;

	fixture_init(&x, 64);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER,
					     x.q, (uint32_t)x.qn, T0),
			 0);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + NS),
			 1);
	assert_true(named(&x, x.fl.tenant, SRV4, T0 + 2 * NS));
	assert_false(xb_dns_learn_lookup(x.l, x.fl.tenant, 6, V6, T0 + 2 * NS,
					 &out));
	/* Another tenant does not see it. */
	assert_false(named(&x, xb_dns_cache_tenant_key("acme-pay"), SRV4,
			   T0 + 2 * NS));
	/* The same answer again: its query was answered already. */
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + NS),
			 0);
	struct xb_dns_learn_stats st = stats(&x);
	assert_int_equal(st.queries, 1);
	assert_int_equal(st.answers_learnt, 1);
	assert_int_equal(st.rejected_no_query, 1);
	assert_int_equal(st.hits, 1);

	/* AAAA question: the AAAA record is learnt, not the A. */
	x.qn = query(x.q, 0x4321, "www.example.org", 28);
	x.an = answer(x.a, 0x4321, "www.example.org", 28, SRV4B, V6, 300);
	xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER, x.q, (uint32_t)x.qn,
			    T0);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + NS),
			 1);
	assert_true(xb_dns_learn_lookup(x.l, x.fl.tenant, 6, V6, T0 + 2 * NS,
					&out));
	assert_false(named(&x, x.fl.tenant, SRV4B, T0 + 2 * NS));

	/* TCP: whole messages behind their length. */
	uint8_t tq[520], ta[520];
	x.fl.proto = 6;
	x.qn = query(tq + 2, 0x5555, "www.example.org", 1);
	x.an = answer(ta + 2, 0x5555, "www.example.org", 1, SRV4B, V6, 300);
	tq[0] = 0, tq[1] = (uint8_t)x.qn, ta[0] = 0, ta[1] = (uint8_t)x.an;
	xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER, tq,
			    (uint32_t)x.qn + 2, T0);
	/* A segment shorter than its message teaches nothing. */
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     ta, (uint32_t)x.an, T0 + NS),
			 0);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     ta, (uint32_t)x.an + 2, T0 + NS),
			 1);
	assert_true(named(&x, x.fl.tenant, SRV4B, T0 + 2 * NS));
	fixture_fini(&x);
}

/* Forged answers: none is learnt, each is counted. */
static void
test_learn_forged(void **state)
{
	(void)state;
	struct fixture x;
	struct xb_dns_learn_stats st;

	fixture_init(&x, 64);
	/* No query at all. */
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0),
			 0);
	/* An answer from the inside (or another wrong way). */
	xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER, x.q, (uint32_t)x.qn, T0);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_OTHER, x.a,
					     (uint32_t)x.an, T0 + 1),
			 0);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER, x.a,
					     (uint32_t)x.an, T0 + 1),
			 0);
	/* The wrong transaction id. */
	uint8_t f[512];
	size_t fn = answer(f, 0x1235, "www.example.org", 1, SRV4, V6, 300);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER, f,
					     (uint32_t)fn, T0 + 2),
			 0);
	/* The right id, another question (name, then type). */
	fn = answer(f, 0x1234, "www.example.net", 1, SRV4, V6, 300);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER, f,
					     (uint32_t)fn, T0 + 3),
			 0);
	fn = answer(f, 0x1234, "www.example.org", 28, SRV4, V6, 300);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER, f,
					     (uint32_t)fn, T0 + 3),
			 0);
	/* Another client port, another server, another tenant (same id). */
	struct xb_dns_flow other = x.fl;
	other.client_port = 40001;
	assert_int_equal(xb_dns_learn_packet(x.l, &other, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + 4),
			 0);
	other = x.fl;
	other.server[3] = 4;
	assert_int_equal(xb_dns_learn_packet(x.l, &other, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + 4),
			 0);
	other = x.fl;
	other.tenant = xb_dns_cache_tenant_key("acme-pay");
	assert_int_equal(xb_dns_learn_packet(x.l, &other, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + 4),
			 0);
	/* A query towards a server not on port 53 is not remembered. */
	other = x.fl;
	other.server_port = 5353;
	xb_dns_learn_packet(x.l, &other, XB_DNS_TO_SERVER, x.q, (uint32_t)x.qn,
			    T0);
	assert_false(named(&x, x.fl.tenant, SRV4, T0 + 5));
	st = stats(&x);
	assert_int_equal(st.answers_learnt, 0);
	assert_int_equal(st.rejected_no_query, 4);
	assert_int_equal(st.rejected_direction, 2);
	assert_int_equal(st.rejected_question, 3);
	/* The real answer, after all that, still pairs with its query. */
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + 6),
			 1);
	assert_true(named(&x, x.fl.tenant, SRV4, T0 + 7));
	/* Too late: the query timed out. */
	x.qn = query(x.q, 0x7777, "www.example.org", 1);
	x.an = answer(x.a, 0x7777, "www.example.org", 1, SRV4B, V6, 300);
	xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER, x.q, (uint32_t)x.qn, T0);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an,
					     T0 + XB_DNS_QUERY_TIMEOUT_NS),
			 0);
	/* An error answer consumes its query, teaches nothing. */
	x.qn = query(x.q, 0x8888, "www.example.org", 1);
	x.an = answer(x.a, 0x8888, "www.example.org", 1, SRV4B, V6, 300);
	x.a[3] |= 3; /* NXDOMAIN */
	xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER, x.q, (uint32_t)x.qn, T0);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + 1),
			 0);
	assert_false(named(&x, x.fl.tenant, SRV4B, T0 + 2));
	/* Garbage of every length is no DNS message. */
	for (uint32_t n = 0; n <= x.an; n++) {
		assert_int_equal(xb_dns_learn_packet(x.l, &x.fl,
						     XB_DNS_FROM_SERVER, x.a, n,
						     T0 + 1),
				 0);
	}
	fixture_fini(&x);
}

/* More queries in flight than room: the limit is counted, and the answer
 * of a query pushed out is refused (never learnt unchecked). */
static void
test_learn_pending_full(void **state)
{
	(void)state;
	struct fixture x;

	fixture_init(&x, 4); /* one set of 4 */
	for (uint16_t id = 1; id <= 5; id++) {
		x.qn = query(x.q, id, "www.example.org", 1);
		xb_dns_learn_packet(x.l, &x.fl, XB_DNS_TO_SERVER, x.q,
				    (uint32_t)x.qn, T0 + id);
	}
	struct xb_dns_learn_stats st = stats(&x);
	assert_int_equal(st.queries, 5);
	assert_int_equal(st.pending_full, 1);
	x.an = answer(x.a, 1, "www.example.org", 1, SRV4, V6, 300);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + 10),
			 0);
	x.an = answer(x.a, 5, "www.example.org", 1, SRV4, V6, 300);
	assert_int_equal(xb_dns_learn_packet(x.l, &x.fl, XB_DNS_FROM_SERVER,
					     x.a, (uint32_t)x.an, T0 + 10),
			 1);
	fixture_fini(&x);
}

/* ---- one writer, one reader ----------------------------------------- */

struct race {
	struct xb_dns_cache *c;
	atomic_bool stop;
	atomic_ulong writes;
};

/* Names the writer alternates: each all one letter, of its own length,
 * so a torn copy (mixed letters, a length of the other) shows. */
static void
race_name(struct xb_name *n, unsigned int i)
{
	unsigned int len = i & 1 ? 200 : 37;
	char ch = (char)('a' + i % 26);

	memset(n->str, ch, len);
	n->str[len] = '\0';
	n->len = (uint8_t)len;
	n->source = XB_NAME_SRC_DNS;
}

static void *
race_writer(void *arg)
{
	struct race *r = arg;
	struct xb_name n;
	uint8_t a[4] = {1, 21, 224, 0};

	for (unsigned int i = 0; !atomic_load(&r->stop); i++) {
		race_name(&n, i);
		/* The watched key, and neighbours that evict and refill its
		 * set (one set of 4: every put lands in it). */
		a[3] = (uint8_t)(i % 8);
		xb_dns_cache_put(r->c, 0, 1, 4, a, &n, 300, T0 + i);
		a[3] = 0;
		xb_dns_cache_put(r->c, 0, 1, 4, a, &n, 300, T0 + i);
		atomic_fetch_add(&r->writes, 1);
	}
	return NULL;
}

static void
test_cache_one_writer_one_reader(void **state)
{
	(void)state;
	struct race r = {.c = xb_dns_cache_create(1, 4, 3)};
	pthread_t t;
	uint8_t a[4] = {1, 21, 224, 0};
	unsigned long hits = 0, misses = 0;

	assert_non_null(r.c);
	atomic_init(&r.stop, false);
	atomic_init(&r.writes, 0);
	assert_int_equal(pthread_create(&t, NULL, race_writer, &r), 0);
	while (atomic_load(&r.writes) < 1000)
		;
	for (int i = 0; i < 300000; i++) {
		struct xb_name out;

		if (!xb_dns_cache_lookup(r.c, 1, 4, a, T0, &out)) {
			misses++;
			continue;
		}
		hits++;
		assert_true(out.len == 37 || out.len == 200);
		assert_int_equal(strlen(out.str), out.len);
		for (unsigned int k = 1; k < out.len; k++)
			assert_true(out.str[k] == out.str[0]);
		assert_int_equal(out.source, XB_NAME_SRC_DNS_CACHE);
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	printf("one writer (%lu puts), one reader: %lu hits, %lu misses "
	       "(entry being written)\n",
	       atomic_load(&r.writes), hits, misses);
	assert_true(hits > 0);
	xb_dns_cache_free(r.c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_args),
		cmocka_unit_test(test_cache_tenants_ttl),
		cmocka_unit_test(test_cache_newest_wins),
		cmocka_unit_test(test_cache_bounded),
		cmocka_unit_test(test_learn_honest),
		cmocka_unit_test(test_learn_forged),
		cmocka_unit_test(test_learn_pending_full),
		cmocka_unit_test(test_cache_one_writer_one_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
