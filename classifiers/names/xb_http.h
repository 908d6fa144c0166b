/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x requests of a client's byte stream: the name of every request
 * (absolute-form or CONNECT authority, else Host), with the bodies skipped
 * by their framing.  Pure C, no EAL, no allocation.
 *
 * The parser is a streaming state machine over the in-order client bytes
 * of one TCP connection: it keeps no bytes of its own beyond one authority
 * (at most XB_HTTP_AUTHORITY_MAX), so a request may be split anywhere, down
 * to one byte per call.  What it cannot follow (see xb_http.c for the full
 * list) ends the stream with XB_NAME_UNNAMED: a request that a strict
 * server would refuse, or that servers read in different ways, never
 * passes under a name the gateway guessed.
 *
 * Thread safety: one stream per flow, fed by the thread that owns the flow.
 */
#ifndef XB_HTTP_H
#define XB_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "xb_name.h"

/* Bytes of one request head (leading empty lines, request line, header
 * fields, final empty line) and of one chunked body's trailer section.
 * Servers' defaults are 8 KB per line and 16-64 KB per head; beyond this
 * the request is XB_NAME_UNNAMED. */
#define XB_HTTP_HEAD_MAX 16384
/* Bytes of one chunk-size line with its extensions (beyond: UNNAMED). */
#define XB_HTTP_CHUNK_LINE_MAX 1024
/* Bytes of one authority (host, port, brackets, surrounding whitespace). */
#define XB_HTTP_AUTHORITY_MAX 272

/* Per-connection state: small enough to live in a name slot (~0.6 KB).
 * Fields are private to xb_http.c. */
struct xb_http_stream {
	uint8_t state;     /* where in the message the next byte falls */
	uint8_t step;      /* position inside that state (target part,
			    * "HTTP/" byte, header kind) */
	uint8_t vstep;     /* position inside a field value */
	uint8_t flags;     /* facts about the connection */
	uint16_t req_flags; /* facts about the current request */
	uint8_t tok_len;   /* bytes in tok */
	uint8_t pad_;
	uint16_t auth_len; /* bytes in auth */
	uint32_t count;    /* bytes of the current head / chunk line */
	uint32_t requests; /* request heads parsed */
	uint64_t remain;   /* body or chunk bytes still to skip */
	uint64_t num;      /* number being read: Content-Length, chunk size */
	uint64_t length;   /* this request's Content-Length */
	char tok[24];      /* method, scheme, header name or transfer coding
			    * (lower-cased where case does not matter) */
	uint8_t auth[XB_HTTP_AUTHORITY_MAX]; /* this request's authority */
	struct xb_name last; /* last name reported (len 0: none yet) */
};

/* Start of a client stream (or a reused struct). */
void xb_http_stream_init(struct xb_http_stream *s);

/*
 * Feed the next n contiguous, in-order client bytes at p (n may be 0).
 * *used receives how many of them were consumed.  Returns
 *   XB_NAME_MORE     all n consumed, no new name yet
 *   XB_NAME_FOUND    a request head ended with a name that differs from the
 *                    last one reported: *out filled (source HTTP).  Call
 *                    again with p + *used, n - *used (possibly 0 left).
 *   XB_NAME_UNNAMED  a request whose name cannot be told (no Host, two
 *                    Host fields, malformed request line or fields, an
 *                    ambiguous body length, a limit); the stream is
 *                    finished and every later call returns UNNAMED
 *   XB_NAME_GIVE_UP  the bytes are not HTTP requests: either the stream
 *                    never was HTTP, or (xb_http_stream_tunneled() true)
 *                    after a CONNECT or Upgrade request the tunnelled
 *                    protocol starts at p + *used; the names already
 *                    reported stand.  Every later call returns GIVE_UP.
 * Work: O(1) per byte of heads and chunk-size lines, O(1) per call for
 * Content-Length bodies and chunk data.
 */
int xb_http_stream_feed(struct xb_http_stream *s, const uint8_t *p,
			uint32_t n, struct xb_name *out, uint32_t *used);

/* True when the stream ended in a CONNECT or Upgrade tunnel. */
bool xb_http_stream_tunneled(const struct xb_http_stream *s);

/* Request heads parsed so far (names reported or not). */
uint32_t xb_http_stream_requests(const struct xb_http_stream *s);

/*
 * One-shot form for a prefix of the client stream: the name of its first
 * request.  Same parser: FOUND, MORE (the prefix ends before the first
 * head does), UNNAMED or GIVE_UP as above.
 */
int xb_http_host(const uint8_t *buf, uint32_t len, struct xb_name *out);

#endif /* XB_HTTP_H */
