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

#include "xb_name.h"
#include "xb_parse.h"

#define XB_NAME_SLOT_NONE UINT32_MAX

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
 * Feed one packet of a flow (every packet, payload or not, until the result
 * says to stop; see "After FOUND" below).
 *   slot:     opaque per-flow state kept by the caller in its flow entry,
 *             XB_NAME_SLOT_NONE at start
 *   pi:       parsed headers (proto, ports, tcp_seq, addresses)
 *   dir:      0/1, which endpoint sent this packet; init_dir: the flow's
 *             initiator direction (its destination is the "server")
 *   payload, len: L4 payload bytes
 *   now_ns:   caller's clock, nanoseconds (DNS cache expiry)
 * Returns XB_NAME_FOUND (*out filled), XB_NAME_MORE (call again with the
 * next packet), XB_NAME_GIVE_UP (not a name-bearing flow), XB_NAME_UNNAMED
 * (it should have revealed a name and did not: a limit, unparseable bytes,
 * a hidden name) or XB_NAME_EVASIVE (two different payloads for the same
 * stream range).
 *
 * After FOUND: while xb_name_active(*slot) the flow is being verified
 * (QUIC: until the server has answered, since the name-bearing range may
 * still be re-sent by a client or a decoy).  Keep feeding its packets;
 * those calls return XB_NAME_MORE (nothing new; once the slot is no longer
 * active, verification ended clean and the name stands), XB_NAME_EVASIVE
 * (a re-sent copy differs) or XB_NAME_UNNAMED (a limit hit before
 * verification could end); never FOUND again.  EVASIVE and UNNAMED
 * release the slot.  A caller that stops feeding after FOUND releases the
 * slot with xb_name_release() when the flow ends (nothing is verified).
 *
 * QUIC (UDP, any port, by content): datagrams that are not a plausible
 * client Initial are looked past (up to 8, no slot taken); a flow on UDP
 * port 443 that shows none by then is UNNAMED, elsewhere GIVE_UP.
 * Coalesced packets that fail authentication are skipped, the others
 * kept.  Key schedules are limited per flow (2) and per second (the
 * budget, xb_name_set_quic_budget); a QUIC flow refused one is UNNAMED.
 *
 * When the flow reveals no name of its own (not TLS/QUIC/HTTP/DNS, no SNI,
 * limits hit) but the DNS cache knows the server address, FOUND is
 * returned with source XB_NAME_SRC_DNS_CACHE.  The slot is released on
 * GIVE_UP, UNNAMED and EVASIVE, and on FOUND unless verification follows
 * (above).  A clearly foreign first payload packet costs a few byte
 * compares.  A TCP flow whose responder sends payload first (server
 * banner, or an entry created mid-connection) gets up to 4 such packets
 * before the initiator's bytes are looked at.  DNS responses are learnt
 * into the cache when they pass here; see also xb_name_dns_learn().
 * Per-lcore: only the thread owning ctx may call it.
 */
int xb_name_feed(struct xb_name_ctx *ctx, uint32_t *slot,
		 const struct xb_pkt_info *pi, int dir, int init_dir,
		 const uint8_t *payload, uint32_t len, uint64_t now_ns,
		 struct xb_name *out);

/*
 * Budget of QUIC key schedules (one per new QUIC connection, one more
 * after a Retry) per second of now_ns, for this context; 0: no limit.
 * Default XB_QUIC_DERIVE_BUDGET_DEFAULT (50,000/s; a key schedule costs
 * about 3,000 cycles).  Beyond it, new QUIC flows are UNNAMED (counted in
 * quic_budget_denied).  Owning thread, or before the context is used.
 */
void xb_name_set_quic_budget(struct xb_name_ctx *ctx,
			     uint32_t derivations_per_s);

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

/* Flow ended before its last result: free its slot (no-op for
 * SLOT_NONE). */
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
	uint64_t quic_decrypt_fail; /* Initials failing authentication */
	/* QUIC (issue 15): what was looked past, what crypto ran, and each
	 * cause of an UNNAMED QUIC flow. */
	uint64_t quic_skipped;       /* datagrams looked past (no Initial) */
	uint64_t quic_implausible;   /* Initials rejected before any crypto */
	uint64_t quic_decrypted;     /* Initials authenticated */
	uint64_t quic_derived;       /* key schedules run */
	uint64_t quic_budget_denied; /* key schedules refused by the budget */
	uint64_t quic_verified;      /* flows verified after FOUND, clean */
	uint64_t quic_evasive;       /* flows with conflicting CRYPTO bytes */
	uint64_t quic_unnamed;       /* flows UNNAMED, the sum of: */
	uint64_t quic_no_initial;    /*   UDP/443, no Initial in 8 datagrams */
	uint64_t quic_truncated;     /*   Initial cut by the caller */
	uint64_t quic_no_keys;       /*   keys refused (budget, per flow) */
	uint64_t quic_beyond;        /*   CRYPTO past the window */
	uint64_t quic_no_hello;      /*   CRYPTO is no ClientHello with a name */
	uint64_t quic_dgram_limit;   /*   16 client datagrams, no name / no
				      *   server answer while verifying */
	uint64_t quic_slot_lost;     /*   slot reclaimed by a newer flow */
	uint64_t dns_learnt;       /* cache insertions */
	uint64_t cache_evicted;    /* live entries overwritten */
};
/* Snapshot of the counters.  Call from the owning lcore, or accept slightly
 * stale values from another thread (plain 64-bit loads). */
void xb_name_stats_get(const struct xb_name_ctx *ctx, struct xb_name_stats *st);

#endif /* XB_NAMES_H */
