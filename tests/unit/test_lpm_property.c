/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xb_lpm over rte_fib/rte_fib6 (needs EAL, run with --no-huge):
 *  - table-driven semantics: longest prefix wins, later duplicate wins,
 *    default value, 2- and 4-byte next hops, bad arguments;
 *  - a property test: the LPM built from the DEFAULT config geo tables
 *    (config/ of the source tree, found via XBGW_SOURCE_ROOT) must agree
 *    with an independent reference (hash sets per prefix length, searched
 *    from the longest length down) on 1,000,000 IPv4 and 1,000,000 IPv6
 *    addresses: inside
 *    prefixes, on their first and last address, one before and one after,
 *    and anywhere.  XBGW_TEST_SEED sets the random seed.
 */
#include <errno.h>
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

#include <rte_eal.h>
#include <rte_memory.h>

#include "xb_country.h"
#include "xb_geo.h"
#include "xb_lpm.h"
#include "xb_prefix.h"
#include "xb_tenant.h"
#include "test_eal.h"

#define N_V4 1000000
#define N_V6 1000000
#define BURST 32

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct xb_prefix
pfx(const char *s)
{
	struct xb_prefix p;
	const char *why;

	if (xb_prefix_parse(s, &p, &why) != 0)
		fail_msg("bad prefix %s in test table: %s", s, why);
	return p;
}

static void
fail_with_errors(const struct xb_errors *errs)
{
	char buf[4096];

	xb_errors_join(errs, buf, sizeof(buf));
	fail_msg("unexpected errors:\n%s", buf);
}

/* --- table-driven semantics --- */

struct add_row {
	const char *prefix;
	uint32_t value;
};

struct lookup_row {
	const char *addr;
	uint32_t want;
};

static void
lookup_one(const struct xb_lpm *l, const char *addr, uint64_t *got)
{
	struct xb_prefix p = pfx(addr);

	if (p.family == 4) {
		uint32_t ip = (uint32_t)p.addr[0] << 24 |
			      (uint32_t)p.addr[1] << 16 |
			      (uint32_t)p.addr[2] << 8 | p.addr[3];

		xb_lpm_lookup4_bulk(l, &ip, got, 1);
		assert_int_equal(xb_lpm_lookup4(l, ip), *got);
	} else {
		const uint8_t (*a)[16] = (const uint8_t (*)[16])p.addr;

		xb_lpm_lookup6_bulk(l, a, got, 1);
		assert_int_equal(xb_lpm_lookup6(l, p.addr), *got);
	}
}

static void
run_table(const struct add_row *adds, size_t nadds,
	  const struct lookup_row *rows, size_t nrows, uint32_t def,
	  const char *name)
{
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_errors errs;
	struct xb_lpm *l;

	xb_errors_init(&errs);
	assert_non_null(b);
	for (size_t i = 0; i < nadds; i++) {
		struct xb_prefix p = pfx(adds[i].prefix);

		assert_int_equal(xb_lpm_builder_add(b, &p, adds[i].value), 0);
	}
	assert_int_equal(xb_lpm_builder_count(b), nadds);
	l = xb_lpm_build(b, name, def, SOCKET_ID_ANY, &errs);
	if (l == NULL)
		fail_with_errors(&errs);
	xb_lpm_builder_free(b);
	for (size_t i = 0; i < nrows; i++) {
		uint64_t got;

		lookup_one(l, rows[i].addr, &got);
		if (got != rows[i].want)
			fail_msg("%s: lookup %s: got %llu, expected %u", name,
				 rows[i].addr, (unsigned long long)got,
				 rows[i].want);
	}
	xb_lpm_free(l);
	xb_errors_free(&errs);
}

static const struct add_row small_adds[] = {
	{ "10.0.0.0/8", 1 },
	{ "10.1.0.0/16", 2 },
	{ "10.1.2.0/24", 3 },
	{ "10.1.2.128/25", 4 },
	{ "10.1.2.129", 5 },
	{ "10.1.0.0/16", 6 }, /* same prefix again: later wins */
	{ "203.0.113.0/24", 7 },
	{ "2001:db8::/32", 8 },
	{ "2001:db8:1::/48", 9 },
	{ "2001:db8:1:2::/64", 10 },
	{ "2001:db8:1:2::7", 11 },
	{ "2001:db8:1::/48", 12 }, /* later wins */
	{ "2001:db8:ff00::/40", 13 },
};

