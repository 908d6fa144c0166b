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

#include "xb_drop.h"
#include "xb_flow.h"
#include "xb_names.h"
#include "xb_policy.h"
#include "xb_ruleset.h"
#include "xb_tariff.h"
#include "xb_tenant.h"

/*
 * Why a flow has its verdict: the lines of the rows that decided each
 * step under the flow's ruleset (0: no row), set when a step is decided
 * (classification, a name, a re-evaluation: never per packet), the ports
 * of each direction (set at its first packet), and the flow's packets
 * dropped by the verdict, by reason.  Kept in the flow table's side array
 * (xb_flow_ext, struct xb_flow_side), out of the entry's two hot lines,
 * except the drop counts' low 8 bits: a dropped packet increments those
 * in the entry's line 1, which it writes anyway, and reaches the side
 * array only when they wrap (one drop in 256): the side array's line is
 * a cache miss at high flow counts, about 75 cycles a dropped packet if
 * every drop went there (measured: README-s3c.md).
 */
#define XB_FLOW_DROP_FIRST XB_DROP_NEGATIVE_LIST
#define XB_FLOW_DROP_REASONS (XB_DROP_QUOTA - XB_DROP_NEGATIVE_LIST + 1)
_Static_assert(XB_DROP_POLICY_DENY == XB_DROP_NEGATIVE_LIST + 1 &&
		       XB_DROP_METER_RED == XB_DROP_NEGATIVE_LIST + 2 &&
		       XB_DROP_QUOTA == XB_DROP_NEGATIVE_LIST + 3,
	       "the reasons enforce() gives a flow's packets are contiguous");
_Static_assert(sizeof(((struct xb_flow *)0)->drops_lo) ==
		       XB_FLOW_DROP_REASONS,
	       "a low byte per reason in the flow entry");
/* category_line: a domains.csv line when this bit is set, else a
 * category_rules.csv line. */
#define XB_WHY_DOMAINS 0x80000000u
/* A port id the record cannot name. */
#define XB_WHY_PORT_UNKNOWN 255

struct xb_flow_why {
	uint32_t tenant_line;   /* tenant_prefixes.csv (prefix or VLAN row) */
	uint32_t category_line; /* | XB_WHY_DOMAINS for domains.csv */
	uint32_t approval_line; /* approvals.csv */
	uint32_t qos_line;      /* qos.csv */
	uint32_t tariff_line;   /* tariffs.csv, the band of the decision */
	/* Drops by reason: drops_hi[k] << 8 | the entry's drops_lo[k]. */
	uint32_t drops_hi[XB_FLOW_DROP_REASONS];
	/* Per direction of the flow key: the port its first packet arrived
	 * on and the one its verdict sent it to (255: unknown). */
	uint8_t port_in[2], port_out[2];
};

/* The side array's caller state of a flow: the name extractor's, then
 * the why. */
struct xb_flow_side {
	struct xb_name_flow name;
	struct xb_flow_why why;
};
_Static_assert(sizeof(struct xb_flow_side) <= XB_FLOW_EXT_BYTES,
	       "the caller's state fits the flow's side array");

static inline struct xb_flow_why *
xb_flow_why(struct xb_flow_table *t, const struct xb_flow *f)
{
	return &((struct xb_flow_side *)xb_flow_ext(t, f))->why;
}

/* Count n (at most 255) packets of flow f of table t dropped for reason
 * (a reason enforce() gives: policy, meter, quota; others are not the
 * flow's doing).  The drop path only. */
static inline void
xb_flow_count_drop(struct xb_flow_table *t, struct xb_flow *f,
		   unsigned int reason, uint32_t n)
{
	unsigned int k = reason - XB_FLOW_DROP_FIRST;
	uint32_t lo;

	if (k >= XB_FLOW_DROP_REASONS)
		return;
	lo = f->drops_lo[k] + n;
	f->drops_lo[k] = (uint8_t)lo;
	if (__builtin_expect(lo > 0xff, 0)) {
		struct xb_flow_why *why = xb_flow_why(t, f);
		uint32_t hi = why->drops_hi[k] + (lo >> 8);

		/* Saturates at 2^40 - 1 packets: beyond any flow's life. */
		why->drops_hi[k] = hi < why->drops_hi[k] ? UINT32_MAX : hi;
	}
}

