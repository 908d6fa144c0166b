/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost of QUIC name extraction against junk (issue 15), in TSC cycles:
 *   - one client Initial key schedule (xb_quic_derive);
 *   - xb_name_feed per packet, every packet a new UDP flow to port 443:
 *     junk long-header Initials (version 1, random 8-byte DCID, random
 *     bytes after a consistent header) of 83 and 1,200 bytes, against
 *     random UDP payloads of the same sizes, with the clock advancing
 *     1 us per packet (1 Mpps) under the default budget and with no
 *     budget (every junk Initial gets its key schedule).
 * Usage: bench_quic [PACKETS [NS_PER_PACKET]] (default 20000 1000).
 * Random bytes are made before the timed loop.  Prints one line per case;
 * exit 0.  Run with `meson test -C build --suite bench bench-quic`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xb_names.h"
#include "xb_quic.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t
cycles(void)
{
	return __rdtsc();
}
#else
static inline uint64_t
cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
#endif

static int NPKT = 20000;     /* packets per case (argv[1]) */
static uint64_t STEP_NS = 1000; /* clock advance per packet (argv[2]) */
#define NVAR 256 /* distinct packets, reused round-robin */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint8_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)rng;
}

/* A junk v1 Initial of len bytes: header consistent (DCID 8, SCID 0, no
 * token, 2-byte Length to the datagram end), the rest random. */
static void
junk_initial(uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = rnd();
	p[0] = 0xc3;
	p[1] = p[2] = p[3] = 0;
	p[4] = 1;
	p[5] = 8;
	p[14] = 0;  /* SCID length */
	p[15] = 0;  /* token length */
	uint32_t rest = len - 18;
	p[16] = (uint8_t)(0x40 | rest >> 8);
	p[17] = (uint8_t)rest;
}

static void
random_udp(uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = rnd();
	p[0] &= 0x3f; /* no long header: what most UDP looks like */
}

static double
feed_cost(uint32_t len, int junk, uint32_t budget, struct xb_name_stats *st)
{
	static uint8_t pkts[NVAR][1200];
	struct xb_name_ctx *ctx = xb_name_ctx_create(4096, 0);
	struct xb_pkt_info pi;
	struct xb_name out;
	uint64_t now = 1000000000ull, total = 0;

	if (!ctx) {
		fprintf(stderr, "bench_quic: no context\n");
		exit(1);
	}
	xb_name_set_quic_budget(ctx, budget);
	for (int i = 0; i < NVAR; i++) {
		if (junk)
			junk_initial(pkts[i], len);
		else
			random_udp(pkts[i], len);
	}
	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = 17;
	pi.flags = XB_PKT_F_HAS_L4;
	pi.dport = 443;
	pi.payload_len = len;
	for (int i = 0; i < NPKT; i++) {
		struct xb_name_flow slot = {0};
		uint8_t *p = pkts[i % NVAR];
		p[6] = (uint8_t)i; /* a new DCID for every flow */
		p[7] = (uint8_t)(i >> 8);
		pi.sport = (uint16_t)(10000 + i % 50000); /* clear of 53 and 5353 */
		now += STEP_NS;
		uint64_t t0 = cycles();
		xb_name_feed(ctx, &slot, &pi, 0, 0, p, len, now, &out);
		total += cycles() - t0;
		/* The flow keeps what it holds (a worker releases it when the
		 * flow ends): new flows reclaim the oldest slots, cold. */
	}
	xb_name_stats_get(ctx, st);
	xb_name_ctx_free(ctx);
	return (double)total / NPKT;
}

int
main(int argc, char **argv)
{
	struct xb_quic_crypto *c = xb_quic_crypto_create(0);
	struct xb_quic_keys k;
	uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
	uint64_t t0, t1;

	if (argc > 1)
		NPKT = atoi(argv[1]) > 0 ? atoi(argv[1]) : NPKT;
	if (argc > 2)
		STEP_NS = strtoull(argv[2], NULL, 0);
	if (!c)
		return 1;
	xb_quic_derive(c, &k, 1, dcid, 8);
	t0 = cycles();
	for (int i = 0; i < NPKT; i++) {
		dcid[0] = (uint8_t)i;
		xb_quic_derive(c, &k, 1, dcid, 8);
	}
	t1 = cycles();
	printf("key schedule (v1, 8-byte DCID): %.0f cycles\n",
	       (double)(t1 - t0) / NPKT);
	xb_quic_crypto_free(c);

	static const uint32_t sizes[2] = {83, 1200};
	for (int si = 0; si < 2; si++) {
		struct xb_name_stats st;
		uint32_t len = sizes[si];
		double u = feed_cost(len, 0, XB_QUIC_DERIVE_BUDGET_DEFAULT, &st);
		double j = feed_cost(len, 1, XB_QUIC_DERIVE_BUDGET_DEFAULT, &st);
		printf("new flow, %4u B: random UDP %6.0f cycles, junk Initial "
		       "%6.0f cycles (%.1fx; %llu key schedules, %llu refused "
		       "by the budget, %llu implausible)\n",
		       len, u, j, j / u, (unsigned long long)st.quic_derived,
		       (unsigned long long)st.quic_budget_denied,
		       (unsigned long long)st.quic_implausible);
		j = feed_cost(len, 1, 0, &st);
		printf("new flow, %4u B, no budget: junk Initial %6.0f cycles "
		       "(%llu key schedules)\n",
		       len, j, (unsigned long long)st.quic_derived);
	}
	return 0;
}