static const struct lookup_row small_rows[] = {
	{ "9.255.255.255", 0 },
	{ "10.0.0.0", 1 },
	{ "10.255.255.255", 1 },
	{ "10.1.0.0", 6 },
	{ "10.1.255.255", 6 },
	{ "10.1.2.0", 3 },
	{ "10.1.2.127", 3 },
	{ "10.1.2.128", 4 },
	{ "10.1.2.129", 5 },
	{ "10.1.2.130", 4 },
	{ "10.1.2.255", 4 },
	{ "10.1.3.0", 6 },
	{ "10.2.0.0", 1 },
	{ "11.0.0.0", 0 },
	{ "203.0.112.255", 0 },
	{ "203.0.113.77", 7 },
	{ "203.0.114.0", 0 },
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
	{ "2001:db8::", 8 },
	{ "2001:db8:0:ffff::1", 8 },
	{ "2001:db8:1::", 12 },
	{ "2001:db8:1:1:ffff:ffff:ffff:ffff", 12 },
	{ "2001:db8:1:2::", 10 },
	{ "2001:db8:1:2::6", 10 },
	{ "2001:db8:1:2::7", 11 },
	{ "2001:db8:1:2::8", 10 },
	{ "2001:db8:1:3::", 12 },
	{ "2001:db8:2::", 8 },
	{ "2001:db8:ff00::1", 13 },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 13 },
	{ "2001:db9::", 0 },
	{ "::", 0 },
};

static void
test_small_table(void **state)
{
	(void)state;
	run_table(small_adds, sizeof(small_adds) / sizeof(small_adds[0]),
		  small_rows, sizeof(small_rows) / sizeof(small_rows[0]), 0,
		  "small");
}

/* Values above 32767 need 4-byte next hops; default not 0; /0 routes. */
static const struct add_row wide_adds[] = {
	{ "0.0.0.0/0", 40000 },
	{ "192.0.2.0/24", 0x7fffffff },
	{ "::/0", 32768 },
	{ "2001:db8::/32", 65535 },
};

static const struct lookup_row wide_rows[] = {
	{ "1.2.3.4", 40000 },
	{ "192.0.2.1", 0x7fffffff },
	{ "192.0.3.1", 40000 },
	{ "fe80::1", 32768 },
	{ "2001:db8::1", 65535 },
};

static void
test_wide_values(void **state)
{
	(void)state;
	run_table(wide_adds, sizeof(wide_adds) / sizeof(wide_adds[0]),
		  wide_rows, sizeof(wide_rows) / sizeof(wide_rows[0]), 77,
		  "a-rather-long-table-name");
}

static const struct lookup_row empty_rows[] = {
	{ "1.2.3.4", 9 },
	{ "2001:db8::1", 9 },
};

static void
test_empty_and_one_family(void **state)
{
	static const struct add_row v4only[] = { { "1.0.0.0/8", 3 } };
	static const struct lookup_row v4only_rows[] = {
		{ "1.2.3.4", 3 },
		{ "2.0.0.0", 9 },
		{ "2001:db8::1", 9 },
	};

	(void)state;
	run_table(NULL, 0, empty_rows, 2, 9, "empty");
	run_table(v4only, 1, v4only_rows, 3, 9, "v4only");
}

