/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the per-lcore flow table (classifiers/flow/xb_flow.h).
 * No EAL, no sleeping: time is passed in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xb_flow.h"
#include "test_rng.h"

#define S(x) ((uint64_t)(x) * XB_FLOW_NS_PER_S)
#define T0 S(1000)

/* The tables' hash key: fixed, so runs repeat (the data path draws one). */
static struct xb_siphash_key test_hk;

static int
setup_hash_key(void **state)
{
	static const uint8_t secret[XB_SIPHASH_SECRET_LEN] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};

	(void)state;
	xb_siphash_key_init(&test_hk, secret);
	return 0;
}

/* ------------------------------------------------------------ helpers */

static void
mk_pi(struct xb_pkt_info *pi, uint8_t family, uint8_t proto,
      const char *src, const char *dst, uint16_t sport, uint16_t dport,
      uint16_t vlan)
{
	memset(pi, 0, sizeof(*pi));
	pi->family = family;
	pi->proto = proto;
	pi->sport = sport;
	pi->dport = dport;
	pi->vlan = vlan;
	pi->flags = XB_PKT_F_HAS_L4;
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, src,
				   pi->src), 1);
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, dst,
				   pi->dst), 1);
}

/* Flow number i: 10.a.b.c:sport <-> 198.51.100.7:443 (TCP) or :53 (UDP). */
static void
mk_key(uint32_t i, uint8_t proto, struct xb_flow_key *k, uint32_t *h)
{
	struct xb_pkt_info pi;
	uint8_t dir;

	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = proto;
	pi.src[0] = 10;
	pi.src[1] = (uint8_t)(i >> 16);
	pi.src[2] = (uint8_t)(i >> 8);
	pi.src[3] = (uint8_t)i;
	pi.dst[0] = 198;
	pi.dst[1] = 51;
	pi.dst[2] = 100;
	pi.dst[3] = 7;
	pi.sport = (uint16_t)(1024 + (i % 50000));
	pi.dport = proto == XB_FLOW_PROTO_UDP ? 53 : 443;
	xb_flow_key_from_pkt(&pi, k, &dir);
	*h = xb_flow_key_hash(&test_hk, k);
}

static struct xb_flow_table *
mk_table(uint32_t capacity)
{
	struct xb_flow_table_params p = { .capacity = capacity,
					  .hash_key = &test_hk };
	struct xb_flow_table *t = xb_flow_table_create(&p);

	assert_non_null(t);
	return t;
}

/* Whether n bytes at p are all zero. */
static bool
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* A unique flow id in an entry's caller-owned bytes: the verdict's meter
 * word (the table zeroes the verdict and never reads it). */
#define FLOW_ID(f) ((f)->verdict.meter)

/* Records every end callback; FLOW_ID holds a unique flow id. */
struct recorder {
	unsigned int by_reason[4];
	unsigned int total;
	uint8_t *ended;     /* by id: times ended */
	uint32_t max_id;
	unsigned int twice; /* ids ended more than once */
};

static void
rec_end(void *ctx, struct xb_flow *f, enum xb_flow_end_reason why)
{
	struct recorder *r = ctx;
	uint32_t id = FLOW_ID(f);

	r->by_reason[why]++;
	r->total++;
	if (r->ended != NULL && id < r->max_id) {
		if (r->ended[id])
			r->twice++;
		r->ended[id]++;
	}
}

static void
check_invariant(const struct xb_flow_table *t)
{
	struct xb_flow_table_stats st;

	xb_flow_table_stats(t, &st);
	assert_true(st.in_use <= st.capacity);
	assert_int_equal(st.inserts, st.in_use + st.evictions +
				     st.expired_idle + st.expired_closed +
				     st.flushed);
}

/* ------------------------------------------------ key canonicalisation */

struct sym_case {
	const char *name;
	uint8_t family, proto;
	const char *a, *b;       /* forward: a -> b */
	uint16_t sport, dport;   /* forward ports */
	uint16_t rsport, rdport; /* reply ports as the parser gives them */
	uint16_t vlan;
	uint16_t kport0, kport1; /* expected canonical ports */
};

static const struct sym_case sym_cases[] = {
	{ "ipv4 tcp", 4, 6, "10.0.0.1", "203.0.113.9", 40000, 443,
	  443, 40000, 0, 40000, 443 },
	{ "ipv4 tcp high->low", 4, 6, "203.0.113.9", "10.0.0.1", 443, 40000,
	  40000, 443, 0, 40000, 443 },
	{ "ipv6 udp", 6, 17, "2001:db8::1", "2001:db8:ffff::53", 5353, 53,
	  53, 5353, 0, 5353, 53 },
	{ "ipv6 udp reversed", 6, 17, "2001:db8:ffff::53", "2001:db8::1", 53,
	  5353, 5353, 53, 0, 5353, 53 },
	{ "ipv4 vlan", 4, 17, "192.168.1.10", "8.8.8.8", 3333, 53, 53, 3333,
	  100, 53, 3333 },
	{ "ipv6 vlan tcp", 6, 6, "fe80::2", "fe80::1", 22, 50000, 50000, 22,
	  4094, 50000, 22 },
	{ "same address, ports order", 4, 6, "10.1.1.1", "10.1.1.1", 8080, 80,
	  80, 8080, 0, 80, 8080 },
	/* ICMP echo request 8/0 id 0x1234, reply 0/0 id 0x1234 */
	{ "icmp echo", 4, 1, "10.0.0.5", "1.1.1.1", 0x0800, 0x1234, 0x0000,
	  0x1234, 0, 0x1234, 0x1234 },
	/* ICMPv6 echo 128/129 */
	{ "icmpv6 echo", 6, 58, "2001:db8::5", "2001:4860::8888", 0x8000, 77,
	  0x8100, 77, 7, 77, 77 },
	/* ICMP errors collapse to ports 0/0 per address pair */
	{ "icmp unreachable", 4, 1, "10.0.0.5", "1.1.1.1", 0x0303, 0,
	  0x0b00, 0, 0, 0, 0 },
};

static void
test_key_symmetry(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sym_cases) / sizeof(sym_cases[0]); i++) {
		const struct sym_case *c = &sym_cases[i];
		struct xb_pkt_info fwd, rev;
		struct xb_flow_key kf, kr;
		uint8_t df, dr;
		unsigned int j;

		mk_pi(&fwd, c->family, c->proto, c->a, c->b, c->sport,
		      c->dport, c->vlan);
		mk_pi(&rev, c->family, c->proto, c->b, c->a, c->rsport,
		      c->rdport, c->vlan);
		/* poison the key: every byte must be written */
		memset(&kf, 0xa5, sizeof(kf));
		memset(&kr, 0x5a, sizeof(kr));
		xb_flow_key_from_pkt(&fwd, &kf, &df);
		xb_flow_key_from_pkt(&rev, &kr, &dr);
		if (memcmp(&kf, &kr, sizeof(kf)) != 0)
			fail_msg("%s: keys of both directions differ", c->name);
		assert_int_equal(xb_flow_key_hash(&test_hk, &kf), xb_flow_key_hash(&test_hk, &kr));
		if (strcmp(c->a, c->b) != 0 || c->sport != c->dport)
			if (df == dr)
				fail_msg("%s: both directions got dir %u",
					 c->name, df);
		if (kf.port[0] != c->kport0 || kf.port[1] != c->kport1)
			fail_msg("%s: ports %u/%u (expected %u/%u)", c->name,
				 kf.port[0], kf.port[1], c->kport0, c->kport1);
		assert_int_equal(kf.vlan, c->vlan);
		assert_int_equal(kf.proto, c->proto);
		assert_int_equal(kf.family, c->family);
		if (c->family == 4)
			for (j = 4; j < 16; j++)
				assert_int_equal(kf.addr[0][j] | kf.addr[1][j],
						 0);
		/* endpoint 0 is the lower address */
		assert_true(memcmp(kf.addr[0], kf.addr[1], 16) <= 0);
	}
}

