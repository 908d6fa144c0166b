/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cluster grant arithmetic (app/ctl/CLUSTER.md): how much quota a gateway
 * asks PostgreSQL for, when, and what share of an aggregate meter it
 * runs.  Pure functions of their arguments (time passed in, no EAL, no
 * libpq) so the bounds in CLUSTER.md can be tested here.
 *
 * Thread safety: none needed (no shared state); the control plane calls
 * them.
 */
#ifndef XB_GRANT_H
#define XB_GRANT_H

#include <stdbool.h>
#include <stdint.h>

struct xb_quota;

/* A tenant's consumption rate on this gateway, bytes/s, as an
 * exponentially weighted moving average of the samples given. */
struct xb_grant_rate {
	uint64_t last_used;  /* bytes consumed at the last sample */
	uint64_t last_ns;    /* time of the last sample; 0 = none yet */
	double bytes_per_s;
};

/* Sample: used = bytes this gateway's workers took so far (monotone
 * within a period; a smaller value restarts the average), now_ns the
 * control plane's clock.  Returns the updated rate (bytes/s). */
double xb_grant_rate_update(struct xb_grant_rate *r, uint64_t used,
			    uint64_t now_ns);

/*
 * Low-water mark, bytes: ask for more while the local reservation is
 * below it.  It covers the tenant's rate over horizon_ns (the poll
 * interval plus the grant round trip), twice for safety, and never goes
 * below floor.  Saturates at UINT64_MAX / 4.
 */
uint64_t xb_grant_low_water(double bytes_per_s, uint64_t horizon_ns,
			    uint64_t floor);

/*
 * Bytes to ask for: enough for two low-water marks, within
 * [grant_min, grant_max]; and, once the cluster pool's last known size
 * pool_left is known (UINT64_MAX: not yet), at most pool_left /
 * (2 x gateways) but never below grant_min, so grants shrink as the pool
 * empties and little of it sits idle on gateways that stop seeing the
 * tenant.  gateways 0 counts as 1.
 */
uint64_t xb_grant_ask(uint64_t low_water, uint64_t pool_left,
		      unsigned int gateways, uint64_t grant_min,
		      uint64_t grant_max);

/*
 * Bytes this gateway still holds of a tenant's pool in a month: granted
 * to it (this process) minus what it used since (used_now - used_base,
 * from its usage records); 0 when that is more.
 */
uint64_t xb_grant_held(uint64_t granted, uint64_t used_base,
		       uint64_t used_now);

/*
 * Share of an aggregate meter for gateway self among n gateways, from
 * their recent demand (bytes/s): demand[self] / sum, at least floor (so a
 * gateway that starts seeing traffic is not starved until the next
 * recomputation), and 1/n when nobody has demand.  Returns a fraction in
 * [floor, 1]; the shares of all gateways may sum to slightly more than 1
 * through the floors (the overshoot CLUSTER.md bounds).
 */
double xb_grant_share(const uint64_t *demand, unsigned int n,
		      unsigned int self, double floor);

/*
 * What the main lcore knows of one tenant's cluster pool for the month in
 * force, and how grant answers and outage allowances reach the local
 * quota (xb_quota.h cluster mode).  Kept apart from the libpq side
 * (app/ctl/xb_cluster.c) so that the month switch, late answers and the
 * spent flag can be tested without PostgreSQL or EAL.
 *
 * Invariant: spent == the local quota pool's spent flag, as last set
 * through these functions (an allowance clears both; an answer with an
 * empty cluster pool sets both).
 */
struct xb_grant_tenant {
	uint32_t month;           /* the month the fields below are for */
	uint64_t granted;         /* to this process in month (grants + allowances) */
	uint64_t used_base;       /* usage records' bytes when month began here */
	uint64_t pool_left;       /* cluster pool after the last answer; UINT64_MAX unknown */
	bool spent;               /* the cluster pool is spent */
	uint64_t spent_at_ns;
	bool allowance_given;     /* in the current outage and month */
	struct xb_grant_rate rate;
};

/* A new month for t (nothing held; used counted from used_now); no-op
 * when t is already in month. */
void xb_grant_month(struct xb_grant_tenant *t, uint32_t month,
		    uint64_t used_now);

/*
 * A grant answer asked for ans_month: applied to q's pool of tenant (the
 * period in force must be t->month) only when ans_month is that month;
 * an answer for another month (asked before the month switched) is
 * dropped: those bytes stay debited in the old month's cluster pool, and
 * the next ask is for the new month.  pool_left 0 marks the tenant spent
 * (and q's pool: an empty local pool then ends the quota).  Returns true
 * when applied.  Main lcore.
 */
bool xb_grant_answer(struct xb_grant_tenant *t, struct xb_quota *q,
		     uint16_t tenant, uint32_t ans_month, uint64_t granted,
		     uint64_t pool_left, uint64_t now_ns);

/* continue:<bytes> while PostgreSQL is unreachable: bytes added to q's
 * pool at once and the spent flag cleared (registered later as a forced
 * grant by the caller).  Main lcore. */
void xb_grant_allowance(struct xb_grant_tenant *t, struct xb_quota *q,
			uint16_t tenant, uint64_t bytes);

#endif /* XB_GRANT_H */
