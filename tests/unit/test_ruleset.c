/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker classifies the new flows of a burst with one bulk call
 * (xb_ruleset_classify_bulk: the FIB lookups and the 5-tuple rules of the
 * whole batch at once); flows classified on their own (flow end, a flow
 * table with no room) go through xb_ruleset_classify().  Both must give
 * the same verdict for every packet.  This builds the ruleset of the
 * default configuration (every table, the full geo data) and compares the
 * two on random packets: IPv4 and IPv6, tenants' and other domestic
 * addresses, VLAN tenants, destinations taken from the real APNIC
 * delegations of the ten countries and from anywhere, the ports of the
 * category rules, TCP/UDP/ICMP, both directions and every role hint,
 * in batches of every size from 1 to XB_RULESET_BULK_MAX.
 * Needs EAL (rte_fib, rte_acl): --no-huge, own prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <rte_eal.h>

#include "xb_errors.h"
#include "xb_ruleset.h"
#include "test_eal.h"
#include "test_helpers_tables.h"
#include "test_rng.h"

#define NPKTS 20000
#define NDELEG_MAX 4096

static struct xb_ruleset *rs;

/* Destination ranges of the ten countries: (first address, count), from
 * the delegation file the default config loads. */
struct range {
	uint8_t family;
	uint8_t addr[16];
	uint32_t span; /* IPv4: addresses; IPv6: /prefix length */
};
static struct range ranges[NDELEG_MAX];
static unsigned int nranges;

static uint64_t rng_state = 0x243f6a8885a308d3ull;

/* The same packets on every run. */
static uint32_t
rnd(void)
{
	return (uint32_t)(test_rng(&rng_state) >> 32);
}

static void
load_ranges(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned int seen = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char reg[16], cc[8], type[8], start[64];
		unsigned long value;
		struct range *r;

		if (line[0] == '#' ||
		    sscanf(line, "%15[^|]|%7[^|]|%7[^|]|%63[^|]|%lu", reg, cc,
			   type, start, &value) != 5)
			continue;
		if (strcmp(type, "ipv4") != 0 && strcmp(type, "ipv6") != 0)
			continue;
		/* Every 8th row: a spread over the file, within the array. */
		if (seen++ % 8 != 0 || nranges == NDELEG_MAX)
			continue;
		r = &ranges[nranges];
		memset(r, 0, sizeof(*r));
		r->family = type[3] == '4' ? 4 : 6;
		if (inet_pton(r->family == 4 ? AF_INET : AF_INET6, start,
			      r->addr) != 1)
			continue;
		r->span = (uint32_t)value;
		nranges++;
	}
	fclose(f);
	assert_true(nranges > 100);
}

