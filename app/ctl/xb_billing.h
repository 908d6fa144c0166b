/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Billing on the control plane: folds the workers' usage counters into the
 * name-keyed usage records (app/ctl/xb_usage.c), prices them, checkpoints them
 * under [state] dir, opens and closes months, and starts quota periods.
 *
 * Exactly once: worker counters are monotonic; each fold adds the
 * difference to what the previous fold saw (snapshots kept here, per
 * ruleset, worker and month slot) and remembers the new value.  Folds,
 * checkpoints and ruleset retirement all run on the main lcore, so a fold
 * is never applied twice, and a retired ruleset is folded one last time
 * after its grace period, when no worker can write it any more.  A crash
 * loses what was counted since the last checkpoint (one interval); a
 * restart resumes the month from the records.
 *
 * Months: the current month is the latest one the clock in use, the
 * workers' month slots and (at start) the record files have reached; it
 * only moves forward.  The month before it stays open (usage stamped
 * at the boundary; it resumes after a restart); every earlier month is
 * closed (with the capture clock, once no worker counts in it any more),
 * and a closed month (this run, or a file marked
 * "# closed") is never reopened: usage that still comes in for it is
 * billed in the current month and reported (xb_billing_late(), a log
 * line once per month).
 *
 * Thread safety: main lcore only.
 */
#ifndef XB_BILLING_H
#define XB_BILLING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xb_errors.h"
#include "xb_ruleset.h"
#include "xb_usage.h"

struct xb_app;

/* Months kept open in the usage table at once: as many as it holds. */
#define XB_BILLING_MAX_MONTHS XB_USAGE_MAX_OPEN_MONTHS

/* Open the usage table (in memory when state_dir is empty). */
int xb_billing_init(struct xb_app *app, struct xb_errors *errs);
void xb_billing_free(struct xb_app *app);

/*
 * Prepare a ruleset before it is published: snapshots for its counters,
 * and its quota period started from the month's usage so far (records
 * plus what the running ruleset has counted but not yet folded).
 */
int xb_billing_attach(struct xb_app *app, struct xb_ruleset *rs,
		      const struct xb_ruleset *running, uint64_t now_ns);

/* Fold rs's counters (all workers) into the usage records; acknowledge
 * closed month slots; report quota crossings; and when rs is the live
 * ruleset (the one workers load now), start quota periods at month
 * boundaries.  Cheap enough to run every few milliseconds. */
void xb_billing_fold(struct xb_app *app, const struct xb_ruleset *rs,
		     bool live);

/* Forget rs (after its last fold, before it is freed). */
void xb_billing_detach(struct xb_app *app, const struct xb_ruleset *rs);

/* The event log's durable head, written into every usage checkpoint from
 * now on ("# events seq hash", app/ctl/xb_usage.h); hash: 64 hex digits.
 * Main lcore. */
void xb_billing_set_events_anchor(struct xb_app *app, uint64_t seq,
				  const char *hash);

/* The newest event-log head held by the open months' record files (at
 * start: what the last run checkpointed); 0 when none.  Main lcore. */
uint64_t xb_billing_events_anchor(const struct xb_app *app, char hash[65]);

/* Write the usage records to the state dir if configured (atomic). */
int xb_billing_checkpoint(struct xb_app *app, struct xb_errors *errs);

/* The report's usage summary. */
void xb_billing_report(const struct xb_app *app, FILE *f);

/* Call fn for every usage record of this run (closed months, then the open
 * ones).  Main lcore, or a thread holding the control lock (the main loop
 * folds under it). */
struct xb_usage_rec;
void xb_billing_foreach(const struct xb_app *app,
			void (*fn)(void *ctx, const struct xb_usage_rec *r),
			void *ctx);

/* Usage that came in for a month already closed and was billed in the
 * current month instead (this run). */
void xb_billing_late(const struct xb_app *app, uint64_t *packets,
		     uint64_t *bytes);

/* A tenant's bytes of an open month in the records (0 when the month is
 * not open).  Main lcore. */
uint64_t xb_billing_tenant_bytes(const struct xb_app *app, uint32_t month,
				 const char *tenant);

/* The current month (YYYYMM; 0 before any). */
uint32_t xb_billing_current(const struct xb_app *app);

/* The workers are stopped and folded for the last time: close every
 * month before the current one. */
void xb_billing_settle(struct xb_app *app);

/* The clock in use on the control plane (capture time in replay with
 * --clock capture: the latest packet time any worker has seen). */
uint64_t xb_billing_now(const struct xb_app *app);

#endif /* XB_BILLING_H */
