/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores: run to completion on bursts.
 *
 *   rx burst -> parse -> flow (lookup, else a new entry) -> classify (new
 *     flows, in bulk) -> enforce the flow's verdict (names from the first
 *     payload packets, policy, meter, quota, DSCP, account) -> tx burst
 *
 * Each worker owns its RX queues, one TX queue on every port, its counters,
 * its flow table, its name-extraction context and its flow-log ring.
 * Nothing here takes a lock, allocates or logs per packet; the main lcore
 * reads the counters (each 64-bit counter has a single writer) and adds
 * them up.  The ruleset pointer is loaded once per poll loop (one acquire
 * load for the bursts of all its RX queues); the worker reports RCU
 * quiescence once per poll loop, after them.
 */
#ifndef XB_WORKER_H
#define XB_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "xb_dns_learn.h"
#include "xb_drop.h"
#include "xb_flow.h"
#include "xb_flowrec.h"
#include "xb_name_cache.h"
#include "xb_names.h"
#include "xb_policy.h"

#define XB_BURST 32
#define XB_MAX_RXQ 16
#define XB_MAX_PORTS 16
#define XB_TX_BUF 64

enum xb_port_role {
	XB_ROLE_NONE = 0, /* replay: home_net decides direction */
	XB_ROLE_INSIDE,   /* domestic side */
	XB_ROLE_OUTSIDE,  /* cable side */
};

/* Counters of one worker; the control plane sums them. */
struct xb_counters {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t drop[XB_DROP_MAX];
	uint64_t not_ip;       /* not IP after every encapsulation (ARP,
				* LLDP, ...): forwarded untouched, or dropped
				* (drop reason not_ip) by [dataplane] non_ip */
	uint64_t reassembled;  /* IP datagrams rebuilt from fragments */
	uint64_t busy_cycles;  /* TSC cycles spent on non-empty bursts */
	uint64_t busy_bursts;
	uint64_t polls;
	uint64_t flows_new;
	uint64_t flows_stateless; /* flow table could not take the flow */
	/* The flow table's own counts (struct xb_flow_table_stats), copied
	 * by the worker once per aging period and at exit: evictions by the
	 * victim's class (enum xb_flow_class), bare SYNs refused an entry
	 * (all candidates established), flows kept in / lost from the
	 * memory of evicted flows.  flows_restored: new entries that got a
	 * remembered flow back (counted by the worker as it happens). */
	uint64_t flows_evicted[XB_FLOW_CLASS_MAX];
	uint64_t flows_refused;
	uint64_t flows_remembered;
	uint64_t flows_forgotten; /* replaced by newer records, or too old */
	uint64_t flows_restored;
	/* Entries in use and the table's capacity, copied with the other
	 * flow-table counts (once per aging period): a gauge. */
	uint64_t flows_live, flows_capacity;
	uint64_t reclassified;    /* verdicts redone after a reload */
	uint64_t names_found;
	uint64_t names_cksum_bad; /* payload the NIC marked bad: not looked at */
	uint64_t flowlog_lost;
	uint64_t notices_lost;
	uint64_t interim_records;
	uint64_t meter_yellow;
	uint64_t over_quota;      /* packets that got their over_quota action */
	uint64_t dscp_remarked;
	/* Forwarded packets billed in a month other than their own: late
	 * ones (stamped before the worker's current month, billed in it)
	 * and held ones (stamped in a later month while a stop cut the
	 * month switch short, billed in the current one). */
	uint64_t usage_late_pkts, usage_late_bytes;
	uint64_t usage_held_pkts, usage_held_bytes;
	uint64_t by_action_pkts[XB_ACT_MAX];
	uint64_t by_action_bytes[XB_ACT_MAX];
} __rte_cache_aligned;

struct xb_rxq {
	uint16_t port;
	uint16_t queue;
	uint16_t tx_port; /* the other side of the pair (the channel) */
	uint16_t public_port; /* egress of action "public" (= tx_port if none) */
	uint8_t role;     /* enum xb_port_role of the RX port */
};

