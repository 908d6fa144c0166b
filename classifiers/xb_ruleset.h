/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ruleset: every table of the policy in one immutable object.
 *
 * Built and fully validated on the control thread (xb_ruleset_build),
 * published by the app with one atomic pointer store, read by workers with
 * one acquire load per poll loop, freed once its RCU grace period is over.
 * Nothing in it changes after the build, except the per-worker counter
 * blocks, each written by its own worker only.
 *
 * Dense ids (country, tenant, category, band) index the ruleset's own
 * tables; they mean nothing in another generation, which is why a flow
 * carries the generation of its verdict and is re-evaluated when it
 * differs.
 */
#ifndef XB_RULESET_H
#define XB_RULESET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "xb_category.h"
#include "xb_catrule.h"
#include "xb_country.h"
#include "xb_domain.h"
#include "xb_errors.h"
#include "xb_lpm.h"
#include "xb_meter.h"
#include "xb_policy.h"
#include "xb_quota.h"
#include "xb_tariff.h"
#include "xb_parse.h"
#include "xb_prefix.h"
#include "xb_tenant.h"
#include "xb_rows.h"

#define XB_RULESET_MAX_WORKERS 64
#define XB_RULESET_MAX_GEO 16
/* Dense usage cells per worker and month slot (16 bytes each). */
#define XB_RULESET_MAX_USAGE_CELLS (4u << 20)
/* Quota slice a worker takes from a tenant's pool at a time (bytes). */
#define XB_QUOTA_SLICE_BYTES (1u << 20)

/* Where the tables are; empty string / NULL = not configured. */
struct xb_ruleset_params {
	const char *geo[XB_RULESET_MAX_GEO];
	unsigned int ngeo;
	const char *countries, *tenants, *tenant_prefixes, *categories,
		*approvals, *category_rules, *domains, *qos, *tariffs, *bands;
	const struct xb_prefix *home_net; /* explicit home_net, or NULL */
	unsigned int nhome_net;
	int32_t utc_offset_s;
	unsigned int nworkers;   /* per-worker scratch and counters */
	int socket_id;
	uint32_t generation;     /* assigned by the caller, > 0 */
};

/*
 * The tables whose rows count the flow decisions they make (rule hit
 * counters, /xbgw/rules) and that explain names by line: X(enum, key of
 * [tables], file the README calls it).
 */
#define XB_RULE_TABLES(X)                                          \
	X(QOS, "qos", "qos.csv")                                     \
	X(DOMAINS, "domains", "domains.csv")                         \
	X(CATEGORY_RULES, "category_rules", "category_rules.csv")    \
	X(APPROVALS, "approvals", "approvals.csv")                   \
	X(TARIFFS, "tariffs", "tariffs.csv")                         \
	X(TENANT_PREFIXES, "tenant_prefixes", "tenant_prefixes.csv")

enum xb_rule_table {
#define XB_RULE_TABLE_ENUM(e, key, file) XB_RULES_##e,
	XB_RULE_TABLES(XB_RULE_TABLE_ENUM)
#undef XB_RULE_TABLE_ENUM
	XB_RULES_MAX
};

/* The [tables] key of a rule table ("qos"), NULL when out of range. */
const char *xb_rule_table_key(unsigned int t);
/* The file name the README gives a rule table ("qos.csv"), the name
 * outputs use; NULL when out of range. */
const char *xb_rule_table_file(unsigned int t);

/* Counters a worker keeps per ruleset, indexed by the ruleset's ids. */
struct xb_pkt_bytes {
	uint64_t packets;
	uint64_t bytes;
};

/*
 * Usage of forwarded packets, per (tenant, country, category, band), in
 * two month slots so that traffic on both sides of a month boundary is
 * billed to its own month.  A worker's month only moves forward (a packet
 * stamped with an earlier month is billed in the current one, as late).
 * The worker tags a slot with the month it counts (YYYYMM) before using
 * it; the control plane folds the monotonic counters as deltas.  When the
 * worker moves to a new month it tags the other slot with it and marks
 * the slot it leaves as closing; the control plane folds that slot once
 * more and acknowledges.  A slot is reused only after that ack (see
 * app/ctl/xb_billing.c); the worker's wait for it (only when two month
 * switches come within one fold, as a capture's clock can do) watches the
 * worker's stop flag.
 */
