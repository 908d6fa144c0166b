/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC client Initials: header protection removed and payload decrypted
 * (RFC 9001, RFC 9369, drafts 22-34) with OpenSSL, CRYPTO frames put into
 * a reassembly window; Google QUIC Q0xx plaintext CHLO.  The crypto
 * objects are per lcore (struct xb_quic_crypto).
 */
#ifndef XB_QUIC_H
#define XB_QUIC_H

#include <stdint.h>

#include "xb_name.h"
#include "xb_reasm.h"

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


/* One UDP datagram holding a client Initial that carries the whole
 * ClientHello (IETF QUIC) or a gQUIC CHLO.  Allocates OpenSSL contexts per
 * call: not for the data path (xb_name_feed keeps them in the ctx). */
int xb_quic_initial_sni(const uint8_t *dgram, uint32_t len,
			struct xb_name *out);

#endif /* XB_QUIC_H */
