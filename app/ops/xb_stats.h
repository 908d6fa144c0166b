/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics: sums of the workers' counters, the statistics document
 * (--stats-json, telemetry /xbgw/stats) and the replay report.
 *
 * Thread safety: control plane only; reads workers' counters without
 * stopping them (each 64-bit counter has one writer).
 */
#ifndef XB_STATS_H
#define XB_STATS_H

#include <stdio.h>

#include "xb_worker.h"

struct xb_app;

/* Sum the counters of every worker into out. */
void xb_stats_sum(const struct xb_app *app, struct xb_counters *out);

/* Write the statistics document (contract: packets, by_country,
 * by_category, by_tenant, usage). */
void xb_stats_write_json(const struct xb_app *app, FILE *f, bool pretty);

/* One-line progress (no newline) and the final human report. */
void xb_stats_progress(const struct xb_app *app, FILE *f, double elapsed_s);
void xb_stats_report(const struct xb_app *app, FILE *f, double elapsed_s);

#endif /* XB_STATS_H */