/* Insert one direction, find it from the other; VLAN separates flows. */
static void
test_both_directions_one_entry(void **state)
{
	struct xb_flow_table *t = mk_table(64);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sym_cases) / sizeof(sym_cases[0]); i++) {
		const struct sym_case *c = &sym_cases[i];
		struct xb_pkt_info fwd, rev;
		struct xb_flow_key kf, kr;
		struct xb_flow *f, *g;
		uint8_t df, dr;

		mk_pi(&fwd, c->family, c->proto, c->a, c->b, c->sport,
		      c->dport, c->vlan);
		mk_pi(&rev, c->family, c->proto, c->b, c->a, c->rsport,
		      c->rdport, c->vlan);
		xb_flow_key_from_pkt(&fwd, &kf, &df);
		xb_flow_key_from_pkt(&rev, &kr, &dr);
		/* the two "high->low" rows repeat a flow of an earlier row */
		f = xb_flow_insert(t, &kf, xb_flow_key_hash(&test_hk, &kf), T0, NULL,
				   NULL);
		assert_non_null(f);
		xb_flow_touch(f, df, 100, 0, T0);
		g = xb_flow_lookup(t, &kr, xb_flow_key_hash(&test_hk, &kr));
		if (g != f)
			fail_msg("%s: reply direction found another entry",
				 c->name);
		xb_flow_touch(g, dr, 60, 0, T0 + 1);
		/* other VLAN: another flow */
		fwd.vlan = (uint16_t)(c->vlan + 1);
		xb_flow_key_from_pkt(&fwd, &kf, &df);
		assert_null(xb_flow_lookup(t, &kf, xb_flow_key_hash(&test_hk, &kf)));
	}
	xb_flow_table_free(t);
}

/* -------------------------------------------------------------- touch */

static void
test_touch(void **state)
{
	struct xb_flow_table *t = mk_table(16);
	struct xb_flow_key k;
	struct xb_flow *f;
	uint32_t h;

	(void)state;
	mk_key(1, XB_FLOW_PROTO_TCP, &k, &h);
	f = xb_flow_insert(t, &k, h, T0, NULL, NULL);
	assert_non_null(f);
	assert_int_equal(f->first_ns, T0);
	assert_int_equal(f->last_ns, T0);
	assert_string_equal(xb_flow_name(t, f), "");
	assert_int_equal(f->generation, 0);
	/* the caller's verdict starts zeroed */
	assert_true(is_zero(&f->verdict, sizeof(f->verdict)));
	xb_flow_touch(f, 1, 74, XB_TCP_FLAG_SYN, T0 + 5);
	xb_flow_touch(f, 0, 74, XB_TCP_FLAG_SYN | 0x10, T0 + 9);
	xb_flow_touch(f, 1, 1500, 0x10, T0 + 20);
	assert_int_equal(f->init_dir, 1);
	assert_int_equal(f->packets[0], 1);
	assert_int_equal(f->packets[1], 2);
	assert_int_equal(f->bytes[0], 74);
	assert_int_equal(f->bytes[1], 1574);
	assert_int_equal(f->last_ns, T0 + 20);
	assert_int_equal(f->first_ns, T0);
	assert_int_equal(f->tcp_state, XB_FLOW_TCP_SYN0 | XB_FLOW_TCP_SYN1 |
				       XB_FLOW_SEEN_BOTH);
	assert_false(xb_flow_tcp_closed(f->tcp_state));
	xb_flow_touch(f, 0, 60, XB_TCP_FLAG_FIN | 0x10, T0 + 30);
	assert_false(xb_flow_tcp_closed(f->tcp_state));
	xb_flow_touch(f, 1, 60, XB_TCP_FLAG_FIN | 0x10, T0 + 31);
	assert_true(xb_flow_tcp_closed(f->tcp_state));
	xb_flow_table_free(t);
}

/* --------------------------------------------------------------- bulk */

static void
test_lookup_bulk_equals_single(void **state)
{
	enum { N = 3000, CAP = 2048, PRESENT = 1500 };
	struct xb_flow_table *t = mk_table(CAP);
	static struct xb_flow_key keys[N];
	static uint32_t hashes[N];
	struct xb_flow *out[XB_FLOW_BULK_MAX];
	struct xb_flow_table_stats st;
	unsigned int i, j, n, hits = 0;

	(void)state;
	for (i = 0; i < N; i++)
		mk_key(i, i & 1 ? XB_FLOW_PROTO_UDP : XB_FLOW_PROTO_TCP,
		       &keys[i], &hashes[i]);
	for (i = 0; i < PRESENT; i++)
		assert_non_null(xb_flow_insert(t, &keys[i * 2], hashes[i * 2],
					       T0, NULL, NULL));
	/* batches of varying size, half present half absent */
	for (i = 0; i < N; i += n) {
		n = 1 + (i % XB_FLOW_BULK_MAX);
		if (n > N - i)
			n = N - i;
		xb_flow_lookup_bulk(t, &keys[i], &hashes[i], n, out);
		for (j = 0; j < n; j++) {
			struct xb_flow *s = xb_flow_lookup(t, &keys[i + j],
							   hashes[i + j]);

			assert_ptr_equal(out[j], s);
			if ((i + j) % 2 == 0 && (i + j) / 2 < PRESENT) {
				assert_non_null(s);
				assert_memory_equal(&s->key, &keys[i + j],
						    sizeof(keys[0]));
				hits++;
			} else {
				assert_null(s);
			}
		}
	}
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.lookups, 2 * N);
	assert_int_equal(st.hits, 2 * hits);
	assert_int_equal(st.in_use, PRESENT);
	xb_flow_lookup_bulk(t, keys, hashes, 0, out); /* n = 0 is fine */
	xb_flow_table_free(t);
}

/* Signature collisions and full buckets: hashes are chosen by the test. */
static void
test_bucket_pair_spill_and_evict(void **state)
{
	/* capacity 64: 16 buckets; every key hashes to bucket 4 */
	struct xb_flow_table *t = mk_table(64);
	struct xb_flow_key keys[18];
	uint32_t hashes[18];
	struct recorder r = { 0 };
	struct xb_flow_table_stats st;
	struct xb_flow *f;
	unsigned int i;

	(void)state;
	for (i = 0; i < 18; i++) {
		uint32_t dummy;

		mk_key(i, XB_FLOW_PROTO_TCP, &keys[i], &dummy);
		/* keys 0 and 1 share the signature too */
		hashes[i] = ((i < 2 ? 7u : 100u + i) << 16) | 4u;
	}
	for (i = 0; i < 16; i++) {
		xb_flow_burst_begin(t);
		f = xb_flow_insert(t, &keys[i], hashes[i], T0 + i, rec_end, &r);
		assert_non_null(f);
		FLOW_ID(f) = i;
	}
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.in_use, 16);
	assert_int_equal(st.evictions, 0);
	/* all 16 found, 8 of them in the partner bucket */
	for (i = 0; i < 16; i++) {
		f = xb_flow_lookup(t, &keys[i], hashes[i]);
		assert_non_null(f);
		assert_int_equal(FLOW_ID(f), i);
	}
	/* a 17th key: the oldest (key 0, last_ns T0) is evicted */
	xb_flow_burst_begin(t);
	f = xb_flow_insert(t, &keys[16], hashes[16], T0 + 100, rec_end, &r);
	assert_non_null(f);
	FLOW_ID(f) = 16;
	assert_int_equal(r.by_reason[XB_FLOW_END_EVICTED], 1);
	assert_null(xb_flow_lookup(t, &keys[0], hashes[0]));
	for (i = 1; i < 17; i++)
		assert_non_null(xb_flow_lookup(t, &keys[i], hashes[i]));
	/* all 16 pinned by the lookups above: no room, no crash */
	assert_null(xb_flow_insert(t, &keys[17], hashes[17], T0 + 101,
				   rec_end, &r));
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.evictions_bucket, 1);
	assert_int_equal(st.insert_failed, 1);
	/* removing spilled keys keeps the rest reachable */
	xb_flow_burst_begin(t);
	assert_int_equal(xb_flow_expire(t, T0 + S(400), 16, rec_end, &r), 16);
	for (i = 0; i < 17; i++)
		assert_null(xb_flow_lookup(t, &keys[i], hashes[i]));
	check_invariant(t);
	xb_flow_table_free(t);
}

/* -------------------------------------------------------------- aging */

