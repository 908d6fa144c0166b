/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name extraction: the name a flow reveals in its first payload bytes.
 *
 *   TLS   ClientHello server_name (any record version, ClientHello spread
 *         over several TCP segments, out of order or retransmitted)
 *   QUIC  Initial packets of QUIC v1 (RFC 9001), v2 (RFC 9369) and drafts
 *         22..34: header protection removed, payload decrypted with the keys
 *         of the original destination connection ID, CRYPTO frames
 *         reassembled; Google QUIC Q0xx (<= Q046) plaintext CHLO "SNI" tag
 *   HTTP  HTTP/1.x request Host header (absolute-form target as fallback)
 *   DNS   query name (UDP 53/5353, TCP 53), answers feed a per-lcore
 *         address -> name cache used for flows without a name of their own
 *
 * Names are lower-cased (ASCII), without a trailing dot, NUL-terminated.
 *
 * Pure C over payload bytes; no EAL.  OpenSSL libcrypto is used for QUIC
 * (HKDF, AES-128-ECB, AES-128-GCM).  Per-lcore context; nothing is shared
 * between lcores, so no function here takes a lock.
 */
#ifndef XB_NAMES_H
#define XB_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "xb_parse.h"

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
	char str[XB_NAME_MAX + 1];
};

/* Return values of the extractors and of xb_name_feed(). */
enum { XB_NAME_MORE = 0, XB_NAME_FOUND = 1, XB_NAME_GIVE_UP = -1 };

#define XB_NAME_SLOT_NONE UINT32_MAX

/* Per-flow limits: give up after this many payload packets in the
 * direction being reassembled, or this many in both directions, or this many
 * payload bytes. */
#define XB_NAME_MAX_PKTS 8
#define XB_NAME_MAX_PKTS_ALL 32
#define XB_NAME_MAX_BYTES 16384
/* Reassembly window per slot (bytes of TCP stream or QUIC CRYPTO stream). */
#define XB_NAME_BUF 8192
/* DNS cache TTL clamp, seconds. */
#define XB_NAME_CACHE_TTL_MIN 30
#define XB_NAME_CACHE_TTL_MAX 3600

struct xb_name_ctx;

/*
 * Create a per-lcore context: `slots` reassembly slots (each ~9 KB) for flows
 * whose name needs more than one packet, and a DNS answer cache of
 * `dns_cache_entries` entries (rounded up to a multiple of 4; 0 disables it).
 * All memory is allocated here.  Returns NULL on bad arguments (slots 0 or
 * > 65535) or allocation failure.  Control plane only.
 */
struct xb_name_ctx *xb_name_ctx_create(unsigned int slots,
				       unsigned int dns_cache_entries);
void xb_name_ctx_free(struct xb_name_ctx *ctx);

/*
 * Feed one packet of a flow (every packet, payload or not, until FOUND or
 * GIVE_UP).
 *   slot:     opaque per-flow state kept by the caller in its flow entry,
 *             XB_NAME_SLOT_NONE at start
 *   pi:       parsed headers (proto, ports, tcp_seq, addresses)
 *   dir:      0/1, which endpoint sent this packet; init_dir: the flow's
 *             initiator direction (its destination is the "server")
 *   payload, len: L4 payload bytes
 *   now_ns:   caller's clock, nanoseconds (DNS cache expiry)
 * Returns XB_NAME_FOUND (*out filled), XB_NAME_MORE (call again with the
 * next packet) or XB_NAME_GIVE_UP.  When the flow reveals no name of its own
 * (not TLS/QUIC/HTTP/DNS, no SNI, limits hit) but the DNS cache knows the
 * server address, FOUND is returned with source XB_NAME_SRC_DNS_CACHE.
 * The slot is released on FOUND and GIVE_UP.  A clearly foreign first
 * payload packet costs a few byte compares.  A TCP flow whose responder
 * sends payload first (server banner, or an entry created mid-connection)
 * gets up to 4 such packets before the initiator's bytes are looked at.  DNS responses are learnt into
 * the cache when they pass here; see also xb_name_dns_learn().
 * Per-lcore: only the thread owning ctx may call it.
 */
int xb_name_feed(struct xb_name_ctx *ctx, uint32_t *slot,
		 const struct xb_pkt_info *pi, int dir, int init_dir,
		 const uint8_t *payload, uint32_t len, uint64_t now_ns,
		 struct xb_name *out);

/* Flow ended before FOUND/GIVE_UP: free its slot (no-op for SLOT_NONE). */
void xb_name_release(struct xb_name_ctx *ctx, uint32_t *slot);

/*
 * Learn address -> name from a DNS response (UDP payload, or a TCP DNS
 * segment with its 2-byte length prefix when tcp is true).  Cheap to call
 * for every packet with source port 53: returns at once on non-responses.
 * Returns the number of addresses learnt.  Per-lcore.
 */
int xb_name_dns_learn(struct xb_name_ctx *ctx, const uint8_t *payload,
		      uint32_t len, bool tcp, uint64_t now_ns);

/* Look up the cached name of an address (family 4 or 6; addr: 4 or 16
 * bytes, network order).  True and *out filled (source DNS_CACHE) when a
 * live entry exists.  Per-lcore. */
bool xb_name_cache_lookup(struct xb_name_ctx *ctx, uint8_t family,
			  const uint8_t *addr, uint64_t now_ns,
			  struct xb_name *out);

struct xb_name_stats {
	uint64_t found[XB_NAME_SRC_COUNT]; /* by source */
	uint64_t give_up;
	uint64_t slot_reclaimed;   /* oldest slot taken for a new flow */
	uint64_t slot_lost;        /* flow came back to a reclaimed slot */
	uint64_t quic_decrypt_fail;
	uint64_t dns_learnt;       /* cache insertions */
	uint64_t cache_evicted;    /* live entries overwritten */
};
/* Snapshot of the counters.  Call from the owning lcore, or accept slightly
 * stale values from another thread (plain 64-bit loads). */
void xb_name_stats_get(const struct xb_name_ctx *ctx, struct xb_name_stats *st);

/* ---- Stateless single-buffer helpers (tests, fuzzing, tools) ---------- */

/* TLS: `buf` is the start of the client's TCP stream (records).  FOUND,
 * MORE (a prefix of a plausible ClientHello) or GIVE_UP (not a ClientHello
 * or one without server_name). */
int xb_tls_sni(const uint8_t *buf, uint32_t len, struct xb_name *out);
/* TLS handshake messages (no record layer, as in QUIC CRYPTO frames). */
int xb_tls_hs_sni(const uint8_t *hs, uint32_t len, struct xb_name *out);
/* HTTP/1.x request prefix: Host header (port and brackets stripped). */
int xb_http_host(const uint8_t *buf, uint32_t len, struct xb_name *out);
/* DNS message (no TCP prefix): first question name, or for a message with
 * no question the first answer's owner name (mDNS announcements). */
int xb_dns_qname(const uint8_t *msg, uint32_t len, struct xb_name *out);
/* One UDP datagram holding a client Initial that carries the whole
 * ClientHello (IETF QUIC) or a gQUIC CHLO.  Allocates OpenSSL contexts per
 * call: not for the data path (xb_name_feed keeps them in the ctx). */
int xb_quic_initial_sni(const uint8_t *dgram, uint32_t len,
			struct xb_name *out);

#endif /* XB_NAMES_H */
