/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy: qos.csv rows and approvals.csv (negative-list approvals), turned
 * at load into an O(1) per-flow decision.
 *
 * qos.csv: country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,
 *          pir_kbps,pbs_bytes,dscp
 *   country      a code of countries.csv (ZZ = unknown), a group (ASEAN)
 *                or *;
 *   category     a category of categories.csv or *;
 *   tenant_class a class of tenants.csv ("unknown" included) or *;
 *   action       channel | public | audit | deny;
 *   tc           traffic class 0..7;
 *   rates        kbit/s (1000 bit/s) of Ethernet frame bytes, 1..10^9,
 *                bursts in bytes 1..4*10^9; either all four are * (the row
 *                is unmetered) or all four are numbers with pir >= cir;
 *   dscp         0..63, or * to keep the packet's DSCP.
 *
 * Precedence: the most specific row wins.  Specificity compares the
 * country column first (code > group > *), then category (id > *), then
 * tenant_class (class > *); equal specificity goes to the earlier row.
 * So "SG,*,*" beats "ASEAN,finance,enterprise".
 *
 * Coverage (fail closed): every (country, category, tenant class)
 * combination must match some row, or the table is an error naming one
 * combination that matches none.  The usual way is a last "*,*,*" row; the
 * default tables end with "*,*,*,public,...".  So no traffic is ever
 * without a row, and no implicit default exists to surprise anyone.
 *
 * approvals.csv: tenant,category,country,expires
 *   tenant   a tenant of tenants.csv (not the built-in "unknown");
 *   category a category of categories.csv on the negative list;
 *   country  code | group | *;
 *   expires  YYYY-MM-DD (valid through 23:59:59.999999999 UTC of that
 *            day), or * / never.
 *
 * Decision for (country, category, tenant) at time now:
 *   1. row = the winning qos.csv row for (country, category, class);
 *   2. the category is on the negative list and no approval of (tenant,
 *      category) covers the country and is unexpired at now
 *      -> XB_ACT_NEGATIVE_LIST (drop, counted "negative_list"); the
 *      regulatory check comes first, so a negative-list hit is counted as
 *      such even where a row would deny;
 *   3. the row's action is deny -> XB_ACT_DENY (drop, "policy_deny");
 *   4. otherwise the row's action, tc, dscp and meter instance.
 *
 * Meter instances: one per (tenant, metered non-deny row) pair where the
 * row can match the tenant (a row naming a class gets instances for that
 * class's tenants only), numbered densely from 0 at load.  The rate of a
 * row thus holds for each tenant's aggregate that the row matches.
 *
 * A loaded policy is immutable: any thread may call the getters and
 * xb_policy_decide() concurrently.  Load and free: control plane.
 */
#ifndef XB_POLICY_H
#define XB_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "xb_category.h"
#include "xb_country.h"
#include "xb_dscp.h"
#include "xb_errors.h"
#include "xb_meter.h"
#include "xb_table.h"
#include "xb_tenant.h"

/* Actions: enum, name (qos.csv word / stats), meaning. */
#define XB_ACTIONS(X)                                                   \
	X(CHANNEL, "channel", "forward on the dedicated channel")       \
	X(PUBLIC, "public", "forward on the public path")               \
	X(AUDIT, "audit", "forward and audit")                          \
	X(DENY, "deny", "drop: a qos.csv row says deny")                \
	X(NEGATIVE_LIST, "negative_list",                               \
	  "drop: negative-list category without an approval")

enum xb_action {
#define XB_ACTION_ENUM(e, name, doc) XB_ACT_##e,
	XB_ACTIONS(XB_ACTION_ENUM)
#undef XB_ACTION_ENUM
	XB_ACT_MAX
};

/* Name of an action ("channel", ...), "?" when out of range. */
const char *xb_action_name(unsigned int action);

/* Does the action forward the packet (channel, public, audit)? */
static inline int
xb_action_forwards(unsigned int action)
{
	return action <= XB_ACT_AUDIT;
}

#define XB_POLICY_ROWS_MAX 65000u /* rows of qos.csv */
#define XB_POLICY_NO_ROW 0xffffu

struct xb_policy_verdict {
	uint8_t action;       /* enum xb_action */
	uint8_t tc;           /* traffic class 0..7 */
	uint8_t dscp;         /* 0..63, or XB_DSCP_KEEP (0xff) */
	uint8_t pad_;
	uint16_t row;         /* qos.csv row index (xb_policy_row()) */
	uint16_t pad2_;
	uint32_t meter;       /* meter instance, or XB_METER_NONE */
	/* The verdict holds until this time (ns), then must be decided
	 * again: the expiry of the approval it relies on, else UINT64_MAX
	 * (for the ruleset's lifetime). */
	uint64_t valid_until_ns;
	/* approvals.csv line of the approval the verdict relies on (the one
	 * that holds longest), 0 when the category needs none or none
	 * holds. */
	uint32_t approval_line;
};

/* One qos.csv row as loaded (for telemetry, stats and messages). */
struct xb_policy_row {
	unsigned int line;       /* line in qos.csv */
	char country[32];        /* as written: code, group or "*" */
	char category[32];       /* category id or "*" */
	char tenant_class[32];   /* class or "*" */
	uint8_t action;          /* enum xb_action (not NEGATIVE_LIST) */
	uint8_t tc;
	uint8_t dscp;            /* 0..63 or XB_DSCP_KEEP */
	uint8_t metered;         /* 1: the four rate columns are set */
	uint32_t cir_kbps, pir_kbps; /* kbit/s, 0 when unmetered */
	uint32_t cbs_bytes, pbs_bytes;
	uint32_t meter_base;     /* first meter instance, or XB_METER_NONE */
};

struct xb_policy;

/*
 * Load qos.csv and approvals.csv (files or texts, xb_table.h; approvals
 * may be NULL: no approvals) against the loaded countries, categories and
 * tenants, which must outlive nothing: the policy copies what it needs.
 * Returns NULL when any row of either table is bad or coverage is
 * incomplete (every problem is in errs as "file:line: column: what (got
 * X, expected Y)"), on allocation failure, or when an argument is NULL.
 * Control plane only.
 */
struct xb_policy *xb_policy_load(const struct xb_table_src *qos,
				 const struct xb_table_src *approvals,
				 const struct xb_countries *countries,
				 const struct xb_categories *categories,
				 const struct xb_tenants *tenants,
				 struct xb_errors *errs);

void xb_policy_free(struct xb_policy *p);

/*
 * Decide for a flow: country index (xb_countries), category index
 * (xb_categories), tenant index (xb_tenants), now_ns the clock in use
 * (ns since the epoch; wall or capture).  Out-of-range indexes are taken
 * as ZZ / unclassified / unknown.  O(1) except for the approval list of
 * (tenant, category), which is as long as approvals.csv has rows for that
 * pair.  Any thread, no allocation.
 */
void xb_policy_decide(const struct xb_policy *p, uint16_t country,
		      uint16_t category, uint16_t tenant, uint64_t now_ns,
		      struct xb_policy_verdict *out);

/* Number of qos.csv rows; row idx (NULL when out of range). */
unsigned int xb_policy_row_count(const struct xb_policy *p);
const struct xb_policy_row *xb_policy_row(const struct xb_policy *p,
					  unsigned int idx);
/* "qos.csv:12 (SG,finance,enterprise -> channel)" into buf; returns the
 * snprintf length, or -1 when idx is out of range. */
int xb_policy_row_describe(const struct xb_policy *p, unsigned int idx,
			   char *buf, size_t size);

/* Number of approvals loaded. */
unsigned int xb_policy_approval_count(const struct xb_policy *p);

/*
 * Meter instances: their number and their profiles (array of
 * xb_policy_meter_count() entries, for xb_meter_set_create()), and which
 * (tenant, row) an instance meters (for telemetry; -1 when out of range).
 */
uint32_t xb_policy_meter_count(const struct xb_policy *p);
const struct xb_meter_profile *xb_policy_meter_profiles(
	const struct xb_policy *p);
int xb_policy_meter_owner(const struct xb_policy *p, uint32_t instance,
			  uint16_t *tenant, uint16_t *row);

/*
 * Parse "YYYY-MM-DD" into the last nanosecond of that UTC day (ns since
 * the epoch); "*" and "never" give UINT64_MAX.  Years 1970..2261.
 * Returns 0 or -1.  Any thread.
 */
int xb_policy_parse_expiry(const char *s, uint64_t *out_ns);

#endif /* XB_POLICY_H */
