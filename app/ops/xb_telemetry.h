/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /xbgw/ (stats, flows, ruleset, reload; see
 * app/ops/OUTPUTS.md).  The callbacks run on DPDK's telemetry threads and take
 * the control lock (app/ctl/xb_control.h) before they read rulesets.
 */
#ifndef XB_TELEMETRY_H
#define XB_TELEMETRY_H

struct xb_app;

/* Register the commands; 0 or -1.  Main lcore, once, from xb_ops_start. */
int xb_telemetry_register(struct xb_app *app);

/* /xbgw/cluster (xb_telemetry_cluster.c); called by the above. */
int xb_telemetry_cluster_register(struct xb_app *app);

#endif /* XB_TELEMETRY_H */