struct xb_usage_slots {
	_Atomic uint32_t month[2];   /* month the slot counts, 0 = unused */
	_Atomic uint32_t closing[2]; /* month the worker has left */
	_Atomic uint32_t ack[2];     /* closing month the fold has taken */
	struct xb_pkt_bytes *cells[2];
};

struct xb_ruleset_counters {
	struct xb_pkt_bytes *by_country;  /* [ncountries] */
	struct xb_pkt_bytes *by_category; /* [ncategories] */
	struct xb_pkt_bytes *by_tenant;   /* [ntenants] */
	struct xb_usage_slots usage;
	/* Flow decisions per table row, indexed by the row's line (0: a
	 * decision no row of the table made, e.g. no category rule
	 * matched); [rows->max_line + 1] each, NULL without the table. */
	uint64_t *rule_hits[XB_RULES_MAX];
	/* What each meter instance decided, by colour (enum xb_color), for
	 * xbgwctl meters and Prometheus: [meters->n_instances][3]. */
	struct xb_pkt_bytes (*meter_colors)[3];
};

/* Value bits in the "local" LPM (home_net + tenant prefixes in one FIB):
 * the tenant index, the home bit, and the ordinal (1-based, 0 = none) of
 * the tenant_prefixes.csv row that gave the tenant, whose line is
 * tenant_pfx_line[ordinal] (ordinals past XB_LOCAL_ROW_MAX read as 0: the
 * tenant is right, its row goes unnamed and counts on line 0). */
#define XB_LOCAL_HOME 0x40000000u
#define XB_LOCAL_TENANT_MASK 0xffffu
#define XB_LOCAL_ROW_SHIFT 16
#define XB_LOCAL_ROW_MAX 0x3fffu

struct xb_ruleset {
	uint32_t generation;
	uint64_t loaded_unix_ns;   /* wall time of the build */
	uint64_t build_ns;         /* how long the build took */
	unsigned int nworkers;
	struct xb_countries *countries;
	struct xb_tenants *tenants;
	struct xb_categories *categories;
	struct xb_catrules *catrules;
	struct xb_domains *domains;
	struct xb_domains_scratch *scratch[XB_RULESET_MAX_WORKERS];
	struct xb_lpm *geo;        /* remote address -> country index */
	struct xb_lpm *local;      /* XB_LOCAL_HOME | tenant index */
	uint16_t vlan_tenant[4096];
	unsigned int ncountries, ntenants, ncategories, nbands;
	size_t nusage;             /* cells per usage slot */
	struct xb_policy *policy;  /* qos.csv + approvals.csv */
	struct xb_tariff *tariff;  /* bands.csv + tariffs.csv */
	/* Meter instances: the policy's (tenant x metered row), then one
	 * throttle meter per tenant for over_quota throttle:<kbps>. */
	struct xb_meter_set *meters;
	uint32_t throttle_meter_base;
	struct xb_quota *quota;
	int32_t utc_offset_s;
	struct xb_geo_stats_summary {
		uint64_t prefixes_v4, prefixes_v6, skipped_country;
	} geo_stats;
	/* Where rows came from (explain, /xbgw/rules): each rule table's
	 * rows, the geo sources' paths (a geo origin's top byte is the index
	 * + 1), each VLAN's line and each tenant prefix ordinal's line. */
	struct xb_rows *rows[XB_RULES_MAX];
	char *geo_file[XB_RULESET_MAX_GEO];
	unsigned int ngeo;
	uint32_t vlan_line[4096];
	uint32_t *tenant_pfx_line; /* [ordinal], [0] = 0 */
	struct xb_ruleset_counters counters[XB_RULESET_MAX_WORKERS];
};

/*
 * Build a ruleset from the tables.  Every problem in every table is
 * recorded in errs as "file:line: message"; returns NULL if there was any
 * (nothing half-built is ever returned).  Needs EAL (rte_fib, rte_acl).
 * Control plane only.
 */
struct xb_ruleset *xb_ruleset_build(const struct xb_ruleset_params *p,
				    struct xb_errors *errs);

/* Free a ruleset no reader holds any more (NULL is fine). */
void xb_ruleset_free(struct xb_ruleset *rs);