/* How much of the pipeline runs (--stages, for per-stage benchmarks). */
enum xb_stages {
	XB_STAGES_ALL = 0,   /* everything (production) */
	XB_STAGES_PARSE = 1, /* parse, then forward every packet */
	XB_STAGES_FLOW = 2,  /* parse and flow table, then forward */
	XB_STAGES_IO = 3,    /* forward untouched: the loop's own cost */
};

struct xb_txbuf {
	uint16_t n;
	uint64_t bytes; /* frame bytes of pkts[0..n) */
	struct rte_mbuf *pkts[XB_TX_BUF];
};

struct xb_ruleset;
struct xb_flowsnap;
struct xb_swap;

struct xb_worker {
	struct xb_counters c; /* first: written per burst, own cache line */
	unsigned int lcore_id;
	unsigned int index;     /* 0..nworkers-1; also its TX queue id */
	struct xb_rxq rxq[XB_MAX_RXQ];
	unsigned int nrxq;
	struct xb_txbuf tx[XB_MAX_PORTS] __rte_cache_aligned;
	bool clock_capture;     /* time from the mbuf timestamp dynfield */
	uint8_t stages;         /* enum xb_stages */
	uint64_t active_timeout_ns; /* interim records of long flows, 0: off */
	int ts_offset;          /* dynfield offset, < 0 if none */
	/* wall clock: unix ns = base_ns + (tsc - base_tsc) * ns_mult >> 32 */
	uint64_t base_ns, base_tsc, ns_mult;
	struct xb_swap *rules;           /* the live ruleset, under RCU */
	struct xb_flow_table *flows;
	struct xb_frag *frag;            /* IP reassembly (xb_frag.h) */
	bool non_ip_drop;                /* [dataplane] non_ip = drop */
	struct xb_name_ctx *names;
	struct xb_flowrec_ring *flowlog; /* NULL: no --flow-log */
	struct xb_flowrec_ring *notices; /* negative-list hits, for events */
	struct xb_name_cache *name_cache; /* name -> category, per worker */
	struct xb_dns_learner *dns;      /* DNS queries in flight, answers
					  * learnt into the shared cache;
					  * NULL: no DNS cache */
	struct xb_flowsnap *snap;        /* telemetry top flows, or NULL */
	const struct xb_ruleset *rs;     /* held during a poll loop */
	/* The worker's clock (ns): the time of the packet the flow stage is
	 * at, then of the burst's last one (the clock in use: wall, or the
	 * capture's); the aging sweep's between bursts.  For the flow
	 * table's callbacks, which get no time, and read by the replay
	 * feeder and billing (--clock capture).  The stages themselves are
	 * passed their time. */
	uint64_t now_ns;
	/* Usage month in force (YYYYMM, only moves forward; 0: none yet):
	 * [month_start, month_end) in ns, counted in month slot usage_slot
	 * of usage_rs (see struct xb_usage_slots). */
	uint32_t usage_month;
	const struct xb_ruleset *usage_rs;
	uint64_t month_start_ns, month_end_ns;
	unsigned int usage_slot;
	/* Tariff band in force for usage_rs over [acct_from_ns,
	 * acct_until_ns): one local minute, within the usage month. */
	unsigned int band;
	uint64_t acct_from_ns, acct_until_ns;
	atomic_bool stop;
	atomic_bool running;
	atomic_bool flushed;             /* exit flush done */
	/* Set while the worker waits for a fold to acknowledge a month slot
	 * (usage_month_switch): the main lcore folds at once. */
	atomic_bool fold_wanted;
	/* A payload the name extractor reads whole, copied here only when it
	 * spans mbuf segments (a GRO / jumbo segment is up to 64 KB). */
	uint8_t payload_copy[UINT16_MAX + 1];
} __rte_cache_aligned;

/* lcore entry point; arg is a struct xb_worker. */
int xb_worker_main(void *arg);

#endif /* XB_WORKER_H */