struct age_case {
	const char *name;
	uint8_t proto;
	uint8_t flags_dir0, flags_dir1; /* TCP flags sent each way, in order */
	uint64_t timeout;               /* expected idle timeout */
	enum xb_flow_end_reason why;
};

static const struct age_case age_cases[] = {
	{ "tcp open", 6, XB_TCP_FLAG_SYN, XB_TCP_FLAG_SYN | 0x10, S(300),
	  XB_FLOW_END_IDLE },
	{ "tcp fin one way", 6, XB_TCP_FLAG_FIN | 0x10, 0x10, S(300),
	  XB_FLOW_END_IDLE },
	{ "tcp fin both ways", 6, XB_TCP_FLAG_FIN | 0x10,
	  XB_TCP_FLAG_FIN | 0x10, S(10), XB_FLOW_END_CLOSED },
	{ "tcp rst", 6, 0x10, XB_TCP_FLAG_RST, S(10), XB_FLOW_END_CLOSED },
	{ "udp", 17, 0, 0, S(60), XB_FLOW_END_IDLE },
	{ "icmp", 1, 0, 0, S(30), XB_FLOW_END_IDLE },
	{ "sctp (other)", 132, 0, 0, S(30), XB_FLOW_END_IDLE },
};

static void
test_aging_per_protocol(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(age_cases) / sizeof(age_cases[0]); i++) {
		const struct age_case *c = &age_cases[i];
		struct xb_flow_table *t = mk_table(1000);
		struct xb_flow_table_stats st;
		struct recorder r = { 0 };
		struct xb_flow_key k;
		struct xb_flow *f;
		unsigned int n;
		uint32_t h;

		mk_key(7, c->proto, &k, &h);
		f = xb_flow_insert(t, &k, h, T0, rec_end, &r);
		assert_non_null(f);
		xb_flow_touch(f, 0, 100, c->flags_dir0, T0);
		xb_flow_touch(f, 1, 100, c->flags_dir1, T0 + 1000);
		/* pinned by this burst: never expired under the caller */
		assert_int_equal(xb_flow_expire(t, T0 + S(100000), 1u << 20,
						rec_end, &r), 0);
		xb_flow_burst_begin(t); /* unpin */
		/* one ns before the timeout: still alive (full sweep) */
		n = xb_flow_expire(t, T0 + 1000 + c->timeout - 1, 1u << 20,
				   rec_end, &r);
		if (n != 0)
			fail_msg("%s: ended %u flows before its timeout",
				 c->name, n);
		/* time going backwards never ends a flow */
		assert_int_equal(xb_flow_expire(t, 5, 1u << 20, rec_end, &r),
				 0);
		n = xb_flow_expire(t, T0 + 1000 + c->timeout, 1u << 20,
				   rec_end, &r);
		if (n != 1 || r.by_reason[c->why] != 1)
			fail_msg("%s: ended %u (reason %d count %u)", c->name,
				 n, c->why, r.by_reason[c->why]);
		assert_null(xb_flow_lookup(t, &k, h));
		xb_flow_table_stats(t, &st);
		assert_int_equal(st.in_use, 0);
		check_invariant(t);
		xb_flow_table_free(t);
	}
}

/* The clock hand does bounded work and covers the table over calls. */
static void
test_expire_incremental(void **state)
{
	enum { CAP = 4096 };
	struct xb_flow_table_params p = {
		.capacity = CAP,
		.hash_key = &test_hk,
		.timeouts = { .udp_ns = S(5) },
	};
	struct xb_flow_table *t = xb_flow_table_create(&p);
	struct xb_flow_table_stats st;
	struct recorder r = { 0 };
	unsigned int i, calls = 0, total = 0;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < CAP; i++) {
		struct xb_flow_key k;
		uint32_t h;

		mk_key(i, XB_FLOW_PROTO_UDP, &k, &h);
		/* bursts of 32 (fewer than the 8-bit pin epoch's 255): a
		 * full bucket pair (a random hash fills a few at 100 % load)
		 * evicts, never fails */
		if (i % 32 == 0)
			xb_flow_burst_begin(t);
		assert_non_null(xb_flow_insert(t, &k, h, T0, rec_end, &r));
	}
	xb_flow_burst_begin(t);
	xb_flow_table_stats(t, &st);
	assert_true(st.in_use + st.evictions == CAP);
	/* custom udp timeout used; other defaults kept */
	assert_int_equal(xb_flow_expire(t, T0 + S(4), st.buckets, rec_end,
					&r), 0);
	while (total < st.in_use) {
		unsigned int n = xb_flow_expire(t, T0 + S(5), 16, rec_end, &r);

		assert_true(n <= 16 * 8);
		total += n;
		calls++;
		assert_true(calls <= st.buckets / 16);
	}
	assert_int_equal(r.by_reason[XB_FLOW_END_IDLE], st.in_use);
	check_invariant(t);
	xb_flow_table_free(t);
}

/* ------------------------------------------------------------ flood */

static void
test_eviction_flood(void **state)
{
	enum { CAP = 1000, FLOWS = 10 * CAP, BURST = 32 };
	struct xb_flow_table *t = mk_table(CAP);
	struct xb_flow_table_stats st;
	struct recorder r = { 0 };
	struct xb_flow_key keys[BURST];
	uint32_t hashes[BURST];
	struct xb_flow *out[BURST];
	uint64_t now = T0;
	uint32_t next = 0, lives = 0, i;

	(void)state;
	/* FLOW_ID numbers each flow lifetime (a key evicted and seen again is
	 * a new lifetime): each must end exactly once */
	r.max_id = 2 * FLOWS;
	r.ended = calloc(r.max_id, 1);
	assert_non_null(r.ended);
	while (next < FLOWS) {
		/* a burst: 24 new flows plus 8 packets of recent flows */
		for (i = 0; i < BURST; i++) {
			uint32_t id = i < 24 || next < 128 ? next++ :
							     next - 1 - i * 3;

			mk_key(id, XB_FLOW_PROTO_TCP, &keys[i], &hashes[i]);
		}
		xb_flow_lookup_bulk(t, keys, hashes, BURST, out);
		for (i = 0; i < BURST; i++) {
			struct xb_flow *f = out[i];

			if (f == NULL) {
				f = xb_flow_insert(t, &keys[i], hashes[i],
						   now, rec_end, &r);
				assert_non_null(f);
				if (f->packets[0] + f->packets[1] == 0)
					FLOW_ID(f) = lives++;
			}
			/* touched at once, so a later duplicate sees it */
			xb_flow_touch(f, 0, 64, XB_TCP_FLAG_SYN, now);
			out[i] = f;
		}
		/* pinned hits were not reused by the inserts */
		for (i = 0; i < BURST; i++)
			assert_memory_equal(&out[i]->key, &keys[i],
					    sizeof(keys[0]));
		xb_flow_expire(t, now, 4, rec_end, &r);
		xb_flow_table_stats(t, &st);
		assert_true(st.in_use <= CAP);
		check_invariant(t);
		now += 1000;
	}
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.in_use, CAP);
	assert_int_equal(st.inserts, lives);
	assert_true(lives >= FLOWS && lives < r.max_id);
	assert_int_equal(st.evictions, lives - CAP);
	assert_int_equal(st.evictions, r.by_reason[XB_FLOW_END_EVICTED]);
	assert_int_equal(st.insert_failed, 0);
	xb_flow_flush(t, rec_end, &r);
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.in_use, 0);
	assert_int_equal(r.twice, 0);
	for (i = 0; i < lives; i++)
		if (r.ended[i] != 1)
			fail_msg("flow lifetime %u ended %u times", i,
				 r.ended[i]);
	check_invariant(t);
	free(r.ended);
	xb_flow_table_free(t);
}