static void
test_bad_arguments(void **state)
{
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_prefix p = pfx("10.0.0.0/8");
	struct xb_errors errs;
	uint32_t v;

	(void)state;
	xb_errors_init(&errs);
	assert_int_equal(xb_lpm_builder_add(b, &p, XB_LPM_MAX_VALUE + 1u),
			 -EINVAL);
	p.family = 5;
	assert_int_equal(xb_lpm_builder_add(b, &p, 1), -EINVAL);
	p.family = 4;
	p.len = 33;
	assert_int_equal(xb_lpm_builder_add(b, &p, 1), -EINVAL);
	p = pfx("2001:db8::/32");
	p.len = 129;
	assert_int_equal(xb_lpm_builder_add(b, &p, 1), -EINVAL);
	assert_int_equal(xb_lpm_builder_count(b), 0);
	assert_int_equal(xb_lpm_builder_get(b, 0, &p, &v), -ERANGE);
	assert_null(xb_lpm_build(b, "bad", XB_LPM_MAX_VALUE + 1u,
				 SOCKET_ID_ANY, &errs));
	assert_int_equal(xb_errors_count(&errs), 1);
	assert_null(xb_lpm_build(NULL, "bad", 0, SOCKET_ID_ANY, &errs));
	xb_lpm_builder_free(b);
	xb_lpm_builder_free(NULL);
	xb_lpm_free(NULL);
	xb_errors_free(&errs);
}

/* --- reference: hash of (family, len, masked address) -> value --- */

struct ref_slot {
	uint64_t hi, lo;
	uint16_t tag; /* family * 256 + len + 1; 0 = empty */
	uint32_t value;
};

struct ref {
	struct ref_slot *s;
	size_t mask;
	int lens4[33], nlens4;   /* present lengths, longest first */
	int lens6[129], nlens6;
};

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static void
mask128(uint64_t *hi, uint64_t *lo, unsigned int len)
{
	if (len == 0) {
		*hi = *lo = 0;
	} else if (len < 64) {
		*hi &= ~0ull << (64 - len);
		*lo = 0;
	} else if (len == 64) {
		*lo = 0;
	} else if (len < 128) {
		*lo &= ~0ull << (128 - len);
	}
}

static struct ref_slot *
ref_slot(struct ref *r, uint64_t hi, uint64_t lo, uint16_t tag)
{
	size_t i = (size_t)mix(hi ^ mix(lo ^ tag)) & r->mask;

	while (r->s[i].tag != 0 &&
	       !(r->s[i].tag == tag && r->s[i].hi == hi && r->s[i].lo == lo))
		i = (i + 1) & r->mask;
	return &r->s[i];
}

static void
words(const struct xb_prefix *p, uint64_t *hi, uint64_t *lo)
{
	*hi = *lo = 0;
	for (int i = 0; i < 8; i++)
		*hi = *hi << 8 | p->addr[i];
	for (int i = 8; i < 16; i++)
		*lo = *lo << 8 | p->addr[i];
}

static void
ref_build(struct ref *r, const struct xb_lpm_builder *b)
{
	bool have4[33] = { false }, have6[129] = { false };
	size_t n = xb_lpm_builder_count(b), cap = 1024;

	while (cap < n * 2)
		cap <<= 1;
	r->s = calloc(cap, sizeof(*r->s));
	assert_non_null(r->s);
	r->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		struct xb_prefix p;
		struct ref_slot *s;
		uint64_t hi, lo;
		uint32_t v;

		assert_int_equal(xb_lpm_builder_get(b, i, &p, &v), 0);
		words(&p, &hi, &lo);
		if (p.family == 4) {
			lo = hi >> 32;
			hi = 0;
		}
		mask128(&hi, &lo, p.family == 4 ? p.len + 96u : p.len);
		s = ref_slot(r, hi, lo, (uint16_t)(p.family * 256 + p.len + 1));
		s->hi = hi;
		s->lo = lo;
		s->tag = (uint16_t)(p.family * 256 + p.len + 1);
		s->value = v; /* in add order: the later one stays */
		if (p.family == 4)
			have4[p.len] = true;
		else
			have6[p.len] = true;
	}
	r->nlens4 = r->nlens6 = 0;
	for (int l = 32; l >= 0; l--)
		if (have4[l])
			r->lens4[r->nlens4++] = l;
	for (int l = 128; l >= 0; l--)
		if (have6[l])
			r->lens6[r->nlens6++] = l;
}

