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

#include <stdint.h>

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

#endif /* XB_GRANT_H */