/* Capacity smaller than a burst's flows: NULL, counted, never a crash. */
static void
test_all_pinned(void **state)
{
	struct xb_flow_table *t = mk_table(2);
	struct xb_flow_table_stats st;
	struct recorder r = { 0 };
	struct xb_flow_key k[3];
	uint32_t h[3];
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++)
		mk_key(i, XB_FLOW_PROTO_UDP, &k[i], &h[i]);
	xb_flow_burst_begin(t);
	assert_non_null(xb_flow_insert(t, &k[0], h[0], T0, rec_end, &r));
	assert_non_null(xb_flow_insert(t, &k[1], h[1], T0, rec_end, &r));
	assert_null(xb_flow_insert(t, &k[2], h[2], T0, rec_end, &r));
	/* next burst: the oldest is evicted */
	xb_flow_burst_begin(t);
	assert_non_null(xb_flow_insert(t, &k[2], h[2], T0 + 1, rec_end, &r));
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.insert_failed, 1);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(r.total, 1);
	assert_int_equal(st.in_use, 2);
	check_invariant(t);
	xb_flow_table_free(t);
}

/* ---------------------------------------------------- dup / flush */

static void
test_duplicate_insert(void **state)
{
	struct xb_flow_table *t = mk_table(8);
	struct xb_flow_table_stats st;
	struct xb_pkt_info pi;
	struct xb_flow_key k, kr;
	struct xb_flow *f, *g, *out[2];
	uint32_t h, hs[2];
	uint8_t d;

	(void)state;
	mk_key(3, XB_FLOW_PROTO_TCP, &k, &h);
	/* two packets of one new flow in a burst: both miss */
	struct xb_flow_key two[2] = { k, k };
	hs[0] = hs[1] = h;
	xb_flow_lookup_bulk(t, two, hs, 2, out);
	assert_null(out[0]);
	assert_null(out[1]);
	f = xb_flow_insert(t, &k, h, T0, NULL, NULL);
	xb_flow_touch(f, 0, 60, XB_TCP_FLAG_SYN, T0);
	g = xb_flow_insert(t, &k, h, T0 + 1, NULL, NULL);
	assert_ptr_equal(f, g);
	assert_int_equal(g->packets[0], 1); /* the caller sees it is known */
	/* the reply direction also maps onto it */
	mk_pi(&pi, 4, 6, "198.51.100.7", "10.0.0.3", 443, 1027, 0);
	xb_flow_key_from_pkt(&pi, &kr, &d);
	assert_ptr_equal(xb_flow_insert(t, &kr, xb_flow_key_hash(&test_hk, &kr), T0 + 2,
					NULL, NULL), f);
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.in_use, 1);
	xb_flow_table_free(t);
}

static void
count_live(void *ctx, const struct xb_flow *f)
{
	(void)f;
	(*(unsigned int *)ctx)++;
}

static void
test_flush_and_foreach(void **state)
{
	enum { N = 500 };
	/* room for twice as many: no bucket pair overflows */
	struct xb_flow_table *t = mk_table(2 * N);
	struct xb_flow_table_stats st;
	struct recorder r = { 0 };
	unsigned int i, live = 0;

	(void)state;
	r.max_id = N;
	r.ended = calloc(N, 1);
	assert_non_null(r.ended);
	for (i = 0; i < N; i++) {
		struct xb_flow_key k;
		struct xb_flow *f;
		uint32_t h;

		mk_key(i, XB_FLOW_PROTO_TCP, &k, &h);
		f = xb_flow_insert(t, &k, h, T0, rec_end, &r);
		assert_non_null(f);
		FLOW_ID(f) = i;
	}
	xb_flow_foreach(t, count_live, &live);
	assert_int_equal(live, N);
	assert_int_equal(r.total, 0); /* foreach ends nothing */
	xb_flow_flush(t, rec_end, &r);
	assert_int_equal(r.by_reason[XB_FLOW_END_FLUSH], N);
	for (i = 0; i < N; i++)
		assert_int_equal(r.ended[i], 1);
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.in_use, 0);
	assert_int_equal(st.flushed, N);
	live = 0;
	xb_flow_foreach(t, count_live, &live);
	assert_int_equal(live, 0);
	xb_flow_flush(t, rec_end, &r); /* second flush: nothing left */
	assert_int_equal(r.total, N);
	check_invariant(t);
	free(r.ended);
	xb_flow_table_free(t);
}

/* ------------------------------------------------------------ names */

static void
test_names(void **state)
{
	struct xb_flow_table *t = mk_table(1);
	struct xb_flow_key k0, k1;
	struct xb_flow *f;
	uint32_t h0, h1;
	char *n;

	(void)state;
	mk_key(0, XB_FLOW_PROTO_TCP, &k0, &h0);
	mk_key(1, XB_FLOW_PROTO_TCP, &k1, &h1);
	f = xb_flow_insert(t, &k0, h0, T0, NULL, NULL);
	n = xb_flow_name(t, f);
	assert_string_equal(n, "");
	snprintf(n, XB_FLOW_NAME_MAX, "www.example.com");
	assert_string_equal(xb_flow_name(t, f), "www.example.com");
	n[XB_FLOW_NAME_MAX - 1] = 'x'; /* the whole buffer is writable */
	n[XB_FLOW_NAME_MAX - 1] = '\0';
	/* reuse of the entry for another flow clears the name */
	xb_flow_burst_begin(t);
	f = xb_flow_insert(t, &k1, h1, T0 + 1, NULL, NULL);
	assert_non_null(f);
	assert_string_equal(xb_flow_name(t, f), "");
	xb_flow_table_free(t);
}

/* ------------------------------------------------- create / memory */

struct alloc_ctx {
	unsigned int calls, fail_at, live;
	size_t bytes;
};

static void *
test_zalloc(size_t size, size_t align, void *arg)
{
	struct alloc_ctx *a = arg;
	void *p;

	if (++a->calls == a->fail_at)
		return NULL;
	assert_true(align && (align & (align - 1)) == 0 && align <= 128);
	p = aligned_alloc(align, (size + align - 1) & ~(align - 1));
	assert_non_null(p);
	memset(p, 0, size);
	a->live++;
	a->bytes += size;
	return p;
}

static void
test_free_fn(void *p, void *arg)
{
	struct alloc_ctx *a = arg;

	a->live--;
	free(p);
}

static void
test_create_invalid_and_alloc(void **state)
{
	struct xb_flow_table_params p = { .capacity = 0 };
	struct xb_flow_table_stats st;
	struct xb_flow_table *t;
	struct alloc_ctx a = { 0 };
	unsigned int k;

	(void)state;
	errno = 0;
	assert_null(xb_flow_table_create(NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(xb_flow_table_create(&p));
	assert_int_equal(errno, EINVAL);
	p.capacity = XB_FLOW_CAPACITY_MAX + 1;
	errno = 0;
	assert_null(xb_flow_table_create(&p));
	assert_int_equal(errno, EINVAL);
	p.capacity = 10;
	p.zalloc = test_zalloc; /* free missing */
	errno = 0;
	assert_null(xb_flow_table_create(&p));
	assert_int_equal(errno, EINVAL);
	xb_flow_table_free(NULL);

	/* every allocation failing in turn: ENOMEM, nothing leaked */
	p.free = test_free_fn;
	p.alloc_arg = &a;
	for (k = 1; k <= 9; k++) {
		memset(&a, 0, sizeof(a));
		a.fail_at = k;
		errno = 0;
		assert_null(xb_flow_table_create(&p));
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(a.live, 0);
	}
	/* the caller's allocator gets all the memory, and all of it back */
	memset(&a, 0, sizeof(a));
	p.capacity = 1000;
	t = xb_flow_table_create(&p);
	assert_non_null(t);
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.capacity, 1000);
	assert_int_equal(st.buckets, 256); /* next_pow2(1000 * 2 / 8) */
	assert_true(st.memory_bytes >= a.bytes);
	assert_int_equal(st.memory_bytes, xb_flow_table_memory(1000));
	xb_flow_table_free(t);
	assert_int_equal(a.live, 0);
	/* smallest table */
	p.capacity = 1;
	t = xb_flow_table_create(&p);
	assert_non_null(t);
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.buckets, 2);
	xb_flow_table_free(t);
	assert_int_equal(a.live, 0);
	/* memory per million flows stays what FLOWTABLE.md states */
	assert_int_equal(xb_flow_table_memory(1000000), 347186368);
	assert_int_equal(xb_flow_table_memory(0), 0);
}

/* A hit on a flow idle past its timeout (the sweep not there yet) ends
 * it and restarts the entry in place; within the timeout nothing moves. */