/* IPv4 is kept in the low 32 bits of lo, as if ::a.b.c.d with len + 96. */
static uint32_t
ref_lookup4(struct ref *r, uint32_t ip, uint32_t def)
{
	for (int i = 0; i < r->nlens4; i++) {
		unsigned int len = (unsigned int)r->lens4[i];
		uint64_t hi = 0, lo = ip;
		struct ref_slot *s;

		mask128(&hi, &lo, len + 96);
		s = ref_slot(r, hi, lo, (uint16_t)(4 * 256 + len + 1));
		if (s->tag != 0)
			return s->value;
	}
	return def;
}

static uint32_t
ref_lookup6(struct ref *r, const uint8_t *a, uint32_t def)
{
	struct xb_prefix p = { .family = 6 };
	uint64_t hi0, lo0;

	memcpy(p.addr, a, 16);
	words(&p, &hi0, &lo0);
	for (int i = 0; i < r->nlens6; i++) {
		unsigned int len = (unsigned int)r->lens6[i];
		uint64_t hi = hi0, lo = lo0;
		struct ref_slot *s;

		mask128(&hi, &lo, len);
		s = ref_slot(r, hi, lo, (uint16_t)(6 * 256 + len + 1));
		if (s->tag != 0)
			return s->value;
	}
	return def;
}

/* --- random addresses around the prefixes --- */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 128-bit address as (hi, lo) plus/minus one with wrap-around. */
static void
add128(uint64_t *hi, uint64_t *lo, int d)
{
	if (d > 0) {
		if (++*lo == 0)
			++*hi;
	} else {
		if ((*lo)-- == 0)
			--*hi;
	}
}

static void
put128(uint8_t *a, uint64_t hi, uint64_t lo)
{
	for (int i = 0; i < 8; i++) {
		a[i] = (uint8_t)(hi >> (56 - 8 * i));
		a[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
}

/* Address of kind k for prefix p: 0 inside, 1 first, 2 last, 3 first - 1,
 * 4 last + 1, 5 anywhere. */
static void
sample(const struct xb_prefix *p, unsigned int k, uint64_t *hi, uint64_t *lo)
{
	unsigned int len = p->family == 4 ? p->len + 96u : p->len;
	uint64_t rh = rnd(), rl = rnd(), h, l, mh, ml;

	words(p, &h, &l);
	if (p->family == 4) {
		l = h >> 32;
		h = 0;
	}
	mh = ~0ull, ml = ~0ull;
	mask128(&mh, &ml, len); /* network mask */
	switch (k) {
	case 0:
		h |= rh & ~mh;
		l |= rl & ~ml;
		break;
	case 1:
		break;
	case 2:
		h |= ~mh;
		l |= ~ml;
		break;
	case 3:
		add128(&h, &l, -1);
		break;
	case 4:
		h |= ~mh;
		l |= ~ml;
		add128(&h, &l, 1);
		break;
	default:
		h = rh;
		l = rl;
		if (p->family == 6 && (rl & 1))
			h = (h & 0x0fffffffffffffffull) | 0x2000000000000000ull;
		break;
	}
	if (p->family == 4) {
		*hi = 0;
		*lo = l & 0xffffffffull;
	} else {
		*hi = h;
		*lo = l;
	}
}

static void
load_default_geo(struct xb_countries **cp, struct xb_lpm_builder **bp)
{
	static const char *const sources[] = {
		"config/geo/world-ipv4.csv",
		"config/geo/world-ipv6.csv",
		"config/geo/delegated-apnic-asean.txt",
	};
	const char *root = getenv("XBGW_SOURCE_ROOT");
	struct xb_geo_stats st;
	struct xb_errors errs;
	char path[4096];
	double t0 = now_s();

	if (root == NULL)
		root = XBGW_SOURCE_ROOT_DEFAULT;
	xb_errors_init(&errs);
	memset(&st, 0, sizeof(st));
	snprintf(path, sizeof(path), "%s/config/countries.csv", root);
	*cp = xb_countries_load(XB_TABLE_FILE(path), &errs);
	if (*cp == NULL)
		fail_with_errors(&errs);
	*bp = xb_lpm_builder_create();
	assert_non_null(*bp);
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, sources[i]);
		if (xb_geo_load(XB_TABLE_FILE(path), *cp, *bp, &st, &errs) != 0)
			fail_with_errors(&errs);
	}
	printf("# default geo: %u countries; %llu IPv4 + %llu IPv6 prefixes "
	       "added (%llu + %llu records; %llu skipped for country) in %.2f s\n",
	       xb_countries_count(*cp), (unsigned long long)st.prefixes_v4,
	       (unsigned long long)st.prefixes_v6,
	       (unsigned long long)st.records_v4,
	       (unsigned long long)st.records_v6,
	       (unsigned long long)st.skipped_country, now_s() - t0);
	assert_true(st.prefixes_v4 > 100000);
	assert_true(st.prefixes_v6 > 50000);
	assert_int_equal(st.files_cidr, 2);
	assert_int_equal(st.files_rir, 1);
	xb_errors_free(&errs);
}

