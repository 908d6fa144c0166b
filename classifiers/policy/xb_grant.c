/* SPDX-License-Identifier: BSD-3-Clause */
/* Cluster grant arithmetic: see xb_grant.h and app/ctl/CLUSTER.md. */
#include "xb_grant.h"

#include <stddef.h>
#include <string.h>

#include "xb_quota.h"

/* Weight of a new rate sample: the average follows a change of rate
 * within a few polls, and one burst does not double the ask. */
#define RATE_WEIGHT 0.5

double
xb_grant_rate_update(struct xb_grant_rate *r, uint64_t used, uint64_t now_ns)
{
	if (r->last_ns == 0 || used < r->last_used || now_ns <= r->last_ns) {
		if (r->last_ns == 0 || used < r->last_used) {
			r->last_used = used;
			r->last_ns = now_ns;
		}
		return r->bytes_per_s;
	}
	double sample = (double)(used - r->last_used) * 1e9 /
			(double)(now_ns - r->last_ns);

	r->bytes_per_s = r->bytes_per_s == 0
				 ? sample
				 : RATE_WEIGHT * sample +
					   (1 - RATE_WEIGHT) * r->bytes_per_s;
	r->last_used = used;
	r->last_ns = now_ns;
	return r->bytes_per_s;
}

uint64_t
xb_grant_low_water(double bytes_per_s, uint64_t horizon_ns, uint64_t floor)
{
	const double cap = (double)(UINT64_MAX / 4);
	double lw = bytes_per_s > 0 ? 2.0 * bytes_per_s * (double)horizon_ns / 1e9
				    : 0;

	if (lw > cap)
		lw = cap;
	return (uint64_t)lw > floor ? (uint64_t)lw : floor;
}

uint64_t
xb_grant_ask(uint64_t low_water, uint64_t pool_left, unsigned int gateways,
	     uint64_t grant_min, uint64_t grant_max)
{
	uint64_t ask = low_water > UINT64_MAX / 2 ? UINT64_MAX : 2 * low_water;

	if (gateways == 0)
		gateways = 1;
	if (grant_max < grant_min)
		grant_max = grant_min;
	if (ask > grant_max)
		ask = grant_max;
	if (pool_left != UINT64_MAX) {
		uint64_t fair = pool_left / (2ull * gateways);

		if (ask > fair)
			ask = fair;
	}
	return ask < grant_min ? grant_min : ask;
}

uint64_t
xb_grant_held(uint64_t granted, uint64_t used_base, uint64_t used_now)
{
	uint64_t used = used_now > used_base ? used_now - used_base : 0;

	return granted > used ? granted - used : 0;
}

double
xb_grant_share(const uint64_t *demand, unsigned int n, unsigned int self,
	       double floor)
{
	double sum = 0, share;

	if (n == 0 || self >= n || demand == NULL)
		return 1.0;
	for (unsigned int i = 0; i < n; i++)
		sum += (double)demand[i];
	share = sum > 0 ? (double)demand[self] / sum : 1.0 / n;
	if (share < floor)
		share = floor;
	return share > 1.0 ? 1.0 : share;
}

void
xb_grant_month(struct xb_grant_tenant *t, uint32_t month, uint64_t used_now)
{
	if (t->month == month)
		return;
	memset(t, 0, sizeof(*t));
	t->month = month;
	t->used_base = used_now;
	t->pool_left = UINT64_MAX;
}

bool
xb_grant_answer(struct xb_grant_tenant *t, struct xb_quota *q,
		uint16_t tenant, uint32_t ans_month, uint64_t granted,
		uint64_t pool_left, uint64_t now_ns)
{
	if (ans_month != t->month || xb_quota_month(q) != t->month)
		return false;
	xb_quota_grant(q, tenant, granted);
	t->granted += granted;
	t->pool_left = pool_left;
	if (pool_left == 0 && !t->spent) {
		t->spent = true;
		t->spent_at_ns = now_ns;
		xb_quota_set_spent(q, tenant, true);
	} else if (pool_left > 0 && t->spent) {
		t->spent = false;
		xb_quota_set_spent(q, tenant, false);
	}
	return true;
}

void
xb_grant_allowance(struct xb_grant_tenant *t, struct xb_quota *q,
		   uint16_t tenant, uint64_t bytes)
{
	xb_quota_grant(q, tenant, bytes);
	t->granted += bytes;
	/* Both flags together: an answer that finds the cluster pool spent
	 * after the outage must set the local one again (else the workers
	 * would refuse "for now" forever and the crossing never report). */
	if (t->spent) {
		t->spent = false;
		xb_quota_set_spent(q, tenant, false);
	}
}
