/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC client Initials: header protection removed and payload decrypted
 * (RFC 9001, RFC 9369, drafts 22-34), CRYPTO frames put into a reassembly
 * window that compares a second copy of the same CRYPTO offsets with the
 * first (xb_reasm_put's conflict); Google QUIC Q0xx plaintext CHLO.
 *
 * Cost model, because every client can send Initials with random
 * connection IDs and each needs its own key schedule:
 *   - plausibility first (xb_quic_initial_check): version, lengths, a
 *     datagram of at least 1,200 bytes, a first DCID of at least 8 bytes;
 *     what fails it costs a few compares and no crypto;
 *   - the key schedule runs on HMAC states precomputed per version (the
 *     HKDF-Extract salt) with plain SHA-256 contexts: no allocation, no
 *     algorithm fetch, about 14 SHA-256 blocks per connection;
 *   - at most XB_QUIC_MAX_DERIVE key schedules per flow (its original DCID,
 *     then one more after a Retry);
 *   - a per-lcore token bucket of key schedules per second; a flow that
 *     needs one when the bucket is empty is reported (no_keys, budget) and
 *     gets no name: XB_NAME_UNNAMED, never a silent pass.
 *
 * Thread safety: a struct xb_quic_crypto belongs to one thread; the rest is
 * pure functions over the caller's memory.
 */
#ifndef XB_QUIC_H
#define XB_QUIC_H

#include <stdbool.h>
#include <stdint.h>

#include "xb_name.h"
#include "xb_reasm.h"

/* Largest datagram decrypted (the plaintext scratch of the context). */
#define XB_QUIC_DGRAM_MAX 65535
/* RFC 9000 14.1: a client pads every datagram carrying an Initial to at
 * least 1,200 bytes. */
#define XB_QUIC_MIN_INITIAL_DGRAM 1200
/* RFC 9000 7.2: the DCID of a client's first Initial is at least 8 bytes
 * (after a Retry the client uses the server's choice, 0..20 bytes). */
#define XB_QUIC_MIN_FIRST_DCID 8
/* Key schedules per flow: the original DCID, then one Retry's. */
#define XB_QUIC_MAX_DERIVE 2
/* Default budget of key schedules per second per lcore. */
#define XB_QUIC_DERIVE_BUDGET_DEFAULT 50000u

/* Per-lcore crypto state (opaque): precomputed per-version HMAC states,
 * the cipher contexts, the plaintext scratch and the derivation budget. */
struct xb_quic_crypto;

/*
 * Create the per-lcore state; derive_per_s: key schedules allowed per
 * second (0: no limit), the bucket holding a tenth of a second of them
 * (at least 1).  NULL on allocation or OpenSSL failure.  Control plane.
 */
struct xb_quic_crypto *xb_quic_crypto_create(uint32_t derive_per_s);
void xb_quic_crypto_free(struct xb_quic_crypto *c);
/* Change the budget (0: no limit); refills the bucket.  Owning thread. */
void xb_quic_crypto_set_budget(struct xb_quic_crypto *c, uint32_t derive_per_s);

/* Keys of one connection's client Initials (one DCID and version). */
struct xb_quic_keys {
	uint32_t version;
	uint8_t valid;
	uint8_t dcid_len;
	uint8_t dcid[20];
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

/* Per-flow QUIC state, kept in the flow's name slot.  Zero it (or call
 * xb_quic_flow_reset) when the slot is taken.  Counts saturate at 255. */
struct xb_quic_flow {
	struct xb_quic_keys keys;
	uint8_t derived;       /* key schedules run for this flow */
	uint8_t client_dgrams; /* client datagrams fed */
	uint8_t server_dgrams; /* server datagrams seen */
	uint8_t after_server;  /* client datagrams since the server spoke */
};

static inline void
xb_quic_flow_reset(struct xb_quic_flow *f)
{
	*f = (struct xb_quic_flow){0};
}

/* What the first bytes of a UDP payload look like. */
enum { XB_QUIC_NONE = 0, XB_QUIC_IETF = 1, XB_QUIC_GQUIC = 2 };
/* XB_QUIC_IETF: a long header of a known version whose type is Initial. */
int xb_quic_sniff(const uint8_t *d, uint32_t len);

/* The first packet of a datagram as a client Initial, before any crypto. */
enum xb_quic_check {
	XB_QUIC_INITIAL_OK = 0,   /* plausible: worth a key schedule */
	XB_QUIC_INITIAL_NOT,      /* not a client Initial of a known version */
	XB_QUIC_INITIAL_IMPLAUSIBLE, /* lengths, sizes or CIDs a client
				      * would not send */
	XB_QUIC_INITIAL_TRUNCATED, /* plausible, but runs past the `len`
				    * bytes given (the caller cut it) */
};
/*
 * d, len: the bytes given (maybe a prefix of the datagram); dgram_len: the
 * datagram's real UDP payload length (>= len); first: no key schedule has
 * run for this flow yet (the DCID must then be at least 8 bytes).
 */
enum xb_quic_check xb_quic_initial_check(const uint8_t *d, uint32_t len,
					 uint32_t dgram_len, bool first);

/* What one client datagram gave (counts of its coalesced packets). */
struct xb_quic_dgram_result {
	uint8_t initials;    /* Initial packets looked at */
	uint8_t decrypted;   /* Initials authenticated, CRYPTO taken */
	uint8_t auth_failed; /* Initials whose AEAD tag did not verify, or
			      * whose plaintext is not a valid frame list */
	uint8_t implausible; /* Initials rejected before any crypto */
	uint8_t no_keys;     /* Initials needing a key schedule this flow may
			      * not run (budget or per-flow limit) */
	uint8_t budget;      /* ... of those, refused by the budget */
	uint8_t derived;     /* key schedules run */
	uint8_t truncated;   /* plausible Initial cut by the caller */
	uint8_t conflict;    /* CRYPTO bytes differing from bytes held */
	uint8_t beyond;      /* CRYPTO data past the reassembly window */
};

/* Called before CRYPTO data past r's window is put: may move r to a
 * larger buffer (xb_reasm_move); true when it did. */
typedef bool (*xb_quic_grow_fn)(void *arg, struct xb_reasm *r);

/*
 * Look at every packet of one client datagram: Initials are checked,
 * decrypted (keys derived on first use or when the DCID or version
 * changes, within the per-flow limit and the budget) and their CRYPTO
 * frames compared with what r holds, then put into r; other long-header
 * packets are stepped over.  A packet that fails authentication does not
 * stop the others.  d, len: the bytes given; dgram_len: the datagram's
 * real payload length; now_ns: the caller's clock (budget); grow (may be
 * NULL) is asked for a larger window before CRYPTO data past r's is put.
 * Fills *res; returns res->decrypted.  Owning thread of c.
 */
int xb_quic_dgram(struct xb_quic_crypto *c, struct xb_quic_flow *f,
		  const uint8_t *d, uint32_t len, uint32_t dgram_len,
		  uint64_t now_ns, struct xb_reasm *r, xb_quic_grow_fn grow,
		  void *grow_arg, struct xb_quic_dgram_result *res);

/* Run the client Initial key schedule of (version, dcid) into k, no
 * budget; -1 for an unknown version.  For tests and benchmarks. */
int xb_quic_derive(struct xb_quic_crypto *c, struct xb_quic_keys *k,
		   uint32_t version, const uint8_t *dcid, uint8_t dcid_len);

/* gQUIC (Q0xx) plaintext CHLO in one datagram: SNI tag. */
int xb_gquic_sni(const uint8_t *d, uint32_t len, struct xb_name *out);

/* One UDP datagram holding a client Initial that carries the whole
 * ClientHello (IETF QUIC) or a gQUIC CHLO.  Allocates its own crypto
 * state per call: for tests and tools, not for the data path (xb_name_feed
 * keeps it in the ctx). */
int xb_quic_initial_sni(const uint8_t *dgram, uint32_t len,
			struct xb_name *out);

#endif /* XB_QUIC_H */