static void
test_restart_if_idle(void **state)
{
	struct xb_flow_table *t = mk_table(1000);
	struct xb_flow_table_stats st;
	struct recorder r = { 0 };
	struct xb_flow_key k;
	struct xb_flow *f, *g;
	uint32_t h;

	(void)state;
	mk_key(3, XB_FLOW_PROTO_UDP, &k, &h);
	f = xb_flow_insert(t, &k, h, T0, rec_end, &r);
	assert_non_null(f);
	f->generation = 5;
	f->verdict.action = 3;
	f->verdict.interims = 2;
	f->verdict.valid_until_ns = T0 + S(3600);
	xb_flow_touch(f, 0, 100, 0, T0);
	strcpy(xb_flow_name(t, f), "old.example");
	/* 1 ns before the UDP timeout (60 s): still the same flow */
	assert_false(xb_flow_restart_if_idle(t, f, T0 + S(60) - 1, rec_end, &r));
	assert_int_equal(r.total, 0);
	assert_int_equal(f->packets[0], 1);
	/* at the timeout: the old flow ends (idle), the entry starts over */
	assert_true(xb_flow_restart_if_idle(t, f, T0 + S(60), rec_end, &r));
	assert_int_equal(r.total, 1);
	assert_int_equal(r.by_reason[XB_FLOW_END_IDLE], 1);
	assert_int_equal(f->generation, 0);
	assert_true(is_zero(&f->verdict, sizeof(f->verdict)));
	assert_int_equal(f->packets[0] + f->packets[1], 0);
	assert_int_equal(f->first_ns, T0 + S(60));
	assert_string_equal(xb_flow_name(t, f), "");
	assert_memory_equal(&f->key, &k, sizeof(k));
	xb_flow_lookup_bulk(t, &k, &h, 1, &g);
	assert_ptr_equal(g, f);
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.inserts, st.in_use + st.evictions + st.expired_idle +
				     st.expired_closed + st.flushed);
	xb_flow_table_free(t);
}

/* The one-pass key+hash the worker uses equals the key's own hash, for
 * random IPv4/IPv6 packets of every protocol, both directions, VLANs. */
static void
test_key_hash_one_pass(void **state)
{
	uint32_t seed = 12345;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		static const uint8_t protos[] = {6, 17, 1, 58, 132, 47};
		struct xb_pkt_info pi;
		struct xb_flow_key k1, k2;
		uint8_t d1, d2;
		uint32_t h;

		memset(&pi, 0, sizeof(pi));
		seed = seed * 1103515245u + 12345u;
		pi.family = (seed >> 16) & 1 ? 6 : 4;
		pi.proto = protos[(seed >> 8) % 6];
		for (unsigned int b = 0; b < (pi.family == 6 ? 16u : 4u); b++) {
			seed = seed * 1103515245u + 12345u;
			pi.src[b] = (uint8_t)(seed >> 16);
			/* Equal prefixes now and then: the tie-breaks. */
			pi.dst[b] = (i % 7 == 0 && b < 3) ? pi.src[b]
							  : (uint8_t)(seed >> 24);
		}
		if (i % 11 == 0)
			memcpy(pi.dst, pi.src, 16);
		seed = seed * 1103515245u + 12345u;
		pi.sport = (uint16_t)seed;
		pi.dport = (uint16_t)(seed >> 16);
		pi.vlan = (uint16_t)(i % 5 == 0 ? (seed & 0xfff) : 0);
		memset(&k1, 0xa5, sizeof(k1));
		memset(&k2, 0x5a, sizeof(k2));
		h = xb_flow_key_from_pkt_hash(&pi, &k1, &d1, &test_hk);
		xb_flow_key_from_pkt(&pi, &k2, &d2);
		assert_memory_equal(&k1, &k2, sizeof(k1));
		assert_int_equal(d1, d2);
		assert_int_equal(h, xb_flow_key_hash(&test_hk, &k1));
	}
}

/* ------------------------------------------------------- keyed hash */

/* SipHash-c-d of any message, byte by byte, straight from the paper:
 * the reference the inlined 40-byte version must match. */
static uint64_t
ref_siphash(const uint8_t key[16], const uint8_t *m, size_t len,
	    unsigned int c, unsigned int d)
{
	uint64_t k0 = 0, k1 = 0, v0, v1, v2, v3, b;
	size_t i, words = len / 8;

	for (i = 0; i < 8; i++) {
		k0 |= (uint64_t)key[i] << (8 * i);
		k1 |= (uint64_t)key[8 + i] << (8 * i);
	}
	v0 = k0 ^ 0x736f6d6570736575ull;
	v1 = k1 ^ 0x646f72616e646f6dull;
	v2 = k0 ^ 0x6c7967656e657261ull;
	v3 = k1 ^ 0x7465646279746573ull;
	for (i = 0; i <= words; i++) {
		uint64_t w = 0;
		unsigned int r;

		if (i < words) {
			for (unsigned int j = 0; j < 8; j++)
				w |= (uint64_t)m[8 * i + j] << (8 * j);
		} else {
			w = (uint64_t)(len & 0xff) << 56;
			for (unsigned int j = 0; j < len % 8; j++)
				w |= (uint64_t)m[8 * i + j] << (8 * j);
		}
		v3 ^= w;
		for (r = 0; r < c; r++)
			XB_SIPROUND(v0, v1, v2, v3);
		v0 ^= w;
	}
	v2 ^= 0xff;
	for (unsigned int r = 0; r < d; r++)
		XB_SIPROUND(v0, v1, v2, v3);
	b = v0 ^ v1 ^ v2 ^ v3;
	return b;
}

/* The message the table's hash takes for key k (xb_flow_hash.h): an
 * IPv4 key's two 4-byte addresses and its last 8 bytes, else all 40. */
static size_t
hash_message(const struct xb_flow_key *k, uint8_t out[40])
{
	if (k->family == 4) {
		memcpy(out, k->addr[0], 4);
		memcpy(out + 4, k->addr[1], 4);
		memcpy(out + 8, k->port, 8);
		return 16;
	}
	memcpy(out, k, 40);
	return 40;
}

/* Fixed vectors: the paper's SipHash-2-4 vector checks the reference;
 * the table's hash is the reference's SipHash-1-3, folded; and two keys'
 * hashes pinned, so a change of the hash shows. */
static void
test_keyed_hash_vectors(void **state)
{
	static const uint8_t secret[16] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};
	uint8_t msg[40];
	struct xb_flow_key k;
	uint32_t h;

	(void)state;
	for (unsigned int i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* SipHash-2-4 paper, appendix A: 15-byte message 00..0e */
	assert_int_equal(ref_siphash(secret, msg, 15, 2, 4),
			 0xa129ca6149be45e5ull);
	/* SipHash-2-4 reference vectors (vectors.h), 0- and 8-byte
	 * messages */
	assert_int_equal(ref_siphash(secret, msg, 0, 2, 4),
			 0x726fdb47dd0e0e31ull);
	assert_int_equal(ref_siphash(secret, msg, 8, 2, 4),
			 0x93f5f5799a932462ull);
	/* the 40-byte message 00..27 as a key: the table's hash is
	 * SipHash-1-3 of its bytes, folded to 32 bits */
	memcpy(&k, msg, sizeof(k));
	h = xb_flow_key_hash(&test_hk, &k);
	{
		uint64_t r = ref_siphash(secret, msg, 40, 1, 3);

		assert_int_equal(h, (uint32_t)(r ^ (r >> 32)));
	}
	assert_int_equal(h, 0x58362303u);
	mk_key(1, XB_FLOW_PROTO_TCP, &k, &h);
	assert_int_equal(h, 0x171a016fu);
	/* an IPv4 key is hashed as its 16-byte encoding */
	{
		uint8_t m[40];
		size_t len = hash_message(&k, m);
		uint64_t r = ref_siphash(secret, m, len, 1, 3);

		assert_int_equal(len, 16);
		assert_int_equal(h, (uint32_t)(r ^ (r >> 32)));
	}
}

/* Random keys: the inlined hash equals the reference; another secret
 * gives other hashes (and so other buckets); both directions of a flow
 * give one hash under any secret. */
