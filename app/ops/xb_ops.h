/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operations glue: the event log, IPFIX export, the Prometheus endpoint and
 * the DPDK telemetry commands, wired into the main lcore's loop with a few
 * hook calls from main.c.  Everything here runs on the main lcore, on the
 * Prometheus server's threads (I/O and render) or on DPDK's telemetry
 * threads; never on a worker.
 *
 * The control lock and the /xbgw/reload mailbox it shares with the
 * Prometheus and telemetry threads are app/ctl/xb_control.h.
 */
#ifndef XB_OPS_H
#define XB_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_errors.h"
#include "xb_flowrec.h"

struct xb_app;

/*
 * After the config and the first ruleset are loaded, before workers
 * start: open the event log ([events] file and key; also syslog), emit
 * "start" and anchor it, open the IPFIX exporter ([ipfix] collector), start the
 * Prometheus endpoint ([prometheus] listen), register the /xbgw/
 * telemetry commands ([telemetry] enabled) and give each worker its flow
 * snapshot buffer.  Returns 0, or -1 with a message in err.  Main lcore.
 */
int xb_ops_start(struct xb_app *app, char *err, size_t errlen);

/* True when flow records are wanted even without --flow-log (IPFIX). */
bool xb_ops_want_flow_records(const struct xb_app *app);

/* Drain one worker's flow-log ring into the flow log file (if any) and
 * IPFIX (if configured).  Returns records drained.  Main lcore. */
unsigned int xb_ops_drain_flows(struct xb_app *app, struct xb_flowrec_ring *r);

/* Once per main-loop iteration: IPFIX timers.  Main lcore. */
void xb_ops_poll(struct xb_app *app);

/* Around xb_rules_reload (main.c do_reload): begin takes the control
 * lock; end releases it, emits the reload event and answers a waiting
 * /xbgw/reload.  rc: 0 ok, < 0 failed (errs says why).  Main lcore. */
void xb_ops_reload_begin(struct xb_app *app);
void xb_ops_reload_end(struct xb_app *app, int rc, const struct xb_errors *errs);

/* Emit an event (no-op without an event log); see xb_events.h. */
struct xb_event_field;
void xb_ops_event(const char *type, const struct xb_event_field *fields,
		  unsigned int n);

/* After the workers stopped and the last records were drained: flush
 * IPFIX, stop the Prometheus threads, emit "stop", checkpoint the usage
 * records once more (anchoring the stop line), close the log.  Main
 * lcore. */
void xb_ops_stop(struct xb_app *app);

/* Before each usage checkpoint (and at start and stop): fdatasync the
 * event log, send its head to syslog when it moved, and hand it to billing
 * for the checkpoint's "# events" line.  Only durable lines are anchored.
 * Main lcore. */
void xb_ops_anchor_events(struct xb_app *app);

/* Most --events-anchor options on one command line. */
#define XB_OPS_MAX_ANCHORS 16

/*
 * --verify-events FILE [--events-key KEYFILE] [--events-anchor A]..: print
 * the verdict ("FILE: OK (...)", or "FILE:N: why" for the first bad line);
 * returns the exit code: 0 intact, 1 tampered, 2 a malformed SEQ:HASH,
 * 3 the log, the key or an anchor file cannot be read or used.  An anchor
 * is "SEQ:HASH" or a usage record file with a "# events" line.
 */
int xb_ops_verify_events(const char *path, const char *key_file,
			 const char *const *anchors, unsigned int nanchors);

#endif /* XB_OPS_H */