static void
check_known(const struct xb_lpm *l, const struct xb_countries *c,
	    const char *addr, const char *cc)
{
	uint64_t got;

	lookup_one(l, addr, &got);
	if (strcmp(xb_countries_code(c, (unsigned int)got), cc) != 0)
		fail_msg("%s: got %s, expected %s", addr,
			 xb_countries_code(c, (unsigned int)got), cc);
}

static void
test_default_geo_property(void **state)
{
	struct xb_countries *c;
	struct xb_lpm_builder *b;
	struct xb_prefix *v4 = NULL, *v6 = NULL;
	size_t n4 = 0, n6 = 0, n;
	struct xb_errors errs;
	struct xb_lpm *l;
	struct ref r;
	unsigned long mismatches = 0, checked = 0, hits = 0;
	const char *seed_env = getenv("XBGW_TEST_SEED");
	double t0, t_build, t_lookup = 0;

	(void)state;
	rng_state = seed_env ? strtoull(seed_env, NULL, 0) : 0x5eed2026ull;
	printf("# seed 0x%llx (XBGW_TEST_SEED)\n",
	       (unsigned long long)rng_state);
	load_default_geo(&c, &b);
	xb_errors_init(&errs);

	t0 = now_s();
	l = xb_lpm_build(b, "geo", XB_COUNTRY_UNKNOWN, SOCKET_ID_ANY, &errs);
	if (l == NULL)
		fail_with_errors(&errs);
	t_build = now_s() - t0;
	printf("# FIB build: %zu IPv4 + %zu IPv6 distinct prefixes, %zu + %zu "
	       "routes installed, %.2f s, %.1f MB of EAL memory\n",
	       xb_lpm_prefix_count(l, 4), xb_lpm_prefix_count(l, 6),
	       xb_lpm_route_count(l, 4), xb_lpm_route_count(l, 6), t_build,
	       (double)xb_lpm_memory(l) / 1e6);

	/* A few facts of the registry data. */
	check_known(l, c, "8.8.8.8", "US");
	check_known(l, c, "1.0.1.1", "CN");
	check_known(l, c, "2001:208::1", "SG");
	check_known(l, c, "192.168.1.7", "ZZ");
	check_known(l, c, "fd00::1", "ZZ");

	ref_build(&r, b);
	n = xb_lpm_builder_count(b);
	v4 = malloc(n * sizeof(*v4));
	v6 = malloc(n * sizeof(*v6));
	assert_non_null(v4);
	assert_non_null(v6);
	for (size_t i = 0; i < n; i++) {
		struct xb_prefix p;
		uint32_t v;

		xb_lpm_builder_get(b, i, &p, &v);
		if (p.family == 4)
			v4[n4++] = p;
		else
			v6[n6++] = p;
	}

	for (unsigned int fam = 4; fam <= 6; fam += 2) {
		unsigned int total = fam == 4 ? N_V4 : N_V6;

		for (unsigned int done = 0; done < total; done += BURST) {
			uint32_t ips4[BURST];
			uint8_t ips6[BURST][16];
			uint64_t got[BURST];
			double t1;

			for (unsigned int i = 0; i < BURST; i++) {
				const struct xb_prefix *p = fam == 4 ?
					&v4[rnd() % n4] : &v6[rnd() % n6];
				uint64_t hi, lo;

				sample(p, (done + i) % 6, &hi, &lo);
				if (fam == 4)
					ips4[i] = (uint32_t)lo;
				else
					put128(ips6[i], hi, lo);
			}
			t1 = now_s();
			if (fam == 4)
				xb_lpm_lookup4_bulk(l, ips4, got, BURST);
			else
				xb_lpm_lookup6_bulk(
					l, (const uint8_t (*)[16])ips6, got,
					BURST);
			t_lookup += now_s() - t1;
			for (unsigned int i = 0; i < BURST; i++) {
				uint32_t want = fam == 4 ?
					ref_lookup4(&r, ips4[i], 0) :
					ref_lookup6(&r, ips6[i], 0);

				checked++;
				hits += want != 0;
				if (got[i] == want)
					continue;
				if (mismatches++ < 10) {
					char a[64];

					if (fam == 4) {
						uint8_t x[4] = {
							(uint8_t)(ips4[i] >> 24),
							(uint8_t)(ips4[i] >> 16),
							(uint8_t)(ips4[i] >> 8),
							(uint8_t)ips4[i]
						};
						xb_addr_format(4, x, a, sizeof(a));
					} else {
						xb_addr_format(6, ips6[i], a,
							       sizeof(a));
					}
					printf("# MISMATCH %s: fib %llu, reference %u\n",
					       a, (unsigned long long)got[i],
					       want);
				}
			}
		}
	}
	printf("# %lu addresses checked (%lu inside some prefix), %lu "
	       "mismatches; bulk lookups took %.1f ns/address\n",
	       checked, hits, mismatches, t_lookup * 1e9 / (double)checked);
	assert_true(checked >= N_V4 + N_V6);
	assert_true(hits > checked / 2);
	assert_int_equal(mismatches, 0);

	free(v4);
	free(v6);
	free(r.s);
	xb_lpm_free(l);
	xb_lpm_builder_free(b);
	xb_countries_free(c);
	xb_errors_free(&errs);
}