static void
test_keyed_hash_key_and_symmetry(void **state)
{
	static const uint8_t secret[16] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};
	uint8_t other_secret[16];
	struct xb_siphash_key other, rnd1, rnd2;
	unsigned int same_hash = 0, same_bucket = 0, i;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	memcpy(other_secret, secret, 16);
	other_secret[15] ^= 0x80; /* one bit of the secret */
	xb_siphash_key_init(&other, other_secret);
	assert_int_equal(xb_siphash_key_random(&rnd1), 0);
	assert_int_equal(xb_siphash_key_random(&rnd2), 0);
	assert_memory_not_equal(&rnd1, &rnd2, sizeof(rnd1));
	for (i = 0; i < 20000; i++) {
		struct xb_pkt_info fwd, rev;
		struct xb_flow_key kf, kr;
		uint8_t df, dr;
		uint32_t hf, hr;
		uint64_t r;

		memset(&fwd, 0, sizeof(fwd));
		fwd.family = (i & 1) ? 6 : 4;
		fwd.proto = (i & 2) ? XB_FLOW_PROTO_UDP : XB_FLOW_PROTO_TCP;
		for (unsigned int b = 0; b < (fwd.family == 6 ? 16u : 4u); b++) {
			fwd.src[b] = (uint8_t)test_rng(&x);
			fwd.dst[b] = (uint8_t)test_rng(&x);
		}
		fwd.sport = (uint16_t)test_rng(&x);
		fwd.dport = (uint16_t)test_rng(&x);
		fwd.vlan = (uint16_t)(i % 3 == 0 ? test_rng(&x) & 0xfff : 0);
		rev = fwd;
		memcpy(rev.src, fwd.dst, 16);
		memcpy(rev.dst, fwd.src, 16);
		rev.sport = fwd.dport;
		rev.dport = fwd.sport;
		hf = xb_flow_key_from_pkt_hash(&fwd, &kf, &df, &test_hk);
		hr = xb_flow_key_from_pkt_hash(&rev, &kr, &dr, &test_hk);
		assert_int_equal(hf, hr);
		assert_int_equal(xb_flow_key_hash(&rnd1, &kf),
				 xb_flow_key_hash(&rnd1, &kr));
		{
			uint8_t msg[40];
			size_t len = hash_message(&kf, msg);

			r = ref_siphash(secret, msg, len, 1, 3);
			assert_int_equal(hf, (uint32_t)(r ^ (r >> 32)));
		}
		if (xb_flow_key_hash(&other, &kf) == hf)
			same_hash++;
		if ((xb_flow_key_hash(&other, &kf) & 0xfff) == (hf & 0xfff))
			same_bucket++;
	}
	/* independent hashes: equal about 2^-32 of the time, the same of
	 * 4096 buckets about 5 times in 20000 */
	assert_true(same_hash <= 1);
	assert_true(same_bucket <= 20);
}

/* ---------------------------------------------------- eviction order */

/* Make f established (both sides seen), half-open (a SYN only) or an
 * unanswered UDP flow, at time now. */
static void
make_established(struct xb_flow *f, uint64_t now)
{
	xb_flow_touch(f, 0, 74, XB_TCP_FLAG_SYN, now);
	xb_flow_touch(f, 1, 74, XB_TCP_FLAG_SYN | XB_TCP_FLAG_ACK, now);
	xb_flow_touch(f, 0, 66, XB_TCP_FLAG_ACK, now);
}

static void
test_flow_class(void **state)
{
	struct xb_flow_table *t = mk_table(64);
	struct xb_flow_key k[5];
	struct xb_flow *f[5];
	uint32_t h[5];

	(void)state;
	for (unsigned int i = 0; i < 5; i++) {
		mk_key(i, i == 3 ? XB_FLOW_PROTO_UDP : XB_FLOW_PROTO_TCP, &k[i],
		       &h[i]);
		f[i] = xb_flow_insert(t, &k[i], h[i], T0, NULL, NULL);
		assert_non_null(f[i]);
	}
	xb_flow_touch(f[0], 0, 74, XB_TCP_FLAG_SYN, T0);        /* half-open */
	make_established(f[1], T0);                              /* established */
	make_established(f[2], T0);                              /* closed */
	xb_flow_touch(f[2], 0, 60, XB_TCP_FLAG_RST, T0);
	xb_flow_touch(f[3], 0, 80, 0, T0);                       /* unanswered */
	xb_flow_touch(f[4], 1, 1500, XB_TCP_FLAG_ACK, T0);       /* mid-stream,
								  * one side */
	assert_int_equal(xb_flow_class(t, f[0], T0), XB_FLOW_CLASS_HALF_OPEN);
	assert_int_equal(xb_flow_class(t, f[1], T0), XB_FLOW_CLASS_ESTABLISHED);
	assert_int_equal(xb_flow_class(t, f[2], T0), XB_FLOW_CLASS_IDLE);
	assert_int_equal(xb_flow_class(t, f[3], T0), XB_FLOW_CLASS_UNANSWERED);
	assert_int_equal(xb_flow_class(t, f[4], T0), XB_FLOW_CLASS_HALF_OPEN);
	/* quiet for the idle threshold (10 s): idle, whatever it was */
	assert_int_equal(xb_flow_class(t, f[1], T0 + S(10) - 1),
			 XB_FLOW_CLASS_ESTABLISHED);
	assert_int_equal(xb_flow_class(t, f[1], T0 + S(10)), XB_FLOW_CLASS_IDLE);
	assert_int_equal(xb_flow_class(t, f[3], T0 + S(10)), XB_FLOW_CLASS_IDLE);
	/* a half-open TCP flow stays half-open */
	assert_int_equal(xb_flow_class(t, f[0], T0 + S(10)),
			 XB_FLOW_CLASS_HALF_OPEN);
	assert_string_equal(xb_flow_class_names[XB_FLOW_CLASS_ESTABLISHED],
			    "established");
	xb_flow_table_free(t);
}

/* Records ended flows' ids in order. */
struct order_rec {
	uint32_t ids[64];
	unsigned int n;
};

static void
order_end(void *ctx, struct xb_flow *f, enum xb_flow_end_reason why)
{
	struct order_rec *o = ctx;

	(void)why;
	if (o->n < 64)
		o->ids[o->n++] = FLOW_ID(f);
}

/* A full bucket pair gives way in class order (half-open, idle, then
 * unanswered, then the oldest established), and a bare SYN on
 * probation never takes an established flow's room. */
