/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Aggregate meters across gateways ([cluster]; app/ctl/CLUSTER.md "Meter
 * shares"): a qos.csv row's rates hold for the whole channel, and each
 * gateway runs its meters at the row's profile times its share.
 *
 * The main lcore samples, every period, each metered (tenant, qos row)'s
 * demand (bytes/s offered to its meter, xb_meter_offered_tok(): passed
 * and red, so a small share does not shrink the demand it is computed
 * from), computes the share it wants (xb_grant_share() of its demand
 * against the other gateways' last published ones, with a floor so that
 * a gateway without demand can still start a flow) and posts both; the
 * cluster thread (xb_cluster.c) takes the request, lets PostgreSQL grant
 * what is free (xb_meter_share() in config/cluster.sql: the live
 * gateways' shares never sum above 10^6 ppm) and hands the answer back;
 * the main lcore applies it to the live ruleset's meter set
 * (xb_meter_set_rescale(): a new immutable profile array, one release
 * store) and frees the array it replaced after the rulesets' grace
 * period (a token of the same QSBR, xb_swap_token()).  PostgreSQL away:
 * no answer, the last shares stay.  A new ruleset (start, reload) gets
 * the last known shares before it is published (xb_shares_prepare()),
 * a meter never answered the floor.
 *
 * Meters are named "tenant:qos line" (the same on every gateway that
 * loads the same tables) and remembered by name across reloads.
 * Throttle meters (over_quota throttle:<kbps>) are per gateway: share 1.
 *
 * Thread safety: xb_shares_prepare/poll/create/free on the main lcore
 * (free once the workers have stopped); xb_shares_take/answer/failed on
 * the cluster thread.  They meet under a mutex that no one holds across
 * a network call.
 */
#ifndef XB_SHARES_H
#define XB_SHARES_H

#include <stdint.h>

struct xb_ruleset;
struct xb_swap;
struct xb_shares;

/* The floors of all live gateways of a meter together, ppm of its
 * rates: each of n gateways wants at least XB_SHARES_FLOOR_PPM / n. */
#define XB_SHARES_FLOOR_PPM 50000u
#define XB_SHARES_KEY 48
/* Gateways a share computation looks at (more are summed as one). */
#define XB_SHARES_MAX_GATEWAYS 64

/* period_ms: how often demand is sampled and shares recomputed.  NULL
 * without memory. */
struct xb_shares *xb_shares_create(uint32_t period_ms);

/* Free, with every replaced profile array still waiting for its grace
 * period: only once no worker runs.  NULL is fine. */
void xb_shares_free(struct xb_shares *sh);

/* rs, built and not yet published: its meters start at the last known
 * shares (the floor where none is known).  Main lcore. */
void xb_shares_prepare(struct xb_shares *sh, struct xb_ruleset *rs);

/*
 * Main lcore, every pass, rs the live ruleset, swap the QSBR its workers
 * report to, now_ns a monotonic clock: free replaced arrays whose grace
 * period is over, apply answers, and every period sample demand and post
 * a request.  Control lock held (it changes the live ruleset's meters).
 */
void xb_shares_poll(struct xb_shares *sh, struct xb_ruleset *rs,
		    struct xb_swap *swap, uint64_t now_ns);

/* One round of the cluster thread: n meters, sorted by key. */
struct xb_shares_req {
	unsigned int n;
	char (*key)[XB_SHARES_KEY];
	uint64_t *demand;   /* bytes/s */
	uint32_t *target;   /* ppm wanted */
	uint32_t *applied;  /* ppm the live ruleset runs */
	uint32_t *index;    /* private: the meters' slots */
};

/* The posted request (the caller frees it with xb_shares_req_free), or
 * NULL when none is posted.  Cluster thread. */
struct xb_shares_req *xb_shares_take(struct xb_shares *sh);
void xb_shares_req_free(struct xb_shares_req *r);

/* The answer to r: per meter the share granted (ppm) and the other live
 * gateways' demands (how many, their sum, bytes/s).  Cluster thread. */
void xb_shares_answer(struct xb_shares *sh, const struct xb_shares_req *r,
		      const uint32_t *granted, const uint32_t *others_n,
		      const uint64_t *others_sum);

/* r was not delivered (PostgreSQL away): every meter is sent again in
 * the next request.  Cluster thread. */
void xb_shares_failed(struct xb_shares *sh);

/* Counters for telemetry and tests: requests answered, rescales
 * applied, arrays freed after their grace period, waiting to be.  Any
 * thread. */
struct xb_shares_stats {
	uint64_t answers, rescales, freed, waiting;
};
void xb_shares_stats(struct xb_shares *sh, struct xb_shares_stats *st);

#endif /* XB_SHARES_H */
