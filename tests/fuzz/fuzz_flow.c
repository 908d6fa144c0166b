/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the flow table under an outsider's control
 * (classifiers/flow: the keyed hash, eviction by class, probation, the
 * memory of evicted flows).  Input: byte 0 picks the capacity (1..64)
 * and the memory size, then each 2-byte pair is one operation on flow
 * number b (of 64 keys, IPv4 and IPv6, TCP and UDP) at a clock the input
 * moves: burst begin, lookup, insert, insert on probation, touch with
 * TCP flags, remember, recall, restart if idle, sweep, flush.
 * Checked: every entry returned carries the key asked for; a pointer is
 * only used within its burst (pinned); the stats invariant (inserts ==
 * in_use + evictions + expirations + flushed) and in_use <= capacity
 * hold after every operation; evictions by class add up; a recalled
 * record is the one remembered for that very key; a probation insert
 * never evicts an established flow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define NKEYS 64

static struct xb_flow_key keys[NKEYS];
static uint32_t hashes[NKEYS];
static struct xb_siphash_key hk;

static void
init_keys(void)
{
	static const uint8_t secret[XB_SIPHASH_SECRET_LEN] = "fuzz_flow secret";

	xb_siphash_key_init(&hk, secret);
	for (unsigned int i = 0; i < NKEYS; i++) {
		struct xb_pkt_info pi;
		uint8_t dir;

		memset(&pi, 0, sizeof(pi));
		pi.family = i & 1 ? 6 : 4;
		pi.proto = i & 2 ? 17 : 6;
		pi.src[0] = 10;
		pi.src[3] = (uint8_t)i;
		pi.dst[0] = 1;
		pi.dst[3] = (uint8_t)(i >> 2);
		pi.sport = (uint16_t)(40000 + i);
		pi.dport = 443;
		hashes[i] = xb_flow_key_from_pkt_hash(&pi, &keys[i], &dir, &hk);
	}
}

/* Ends: an established flow (at the time of the insert) evicted while a
 * probation insert runs is a failure. */
static int probation_running;
static uint64_t cur_now;
static unsigned int ended_established_in_probation;

static void
on_end(void *ctx, struct xb_flow *f, enum xb_flow_end_reason why)
{
	struct xb_flow_table *t = ctx;
	struct xb_flowmem_rec rec;

	if (why != XB_FLOW_END_EVICTED)
		return;
	if (probation_running &&
	    xb_flow_class(t, f, cur_now) == XB_FLOW_CLASS_ESTABLISHED)
		ended_established_in_probation++;
	/* Remember every evicted flow: its key index as the category. */
	memset(&rec, 0, sizeof(rec));
	for (unsigned int i = 0; i < NKEYS; i++)
		if (memcmp(&keys[i], &f->key, sizeof(f->key)) == 0)
			rec.category = (uint16_t)i;
	(void)xb_flow_remember(t, f, f->last_ns, &rec);
}

static void
check(const struct xb_flow_table *t)
{
	struct xb_flow_table_stats st;
	uint64_t by_class = 0;

	xb_flow_table_stats(t, &st);
	if (st.in_use > st.capacity ||
	    st.inserts != st.in_use + st.evictions + st.expired_idle +
				  st.expired_closed + st.flushed)
		abort();
	for (unsigned int c = 0; c < XB_FLOW_CLASS_MAX; c++)
		by_class += st.evictions_by_class[c];
	if (by_class != st.evictions || st.memory_live > st.memory_entries)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static int once;
	struct xb_flow_table_params p;
	struct xb_flow_table *t;
	struct xb_flow *last = NULL;
	unsigned int last_key = 0;
	uint64_t now = 1000000000ull;

	if (!once) {
		init_keys();
		once = 1;
	}
	if (n < 1)
		return 0;
	memset(&p, 0, sizeof(p));
	p.capacity = 1u + (d[0] & 63u);
	p.hash_key = &hk;
	p.memory_entries = d[0] & 64 ? XB_FLOW_MEMORY_NONE : 0;
	p.timeouts.tcp_ns = 50000;
	p.timeouts.udp_ns = 20000;
	p.evict_idle_ns = 5000;
	t = xb_flow_table_create(&p);
	if (t == NULL)
		abort();
	ended_established_in_probation = 0;
	for (size_t i = 1; i + 1 < n; i += 2) {
		unsigned int op = d[i] & 15u, k = d[i + 1] % NKEYS;
		uint8_t flags = (uint8_t)(d[i + 1] & 0x17u);
		struct xb_flow *f = NULL;
		struct xb_flowmem_rec rec;

		now += (uint64_t)(d[i] >> 4) * 1000u;
		cur_now = now;
		switch (op) {
		case 0:
			xb_flow_burst_begin(t);
			last = NULL; /* pins end with the burst */
			break;
		case 1:
			f = xb_flow_lookup(t, &keys[k], hashes[k]);
			break;
		case 2:
			f = xb_flow_insert(t, &keys[k], hashes[k], now, on_end, t);
			break;
		case 3:
			probation_running = 1;
			f = xb_flow_insert_ex(t, &keys[k], hashes[k], now,
					      XB_FLOW_INSERT_PROBATION, on_end,
					      t);
			probation_running = 0;
			break;
		case 4:
		case 5:
			if (last != NULL)
				xb_flow_touch(last, (uint8_t)(op & 1), 64, flags,
					      now);
			break;
		case 6:
			if (last != NULL)
				on_end(t, last, XB_FLOW_END_EVICTED);
			break;
		case 7:
			if (xb_flow_recall(t, &keys[k], hashes[k], now, &rec) &&
			    rec.category != k)
				abort();
			break;
		case 8:
			if (last != NULL)
				(void)xb_flow_restart_if_idle(t, last, now,
							      on_end, t);
			break;
		case 9:
			xb_flow_burst_begin(t);
			last = NULL;
			(void)xb_flow_sweep(t, now, d[i + 1] & 7u, on_end, NULL,
					    t);
			break;
		case 10:
			if ((d[i + 1] & 0xf0) == 0xf0) {
				xb_flow_flush(t, on_end, t);
				last = NULL;
			}
			break;
		default:
			break;
		}
		if (f != NULL) {
			if (memcmp(&f->key, &keys[k], sizeof(keys[k])) != 0)
				abort();
			last = f;
			last_key = k;
		}
		if (last != NULL &&
		    memcmp(&last->key, &keys[last_key], sizeof(keys[0])) != 0)
			abort(); /* a pinned entry was reused within its burst */
		check(t);
	}
	if (ended_established_in_probation != 0)
		abort();
	xb_flow_table_free(t);
	return 0;
}