/*
 * Random nested prefixes of every length under a few shared blocks, to
 * check the tbl8 sizing (an undersized pool makes adds fail with ENOSPC)
 * and the lookups against the reference.
 */
static void
check_against_ref(const struct xb_lpm *l, struct ref *r,
		  const struct xb_lpm_builder *b, unsigned int count)
{
	size_t n = xb_lpm_builder_count(b);
	unsigned long bad = 0;

	for (unsigned int k = 0; k < count; k++) {
		struct xb_prefix p;
		uint64_t hi, lo, got;
		uint32_t v, want;

		xb_lpm_builder_get(b, rnd() % n, &p, &v);
		sample(&p, k % 6, &hi, &lo);
		if (p.family == 4) {
			uint32_t ip = (uint32_t)lo;

			xb_lpm_lookup4_bulk(l, &ip, &got, 1);
			want = ref_lookup4(r, ip, 0);
		} else {
			uint8_t a[1][16];

			put128(a[0], hi, lo);
			xb_lpm_lookup6_bulk(l, (const uint8_t (*)[16])a, &got,
					    1);
			want = ref_lookup6(r, a[0], 0);
		}
		bad += got != want;
	}
	assert_int_equal(bad, 0);
}

static void
test_dense_random(void **state)
{
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_errors errs;
	struct xb_lpm *l;
	struct ref r;

	(void)state;
	rng_state = 12345;
	xb_errors_init(&errs);
	for (unsigned int i = 0; i < 20000; i++) {
		struct xb_prefix p = { 0 };
		uint64_t x = rnd(), y = rnd();
		unsigned int base = (unsigned int)(x % 7);

		if (i % 4 == 0) {
			p.family = 4;
			p.len = (uint8_t)(8 + y % 25);
			p.addr[0] = (uint8_t)(10 + base);
			for (int k = 1; k < 4; k++)
				p.addr[k] = (uint8_t)(rnd() & (k == 1 ? 1 : 0xff));
		} else {
			p.family = 6;
			p.len = (uint8_t)(16 + y % 113);
			p.addr[0] = 0x20;
			p.addr[1] = 0x01;
			p.addr[2] = (uint8_t)base;
			p.addr[3] = (uint8_t)(rnd() & 3);
			for (int k = 4; k < 16; k++)
				p.addr[k] = (uint8_t)rnd();
		}
		assert_int_equal(xb_lpm_builder_add(b, &p,
						    (uint32_t)(1 + y % 300)), 0);
	}
	l = xb_lpm_build(b, "dense", 0, SOCKET_ID_ANY, &errs);
	if (l == NULL)
		fail_with_errors(&errs);
	printf("# dense: %zu + %zu prefixes, %.1f MB\n",
	       xb_lpm_prefix_count(l, 4), xb_lpm_prefix_count(l, 6),
	       (double)xb_lpm_memory(l) / 1e6);
	ref_build(&r, b);
	check_against_ref(l, &r, b, 200000);
	free(r.s);
	xb_lpm_free(l);
	xb_lpm_builder_free(b);
	xb_errors_free(&errs);
}

