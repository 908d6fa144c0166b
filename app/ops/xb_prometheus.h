/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text-format endpoint: a tiny HTTP/1.0-1.1 server on its own
 * pthread (not an EAL lcore).  It answers GET (and HEAD) /metrics with the
 * body the application's render callback writes, 404 for any other path,
 * 405 for other methods, 400 for a malformed or oversized request.  One
 * request per connection (Connection: close), requests bounded to 8 KiB,
 * 2-second receive/send timeouts, one connection at a time (a scrape is a
 * rare, small event; a slow client delays the next one by the timeout at
 * most).
 *
 * The render callback runs on the server thread.  What it reads must be
 * safe to read from there; xbgw's callback (xb_ops.c) takes the control
 * lock (xb_control_lock) that the main lcore holds while it swaps and
 * reclaims rulesets, then calls xb_prom_write_metrics(), which reads worker
 * counters with relaxed atomic loads.  See app/OUTPUTS.md.
 */
#ifndef XB_PROMETHEUS_H
#define XB_PROMETHEUS_H

#include <stdint.h>
#include <stdio.h>

struct xb_app;
struct xb_prom;

/* Write the metrics text into out (an open_memstream).  Returns 0, or < 0
 * to answer 503 (e.g. the data could not be locked in time). */
typedef int (*xb_prom_render_fn)(void *ctx, FILE *out);

/*
 * Listen on "HOST:PORT" ("[v6]:PORT"; port 0 picks a free one, see
 * xb_prom_port) and start the server thread.  Returns NULL with a message
 * in err when the address is invalid or cannot be bound.  Control thread.
 */
struct xb_prom *xb_prom_start(const char *listen_addr, xb_prom_render_fn fn,
			      void *ctx, char *err, size_t errlen);

/* The bound TCP port. */
uint16_t xb_prom_port(const struct xb_prom *p);

/* Requests answered so far (any status). */
uint64_t xb_prom_requests(const struct xb_prom *p);

/* Stop the thread (within ~200 ms) and close; NULL is fine. */
void xb_prom_stop(struct xb_prom *p);

/*
 * xbgw's metrics (app/ops/xb_metrics.c): totals, drops by reason, by
 * country / category / tenant, ruleset generation and reloads, per worker,
 * per port.
 * Reads worker counters with relaxed loads and the active and retiring
 * rulesets: the caller must keep rulesets from being freed meanwhile (hold
 * the control lock, or be the main lcore).
 */
void xb_prom_write_metrics(const struct xb_app *app, FILE *out);

#endif /* XB_PROMETHEUS_H */
