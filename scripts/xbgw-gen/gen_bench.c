/* SPDX-License-Identifier: BSD-3-Clause */
/* The flows, newflows and imix modes; see gen_bench.h. */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "gen_bench.h"
#include "gen_frame.h"
#include "gen_payload.h"

int
bench_prepare(struct gen *g)
{
	/* Unique tuples: (source host, source port) from a bijection over
	 * 2^bits indices, bits as large as hosts x 64512 ports allow. */
	uint64_t space = (g->src.hosts4 ? g->src.hosts4 : (1u << 24)) * 64512ULL;
	uint64_t need = g->o.mode == M_NEWFLOWS ? g->o.packets : g->o.flows;
	unsigned int bits = 0;

	if (g->src.hosts4 == 0)
		g->src.hosts4 = 1u << 24;
	while (bits < 24 && (1ULL << (bits + 1)) <= space)
		bits++;
	g->tuple_bits = bits;
	if (need > (1ULL << bits)) {
		fprintf(stderr,
			"xbgw-gen: %" PRIu64 " unique flows need more source addresses (got %" PRIu64
			" IPv4 hosts, expected at least %" PRIu64 ")\n",
			need, g->src.hosts4, need / 64512 + 1);
		return -1;
	}
	return 0;
}

/*
 * The 5-tuple of flow idx: source host and port from a bijection of idx
 * (unique for idx < 2^tuple_bits), everything else from an RNG seeded with
 * (seed, idx), so it can be recomputed instead of stored.
 */
static void
bench_tuple(struct gen *g, uint64_t idx, struct tuple *t, struct rng *fr)
{
	uint32_t p = rng_perm((uint32_t)idx, g->tuple_bits, g->o.seed);
	uint64_t h = p % g->src.hosts4, port = p / g->src.hosts4;

	rng_seed(fr, g->o.seed, idx + 1);
	memset(t, 0, sizeof(*t));
	t->family = rng_below(fr, 100) < g->o.v6_share ? 6 : 4;
	if (g->o.names)
		t->proto = IPPROTO_TCP;
	else if (g->o.proto)
		t->proto = (uint8_t)g->o.proto;
	else
		t->proto = rng_below(fr, 2) ? IPPROTO_TCP : IPPROTO_UDP;
	if (t->family == 4) {
		/* Host h across the source prefixes, skipping network
		 * addresses. */
		for (unsigned int i = 0; i < g->src.nsrc4; i++) {
			uint64_t n = (1ULL << (32 - g->src.src4[i].len)) - 2;

			if (h < n || i == g->src.nsrc4 - 1) {
				addr_host(&g->src.src4[i], h % n + 1, t->caddr);
				break;
			}
			h -= n;
		}
	} else {
		addr_host(&g->src.src6[h % g->src.nsrc6], h / g->src.nsrc6 + 1, t->caddr);
	}
	t->cport = (uint16_t)(1024 + port);
	if (!pick_dst(fr, &g->dst, t->family, t->saddr, NULL)) {
		/* No IPv6 prefix for these countries: stay on IPv4. */
		t->family = 4;
		addr_host(&g->src.src4[0], h % ((1ULL << (32 - g->src.src4[0].len)) - 2) + 1,
			  t->caddr);
		pick_dst(fr, &g->dst, 4, t->saddr, NULL);
	}
	if (g->o.names || (t->proto == IPPROTO_UDP &&
			    g->o.udp_payload != UDP_PL_ZERO)) {
		t->sport = 443;
	} else if (t->proto == IPPROTO_TCP) {
		static const uint16_t ports[] = {443, 443, 443, 80, 8443, 22, 25, 993};

		t->sport = ports[rng_below(fr, 8)];
	} else {
		static const uint16_t ports[] = {443, 53, 8801, 4500, 5060, 3478, 1194, 51820};

		t->sport = ports[rng_below(fr, 8)];
	}
	t->cseq = (uint32_t)rng_next(fr);
	t->sseq = (uint32_t)rng_next(fr);
	t->cid = (uint16_t)rng_next(fr);
	t->cttl = 64;
}

