/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of the flow table: ns and TSC cycles per packet for
 * tables of 1k, 64k and 1M flows:
 *   hit          : hash + xb_flow_lookup_bulk (bursts of 32) + touch, every
 *                  key present, keys in random order;
 *   miss+insert  : hash + lookup_bulk (miss) + insert + touch, into an empty
 *                  table until it is full;
 *   evict+insert : the same with a full table (every insert evicts);
 * and a SYN flood (syn_flood below): a table at high load with
 * established flows, then new flows of one bare SYN each at the worker's
 * full rate, as the worker inserts them (PROBATION, memory recall):
 * cycles per SYN, and how many established flows it evicted (must be 0).
 * The hash is the table's keyed SipHash-1-3 (fixed key: repeatable runs).
 * Keys are pre-built and pre-shuffled, so the key stream is sequential
 * (like packets arriving) and the table accesses are random.
 *
 * Usage: bench_flow [lookups per size, default 2000000] [flows ..]
 * (table sizes, default 1000 65536 1000000)
 * Registered in the "bench" suite only; single-threaded, no EAL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "xb_flow.h"
#include "../unit/test_rng.h"

#define BURST 32

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state = 0x123456789abcdefull;

/* The tables' hash key (main): fixed, so runs repeat. */
static struct xb_siphash_key hk;

/* Deterministic runs. */
static uint64_t
rng(void)
{
	return test_rng(&rng_state);
}

/* Flow i: a distinct IPv4 TCP 5-tuple, canonicalised like the data path. */
static void
mk_key(uint32_t i, struct xb_flow_key *k)
{
	struct xb_pkt_info pi;
	uint8_t dir;

	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = XB_FLOW_PROTO_TCP;
	pi.src[0] = 10;
	pi.src[1] = (uint8_t)(i >> 16);
	pi.src[2] = (uint8_t)(i >> 8);
	pi.src[3] = (uint8_t)i;
	pi.dst[0] = 203;
	pi.dst[1] = 0;
	pi.dst[2] = 113;
	pi.dst[3] = (uint8_t)(i * 7);
	pi.sport = (uint16_t)(1024 + (i * 31) % 60000);
	pi.dport = 443;
	xb_flow_key_from_pkt(&pi, k, &dir);
}

static void
shuffle(struct xb_flow_key *k, uint32_t n)
{
	uint32_t i;

	for (i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rng() % (i + 1));
		struct xb_flow_key tmp = k[i];

		k[i] = k[j];
		k[j] = tmp;
	}
}

struct result {
	double ns, cycles;
};

/* Run count packets from keys[0..nkeys) cyclically; insert misses. */
static struct result
run(struct xb_flow_table *t, const struct xb_flow_key *keys, uint32_t nkeys,
    uint64_t count, uint64_t *clock)
{
	uint32_t hashes[BURST];
	struct xb_flow *out[BURST];
	uint64_t done = 0, ns0, tsc0;
	uint32_t pos = 0;
	struct result r;
	unsigned int i;

	ns0 = now_ns();
	tsc0 = __rdtsc();
	while (done < count) {
		unsigned int n = BURST;
		const struct xb_flow_key *b;

		if (pos + n > nkeys)
			pos = 0;
		if (n > nkeys)
			n = nkeys;
		b = &keys[pos];
		for (i = 0; i < n; i++)
			hashes[i] = xb_flow_key_hash(&hk, &b[i]);
		xb_flow_lookup_bulk(t, b, hashes, n, out);
		for (i = 0; i < n; i++) {
			struct xb_flow *f = out[i];

			if (f == NULL)
				f = xb_flow_insert(t, &b[i], hashes[i], *clock,
						   NULL, NULL);
			if (f != NULL)
				xb_flow_touch(f, 0, 64, 0, *clock);
		}
		*clock += 1000;
		pos += n;
		done += n;
	}
	r.cycles = (double)(__rdtsc() - tsc0) / (double)done;
	r.ns = (double)(now_ns() - ns0) / (double)done;
	return r;
}

/* Flow i of the flood: another address block than mk_key's. */
static void
mk_syn_key(uint32_t i, struct xb_flow_key *k)
{
	mk_key(i, k);
	k->addr[0][0] = 100; /* 100.64/10: never one of mk_key's 10/8 */
}

