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
#include "xb_tariff.h"
#include "xb_tenant.h"

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


/*
 * The tariffs.csv line that prices the flow of v's indexes at now_ns (the
 * band in force then), 0 when none does.  Per decision, not per packet.
 */
static inline uint32_t
xb_verdict_tariff_line(const struct xb_ruleset *rs,
		       const struct xb_flow_verdict *v, uint64_t now_ns)
{
	const struct xb_tenant *tn = xb_tenants_get(rs->tenants, v->tenant);

	if (rs->tariff == NULL || tn == NULL)
		return 0;
	return xb_tariff_price_line(rs->tariff, tn->class_id, v->country,
				    v->category,
				    xb_tariff_band(rs->tariff, now_ns));
}

/*
 * Count a policy decision of v at now_ns on worker's rule hit counters:
 * the qos.csv row, the approval it relies on (if any) and the tariff row.
 * pv: the decision (xb_policy_decide's).  Once per decision.
 */
static inline void
xb_verdict_count_decision(const struct xb_ruleset *rs, unsigned int worker,
			  const struct xb_flow_verdict *v,
			  const struct xb_policy_verdict *pv, uint64_t now_ns)
{
	const struct xb_policy_row *row = xb_policy_row(rs->policy, pv->row);

	xb_ruleset_hit(rs, worker, XB_RULES_QOS, row != NULL ? row->line : 0);
	if (pv->approval_line != 0)
		xb_ruleset_hit(rs, worker, XB_RULES_APPROVALS,
			       pv->approval_line);
	xb_ruleset_hit(rs, worker, XB_RULES_TARIFFS,
		       xb_verdict_tariff_line(rs, v, now_ns));
}

/*
 * Count a classification on worker's rule hit counters: the tenant's row
 * (prefix or VLAN; line 0: no row, the tenant is unknown) and the row
 * that gave the flow its category: name_line (domains.csv) when the
 * category is the name's, else the category rule's line from cls when
 * the category is the rule's; a category from evidence (unnamed,
 * evasive) or none counts on category_rules.csv line 0.
 */
static inline void
xb_verdict_count_classification(const struct xb_ruleset *rs,
				unsigned int worker,
				const struct xb_verdict *cls,
				uint16_t category, int name_category,
				uint32_t name_line)
{
	xb_ruleset_hit(rs, worker, XB_RULES_TENANT_PREFIXES, cls->tenant_line);
	if (name_category >= 0 && category == (uint16_t)name_category &&
	    name_line != 0)
		xb_ruleset_hit(rs, worker, XB_RULES_DOMAINS, name_line);
	else
		xb_ruleset_hit(rs, worker, XB_RULES_CATEGORY_RULES,
			       category == cls->category ? cls->category_line
							 : 0);
}

/* xb_verdict_decide() under rs that also counts the decision on worker's
 * rule hit counters (xb_verdict_count_decision), and gives it in *pv. */
static inline void
xb_verdict_decide_counted(struct xb_flow_verdict *v,
			  const struct xb_ruleset *rs, unsigned int worker,
			  uint64_t now_ns, struct xb_policy_verdict *pv)
{
	xb_policy_decide(rs->policy, v->country, v->category, v->tenant, now_ns,
			 pv);
	xb_verdict_decided(v, pv);
	xb_verdict_count_decision(rs, worker, v, pv, now_ns);
}

#endif /* XB_VERDICT_H */
