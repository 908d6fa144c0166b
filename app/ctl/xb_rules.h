/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ruleset life cycle on the control plane: build, publish with one atomic
 * pointer store, reclaim the old one after an RCU (QSBR) grace period, and
 * carry its counters over into name-keyed totals.
 *
 * Workers: load xb_rules_active() once per burst (acquire), report
 * quiescence with xb_rules_quiescent() once per loop, outside any burst.
 */
#ifndef XB_RULES_H
#define XB_RULES_H

#include <stdatomic.h>

#include <rte_rcu_qsbr.h>

#include "xb_errors.h"
#include "xb_ruleset.h"
#include "xb_swap.h"

struct xb_app;

/* The active ruleset, swapped under RCU (classifiers/xb_swap.h). */
extern struct xb_swap xb_rules_swap;

static inline struct xb_ruleset *
xb_rules_active(void)
{
	return xb_swap_get(&xb_rules_swap);
}

/* Build a ruleset from app->cfg (generation gen) without publishing it. */
struct xb_ruleset *xb_rules_build(const struct xb_app *app, uint32_t gen,
				  struct xb_errors *errs);

/* Set up RCU for nworkers and publish the first ruleset.  0 or -1. */
int xb_rules_start(struct xb_app *app, struct xb_errors *errs);

/*
 * Reload: re-read the main config's tables, build and validate a new
 * ruleset, swap it in, wait for the grace period, fold and free the old
 * one.  On any error the running ruleset stays and errs says why.
 * Main lcore only.  Returns 0 or -1.
 */
int xb_rules_reload(struct xb_app *app, struct xb_errors *errs);

/* Validate the tables of cfg with the live builder (--check-config). */
struct xb_config;
int xb_app_check_tables(const struct xb_config *cfg, struct xb_errors *errs);

/* At exit (workers stopped): fold and free the active ruleset. */
void xb_rules_stop(struct xb_app *app);

/* Add the counters of rs (all workers) to the tallies given. */
struct xb_tally;
void xb_rules_fold(const struct xb_ruleset *rs, unsigned int nworkers,
		   struct xb_tally *country, struct xb_tally *category,
		   struct xb_tally *tenant);

#endif /* XB_RULES_H */