/* Flow f's drops for reason XB_FLOW_DROP_FIRST + k. */
static inline uint64_t
xb_flow_drops(struct xb_flow_table *t, const struct xb_flow *f, unsigned int k)
{
	return (uint64_t)xb_flow_why(t, f)->drops_hi[k] << 8 | f->drops_lo[k];
}

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
			  const struct xb_policy_verdict *pv, uint64_t now_ns,
			  struct xb_flow_why *why)
{
	const struct xb_policy_row *row = xb_policy_row(rs->policy, pv->row);
	uint32_t qos = row != NULL ? row->line : 0;
	uint32_t tariff = xb_verdict_tariff_line(rs, v, now_ns);

	xb_ruleset_hit(rs, worker, XB_RULES_QOS, qos);
	if (pv->approval_line != 0)
		xb_ruleset_hit(rs, worker, XB_RULES_APPROVALS,
			       pv->approval_line);
	xb_ruleset_hit(rs, worker, XB_RULES_TARIFFS, tariff);
	if (why != NULL) {
		why->qos_line = qos;
		why->approval_line = pv->approval_line;
		why->tariff_line = tariff;
	}
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
				uint32_t name_line, struct xb_flow_why *why)
{
	uint32_t cat_line;

	xb_ruleset_hit(rs, worker, XB_RULES_TENANT_PREFIXES, cls->tenant_line);
	if (name_category >= 0 && category == (uint16_t)name_category &&
	    name_line != 0) {
		xb_ruleset_hit(rs, worker, XB_RULES_DOMAINS, name_line);
		cat_line = name_line | XB_WHY_DOMAINS;
	} else {
		cat_line = category == cls->category ? cls->category_line : 0;
		xb_ruleset_hit(rs, worker, XB_RULES_CATEGORY_RULES, cat_line);
	}
	if (why != NULL) {
		why->tenant_line = cls->tenant_line;
		why->category_line = cat_line;
	}
}

/*
 * A category decided again after the classification (a name found, the
 * DNS cache's cover name, evidence, the memory of evicted flows): from
 * was to category, where name_category / name_line are the name's (-1 /
 * 0 when none).  The pattern that gave the category counts on
 * domains.csv; a category from elsewhere names no row.
 */
static inline void
xb_verdict_count_category(const struct xb_ruleset *rs, unsigned int worker,
			  uint16_t was, uint16_t category, int name_category,
			  uint32_t name_line, struct xb_flow_why *why)
{
	if (name_category >= 0 && category == (uint16_t)name_category &&
	    name_line != 0) {
		xb_ruleset_hit(rs, worker, XB_RULES_DOMAINS, name_line);
		why->category_line = name_line | XB_WHY_DOMAINS;
	} else if (category != was) {
		why->category_line = 0;
	}
}

/* xb_verdict_decide() under rs that also counts the decision on worker's
 * rule hit counters (xb_verdict_count_decision), and gives it in *pv;
 * why (NULL: a packet without a flow) gets the decision's lines. */
static inline void
xb_verdict_decide_counted(struct xb_flow_verdict *v,
			  const struct xb_ruleset *rs, unsigned int worker,
			  uint64_t now_ns, struct xb_policy_verdict *pv,
			  struct xb_flow_why *why)
{
	xb_policy_decide(rs->policy, v->country, v->category, v->tenant, now_ns,
			 pv);
	xb_verdict_decided(v, pv);
	xb_verdict_count_decision(rs, worker, v, pv, now_ns, why);
}

#endif /* XB_VERDICT_H */
