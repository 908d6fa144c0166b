/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several gateways as one channel through PostgreSQL ([cluster] in the
 * main config; the scheme and its bounds in CLUSTER.md beside this file).
 *
 * Threads.  libpq runs on a thread of its own ("xb-cluster", a plain
 * pthread, not an lcore), with blocking calls bounded by connect_timeout
 * and tcp_user_timeout: a PostgreSQL that is slow or gone stalls that
 * thread only, never a worker and never the main lcore, so telemetry and
 * reload go on during an outage.  The main lcore and that thread share a
 * mailbox under a mutex that neither holds across a network call:
 *   main -> thread: grant requests per tenant, the latest usage
 *                   checkpoint (the ledger's outbox), the ruleset hash;
 *   thread -> main: grant answers, reachability, the cluster's gateways.
 * The main lcore applies answers to the live ruleset's quota pools
 * (xb_quota_grant(), an atomic add the workers refill from).
 *
 * Thread safety: every function here is for the main lcore, except
 * xb_cluster_status() and xb_cluster_snapshot() (any thread: telemetry,
 * Prometheus) and xb_cluster_init_schema() (no thread of its own).
 */
#ifndef XB_CLUSTER_H
#define XB_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_config.h"

struct xb_app;
struct xb_ruleset;
struct xb_cluster;

/*
 * --cluster-init: connect to dsn and apply sql (config/cluster.sql) in one
 * transaction under an advisory lock (create or upgrade; idempotent).
 * Returns 0, or -1 with the reason in err (connection or SQL error).
 */
int xb_cluster_init_schema(const char *dsn, const char *sql, char *err,
			   size_t errlen);

/* SHA-256 (hex, 64 digits) of every table file the config names, in
 * config order (geo sources, then [tables]); gateways that load the
 * same files report the same hash.  Returns 0 or -1 (a file unreadable). */
int xb_cluster_ruleset_sha(const struct xb_config *cfg, char out[65]);

/* Start the cluster thread (it connects in the background).  Returns
 * NULL with err set when the thread cannot start. */
struct xb_cluster *xb_cluster_start(const struct xb_cluster_cfg *cfg,
				    const char *ruleset_sha,
				    uint32_t generation, char *err,
				    size_t errlen);

/* Ship what is pending (the last checkpoint, grants given during an
 * outage) for at most timeout_s, give the meter shares back, then stop
 * the thread and free; only once the workers have stopped. */
void xb_cluster_stop(struct xb_cluster *c, double timeout_s);

/* Its aggregate meter shares (xb_shares.h), which its thread exchanges
 * with PostgreSQL; NULL when c is.  Main lcore. */
struct xb_shares;
struct xb_shares *xb_cluster_shares(struct xb_cluster *c);

/* The ruleset now loaded (after a reload). */
void xb_cluster_set_ruleset(struct xb_cluster *c, const char *sha,
			    uint32_t generation);

/*
 * Bytes this gateway holds of the tenant's pool in month: granted to
 * this process minus used since (used_now: the tenant's bytes of month in
 * the usage records).  A month not seen before starts here with nothing
 * held.  For xb_quota_begin_period() in cluster mode (billing).
 */
uint64_t xb_cluster_held(struct xb_cluster *c, const char *tenant,
			 uint32_t month, uint64_t used_now);

/* What xb_cluster_poll() saw change, for events and logs. */
enum xb_cluster_news {
	XB_CLUSTER_UNREACHABLE = 1 << 0, /* PostgreSQL cannot be reached */
	XB_CLUSTER_BACK = 1 << 1,        /* ... and is reachable again */
	XB_CLUSTER_MISMATCH = 1 << 2,    /* another gateway's ruleset differs */
	XB_CLUSTER_MATCH = 1 << 3,       /* every gateway's ruleset agrees again */
};

/*
 * Main lcore, control lock held, rs the live ruleset (its quota in
 * cluster mode): apply grant answers, ask for more where a tenant's local
 * reservation is under its low-water mark, give continue-class tenants
 * their allowance when PostgreSQL becomes unreachable.  now_ns: the
 * monotonic clock.  Returns enum xb_cluster_news bits; on MISMATCH,
 * other names the first gateway that differs and its hash.
 */
unsigned int xb_cluster_poll(struct xb_cluster *c, struct xb_app *app,
			     struct xb_ruleset *rs, uint64_t now_ns,
			     char other[64], char other_sha[65]);

/* After a usage checkpoint: the records (totals) as checkpointed become
 * the ledger's next shipment (main lcore). */
void xb_cluster_ship(struct xb_cluster *c, struct xb_app *app);

struct xb_cluster_status {
	bool reachable;
	uint64_t epoch;
	uint64_t outages;          /* transitions to unreachable */
	uint64_t grants;           /* grant answers received */
	uint64_t granted_bytes;    /* bytes granted to this process */
	uint64_t allowance_bytes;  /* bytes given under continue:<bytes> */
	uint64_t ledger_rows;      /* ledger rows upserted */
	uint64_t ledger_seq;       /* last checkpoint acknowledged */
	uint64_t ledger_pending;   /* checkpoints not yet shipped (0/1) */
	uint64_t ledger_shipments; /* checkpoints shipped (one transaction each) */
	uint64_t ledger_lag_ns;    /* age of the oldest checkpoint not yet
				    * shipped (0: none pending) */
	uint64_t errors;           /* failed round trips */
	uint64_t rtt_us;           /* last grant round trip */
	bool mismatch;             /* another live gateway's ruleset differs */
	unsigned int gateways;     /* gateways in the cluster */
};
void xb_cluster_status(struct xb_cluster *c, struct xb_cluster_status *st);

/* /xbgw/cluster: the document as a flat list of entries, for the
 * telemetry formatter (app/ops); fn is called with the gateways then the
 * tenants (from offset, at most max).  Any thread. */
struct xb_cluster_gw_info {
	char gateway[64];
	uint64_t epoch;
	char ruleset_sha256[65];
	uint64_t generation;
	uint64_t last_seen;        /* Unix seconds */
	uint64_t reservations_bytes;
	uint64_t last_checkpoint;  /* Unix seconds, 0 = never */
};
struct xb_cluster_tenant_info {
	char tenant[32];
	uint32_t month;
	uint64_t pool_left;        /* the cluster pool, last seen; UINT64_MAX unknown */
	uint64_t reserved_here;    /* held by this gateway, not yet used */
};
struct xb_cluster_view {
	char gateway[64];
	uint64_t epoch;
	char dsn_host[128];
	bool reachable;
	char ruleset_sha256[65];   /* this gateway's tables */
	uint32_t generation;
	struct xb_cluster_gw_info *gws;
	unsigned int ngws;
	struct xb_cluster_tenant_info *tenants;
	unsigned int ntenants;
};
/* A copy of the current view (free with xb_cluster_view_free); NULL
 * without memory. */
struct xb_cluster_view *xb_cluster_snapshot(struct xb_cluster *c);
void xb_cluster_view_free(struct xb_cluster_view *v);

#endif /* XB_CLUSTER_H */
