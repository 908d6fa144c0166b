/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Explain a verdict: for one flow (proto, addresses, ports, and the name,
 * VLAN or tenant it would show), run the same lookups the worker runs
 * (xb_ruleset_classify, the domain match, xb_categories_stricter,
 * xb_policy_decide, the tariff) and say which table line decided each
 * step: country (geo source file, line and prefix; or home_net / ZZ),
 * tenant (prefix or VLAN row), category (domain pattern, category rule, or
 * none), approval, policy and qos (the qos.csv row), tariff (the row and
 * the band in force).
 *
 * No EAL calls of its own (the ruleset it reads was built with EAL);
 * control plane only: it allocates a Hyperscan scratch of its own, never
 * a worker's.  `xbgw --explain` and telemetry /xbgw/explain both call it.
 */
#ifndef XB_EXPLAIN_H
#define XB_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "xb_explain_query.h"
#include "xb_ruleset.h"

#define XB_EXPLAIN_TEXT 256

enum xb_explain_step {
	XB_EXPLAIN_COUNTRY,
	XB_EXPLAIN_TENANT,
	XB_EXPLAIN_CATEGORY,
	XB_EXPLAIN_APPROVAL,
	XB_EXPLAIN_POLICY,
	XB_EXPLAIN_QOS,
	XB_EXPLAIN_TARIFF,
	XB_EXPLAIN_STEPS
};

/* One step: what it decided (value), the row that decided it (file and
 * line, 0 = none), what of the row matched, and a word on why. */
struct xb_explain_item {
	const char *step;               /* "country", ... */
	char value[64];                 /* "" = null */
	char file[XB_EXPLAIN_TEXT];     /* "" = null */
	uint32_t line;                  /* 0 = null */
	char match[XB_EXPLAIN_TEXT];    /* "" = null */
	char detail[XB_EXPLAIN_TEXT];   /* "" = null */
};

struct xb_explain {
	struct xb_explain_item steps[XB_EXPLAIN_STEPS];
	/* The verdict. */
	const char *action;       /* "channel", ..., "negative_list" */
	const char *drop_reason;  /* NULL when forwarded */
	int dscp;                 /* -1: kept */
	unsigned int tc;
	char band[64];
	uint64_t price_micros_per_gb;
	char currency[8];
	char country[64], tenant[64], category[64];
};

/*
 * Explain q's verdict under rs into out.  Returns 0, -EINVAL for a bad
 * query (family, unknown tenant: out->steps[TENANT].detail says), -ENOMEM.
 */
int xb_explain_run(const struct xb_ruleset *rs,
		   const struct xb_explain_query *q, struct xb_explain *out);

/* Name of a step ("country", ...). */
const char *xb_explain_step_name(unsigned int step);

#endif /* XB_EXPLAIN_H */