static void
test_evict_pair_by_class(void **state)
{
	/* capacity 64: 16 buckets; every key hashes to bucket 4 */
	struct xb_flow_table *t = mk_table(64);
	struct xb_flow_key keys[24];
	uint32_t hashes[24];
	struct order_rec o = { .n = 0 };
	struct xb_flow_table_stats st;
	struct xb_flow *f;
	unsigned int i;

	(void)state;
	for (i = 0; i < 24; i++) {
		uint32_t dummy;

		mk_key(i, i == 5 ? XB_FLOW_PROTO_UDP : XB_FLOW_PROTO_TCP,
		       &keys[i], &dummy);
		hashes[i] = ((100u + i) << 16) | 4u;
	}
	/* 16 flows fill the pair: 0-3 established early (oldest), 4 a
	 * half-open SYN (newest of all), 5 an unanswered UDP flow, 6
	 * established but quiet past the idle threshold, 7-15 established */
	for (i = 0; i < 16; i++) {
		uint64_t at = i == 6 ? T0 : T0 + S(20) + i;

		xb_flow_burst_begin(t);
		f = xb_flow_insert(t, &keys[i], hashes[i], at, order_end, &o);
		assert_non_null(f);
		FLOW_ID(f) = i;
		if (i == 4)
			xb_flow_touch(f, 0, 74, XB_TCP_FLAG_SYN, at + 100);
		else if (i == 5)
			xb_flow_touch(f, 0, 80, 0, at);
		else
			make_established(f, at);
	}
	/* then, at T0 + 21 s: */
	xb_flow_burst_begin(t);
	f = xb_flow_insert(t, &keys[16], hashes[16], T0 + S(21), order_end, &o);
	assert_non_null(f);
	FLOW_ID(f) = 16;
	make_established(f, T0 + S(21));
	xb_flow_burst_begin(t);
	f = xb_flow_insert(t, &keys[17], hashes[17], T0 + S(21), order_end, &o);
	assert_non_null(f);
	FLOW_ID(f) = 17;
	make_established(f, T0 + S(21));
	xb_flow_burst_begin(t);
	f = xb_flow_insert(t, &keys[18], hashes[18], T0 + S(21), order_end, &o);
	assert_non_null(f);
	FLOW_ID(f) = 18;
	make_established(f, T0 + S(21));
	/* the half-open SYN (the newest) and the idle flow (the oldest)
	 * first, in age order, then the unanswered one */
	assert_int_equal(o.n, 3);
	assert_int_equal(o.ids[0], 6);
	assert_int_equal(o.ids[1], 4);
	assert_int_equal(o.ids[2], 5);
	/* only established flows left: a bare SYN gets no room */
	xb_flow_burst_begin(t);
	assert_null(xb_flow_insert_ex(t, &keys[19], hashes[19], T0 + S(21),
				      XB_FLOW_INSERT_PROBATION, order_end, &o));
	assert_int_equal(o.n, 3);
	/* anything else takes the oldest established one */
	f = xb_flow_insert(t, &keys[19], hashes[19], T0 + S(21), order_end, &o);
	assert_non_null(f);
	FLOW_ID(f) = 19;
	assert_int_equal(o.n, 4);
	assert_int_equal(o.ids[3], 0);
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.insert_refused, 1);
	assert_int_equal(st.insert_failed, 0);
	assert_int_equal(st.evictions_by_class[XB_FLOW_CLASS_HALF_OPEN], 1);
	assert_int_equal(st.evictions_by_class[XB_FLOW_CLASS_IDLE], 1);
	assert_int_equal(st.evictions_by_class[XB_FLOW_CLASS_UNANSWERED], 1);
	assert_int_equal(st.evictions_by_class[XB_FLOW_CLASS_ESTABLISHED], 1);
	assert_int_equal(st.evictions_bucket, 4);
	check_invariant(t);
	xb_flow_table_free(t);
}

/* A full table: established flows at high load, then a flood of bare
 * SYNs far larger than the table.  No established flow is evicted or
 * lost; the SYNs evict each other, oldest first (the FIFO). */
static void
test_syn_flood_spares_established(void **state)
{
	enum { CAP = 4096, EST = CAP * 9 / 10, FLOOD = 8 * CAP, BURST = 32 };
	struct xb_flow_table *t = mk_table(CAP);
	struct xb_flow_table_stats st0, st;
	uint64_t now = T0;
	uint32_t i, kept = 0;

	(void)state;
	for (i = 0; i < EST; i++) {
		struct xb_flow_key k;
		struct xb_flow *f;
		uint32_t h;

		if (i % BURST == 0)
			xb_flow_burst_begin(t);
		mk_key(i, XB_FLOW_PROTO_TCP, &k, &h);
		f = xb_flow_insert(t, &k, h, now, NULL, NULL);
		assert_non_null(f);
		make_established(f, now);
	}
	xb_flow_table_stats(t, &st0);
	kept = st0.in_use; /* a few full pairs evicted at set-up */
	for (i = 0; i < FLOOD; i++) {
		struct xb_flow_key k;
		struct xb_flow *f;
		uint32_t h;

		if (i % BURST == 0)
			xb_flow_burst_begin(t);
		mk_key(100000 + i, XB_FLOW_PROTO_TCP, &k, &h);
		k.addr[0][0] = 100; /* another block than the established */
		h = xb_flow_key_hash(&test_hk, &k);
		f = xb_flow_insert_ex(t, &k, h, now, XB_FLOW_INSERT_PROBATION,
				      NULL, NULL);
		if (f != NULL)
			xb_flow_touch(f, 0, 74, XB_TCP_FLAG_SYN, now);
		now += 100; /* 10 Mpps */
	}
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.evictions_by_class[XB_FLOW_CLASS_ESTABLISHED],
			 st0.evictions_by_class[XB_FLOW_CLASS_ESTABLISHED]);
	assert_int_equal(st.evictions_by_class[XB_FLOW_CLASS_IDLE], 0);
	assert_true(st.evictions_by_class[XB_FLOW_CLASS_HALF_OPEN] >
		    FLOOD - CAP);
	/* refused: only SYNs whose pair is all established, rare */
	assert_true(st.insert_refused < FLOOD / 20);
	assert_int_equal(st.insert_failed, 0);
	for (i = 0; i < EST; i++) {
		struct xb_flow_key k;
		uint32_t h;

		mk_key(i, XB_FLOW_PROTO_TCP, &k, &h);
		if (xb_flow_lookup(t, &k, h) != NULL)
			kept--;
	}
	assert_int_equal(kept, 0);
	check_invariant(t);
	xb_flow_table_free(t);
}

/* ------------------------------------------------ memory of evictions */