/*
 * A UDP payload of plen bytes in pl, as --udp-payload asks: random bytes
 * whose first byte has the top two bits clear (no QUIC long header, as most
 * UDP), or a junk QUIC v1 Initial: long header, version 1, a random 8-byte
 * DCID, no SCID, no token, a Length to the datagram's end, random bytes
 * after (so it passes every check short of authentication when plen is at
 * least 1,200).  Zeros stay zeros.
 */
static void
udp_payload(struct gen *g, struct rng *fr, uint8_t *pl, size_t plen)
{
	if (g->o.udp_payload == UDP_PL_ZERO)
		return;
	for (size_t i = 0; i < plen; i++)
		pl[i] = (uint8_t)rng_next(fr);
	if (g->o.udp_payload == UDP_PL_RANDOM) {
		if (plen)
			pl[0] &= 0x3f;
		return;
	}
	if (plen < 20) {
		memset(pl, 0, plen);
		return;
	}
	pl[0] = 0xc3;
	pl[1] = pl[2] = pl[3] = 0;
	pl[4] = 1;
	pl[5] = 8;
	pl[14] = 0; /* SCID length */
	pl[15] = 0; /* token length */
	pl[16] = (uint8_t)(0x40 | (plen - 18) >> 8);
	pl[17] = (uint8_t)(plen - 18);
}

static const unsigned int imix_sizes[12] = {60, 60, 60, 60, 60, 60, 60,
					    590, 590, 590, 590, 1514};

void
bench_generate(struct gen *g)
{
	static uint8_t b[FRAME_MAX + 64], pl[FRAME_MAX + 512];
	uint64_t nflows = g->o.mode == M_NEWFLOWS ? g->o.packets : g->o.flows;
	double step_ns = 1e9 / g->o.rate;
	unsigned int cycle[12];

	memset(pl, 0, sizeof(pl));
	g->flows_made = nflows < g->o.packets ? nflows : g->o.packets;
	for (uint64_t i = 0; i < g->o.packets; i++) {
		uint64_t f = g->o.mode == M_NEWFLOWS ? i : i % nflows;
		uint64_t pass = g->o.mode == M_NEWFLOWS ? 0 : i / nflows;
		uint64_t ts = g->o.start_ns + (uint64_t)((double)i * step_ns);
		unsigned int size = g->o.size;
		struct tuple t;
		struct rng fr;
		size_t plen, len;

		if (g->o.mode == M_IMIX) {
			if (i % 12 == 0) {
				/* Shuffle each 12-packet cycle so sizes mix. */
				memcpy(cycle, imix_sizes, sizeof(cycle));
				for (unsigned int k = 11; k > 0; k--) {
					unsigned int j = rng_below(&g->r, k + 1), x = cycle[k];

					cycle[k] = cycle[j];
					cycle[j] = x;
				}
			}
			size = cycle[i % 12];
		}
		bench_tuple(g, f, &t, &fr);
		if (g->o.names && pass == 0) {
			const char *sni = g->names[rng_below(&fr, (uint32_t)g->nnames)];

			plen = tls_client_hello(&fr, sni, pl);
			len = frame_build(b, &t, 0, TH_PSH | TH_ACK, NULL, 0, pl, plen);
		} else {
			size_t hl = frame_header_len(&t);

			plen = size > hl ? size - hl : 0;
			if (t.proto == IPPROTO_UDP)
				udp_payload(g, &fr, pl, plen);
			if (t.proto == IPPROTO_TCP) {
				/* Sequence advances with each pass. */
				t.cseq += (uint32_t)(pass * plen);
				t.cid = (uint16_t)(t.cid + pass);
			}
			len = frame_build(b, &t, 0,
				    t.proto != IPPROTO_TCP ? 0
				    : g->o.tcp_syn ? TH_SYN
						   : (TH_ACK | (plen ? TH_PSH : 0)),
				    NULL, 0, pl, plen);
		}
		capture_emit(&g->out, ts, b, len);
	}
}
