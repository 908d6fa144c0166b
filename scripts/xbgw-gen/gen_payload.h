/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload builders: the application bytes a flow carries, as xbgw's name
 * extractors expect to find them (TLS ClientHello with SNI, HTTP/1.1 with
 * Host, DNS query and response) and the opaque rest (TLS records, QUIC
 * packets).  Each writes into p, which must hold what it says, and
 * returns the bytes written; random parts come from r, so the same
 * generator state gives the same bytes.
 */
#ifndef GEN_PAYLOAD_H
#define GEN_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "gen_rng.h"

/* A TLS 1.3 ClientHello record naming sni (at most 253 bytes), offering
 * h2 and http/1.1; under 400 bytes plus the name. */
size_t tls_client_hello(struct rng *r, const char *sni, uint8_t *p);

/* ServerHello (TLS 1.3) + ChangeCipherSpec + encrypted-looking records of
 * cert_bytes in total, standing for EncryptedExtensions, Certificate,
 * CertificateVerify and Finished. */
size_t tls_server_flight(struct rng *r, uint8_t *p, size_t cert_bytes);

/* TLS application-data records carrying len bytes in total (each record
 * 22 bytes more: header and AEAD tag). */
size_t tls_app_data(struct rng *r, uint8_t *p, size_t len);

/* An HTTP/1.1 GET for host, of one of a few paths (at most 1024 bytes). */
size_t http_request(struct rng *r, const char *host, uint8_t *p);

/* A 200 response header announcing body bytes, then that body of
 * printable filler (p holds up to 1024 + body bytes). */
size_t http_response(struct rng *r, size_t body, uint8_t *p);

/* A DNS query for name (answer == NULL), or its response with one A
 * (family 4) or AAAA (family 6) record holding answer. */
size_t dns_msg(uint16_t id, const char *name, int family,
	       const uint8_t *answer, uint8_t *p);

/*
 * A QUIC version 1 long-header packet of total bytes: first byte first
 * (0xc3 Initial, 0xe3 Handshake, with a 4-byte packet number), 8-byte
 * connection IDs, a token length (Initial only) and a 2-byte length, then
 * random bytes, not real packet protection, so no SNI can be recovered.
 */
size_t quic_long_packet(struct rng *r, uint8_t first, const uint8_t *dcid,
			const uint8_t *scid, size_t total, uint8_t *p);

/* A short-header (1-RTT) packet: first byte, 8-byte dcid, len random
 * bytes. */
size_t quic_short_packet(struct rng *r, uint8_t first, const uint8_t *dcid,
			 size_t len, uint8_t *p);

#endif /* GEN_PAYLOAD_H */
