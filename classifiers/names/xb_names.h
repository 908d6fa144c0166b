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

struct xb_name_ctx;

/*
 * What the extractor keeps per flow, in the caller's flow entry (12
 * bytes; all zero = a new flow: no other initialisation).  Opaque to the
 * caller, except through xb_name_active().
 */
struct xb_name_flow {
	uint32_t slot;      /* reassembly slot handle, 0: none */
	uint32_t tcp_start; /* sequence number of the client's first stream
			     * byte, from its SYN or the server's SYN-ACK */
	uint8_t flags;      /* XB_NAME_FLOW_* */
	uint8_t skipped;    /* packets looked past before the stream's start
			     * (server first, mid-stream, QUIC junk) */
	uint16_t spare;
};

#define XB_NAME_FLOW_DONE 0x01      /* nothing more to look at */
#define XB_NAME_FLOW_START 0x02     /* tcp_start known */
#define XB_NAME_FLOW_SYNACK 0x04    /* tcp_start from the server's SYN-ACK */
#define XB_NAME_FLOW_CLIENT 0x08    /* client direction known: */
#define XB_NAME_FLOW_CLIENT1 0x10   /* ... and it is direction 1 */
#define XB_NAME_FLOW_SEEN 0x20      /* mid-stream: tcp_start holds the
				     * lowest client sequence seen */

/*
 * Create a per-lcore context: `slots` reassembly slots (each a little
 * over XB_NAME_BUF bytes) for flows whose name needs more than one packet
 * or whose name is being verified, XB_NAME_BIG_BUF-byte buffers for the
 * few streams that need more (slots / 64, at least 8).  dns_cache_entries
 * is ignored (the DNS cache is shared by the workers: xb_dns_cache.h).
 * All memory is allocated here.  Returns NULL on bad
 * arguments (slots 0 or > 65535) or allocation failure.  Control plane
 * only.
 */
struct xb_name_ctx *xb_name_ctx_create(unsigned int slots,
				       unsigned int dns_cache_entries);
void xb_name_ctx_free(struct xb_name_ctx *ctx);

/*
 * Feed one packet of a flow: every packet, payload or not, while
 * xb_name_active(nf).
 *   nf:       the flow's extractor state (zeroed at flow start)
 *   pi:       parsed headers (proto, ports, tcp_seq, tcp_ack, flags,
 *             addresses)
 *   dir:      0/1, which endpoint sent this packet; init_dir: the
 *             direction of the flow's first packet
 *   payload, len: the packet's whole L4 payload
 *   now_ns:   caller's clock, nanoseconds (DNS cache expiry, budgets)
 * Returns a result of xb_name.h: MORE, FOUND (*out filled), GIVE_UP (not
 * a name-bearing protocol), UNNAMED (should have revealed a name and did
 * not; *out may hold the name it shows instead, e.g. an ECH outer name,
 * else out->len is 0), EVASIVE (two different copies of one stream range).
 *
 * TCP: the stream's start comes from the client's SYN (or the server's
 * SYN-ACK, which wins), so the stream type is decided from its first
 * byte (TLS, HTTP; DNS on port 53) on any port.  Segments are reassembled
 * in any order and size up to the protocol's own limit (XB_NAME_BIG_BUF;
 * a ClientHello up to OpenSSL's 131,396 bytes) within a byte budget.
 * After a name is found the slot is kept until the server acknowledges
 * the name-bearing bytes, and every copy of them that arrives meanwhile
 * is compared with the first: a different one is EVASIVE (a decoy that
 * the server discarded, with a bad checksum or a TTL that expired, and
 * the real bytes).  A flow first seen mid-stream on a TLS/HTTP port that
 * shows no name is UNNAMED.  A slot taken for another flow (all busy) or
 * a budget spent makes the flow UNNAMED, counted.
 *
 * QUIC (UDP, any port, by content): datagrams that are not a plausible
 * client Initial (known version, consistent lengths, a datagram of at
 * least 1,200 bytes, a first DCID of at least 8 bytes) are looked past
 * without any crypto, up to 8 (no slot taken); a flow on UDP port 443 that
 * shows none by then is UNNAMED, elsewhere GIVE_UP.  Coalesced packets that
 * fail authentication are skipped, the others kept.  Key schedules run at
 * most twice per flow (its DCID, a Retry's) and within a per-lcore budget
 * per second (xb_name_set_quic_budget); a QUIC flow refused one is
 * UNNAMED.  After FOUND the flow stays active until the server has
 * answered and the client sent 2 more datagrams: client Initials re-sent
 * meanwhile are decrypted and compared with the CRYPTO bytes held, and a
 * difference is EVASIVE (a decoy); 16 client datagrams without a name,
 * or without the server answering while verifying, are UNNAMED; a clean
 * end returns MORE with the flow no longer active.
 *
 * A result may be followed by more (the caller keeps feeding while
 * xb_name_active(nf)): EVASIVE after FOUND, another FOUND for the next
 * HTTP request.  The DNS cache is not consulted here: the caller does,
 * for flows that end without a name of their own.  Per-lcore: only the
 * thread owning ctx may call it.
 */