/* The verdict of a flow: what the classification stages decided. */
struct xb_verdict {
	uint16_t country;
	uint16_t tenant;
	uint16_t category;
	uint8_t remote; /* 0: the packet's destination is remote, 1: source */
	uint8_t tenant_by_vlan; /* 1: the VLAN gave the tenant */
	/* Lines of the rows that decided (0: none): tenant_prefixes.csv
	 * (a prefix or VLAN row), category_rules.csv. */
	uint32_t tenant_line;
	uint32_t category_line;
};

enum xb_role_hint {
	XB_DIR_BY_HOME_NET = 0, /* replay: home_net decides */
	XB_DIR_FROM_INSIDE,     /* live: arrived on the inside port */
	XB_DIR_FROM_OUTSIDE,    /* live: arrived on the outside port */
};

/*
 * Classify a flow from one of its packets (per flow, not per packet):
 * direction, remote country, tenant, and the category from the 5-tuple
 * rules (name matching is xb_ruleset_match_name).  pi is oriented as the
 * packet travels; reply says it goes against the flow's first packet, so
 * the 5-tuple rules see the flow from its initiator.  The result's `remote`
 * says which end of pi is foreign.
 * Worker-safe: reads only immutable tables.
 */
void xb_ruleset_classify(const struct xb_ruleset *rs,
			 const struct xb_pkt_info *pi, bool reply,
			 enum xb_role_hint role, struct xb_verdict *out);

/* Most packets xb_ruleset_classify_bulk() takes in one call. */
#define XB_RULESET_BULK_MAX 64

/*
 * xb_ruleset_classify() of n packets at once (n <= XB_RULESET_BULK_MAX; more
 * is a caller bug: only the first XB_RULESET_BULK_MAX are done): the
 * domestic-side and country FIB lookups and the 5-tuple rules each run as
 * one bulk call over the batch, which is where new flows of a burst are
 * cheaper together than one by one.  reply[i] and roles[i] (enum
 * xb_role_hint) as for the single call; out[i] is pis[i]'s verdict.
 * Worker-safe: reads only immutable tables; no allocation.
 */
void xb_ruleset_classify_bulk(const struct xb_ruleset *rs,
			      const struct xb_pkt_info *const *pis,
			      const bool *reply, const uint8_t *roles,
			      unsigned int n, struct xb_verdict *out);

/* Index of a usage cell. */
static inline size_t
xb_ruleset_usage_cell(const struct xb_ruleset *rs, uint16_t tenant,
		      uint16_t country, uint16_t category, unsigned int band)
{
	return (((size_t)tenant * rs->ncountries + country) * rs->ncategories +
		category) * rs->nbands + band;
}

/* Category of a name, or -1 when no domain pattern matches.  worker picks
 * the Hyperscan scratch. */
int xb_ruleset_match_name(const struct xb_ruleset *rs, unsigned int worker,
			  const char *name, size_t len);
/* The same, also giving the domains.csv line of the winning pattern in
 * *line (untouched when none matches). */
int xb_ruleset_match_name_line(const struct xb_ruleset *rs,
			       unsigned int worker, const char *name,
			       size_t len, unsigned int *line);

/*
 * Count one flow decision made by line of table t on worker's counters
 * (lines past the table's last count on line 0).  Once per decision,
 * never per packet.  The worker's own counters only: no atomics.
 */
static inline void
xb_ruleset_hit(const struct xb_ruleset *rs, unsigned int worker,
	       enum xb_rule_table t, uint32_t line)
{
	uint64_t *h = rs->counters[worker].rule_hits[t];

	if (h == NULL)
		return;
	if (line > rs->rows[t]->max_line)
		line = 0;
	h[line]++;
}

/*
 * Where the country of a remote address came from: the geo source file
 * (as configured) and its line, of the longest prefix covering addr
 * (family 4 or 6, network order).  Returns 0, or -ENOENT when no geo
 * prefix covers it (the country is then unknown).  Control plane:
 * binary searches over the prefix list, microseconds, not for workers.
 */
int xb_ruleset_country_origin(const struct xb_ruleset *rs,
			      unsigned int family, const uint8_t addr[16],
			      const char **file, uint32_t *line);

/* Sum over workers of the hits of line in table t (control plane: reads
 * other workers' counters, so a value may lag by a few decisions). */
uint64_t xb_ruleset_hits(const struct xb_ruleset *rs, enum xb_rule_table t,
			 uint32_t line);

#endif /* XB_RULESET_H */
