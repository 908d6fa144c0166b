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
 *   DNS   query name (UDP 53/5353, TCP 53); answers are learnt apart
 *         (xb_dns_learn, into the cache the workers share, xb_dns_cache)
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

#include "xb_name.h"
#include "xb_parse.h"

#define XB_NAME_SLOT_NONE UINT32_MAX

struct xb_name_ctx;

/*
 * Create a per-lcore context: `slots` reassembly slots (each ~9 KB) for flows
 * whose name needs more than one packet.  dns_cache_entries is ignored
 * (the DNS cache moved out: xb_dns_cache.h).  All memory is allocated
 * here.  Returns NULL on bad arguments (slots 0 or
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
 *   now_ns:   caller's clock, nanoseconds
 * Returns XB_NAME_FOUND (*out filled), XB_NAME_MORE (call again with the
 * next packet) or XB_NAME_GIVE_UP.  The DNS cache is not consulted here:
 * the caller does, for flows that end without a name of their own.
 * The slot is released on FOUND and GIVE_UP.  A clearly foreign first
 * payload packet costs a few byte compares.  A TCP flow whose responder
 * sends payload first (server banner, or an entry created mid-connection)
 * gets up to 4 such packets before the initiator's bytes are looked at.
 * Per-lcore: only the thread owning ctx may call it.
 */
int xb_name_feed(struct xb_name_ctx *ctx, uint32_t *slot,
		 const struct xb_pkt_info *pi, int dir, int init_dir,
		 const uint8_t *payload, uint32_t len, uint64_t now_ns,
		 struct xb_name *out);

/* True while the extractor holds state for the flow (*slot): the caller
 * keeps feeding it the flow's packets, also after a FOUND, UNNAMED or
 * EVASIVE result (it may still be watching: a re-sent ClientHello is
 * compared with the first copy, an HTTP connection's next request is
 * read).  False once it is done with the flow. */
static inline bool
xb_name_active(uint32_t slot)
{
	return slot != XB_NAME_SLOT_NONE;
}

/* Flow ended before FOUND/GIVE_UP: free its slot (no-op for SLOT_NONE). */
void xb_name_release(struct xb_name_ctx *ctx, uint32_t *slot);

struct xb_name_stats {
	uint64_t found[XB_NAME_SRC_COUNT]; /* by source */
	uint64_t give_up;
	uint64_t slot_reclaimed;   /* oldest slot taken for a new flow */
	uint64_t slot_lost;        /* flow came back to a reclaimed slot */
	uint64_t quic_decrypt_fail;
};
/* Snapshot of the counters.  Call from the owning lcore, or accept slightly
 * stale values from another thread (plain 64-bit loads). */
void xb_name_stats_get(const struct xb_name_ctx *ctx, struct xb_name_stats *st);

#endif /* XB_NAMES_H */