/* A random address inside range r. */
static void
addr_in_range(const struct range *r, uint8_t *out)
{
	memcpy(out, r->addr, 16);
	if (r->family == 4) {
		uint32_t a = ((uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 |
			      (uint32_t)out[2] << 8 | out[3]) +
			     rnd() % r->span;

		out[0] = (uint8_t)(a >> 24);
		out[1] = (uint8_t)(a >> 16);
		out[2] = (uint8_t)(a >> 8);
		out[3] = (uint8_t)a;
		memset(out + 4, 0, 12);
	} else {
		/* Randomise the bits past the prefix length (at least /16). */
		for (unsigned int b = r->span; b < 128; b++)
			if (rnd() & 1)
				out[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	}
}

/* Domestic side: tenants' prefixes, other private space, or anything. */
static void
domestic_addr(uint8_t family, uint8_t *out)
{
	static const char *const v4[] = {
		"192.168.1.", "192.168.2.", "192.168.0.", "192.168.88.",
		"10.0.0.", "10.200.3.", "10.84.1.", "172.16.5.", "10.9.9.",
	};
	static const char *const v6[] = {
		"2001:470:1f17:13f::", "2a00:d40:1:3::", "2001:b07:a3d:c112::",
		"fd00:1::", "fc00:99::",
	};
	char text[64];

	memset(out, 0, 16);
	if (family == 4) {
		snprintf(text, sizeof(text), "%s%u", v4[rnd() % 9],
			 1 + rnd() % 254);
		assert_int_equal(inet_pton(AF_INET, text, out), 1);
	} else {
		snprintf(text, sizeof(text), "%s%x", v6[rnd() % 5],
			 1 + rnd() % 0xfffe);
		assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	}
}

static void
random_addr(uint8_t family, uint8_t *out)
{
	memset(out, 0, 16);
	for (unsigned int i = 0; i < (family == 4 ? 4u : 16u); i++)
		out[i] = (uint8_t)rnd();
	if (family == 6)
		out[0] = 0x20 | (out[0] & 0x0f); /* global unicast */
}

static void
random_pkt(struct xb_pkt_info *pi)
{
	static const uint16_t ports[] = { 53, 443, 80, 123, 25, 587, 993, 853,
					  3478, 5060, 8080, 1194, 51820, 22 };
	static const uint8_t protos[] = { 6, 6, 6, 17, 17, 17, 1, 58 };
	const struct range *r = &ranges[rnd() % nranges];
	uint8_t family = rnd() % 4 == 0 ? 6 : 4;
	uint8_t remote[16], local[16];
	uint32_t kind = rnd() % 8;

	if (kind < 5) /* the usual: a country's address */
		family = r->family;
	memset(pi, 0, sizeof(*pi));
	pi->family = family;
	pi->proto = protos[rnd() % 8];
	if (pi->proto == 58 && family == 4)
		pi->proto = 1;
	if (pi->proto == 1 && family == 6)
		pi->proto = 58;
	pi->flags = XB_PKT_F_HAS_L4;
	pi->dscp = rnd() % 4 == 0 ? (uint8_t)(rnd() % 64) : 0;
	if (rnd() % 8 == 0) {
		static const uint16_t vlans[] = { 100, 200, 300, 7 };

		pi->vlan = vlans[rnd() % 4];
		pi->vlan_count = 1;
	}
	if (kind < 5)
		addr_in_range(r, remote);
	else
		random_addr(family, remote);
	if (kind == 7)
		random_addr(family, local); /* neither side domestic */
	else
		domestic_addr(family, local);
	pi->sport = (uint16_t)(1024 + rnd() % 60000);
	pi->dport = rnd() % 4 ? ports[rnd() % 14] : (uint16_t)rnd();
	if (rnd() & 1) {
		/* Outbound: local -> remote. */
		memcpy(pi->src, local, 16);
		memcpy(pi->dst, remote, 16);
	} else {
		uint16_t p = pi->sport;

		memcpy(pi->src, remote, 16);
		memcpy(pi->dst, local, 16);
		pi->sport = pi->dport;
		pi->dport = p;
	}
}

static void
test_bulk_equals_single(void **state)
{
	static struct xb_pkt_info pkts[NPKTS];
	static bool reply[NPKTS];
	static uint8_t roles[NPKTS];
	unsigned int with_country = 0, with_tenant = 0, with_category = 0,
		     remote_src = 0, checked = 0, batch = 1;

	(void)state;
	for (unsigned int i = 0; i < NPKTS; i++) {
		random_pkt(&pkts[i]);
		reply[i] = rnd() & 1;
		roles[i] = (uint8_t)(rnd() % 3);
	}
	for (unsigned int i = 0; i < NPKTS; i += batch) {
		const struct xb_pkt_info *ptrs[XB_RULESET_BULK_MAX];
		struct xb_verdict bulk[XB_RULESET_BULK_MAX];
		unsigned int n;

		/* Every batch size, then round again. */
		batch = batch % XB_RULESET_BULK_MAX + 1;
		n = NPKTS - i < batch ? NPKTS - i : batch;
		for (unsigned int k = 0; k < n; k++)
			ptrs[k] = &pkts[i + k];
		memset(bulk, 0xa5, sizeof(bulk));
		xb_ruleset_classify_bulk(rs, ptrs, &reply[i], &roles[i], n,
					 bulk);
		for (unsigned int k = 0; k < n; k++) {
			struct xb_verdict one;

			memset(&one, 0x5a, sizeof(one));
			xb_ruleset_classify(rs, &pkts[i + k], reply[i + k],
					    (enum xb_role_hint)roles[i + k],
					    &one);
			if (one.country != bulk[k].country ||
			    one.tenant != bulk[k].tenant ||
			    one.category != bulk[k].category ||
			    one.remote != bulk[k].remote)
				fail_msg("packet %u (batch of %u): single "
					 "country %u tenant %u category %u "
					 "remote %u, bulk %u %u %u %u",
					 i + k, n, one.country, one.tenant,
					 one.category, one.remote,
					 bulk[k].country, bulk[k].tenant,
					 bulk[k].category, bulk[k].remote);
			with_country += one.country != 0;
			with_tenant += one.tenant != 0;
			with_category += one.category != 0;
			remote_src += one.remote;
			checked++;
		}
	}
	assert_int_equal(checked, NPKTS);
	/* The packets reach every part of the tables, so that agreeing is
	 * not agreeing on "unknown". */
	printf("# %u packets: %u with a country, %u a tenant, %u a category, "
	       "%u remote source\n",
	       checked, with_country, with_tenant, with_category, remote_src);
	assert_true(with_country > NPKTS / 2);
	assert_true(with_tenant > NPKTS / 4);
	assert_true(with_category > NPKTS / 20);
	assert_true(remote_src > NPKTS / 5 && remote_src < NPKTS * 4 / 5);
}

static int
setup(void **state)
{
	static const char *const geo[] = { "geo/world-ipv4.csv",
					   "geo/world-ipv6.csv",
					   "geo/delegated-apnic-asean.txt" };
	static char paths[14][TEST_TABLE_PATH];
	struct xb_ruleset_params p;
	struct xb_errors e;
	unsigned int k = 0;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (unsigned int i = 0; i < 3; i++) {
		if (test_config_path(geo[i], paths[k], sizeof(paths[k])) != 0)
			return -1;
		p.geo[p.ngeo++] = paths[k++];
	}
	if (test_shipped_tables(&p, paths, &k) != 0)
		return -1;
	p.utc_offset_s = 8 * 3600;
	p.nworkers = 1;
	p.socket_id = 0;
	p.generation = 1;
	xb_errors_init(&e);
	rs = xb_ruleset_build(&p, &e);
	xb_errors_print(&e, stderr);
	xb_errors_free(&e);
	if (rs == NULL)
		return -1;
	load_ranges(paths[2]);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	xb_ruleset_free(rs);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_equals_single),
	};
	int rc;

	if (test_eal_init("test_ruleset", "2048") < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	rte_eal_cleanup();
	return rc;
}