/* The default tenant tables: the capture clients map to their tenants. */
static void
test_default_tenants(void **state)
{
	static const struct {
		const char *addr;
		const char *tenant;
	} rows[] = {
		{ "192.168.1.7", "acme-pay" },
		{ "192.168.1.255", "acme-pay" },
		{ "192.168.2.17", "lotus-trade" },
		{ "10.0.0.4", "gov-customs" },
		{ "10.0.1.4", "unknown" },
		{ "10.200.2.11", "gov-health" },
		{ "2001:470:1f17:13f:3e97:eff:fe73:4dec", "sea-cloud" },
		{ "2a00:d40:1:3:7aac:c0ff:fea7:d4c", "bamboo-media" },
		{ "2001:db8:100::1", "silk-logistics" },
		{ "8.8.8.8", "unknown" },
		{ "2001:4860:4860::8888", "unknown" },
	};
	const char *root = getenv("XBGW_SOURCE_ROOT");
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_errors errs;
	struct xb_tenants *t;
	struct xb_lpm *l;
	uint16_t vlan[4096];
	char path[4096];

	(void)state;
	if (root == NULL)
		root = XBGW_SOURCE_ROOT_DEFAULT;
	xb_errors_init(&errs);
	snprintf(path, sizeof(path), "%s/config/tenants.csv", root);
	t = xb_tenants_load(XB_TABLE_FILE(path), &errs);
	if (t == NULL)
		fail_with_errors(&errs);
	snprintf(path, sizeof(path), "%s/config/tenant_prefixes.csv", root);
	memset(vlan, 0, sizeof(vlan));
	if (xb_tenant_prefixes_load(XB_TABLE_FILE(path), t, b, vlan,
				    &errs) != 0)
		fail_with_errors(&errs);
	l = xb_lpm_build(b, "tenant", XB_TENANT_UNKNOWN, SOCKET_ID_ANY, &errs);
	if (l == NULL)
		fail_with_errors(&errs);
	printf("# tenant LPM: %zu + %zu prefixes, %.1f MB\n",
	       xb_lpm_prefix_count(l, 4), xb_lpm_prefix_count(l, 6),
	       (double)xb_lpm_memory(l) / 1e6);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t got;

		lookup_one(l, rows[i].addr, &got);
		if (strcmp(xb_tenants_get(t, (unsigned int)got)->id,
			   rows[i].tenant) != 0)
			fail_msg("%s: got tenant %s, expected %s", rows[i].addr,
				 xb_tenants_get(t, (unsigned int)got)->id,
				 rows[i].tenant);
	}
	assert_string_equal(xb_tenants_get(t, vlan[100])->id, "silk-logistics");
	xb_lpm_free(l);
	xb_lpm_builder_free(b);
	xb_tenants_free(t);
	xb_errors_free(&errs);
}

static int
eal_setup(void **state)
{
	(void)state;
	return test_eal_init("test_lpm", "512");
}

static int
eal_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_table),
		cmocka_unit_test(test_wide_values),
		cmocka_unit_test(test_empty_and_one_family),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_dense_random),
		cmocka_unit_test(test_default_tenants),
		cmocka_unit_test(test_default_geo_property),
	};

	return cmocka_run_group_tests(tests, eal_setup, eal_teardown);
}
