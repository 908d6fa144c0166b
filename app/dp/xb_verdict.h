/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's verdict of a flow: struct xb_flow_verdict, which the flow
 * table keeps in each entry without knowing what it means, filled from
 * what decides it.  Two steps, as the worker takes them:
 *
 *   classification  xb_ruleset_classify() (and a name's category): the
 *                   country, tenant and category indexes, once per flow
 *                   and ruleset generation;
 *   policy          xb_policy_decide() for those indexes at a time: the
 *                   action, DSCP, meter instance and how long that holds
 *                   (an approval's expiry), again whenever it lapses or
 *                   the category changes.
 *
 * Enforcement (the worker's enforce()) reads the verdict alone.  A packet
 * the flow table could not take gets the same two steps into a verdict of
 * its own, so both paths enforce the same thing the same way.
 *
 * Naming: struct xb_verdict is the ruleset's classification result (the
 * input of xb_verdict_classified()); struct xb_flow_verdict is the whole
 * verdict these functions fill.
 *
 * Pure and inline: no EAL, no allocation.  Any thread, on a verdict it
 * owns (a flow's: its worker only).
 */
#ifndef XB_VERDICT_H
#define XB_VERDICT_H

#include <stdint.h>

#include "xb_flow.h"
#include "xb_policy.h"
#include "xb_ruleset.h"

/* The classification's indexes into v; its policy part and interim count
 * are left as they are (decide next). */
static inline void
xb_verdict_classified(struct xb_flow_verdict *v, const struct xb_verdict *cls)
{
	v->country = cls->country;
	v->tenant = cls->tenant;
	v->category = cls->category;
}

/* A policy decision into v: action, DSCP (XB_DSCP_KEEP kept as such),
 * meter instance (XB_METER_NONE as such), valid-until (ns).  The indexes
 * and the interim count stay: a flow decided again is the same flow. */
static inline void
xb_verdict_decided(struct xb_flow_verdict *v,
		   const struct xb_policy_verdict *pv)
{
	v->action = pv->action;
	v->dscp = pv->dscp;
	v->meter = pv->meter;
	v->valid_until_ns = pv->valid_until_ns;
}

/* Decide the policy of v's indexes at now_ns (ns since the epoch, the
 * clock in use) into v (xb_verdict_decided). */
static inline void
xb_verdict_decide(struct xb_flow_verdict *v, const struct xb_policy *p,
		  uint64_t now_ns)
{
	struct xb_policy_verdict pv;

	xb_policy_decide(p, v->country, v->category, v->tenant, now_ns, &pv);
	xb_verdict_decided(v, &pv);
}

#endif /* XB_VERDICT_H */