/*
 * SYN flood: `established` flows of a table of `cap` entries made
 * established (SYN, SYN-ACK, ACK), then `flood` new flows of one bare SYN
 * each, in bursts of 32, 100 ns apart (10 Mpps, above a worker's full
 * rate, so the flood fits well within the idle threshold: the
 * established flows stay established, not idle, and the figure is about
 * class, not age).  Each SYN: hash, lookup (miss), recall from the
 * memory of evicted flows, insert with PROBATION, touch, as the worker
 * does.  Prints cycles per SYN, evictions by class, refused inserts and
 * how many established flows are gone.
 */
static int
syn_flood(uint32_t cap, uint32_t established, uint32_t flood)
{
	struct xb_flow_table_params p = { .capacity = cap, .hash_key = &hk };
	struct xb_flow_table *t = xb_flow_table_create(&p);
	struct xb_flow_key *keys = malloc(sizeof(*keys) * (size_t)flood);
	struct xb_flow_key k;
	struct xb_flow_table_stats st;
	uint64_t clock = 1000000000ull, tsc0, cycles;
	uint32_t i, gone = 0, established_asked = established;

	if (t == NULL || keys == NULL) {
		fprintf(stderr, "bench_flow: out of memory for %u flows\n",
			cap);
		return 1;
	}
	for (i = 0; i < established; i++) {
		struct xb_flow *f;

		mk_key(i, &k);
		xb_flow_burst_begin(t);
		f = xb_flow_insert(t, &k, xb_flow_key_hash(&hk, &k), clock,
				   NULL, NULL);
		if (f == NULL)
			continue;
		xb_flow_touch(f, 0, 74, XB_TCP_FLAG_SYN, clock);
		xb_flow_touch(f, 1, 74, XB_TCP_FLAG_SYN | 0x10, clock);
		xb_flow_touch(f, 0, 66, 0x10, clock);
	}
	xb_flow_table_stats(t, &st);
	established = st.in_use; /* what the set-up kept (a full bucket
				  * pair evicts) */
	for (i = 0; i < flood; i++)
		mk_syn_key(i, &keys[i]);
	shuffle(keys, flood);
	memset(&st, 0, sizeof(st));
	{
		struct xb_flow_table_stats before;
		uint32_t hashes[BURST];
		struct xb_flow *out[BURST];
		struct xb_flowmem_rec rec;

		xb_flow_table_stats(t, &before);
		tsc0 = __rdtsc();
		for (i = 0; i < flood; i += BURST) {
			unsigned int n = flood - i < BURST ? flood - i : BURST, j;

			for (j = 0; j < n; j++)
				hashes[j] = xb_flow_key_hash(&hk, &keys[i + j]);
			xb_flow_lookup_bulk(t, &keys[i], hashes, n, out);
			for (j = 0; j < n; j++) {
				struct xb_flow *f = out[j];

				if (f == NULL) {
					(void)xb_flow_recall(t, &keys[i + j],
							     hashes[j], clock,
							     &rec);
					f = xb_flow_insert_ex(
						t, &keys[i + j], hashes[j],
						clock, XB_FLOW_INSERT_PROBATION,
						NULL, NULL);
				}
				if (f != NULL)
					xb_flow_touch(f, 0, 74, XB_TCP_FLAG_SYN,
						      clock);
				clock += 100;
			}
		}
		cycles = __rdtsc() - tsc0;
		xb_flow_table_stats(t, &st);
		for (unsigned int c = 0; c < XB_FLOW_CLASS_MAX; c++)
			st.evictions_by_class[c] -= before.evictions_by_class[c];
		st.insert_refused -= before.insert_refused;
		st.insert_failed -= before.insert_failed;
	}
	/* the set-up's flows still there: all it kept */
	gone = established;
	for (i = 0; i < established_asked; i++) {
		mk_key(i, &k);
		if (xb_flow_lookup(t, &k, xb_flow_key_hash(&hk, &k)) != NULL)
			gone--;
	}
	printf("%-9u syn-flood     %u established (%.0f%% of capacity), "
	       "%u SYNs: %.1f cycles/SYN\n", cap, established,
	       100.0 * established / cap, flood, (double)cycles / flood);
	printf("%-9u syn-flood     evicted: half_open %llu idle %llu "
	       "unanswered %llu established %llu; refused %llu failed %llu; "
	       "established flows gone: %u\n", cap,
	       (unsigned long long)st.evictions_by_class[XB_FLOW_CLASS_HALF_OPEN],
	       (unsigned long long)st.evictions_by_class[XB_FLOW_CLASS_IDLE],
	       (unsigned long long)st.evictions_by_class[XB_FLOW_CLASS_UNANSWERED],
	       (unsigned long long)st.evictions_by_class[XB_FLOW_CLASS_ESTABLISHED],
	       (unsigned long long)st.insert_refused,
	       (unsigned long long)st.insert_failed, gone);
	xb_flow_table_free(t);
	free(keys);
	return st.evictions_by_class[XB_FLOW_CLASS_ESTABLISHED] != 0 ||
	       gone != 0;
}