static struct xb_flowmem_rec
mk_rec(uint16_t cat, const char *name)
{
	struct xb_flowmem_rec r;

	memset(&r, 0, sizeof(r));
	r.generation = 7;
	r.category = cat;
	r.name_source = 1;
	r.flags = 0x24;
	snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

static void
test_flowmem_save_take(void **state)
{
	struct xb_flowmem_params p = { .entries = 64 };
	struct xb_flowmem *m = xb_flowmem_create(&p);
	struct xb_flowmem_stats st;
	struct xb_flowmem_rec in, out;
	struct xb_flow_key k, k2;
	uint32_t h, h2;

	(void)state;
	assert_non_null(m);
	assert_true(xb_flowmem_empty(m));
	mk_key(1, XB_FLOW_PROTO_TCP, &k, &h);
	mk_key(2, XB_FLOW_PROTO_TCP, &k2, &h2);
	assert_false(xb_flowmem_take(m, &k, h, T0, S(300), &out));
	in = mk_rec(12, "www.dbs.com.sg");
	xb_flowmem_save(m, &k, h, T0, &in);
	assert_false(xb_flowmem_empty(m));
	/* another key with the same hash (a forged tag): not its record */
	assert_false(xb_flowmem_take(m, &k2, h, T0, S(300), &out));
	/* a second save of the same key replaces its record */
	in = mk_rec(13, "www.dbs.com.sg");
	xb_flowmem_save(m, &k, h, T0 + 5, &in);
	xb_flowmem_stats(m, &st);
	assert_int_equal(st.live, 1);
	assert_int_equal(st.replaced, 0);
	assert_true(xb_flowmem_take(m, &k, h, T0 + S(1), S(300), &out));
	assert_memory_equal(&in, &out, sizeof(in));
	/* taken once: gone */
	assert_false(xb_flowmem_take(m, &k, h, T0 + S(1), S(300), &out));
	assert_true(xb_flowmem_empty(m));
	/* too old: dropped, counted */
	xb_flowmem_save(m, &k, h, T0, &in);
	assert_false(xb_flowmem_take(m, &k, h, T0 + S(301), S(300), &out));
	assert_true(xb_flowmem_empty(m));
	/* exactly max_age old still counts; a clock that went back too */
	xb_flowmem_save(m, &k, h, T0, &in);
	assert_true(xb_flowmem_take(m, &k, h, T0 + S(300), S(300), &out));
	xb_flowmem_save(m, &k, h, T0, &in);
	assert_true(xb_flowmem_take(m, &k, h, T0 - S(5), S(300), &out));
	/* a name of the full length stays terminated */
	memset(in.name, 'a', sizeof(in.name));
	xb_flowmem_save(m, &k, h, T0, &in);
	assert_true(xb_flowmem_take(m, &k, h, T0, S(300), &out));
	assert_int_equal(strlen(out.name), XB_FLOWMEM_NAME_MAX - 1);
	xb_flowmem_stats(m, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.taken, 4);
	assert_int_equal(st.entries, 64);
	assert_int_equal(st.memory_bytes, xb_flowmem_memory(64));
	xb_flowmem_free(m);
}

/* One set (all keys with one hash): 4 ways, the oldest save goes. */
static void
test_flowmem_set_replacement(void **state)
{
	struct xb_flowmem_params p = { .entries = 64 };
	struct xb_flowmem *m = xb_flowmem_create(&p);
	struct xb_flowmem_stats st;
	struct xb_flowmem_rec in, out;
	struct xb_flow_key k[6];
	uint32_t dummy;

	(void)state;
	assert_non_null(m);
	for (unsigned int i = 0; i < 6; i++) {
		mk_key(i, XB_FLOW_PROTO_UDP, &k[i], &dummy);
		in = mk_rec((uint16_t)i, "x");
		xb_flowmem_save(m, &k[i], 0x1234u, T0 + i, &in);
	}
	xb_flowmem_stats(m, &st);
	assert_int_equal(st.live, XB_FLOWMEM_WAYS);
	assert_int_equal(st.replaced, 2);
	assert_false(xb_flowmem_take(m, &k[0], 0x1234u, T0 + 9, S(60), &out));
	assert_false(xb_flowmem_take(m, &k[1], 0x1234u, T0 + 9, S(60), &out));
	for (unsigned int i = 2; i < 6; i++) {
		assert_true(xb_flowmem_take(m, &k[i], 0x1234u, T0 + 9, S(60),
					    &out));
		assert_int_equal(out.category, i);
	}
	xb_flowmem_free(m);
}

static void
test_flowmem_create_invalid(void **state)
{
	struct xb_flowmem_params p = { .entries = 0 };
	struct alloc_ctx a = { 0 };
	struct xb_flowmem *m;

	(void)state;
	errno = 0;
	assert_null(xb_flowmem_create(NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(xb_flowmem_create(&p));
	p.entries = XB_FLOWMEM_MAX_ENTRIES + 1;
	assert_null(xb_flowmem_create(&p));
	assert_int_equal(xb_flowmem_memory(0), 0);
	p.entries = 100; /* rounded up to 128 */
	p.zalloc = test_zalloc;
	assert_null(xb_flowmem_create(&p)); /* free missing */
	p.free = test_free_fn;
	p.alloc_arg = &a;
	for (unsigned int k = 1; k <= 3; k++) {
		memset(&a, 0, sizeof(a));
		a.fail_at = k;
		errno = 0;
		assert_null(xb_flowmem_create(&p));
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(a.live, 0);
	}
	memset(&a, 0, sizeof(a));
	m = xb_flowmem_create(&p);
	assert_non_null(m);
	{
		struct xb_flowmem_stats st;

		xb_flowmem_stats(m, &st);
		assert_int_equal(st.entries, 128);
	}
	xb_flowmem_free(m);
	assert_int_equal(a.live, 0);
	xb_flowmem_free(NULL);
}

/* Through the table, as the worker uses it: remembered from the end
 * callback of an eviction, recalled by the flow's new entry. */
struct remember_ctx {
	struct xb_flow_table *t;
	uint64_t now;
	unsigned int remembered;
};

static void
remember_end(void *ctx, struct xb_flow *f, enum xb_flow_end_reason why)
{
	struct remember_ctx *c = ctx;
	struct xb_flowmem_rec r = mk_rec(f->verdict.category, "");

	if (why != XB_FLOW_END_EVICTED)
		return;
	snprintf(r.name, sizeof(r.name), "%s", xb_flow_name(c->t, f));
	if (xb_flow_remember(c->t, f, c->now, &r))
		c->remembered++;
}

static void
test_remember_recall(void **state)
{
	struct xb_flow_table *t = mk_table(1); /* one entry: every insert
						* evicts */
	struct remember_ctx c = { .t = t, .now = T0 };
	struct xb_flow_table_stats st;
	struct xb_flowmem_rec out;
	struct xb_flow_key k[3];
	uint32_t h[3];
	struct xb_flow *f;

	(void)state;
	for (unsigned int i = 0; i < 3; i++)
		mk_key(i, i == 2 ? XB_FLOW_PROTO_UDP : XB_FLOW_PROTO_TCP, &k[i],
		       &h[i]);
	/* flow 0, named, established; flow 1 pushes it out */
	f = xb_flow_insert(t, &k[0], h[0], T0, remember_end, &c);
	make_established(f, T0);
	f->verdict.category = 12;
	strcpy(xb_flow_name(t, f), "www.dbs.com.sg");
	xb_flow_burst_begin(t);
	f = xb_flow_insert(t, &k[1], h[1], T0 + 1, remember_end, &c);
	assert_non_null(f);
	assert_int_equal(c.remembered, 1);
	/* flow 0 again, mid-stream: its record back, once */
	assert_false(xb_flow_recall(t, &k[1], h[1], T0 + 2, &out));
	assert_true(xb_flow_recall(t, &k[0], h[0], T0 + 2, &out));
	assert_int_equal(out.category, 12);
	assert_string_equal(out.name, "www.dbs.com.sg");
	assert_false(xb_flow_recall(t, &k[0], h[0], T0 + 2, &out));
	/* a closed connection is not remembered (its 5-tuple's next
	 * connection is a new one) */
	make_established(f, T0 + 2);
	xb_flow_touch(f, 1, 60, XB_TCP_FLAG_RST, T0 + 3);
	xb_flow_burst_begin(t);
	assert_non_null(xb_flow_insert(t, &k[2], h[2], T0 + 4, remember_end,
				       &c));
	assert_int_equal(c.remembered, 1);
	assert_false(xb_flow_recall(t, &k[1], h[1], T0 + 5, &out));
	/* UDP: kept no longer than its idle timeout (60 s) */
	f = xb_flow_lookup(t, &k[2], h[2]);
	xb_flow_touch(f, 0, 100, 0, T0 + 4);
	xb_flow_burst_begin(t);
	assert_non_null(xb_flow_insert(t, &k[0], h[0], T0 + 5, remember_end,
				       &c));
	assert_int_equal(c.remembered, 2);
	assert_false(xb_flow_recall(t, &k[2], h[2], T0 + 5 + S(61), &out));
	xb_flow_table_stats(t, &st);
	assert_int_equal(st.remembered, 2);
	assert_int_equal(st.recalled, 1);
	assert_int_equal(st.memory_expired, 1);
	assert_int_equal(st.memory_live, 0);
	assert_int_equal(st.memory_entries, XB_FLOWMEM_MIN_ENTRIES);
	xb_flow_table_free(t);

	/* a table without memory remembers nothing */
	{
		struct xb_flow_table_params p = {
			.capacity = 8,
			.hash_key = &test_hk,
			.memory_entries = XB_FLOW_MEMORY_NONE,
		};

		t = xb_flow_table_create(&p);
		assert_non_null(t);
		f = xb_flow_insert(t, &k[0], h[0], T0, NULL, NULL);
		assert_false(xb_flow_remember(t, f, T0, &out));
		assert_false(xb_flow_recall(t, &k[0], h[0], T0, &out));
		xb_flow_table_stats(t, &st);
		assert_int_equal(st.memory_entries, 0);
		assert_true(st.memory_bytes < xb_flow_table_memory(8));
		xb_flow_table_free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_symmetry),
		cmocka_unit_test(test_key_hash_one_pass),
		cmocka_unit_test(test_restart_if_idle),
		cmocka_unit_test(test_both_directions_one_entry),
		cmocka_unit_test(test_touch),
		cmocka_unit_test(test_lookup_bulk_equals_single),
		cmocka_unit_test(test_bucket_pair_spill_and_evict),
		cmocka_unit_test(test_aging_per_protocol),
		cmocka_unit_test(test_expire_incremental),
		cmocka_unit_test(test_eviction_flood),
		cmocka_unit_test(test_all_pinned),
		cmocka_unit_test(test_duplicate_insert),
		cmocka_unit_test(test_flush_and_foreach),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_create_invalid_and_alloc),
		cmocka_unit_test(test_keyed_hash_vectors),
		cmocka_unit_test(test_keyed_hash_key_and_symmetry),
		cmocka_unit_test(test_flow_class),
		cmocka_unit_test(test_evict_pair_by_class),
		cmocka_unit_test(test_syn_flood_spares_established),
		cmocka_unit_test(test_flowmem_save_take),
		cmocka_unit_test(test_flowmem_set_replacement),
		cmocka_unit_test(test_flowmem_create_invalid),
		cmocka_unit_test(test_remember_recall),
	};

	return cmocka_run_group_tests(tests, setup_hash_key, NULL);
}
