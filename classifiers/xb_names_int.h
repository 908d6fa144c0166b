/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the name extractors (xb_tls.c, xb_quic.c, xb_http.c,
 * xb_dns.c, xb_names.c).  Not a public API.
 */
#ifndef XB_NAMES_INT_H
#define XB_NAMES_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "xb_names.h"

/*
 * Store a name: strips trailing dots, lower-cases ASCII, rejects empty or
 * over-long names and control characters (bytes < 0x20 and 0x7f; other
 * bytes, e.g. UTF-8 in mDNS instance names, are kept).  Returns
 * XB_NAME_FOUND or XB_NAME_GIVE_UP.
 */
int xb_name_store(struct xb_name *out, const uint8_t *s, uint32_t len,
		  uint8_t source);

/* DNS: parse a (possibly compressed) name at `off` into dotted text (no
 * trailing dot) in txt[256]; *txt_len its length, *next the offset after
 * the name in the message.  Returns 0 or -1 (malformed, loop, too long). */
int xb_dns_read_name(const uint8_t *msg, uint32_t len, uint32_t off,
		     char *txt, uint32_t *txt_len, uint32_t *next);

/* DNS: callback for each A/AAAA answer of a response, with the question
 * name.  Returns the number of callbacks made, or -1 if not a response. */
typedef void (*xb_dns_addr_cb)(void *arg, uint8_t family, const uint8_t *addr,
			       uint32_t ttl_s, const struct xb_name *qname);
int xb_dns_answers(const uint8_t *msg, uint32_t len, xb_dns_addr_cb cb,
		   void *arg);

/* ---- Reassembly window: bytes [0, XB_NAME_BUF) of one stream --------- */
struct xb_reasm {
	uint32_t prefix; /* bytes [0, prefix) are all present */
	uint32_t high;   /* one past the highest byte present */
	uint32_t bits[XB_NAME_BUF / 32];
	uint8_t data[XB_NAME_BUF];
};

static inline void
xb_reasm_reset(struct xb_reasm *r)
{
	r->prefix = 0;
	r->high = 0;
	memset(r->bits, 0, sizeof(r->bits));
}

/* Copy [off, off+len) in, clipped to the window; first copy of a byte wins
 * for bytes already present in the contiguous prefix (a retransmission
 * cannot change what was already parsed), later copies overwrite holes.
 * Returns the new contiguous prefix length. */
static inline uint32_t
xb_reasm_put(struct xb_reasm *r, uint64_t off, const uint8_t *p, uint32_t len)
{
	if (off >= XB_NAME_BUF || len == 0)
		return r->prefix;
	uint64_t end = off + len;
	if (end > XB_NAME_BUF)
		end = XB_NAME_BUF;
	uint32_t o = (uint32_t)off, e = (uint32_t)end;
	if (o < r->prefix) { /* skip what the prefix already has */
		p += r->prefix - o;
		o = r->prefix;
	}
	if (o < e)
		memcpy(r->data + o, p, e - o);
	for (uint32_t i = o; i < e; i++)
		r->bits[i >> 5] |= 1u << (i & 31);
	if (e > r->high)
		r->high = e;
	while (r->prefix < XB_NAME_BUF) {
		uint32_t w = r->bits[r->prefix >> 5] >> (r->prefix & 31);
		if ((r->prefix & 31) == 0 && w == UINT32_MAX) {
			r->prefix += 32;
			continue;
		}
		if (!(w & 1))
			break;
		r->prefix++;
	}
	return r->prefix;
}

/* Move everything `delta` bytes up (a segment older than the current base
 * arrived).  Returns false when data would fall off the window. */
static inline bool
xb_reasm_shift(struct xb_reasm *r, uint32_t delta)
{
	if (delta == 0)
		return true;
	if ((uint64_t)r->high + delta > XB_NAME_BUF)
		return false;
	memmove(r->data + delta, r->data, r->high);
	uint32_t old_high = r->high;
	uint32_t tmp[XB_NAME_BUF / 32];
	memcpy(tmp, r->bits, sizeof(tmp));
	memset(r->bits, 0, sizeof(r->bits));
	for (uint32_t i = 0; i < old_high; i++)
		if (tmp[i >> 5] & (1u << (i & 31))) {
			uint32_t j = i + delta;
			r->bits[j >> 5] |= 1u << (j & 31);
		}
	r->high = old_high + delta;
	r->prefix = 0; /* bytes [0, delta) are missing until put() fills them */
	return true;
}

/* ---- QUIC ------------------------------------------------------------ */

#define XB_QUIC_DGRAM_MAX 2048 /* larger client Initials are not decrypted */

/* OpenSSL objects kept per lcore so a flow costs no allocation. */
struct xb_quic_crypto {
	void *kdf;  /* EVP_KDF * */
	void *kctx; /* EVP_KDF_CTX * */
	void *ecb;  /* EVP_CIPHER * */
	void *gcm;  /* EVP_CIPHER * */
	void *ectx; /* EVP_CIPHER_CTX * */
	void *gctx; /* EVP_CIPHER_CTX * */
	uint8_t plain[XB_QUIC_DGRAM_MAX];
};

/* Keys of one connection's client Initials (original DCID). */
struct xb_quic_keys {
	uint32_t version;
	uint8_t valid;
	uint8_t dcid_len;
	uint8_t dcid[20];
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

int xb_quic_crypto_init(struct xb_quic_crypto *c);
void xb_quic_crypto_fini(struct xb_quic_crypto *c);

/* What the first bytes of a UDP payload look like. */
enum { XB_QUIC_NONE = 0, XB_QUIC_IETF = 1, XB_QUIC_GQUIC = 2 };
int xb_quic_sniff(const uint8_t *d, uint32_t len);

/* Decrypt every client Initial in a datagram and put its CRYPTO frames
 * into r.  Keys are derived on first use from the packet's DCID.  Returns
 * the number of Initials decrypted, -1 if one failed authentication. */
int xb_quic_dgram(struct xb_quic_crypto *c, struct xb_quic_keys *k,
		  const uint8_t *d, uint32_t len, struct xb_reasm *r);

/* gQUIC (Q0xx) plaintext CHLO in one datagram: SNI tag. */
int xb_gquic_sni(const uint8_t *d, uint32_t len, struct xb_name *out);

#endif /* XB_NAMES_INT_H */
