/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process-wide state of xbgw, owned by the main lcore (control plane).
 */
#ifndef XB_APP_H
#define XB_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_mempool.h>

#include "xb_capture.h"
#include "xb_config.h"
#include "xb_port.h"
#include "xb_replay.h"
#include "xb_tally.h"
#include "xb_tenant.h"
#include "xb_worker.h"

/* Exit codes of the contract. */
enum xb_exit {
	XB_EXIT_OK = 0,
	XB_EXIT_CONFIG = 1,
	XB_EXIT_USAGE = 2,
	XB_EXIT_RUNTIME = 3,
};

#define XB_MAX_REPLAY_FILES 64

struct xb_pcapout;

struct xb_options {
	const char *config;
	bool check_config;
	const char *replay[XB_MAX_REPLAY_FILES];
	unsigned int nreplay;
	uint64_t loops;      /* replay loops; 0 with duration = unbounded */
	double duration_s;   /* 0 = not set */
	const char *pcap_out;
	const char *stats_json;
	const char *flow_log;
	bool clock_capture;
	uint8_t stages;      /* enum xb_stages: benchmark per stage */
	const char *verify_events; /* --verify-events FILE */
	const char *events_key;    /* --events-key KEYFILE */
	const char *events_anchor[16]; /* --events-anchor SEQ:HASH|FILE */
	unsigned int nevents_anchor;
	int progress;        /* -1 auto (tty), 0 off, 1 on */
	/* --explain PROTO SRC DST SPORT DPORT [--name N] [--vlan V]
	 * [--tenant T] [--time HH:MM] [--json] */
	bool explain;
	const char *explain_args[5];
	const char *explain_name, *explain_tenant, *explain_time;
	uint16_t explain_vlan;
	bool explain_json;
	bool cluster_init;   /* --cluster-init */
};

struct xb_app {
	struct xb_options opt;
	struct xb_config cfg;
	struct xb_worker *workers[RTE_MAX_LCORE];
	unsigned int nworkers;
	struct rte_mempool *mp;
	struct xb_capture cap;
	struct xb_replay *replay;
	struct xb_pcapout *pcap_out; /* --pcap-out's writer, or NULL */
	struct xb_port_info ports[XB_MAX_PORTS];
	unsigned int nports;
	uint64_t tsc_hz;
	int ts_offset;
	uint64_t ts_flag;
	unsigned int mbufs_in_use_at_exit;
	/* The DNS answer cache the workers share (a partition each; each
	 * worker's learner, w->dns, writes its own). */
	struct xb_dns_cache *dns_cache;
	/* ruleset life cycle (xb_rules.c) */
	uint32_t generation;
	uint64_t reloads_ok, reloads_failed;
	/* For xbgwctl status and Prometheus (set by app/ops on the main
	 * lcore, under the control lock once telemetry runs): wall clock
	 * (unix ns) of the start and of the last reload and last good one;
	 * last_reload_result 1 ok, -1 failed, 0 none yet. */
	uint64_t started_unix_ns, last_reload_unix_ns, last_reload_ok_unix_ns;
	int last_reload_result;
	unsigned int last_reload_errors;
	/* totals carried over from retired rulesets, by name */
	struct xb_tally by_country, by_category, by_tenant;
	FILE *flow_log;
	uint64_t flows_logged;
	struct xb_billing *billing;  /* app/ctl/xb_billing.c */
	struct xb_cluster *cluster;  /* app/ctl/xb_cluster.c; NULL: alone */
	/* [cluster]: bytes this gateway holds of a tenant's pool in month
	 * (xb_cluster_held); set, billing starts quotas in cluster mode.
	 * A hook, so billing does not depend on the cluster module. */
	uint64_t (*quota_held)(struct xb_app *app, const char *tenant,
			       uint32_t month, uint64_t used_now);
	/* [cluster]: a ruleset built, not yet published, gets its meters'
	 * last known shares across gateways (xb_shares_prepare).  A hook,
	 * so the ruleset life cycle does not depend on the cluster module. */
	void (*meters_prepare)(struct xb_app *app, struct xb_ruleset *rs);
	/* Hook for the event log: a tenant (of tenants.csv line) has just
	 * spent its quota. */
	void (*on_quota_crossed)(struct xb_app *app, const struct xb_tenant *t,
				 unsigned int line, uint32_t month);
};

#endif /* XB_APP_H */
