/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text-format endpoint: a small HTTP/1.0-1.1 server on two
 * pthreads of its own (not EAL lcores, never a worker):
 *
 * - the I/O thread runs an event loop (poll, non-blocking sockets) over
 *   the listening socket and up to max_conns connections at once; it
 *   reads requests, enforces the deadlines and writes responses, and never
 *   blocks on a client or on the control plane;
 * - the render thread runs the render callback when a request for
 *   /metrics waits, into memory, and hands the text to the I/O thread.
 *   Every /metrics request that was waiting when a render began gets that
 *   render's text (concurrent scrapes share one render).
 *
 * A slow client therefore never holds the control lock (render first,
 * then send) and never delays another client.  Per connection: one
 * request (Connection: close).  GET and HEAD /metrics answer 200 with the
 * rendered text; other paths 404, other methods 405, a malformed request
 * 400, request headers over header_max bytes 431, request headers not
 * complete header_ms after the accept 408; a render that fails (control
 * lock not taken in time) 503.  A response not fully written write_ms
 * after it is ready is abandoned.  When max_conns connections are open, a
 * new one first makes room by dropping the oldest connection still
 * sending its request (or lingering after its response); when none can be
 * dropped, it gets 503 at once and is closed.  Every connection is counted
 * by outcome (enum xb_prom_result) and the server appends those counts
 * to each rendered text (xbgw_prometheus_* metrics, app/ops/OUTPUTS.md).
 *
 * The render callback runs on the render thread.  What it reads must be
 * safe to read from there; xbgw's callback (xb_ops.c) takes the control
 * lock (xb_control_lock) that the main lcore holds while it swaps and
 * reclaims rulesets, then calls xb_prom_write_metrics(), which reads worker
 * counters with relaxed atomic loads.  See app/ops/OUTPUTS.md.
 */
#ifndef XB_PROMETHEUS_H
#define XB_PROMETHEUS_H

#include <stdint.h>
#include <stdio.h>

struct xb_app;
struct xb_prom;

/* Write the metrics text into out (an open_memstream).  Returns 0, or < 0
 * to answer 503 (e.g. the data could not be locked in time).  Runs on the
 * server's render thread, one call at a time. */
typedef int (*xb_prom_render_fn)(void *ctx, FILE *out);

/* The server's limits; xb_prom_start takes NULL for the defaults. */
struct xb_prom_limits {
	unsigned int max_conns;  /* connections open at once */
	unsigned int header_ms;  /* accept to the end of the request headers */
	unsigned int write_ms;   /* response ready (or render asked) to its
				  * last byte written */
	unsigned int header_max; /* request line and headers, bytes */
	unsigned int linger_ms;  /* after a response: read and discard what
				  * the client still sends, so that closing
				  * does not reset the response away */
};

#define XB_PROM_MAX_CONNS 32
#define XB_PROM_HEADER_MS 5000
#define XB_PROM_WRITE_MS 10000
#define XB_PROM_HEADER_MAX 8192
#define XB_PROM_LINGER_MS 1000

/*
 * Outcomes of a connection, one per connection, counted when it ends
 * (xbgw_prometheus_requests_total{result}):
 *   ok, not_found, bad_method, bad_request, too_large, busy, error:
 *     200, 404, 405, 400, 431, 503 (render failed), 500, written in full;
 *   timeout   request headers not complete by header_ms (408 sent if the
 *             socket takes it);
 *   unsent    a response was ready but could not be written in full (the
 *             client went away or did not read it within write_ms);
 *   aborted   the client closed before a complete request;
 *   evicted   dropped, its request incomplete, to make room for a new
 *             connection at max_conns (503 sent if the socket takes it);
 *   rejected  a new connection at max_conns with none to drop: 503 at once.
 */
#define XB_PROM_RESULTS(X)                                                     \
	X(OK, "ok")                                                            \
	X(NOT_FOUND, "not_found")                                              \
	X(BAD_METHOD, "bad_method")                                            \
	X(BAD_REQUEST, "bad_request")                                          \
	X(TOO_LARGE, "too_large")                                              \
	X(BUSY, "busy")                                                        \
	X(ERROR, "error")                                                      \
	X(TIMEOUT, "timeout")                                                  \
	X(UNSENT, "unsent")                                                    \
	X(ABORTED, "aborted")                                                  \
	X(EVICTED, "evicted")                                                  \
	X(REJECTED, "rejected")

enum xb_prom_result {
#define XB_PROM_RESULT_ENUM(id, name) XB_PROM_##id,
	XB_PROM_RESULTS(XB_PROM_RESULT_ENUM)
#undef XB_PROM_RESULT_ENUM
	XB_PROM_RESULT_MAX
};

extern const char *const xb_prom_result_names[XB_PROM_RESULT_MAX];

/* Counts so far (relaxed reads; any thread). */
struct xb_prom_stats {
	uint64_t results[XB_PROM_RESULT_MAX]; /* connections ended, by outcome */
	uint64_t renders;                     /* render callback calls */
	uint32_t conns;                       /* connections open now */
};

/*
 * Listen on listen_addr and start the server threads.  listen_addr is
 * "PORT" (loopback: 127.0.0.1), "HOST:PORT", or "[IPv6]:PORT"; an empty
 * HOST (":PORT") is loopback too, so listening on every interface takes
 * "0.0.0.0:PORT" or "[::]:PORT".  Port 0 picks a free one (xb_prom_port).
 * lim NULL: the XB_PROM_* defaults; a zero field takes its default.
 * Returns NULL with a message in err when the address is invalid or
 * cannot be bound.  Control thread.
 */
struct xb_prom *xb_prom_start(const char *listen_addr,
			      const struct xb_prom_limits *lim,
			      xb_prom_render_fn fn, void *ctx, char *err,
			      size_t errlen);

/* The bound TCP port. */
uint16_t xb_prom_port(const struct xb_prom *p);

/* "http://HOST:PORT/metrics" with the address and port bound. */
const char *xb_prom_url(const struct xb_prom *p);

/* Connections ended so far (any outcome). */
uint64_t xb_prom_requests(const struct xb_prom *p);

/* The counts so far. */
void xb_prom_get_stats(const struct xb_prom *p, struct xb_prom_stats *st);

/* Stop the threads (at once, or when a render in progress returns: within
 * the callback's own timeout) and close every socket; NULL is fine. */
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

/* [cluster] metrics (app/ops/xb_metrics_cluster.c); nothing without
 * [cluster].  Same caller contract as above. */
void xb_prom_write_cluster(const struct xb_app *app, FILE *out);

#endif /* XB_PROMETHEUS_H */