int
main(int argc, char **argv)
{
	static const uint32_t default_sizes[] = { 1000, 65536, 1000000 };
	uint32_t sizes[8];
	unsigned int nsizes = 0;
	uint64_t lookups = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	unsigned int s;

	for (int a = 2; a < argc && nsizes < 8; a++)
		sizes[nsizes++] = (uint32_t)strtoul(argv[a], NULL, 10);
	if (nsizes == 0)
		for (s = 0; s < 3; s++)
			sizes[nsizes++] = default_sizes[s];
	int rc = 0;

	{
		static const uint8_t secret[XB_SIPHASH_SECRET_LEN] = "bench_flow key!";

		xb_siphash_key_init(&hk, secret);
	}
	printf("xb_flow micro-benchmark (1 thread, bursts of %d, hash "
	       "included)\n", BURST);
	printf("entry %zu B, key %zu B, name %d B; memory per million flows: "
	       "%zu bytes (%.1f MiB)\n",
	       sizeof(struct xb_flow), sizeof(struct xb_flow_key),
	       XB_FLOW_NAME_MAX, xb_flow_table_memory(1000000),
	       (double)xb_flow_table_memory(1000000) / (1024.0 * 1024.0));
	printf("%-9s %-13s %10s %10s\n", "flows", "case", "ns/pkt",
	       "cycles/pkt");

	for (s = 0; s < nsizes; s++) {
		uint32_t n = sizes[s], i;
		struct xb_flow_table_params p = { .capacity = n,
						  .hash_key = &hk };
		struct xb_flow_table *t;
		struct xb_flow_key *keys;
		struct xb_flow_table_stats st;
		uint64_t clock = 1000000000ull;
		struct result r;

		/* 2n keys: the first n fill the table, the next n evict */
		keys = malloc(sizeof(*keys) * 2 * (size_t)n);
		t = xb_flow_table_create(&p);
		if (keys == NULL || t == NULL) {
			fprintf(stderr, "bench_flow: out of memory for %u "
				"flows\n", n);
			return 1;
		}
		for (i = 0; i < 2 * n; i++)
			mk_key(i, &keys[i]);
		shuffle(keys, n);
		shuffle(keys + n, n);

		r = run(t, keys, n, n, &clock);
		printf("%-9u %-13s %10.1f %10.1f\n", n, "miss+insert", r.ns,
		       r.cycles);
		/* Hits only: the keys the fill kept (a full bucket pair
		 * evicted the others; replaying those would measure the
		 * misses of a cyclic pattern on LRU instead). */
		{
			uint32_t kept = 0;

			for (i = 0; i < n; i++) {
				struct xb_flow_key tmp = keys[i];

				if (xb_flow_lookup(t, &tmp, xb_flow_key_hash(&hk, &keys[i])) != NULL)
					keys[kept++] = tmp;
			}
			r = run(t, keys, kept, lookups, &clock);
			printf("%-9u %-13s %10.1f %10.1f (%u keys)\n", n, "hit",
			       r.ns, r.cycles, kept);
		}
		r = run(t, keys + n, n, n, &clock);
		printf("%-9u %-13s %10.1f %10.1f\n", n, "evict+insert", r.ns,
		       r.cycles);
		xb_flow_table_stats(t, &st);
		printf("%-9u stats: inserts %llu evictions %llu (bucket %llu) "
		       "failed %llu in_use %u memory %.1f MiB\n", n,
		       (unsigned long long)st.inserts,
		       (unsigned long long)st.evictions,
		       (unsigned long long)st.evictions_bucket,
		       (unsigned long long)st.insert_failed, st.in_use,
		       (double)st.memory_bytes / (1024.0 * 1024.0));
		xb_flow_table_free(t);
		free(keys);
	}
	/* 90 % of capacity established, then 4x capacity of SYNs. */
	for (s = 0; s < nsizes; s++)
		rc |= syn_flood(sizes[s], sizes[s] / 10 * 9, 4 * sizes[s]);
	return rc;
}