int xb_name_feed(struct xb_name_ctx *ctx, struct xb_name_flow *nf,
		 const struct xb_pkt_info *pi, int dir, int init_dir,
		 const uint8_t *payload, uint32_t len, uint64_t now_ns,
		 struct xb_name *out);

/* True while the extractor wants the flow's packets: the caller keeps
 * feeding it, also after a FOUND, UNNAMED or EVASIVE result (it may still
 * be verifying the name, or reading the next HTTP request). */
static inline bool
xb_name_active(const struct xb_name_flow *nf)
{
	return !(nf->flags & XB_NAME_FLOW_DONE);
}

/* Flow ended: free its slot, if any. */
void xb_name_release(struct xb_name_ctx *ctx, struct xb_name_flow *nf);

/*
 * Budget of QUIC key schedules (one per new QUIC connection, one more
 * after a Retry) per second of now_ns, for this context; 0: no limit.
 * Default XB_QUIC_DERIVE_BUDGET_DEFAULT (50,000/s; a key schedule costs
 * about 2,000-3,000 cycles).  Beyond it new QUIC flows are UNNAMED
 * (quic_budget_denied).  Owning thread, or before the context is used.
 */
void xb_name_set_quic_budget(struct xb_name_ctx *ctx,
			     uint32_t derivations_per_s);

struct xb_name_stats {
	uint64_t found[XB_NAME_SRC_COUNT]; /* by source */
	uint64_t give_up;
	uint64_t slot_reclaimed;   /* oldest slot taken for a new flow */
	uint64_t slot_lost;        /* flow came back to a reclaimed slot:
				    * unnamed */
	uint64_t unnamed;          /* flows that should have shown a name */
	uint64_t evasive;          /* conflicting copies of a stream range */
	uint64_t budget_spent;     /* stream byte budget spent: unnamed */
	uint64_t big_exhausted;    /* no big buffer free: unnamed */
	uint64_t ech;              /* ClientHellos with ECH (name weighed) */
	uint64_t verified;         /* names whose bytes the server acked */
	uint64_t quic_decrypt_fail; /* Initials failing authentication */
	/* QUIC (issue 15): what was looked past, what crypto ran, and each
	 * cause of an UNNAMED QUIC flow (also counted in unnamed). */
	uint64_t quic_skipped;       /* datagrams looked past (no Initial) */
	uint64_t quic_implausible;   /* Initials rejected before any crypto */
	uint64_t quic_decrypted;     /* Initials authenticated */
	uint64_t quic_derived;       /* key schedules run */
	uint64_t quic_budget_denied; /* key schedules refused by the budget */
	uint64_t quic_no_initial;    /* UDP/443, no Initial in 8 datagrams:
				      * watched on */
	uint64_t quic_truncated;     /* Initial cut by the caller */
	uint64_t quic_no_keys;       /* keys refused (budget, per flow) */
	uint64_t quic_beyond;        /* CRYPTO past the window */
	uint64_t quic_no_hello;      /* CRYPTO is no ClientHello with a name */
	uint64_t quic_dgram_limit;   /* 16 client datagrams, no name (or no
				      * server answer while verifying) */
	uint64_t quic_slot_lost;     /* slot reclaimed by a newer flow */
};
/* Snapshot of the counters.  Call from the owning lcore, or accept slightly
 * stale values from another thread (plain 64-bit loads). */
void xb_name_stats_get(const struct xb_name_ctx *ctx, struct xb_name_stats *st);

#endif /* XB_NAMES_H */
