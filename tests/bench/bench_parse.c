/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of the per-packet front of the pipeline on a capture's
 * frames, with no driver in the way: TSC cycles per packet for
 *   parse      : xb_parse() of each frame;
 *   parse+key  : the same plus the canonical flow key and its hash
 *                (xb_flow_key_from_pkt_hash), as the worker does.
 * The frames are loaded once into one contiguous array (at most 4096 of
 * them, first 128 bytes each, as the worker reads them from an mbuf) and
 * run through in bursts of 32, the first bytes of the next frames
 * prefetched like the worker does, all of them L2-resident as a
 * driver leaves them.  Each pass takes the frames in another of NPERM
 * fixed random orders: replayed in one order, a few thousand frames are
 * learnt by the branch predictor, and a parser that branches on what
 * varies from packet to packet (TCP or UDP, direction) would look free
 * here and not on the wire.  Repeatable: single-threaded, no EAL, the
 * same input and orders every run; the lowest of 5 runs is reported.
 *
 * Usage: bench_parse CAPTURE [passes, default 200]
 * Registered in the "bench" suite only.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "xb_flow.h"
#include "xb_parse.h"
#include "../unit/test_rng.h"

#define BURST 32
#define MAX_FRAMES 4096
#define SNAP 128
#define NPERM 16

struct frames {
	uint8_t (*data)[SNAP];
	uint32_t *len; /* frame length on the wire (capture's len) */
	uint32_t n;
	uint16_t (*order)[MAX_FRAMES]; /* NPERM permutations of 0..n-1 */
};

/* NPERM random orders of the frames (Fisher-Yates, fixed seed). */
static int
shuffle(struct frames *fr)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	fr->order = calloc(NPERM, sizeof(*fr->order));
	if (fr->order == NULL)
		return -1;
	for (unsigned int p = 0; p < NPERM; p++) {
		for (uint32_t i = 0; i < fr->n; i++)
			fr->order[p][i] = (uint16_t)i;
		for (uint32_t i = fr->n - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(test_rng(&x) % (i + 1));
			uint16_t t;

			t = fr->order[p][i];
			fr->order[p][i] = fr->order[p][j];
			fr->order[p][j] = t;
		}
	}
	return 0;
}

static int
load(const char *path, struct frames *fr)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(path, err);

	if (pc == NULL) {
		fprintf(stderr, "bench_parse: %s: %s\n", path, err);
		return -1;
	}
	fr->data = aligned_alloc(64, (size_t)MAX_FRAMES * SNAP);
	fr->len = calloc(MAX_FRAMES, sizeof(*fr->len));
	if (fr->data == NULL || fr->len == NULL) {
		pcap_close(pc);
		return -1;
	}
	fr->n = 0;
	while (fr->n < MAX_FRAMES && pcap_next_ex(pc, &h, &d) == 1) {
		uint32_t c = h->caplen < SNAP ? h->caplen : SNAP;

		memset(fr->data[fr->n], 0, SNAP);
		memcpy(fr->data[fr->n], d, c);
		/* The parser checks header lengths against the frame: give it
		 * what it would see, the captured bytes. */
		fr->len[fr->n] = h->caplen < SNAP ? h->caplen : h->len;
		fr->n++;
	}
	pcap_close(pc);
	return fr->n > 0 ? 0 : -1;
}

/* One pass over the frames in order o; returns TSC cycles.  *sink keeps
 * the work. */
/* The flow table's keyed hash, under a fixed key. */
static struct xb_siphash_key hk;

static uint64_t
pass(const struct frames *fr, const uint16_t *o, int with_key, uint64_t *sink)
{
	struct xb_pkt_info info[BURST];
	struct xb_flow_key keys[BURST];
	uint8_t dir;
	uint64_t t0 = __rdtsc(), acc = 0;

	for (uint32_t b = 0; b < fr->n; b += BURST) {
		uint32_t n = fr->n - b < BURST ? fr->n - b : BURST;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t k = o[b + i];
			uint32_t hl = fr->len[k] < SNAP ? fr->len[k] : SNAP;

			if (b + i + 2 < fr->n)
				__builtin_prefetch(fr->data[o[b + i + 2]]);
			if (xb_parse(fr->data[k], hl, fr->len[k], &info[i]) !=
			    XB_PARSE_IP)
				continue;
			if (with_key)
				acc += xb_flow_key_from_pkt_hash(&info[i],
								 &keys[i], &dir,
								 &hk);
			else
				acc += info[i].sport;
		}
	}
	*sink += acc;
	return __rdtsc() - t0;
}

int
main(int argc, char **argv)
{
	struct frames fr;
	unsigned long passes = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
	uint64_t sink = 0;

	if (argc < 2 || passes == 0) {
		fprintf(stderr, "usage: bench_parse CAPTURE [passes]\n");
		return 2;
	}
	if (load(argv[1], &fr) < 0 || shuffle(&fr) < 0)
		return 1;
	{
		static const uint8_t secret[XB_SIPHASH_SECRET_LEN] = "bench_parse key";

		xb_siphash_key_init(&hk, secret);
	}
	for (int with_key = 0; with_key < 2; with_key++) {
		uint64_t best = UINT64_MAX;

		for (int run = 0; run < 5; run++) {
			uint64_t c = 0;

			for (unsigned long p = 0; p < passes; p++)
				c += pass(&fr, fr.order[p % NPERM], with_key,
					  &sink);
			if (c < best)
				best = c;
		}
		printf("%-10s %6.1f cycles/pkt (%u frames x %lu passes, best of 5)\n",
		       with_key ? "parse+key" : "parse",
		       (double)best / ((double)fr.n * (double)passes), fr.n,
		       passes);
	}
	return sink == 42 ? 3 : 0; /* keeps the work from being optimised out */
}
