/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ruleset life cycle on the control plane: build, publish with one atomic
 * pointer store, retire the old one until its RCU (QSBR) grace period is
 * over, then carry its counters over into name-keyed totals and free it.
 *
 * Nothing waits for a grace period.  A reload publishes and returns; the
 * ruleset it replaced retires while workers may still hold it, and the
 * main loop polls: xb_rules_reclaim() once xb_rules_reclaim_due().  Until
 * then the retiring ruleset stays in every sum a live one is in (usage
 * folds: xb_rules_billing_fold; statistics: xb_rules_fold_live), so
 * nothing is lost, nor counted twice, in between.
 *
 * One ruleset retires at a time: the main loop starts a reload only once
 * the previous one is reclaimed (xb_rules_retiring() == 0), which takes
 * one poll loop of every worker (microseconds) and the main loop's next
 * pass, against the 1.5 s a build takes; the request stays posted
 * meanwhile.  Queuing several instead
 * would hold a third ruleset (the world geo FIBs alone are tens of MB of
 * hugepages) and billing snapshots for each, to gain nothing measurable.
 *
 * Workers do not use this file: they hold a pointer to xb_rules_swap and
 * call xb_swap_get() once per poll loop (acquire) and xb_swap_quiescent()
 * once per poll loop, after its bursts (app/dp/xb_worker.c).
 *
 * Thread safety: main lcore; what changes the rulesets or the totals
 * (reload, reclaim, stop) with the control lock held (xb_control.h), and
 * other threads read them only with it held.
 */
#ifndef XB_RULES_H
#define XB_RULES_H

#include <stdatomic.h>
#include <stdbool.h>

#include <rte_rcu_qsbr.h>

#include "xb_config.h"
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
 * ruleset, publish it; the old one retires (reclaimed later by
 * xb_rules_reclaim).  Only once nothing retires (else it fails and
 * changes nothing).  On any error the running ruleset stays and errs says
 * why.  Main lcore, control lock held.  Returns 0 or -1.
 */
int xb_rules_reload(struct xb_app *app, struct xb_errors *errs);

/* Rulesets retiring now (0 or 1).  Main lcore. */
unsigned int xb_rules_retiring(void);

/* Is a retiring ruleset's grace period over (no worker can hold it)?
 * Never waits.  Main lcore. */
bool xb_rules_reclaim_due(void);

/*
 * Reclaim every retiring ruleset whose grace period is over, as a reload
 * did once it had waited: its last usage fold, billing detach, its
 * counters into the name-keyed totals, free.  Never waits.  Main lcore,
 * control lock held.  Returns how many still retire.
 */
unsigned int xb_rules_reclaim(struct xb_app *app);

/* Usage fold of every ruleset workers may count into: the retiring ones
 * (acknowledging month slots a worker may wait for), then the active one
 * (which also starts quota periods).  Main lcore, control lock held. */
void xb_rules_billing_fold(struct xb_app *app);

/* Validate the tables of cfg with the live builder (--check-config). */
struct xb_config;
int xb_app_check_tables(const struct xb_config *cfg, struct xb_errors *errs);

/*
 * The one validation of a configuration, for --check-config
 * (XB_CONFIG_CHECK) and for a start (XB_CONFIG_START): load the main
 * config at path into cfg (xb_config_load), check what it names outside
 * itself (xb_config_check_env: addresses, directories, files; a start
 * creates missing directories), and check every table whose path parsed
 * with the live ruleset builder, even when the main config had errors, so
 * that one pass reports them all (a start with a clean config leaves the
 * tables to xb_rules_start, which builds them once with the same code).
 * Every problem is recorded in errs as "file:line: message".  Returns 0,
 * or -1 when anything was recorded: a configuration error (exit 1).
 * Main lcore, EAL initialised.
 */
int xb_app_config(const char *path, struct xb_config *cfg,
		  enum xb_config_mode mode, struct xb_errors *errs);

/* At exit (workers stopped, control plane readers shut out): reclaim
 * whatever still retires, then fold and free the active ruleset. */
void xb_rules_stop(struct xb_app *app);

/* Add the counters of rs (all workers) to the tallies given. */
struct xb_tally;
void xb_rules_fold(const struct xb_ruleset *rs, unsigned int nworkers,
		   struct xb_tally *country, struct xb_tally *category,
		   struct xb_tally *tenant);

/* Add the live counters of the rulesets not yet in the name-keyed totals
 * (those retiring and the active one) to the tallies given: totals plus
 * this are the run's figures, exact across reloads.  Main lcore, or a
 * thread holding the control lock. */
void xb_rules_fold_live(const struct xb_app *app, struct xb_tally *country,
			struct xb_tally *category, struct xb_tally *tenant);

#endif /* XB_RULES_H */
