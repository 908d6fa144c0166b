/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A name a flow revealed, and the one call every extractor stores it
 * through.  The leaf of classifiers/names: the extractors (xb_tls, xb_quic,
 * xb_http, xb_dns) include this and nothing above it; the dispatcher
 * (xb_names) includes them.  Pure C, no EAL, thread-safe (no state).
 */
#ifndef XB_NAME_H
#define XB_NAME_H

#include <stdint.h>

enum xb_name_source {
	XB_NAME_SRC_NONE = 0,
	XB_NAME_SRC_TLS,
	XB_NAME_SRC_QUIC,
	XB_NAME_SRC_HTTP,
	XB_NAME_SRC_DNS,
	XB_NAME_SRC_DNS_CACHE,
	XB_NAME_SRC_COUNT
};

/* "none","tls","quic","http","dns","dns-cache"; "?" for anything else. */
const char *xb_name_source_str(enum xb_name_source s);

#define XB_NAME_MAX 253
struct xb_name {
	uint8_t len;    /* bytes in str, excluding the NUL */
	uint8_t source; /* enum xb_name_source */
	uint8_t flags;  /* XB_NAME_F_* */
	char str[XB_NAME_MAX + 1];
};

/* The ClientHello also carried an encrypted one (ECH): the name shown
 * may be the cover name of an ECH provider (whose public names the domain
 * table can map to `unnamed`) or, with GREASE ECH that browsers send to
 * every server, the real one; what the DNS cache knows of the server is
 * weighed too. */
#define XB_NAME_F_ECH 0x01

/*
 * Return values of the extractors and of xb_name_feed():
 *   MORE     nothing new yet: call again with the flow's next packet;
 *   FOUND    a name (out filled);
 *   GIVE_UP  no name expected: not a name-bearing protocol;
 *   UNNAMED  the flow should reveal a name and did not: a limit was hit,
 *            its bytes could not be parsed, or it hides the name (ECH);
 *            out may hold a name it shows instead (an ECH outer name);
 *   EVASIVE  two different payloads for the same stream range (TCP
 *            sequence range, QUIC CRYPTO offsets): one of them is a decoy.
 * UNNAMED and EVASIVE are evidence: the caller makes the flow's category
 * `unnamed` / `evasive` (only ever stricter, see the worker).
 */
enum {
	XB_NAME_MORE = 0,
	XB_NAME_FOUND = 1,
	XB_NAME_GIVE_UP = -1,
	XB_NAME_UNNAMED = -2,
	XB_NAME_EVASIVE = -3,
};

/* Reassembly window of a slot (bytes of TCP stream or QUIC CRYPTO
 * stream), and of the big buffers a stream moves to beyond it: the
 * largest ClientHello servers accept (OpenSSL: 131,396 bytes) in TLS
 * records (5 bytes per 16 KB), rounded up. */
#define XB_NAME_BUF 4096
#define XB_NAME_BIG_BUF (132u * 1024u)
/* Per-flow budgets: stream bytes taken in (retransmissions and overlaps
 * included) before the flow is unnamed, and payload packets of the
 * server before the client spoke (no name expected then). */
#define XB_NAME_MAX_BYTES (2u * XB_NAME_BIG_BUF)
#define XB_NAME_MAX_PKTS_ALL 32
/* DNS cache TTL clamp, seconds. */
#define XB_NAME_CACHE_TTL_MIN 30
#define XB_NAME_CACHE_TTL_MAX 3600

/*
 * Store a name: strips trailing dots, lower-cases ASCII, rejects empty or
 * over-long names and control characters (bytes < 0x20 and 0x7f; other
 * bytes, e.g. UTF-8 in mDNS instance names, are kept).  Returns
 * XB_NAME_FOUND or XB_NAME_GIVE_UP.
 */
int xb_name_store(struct xb_name *out, const uint8_t *s, uint32_t len,
		  uint8_t source);

#endif /* XB_NAME_H */
