/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the name extractors.  The input drives
 *   1. every stateless extractor on the whole buffer and on each prefix
 *      length given by the first byte (TLS, HTTP, DNS, QUIC / gQUIC);
 *   2. the per-flow feed path: the rest of the input is cut into up to 8
 *      "packets" (2-byte length, 1 byte flags: direction, protocol, port
 *      choice (standard and not), payload cut by the caller, sealed; 4-byte
 *      sequence / clock delta), fed as one flow to xb_name_feed with a
 *      small slot pool so that reclamation happens too, and fed on after
 *      a result while the flow is active (verification).  A "sealed"
 *      packet is the fuzz bytes as the plaintext of a QUIC v1 client
 *      Initial (fixed DCID, header and payload protection applied here),
 *      so the frame parser, the CRYPTO reassembly with its conflict check
 *      and the ClientHello parser behind authentication are reached; the
 *      QUIC key-schedule budget is small so refusals happen too;
 *   3. DNS learning and the shared cache: the buffer as a query and as an
 *      answer (UDP and TCP framing, every path), then as the answer to
 *      the query its own question makes (so the answer parser and the
 *      cache are reached), and a lookup.
 * Any name returned must be NUL-terminated, lower-case ASCII letters only,
 * of the stated length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "xb_dns.h"
#include "xb_dns_cache.h"
#include "xb_dns_learn.h"
#include "xb_http.h"
#include "xb_names.h"
#include "xb_quic.h"
#include "xb_tls.h"

static void
check(int rc, const struct xb_name *n)
{
	if (rc != XB_NAME_FOUND)
		return;
	if (n->len == 0 || n->len > XB_NAME_MAX || n->str[n->len] != '\0' ||
	    strlen(n->str) != n->len)
		abort();
	for (unsigned i = 0; i < n->len; i++)
		if (n->str[i] >= 'A' && n->str[i] <= 'Z')
			abort();
}

static struct xb_name_ctx *ctx;
static struct xb_quic_crypto *qc;
static const uint8_t DCID[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* pl (n bytes) as the plaintext of a protected v1 client Initial with DCID
 * and packet number pn, padded to 1,200 bytes; its length, 0 if pl does
 * not fit. */
static uint32_t
seal(uint8_t *o, const uint8_t *pl, uint32_t n, uint32_t pn)
{
	static struct xb_quic_keys k;
	static EVP_CIPHER_CTX *c;
	if (!k.valid && xb_quic_derive(qc, &k, 1, DCID, 8) < 0)
		abort();
	if (!c && !(c = EVP_CIPHER_CTX_new()))
		abort();
	const uint32_t h = 1 + 4 + 1 + 8 + 1 + 1 + 2, hl = h + 4;
	uint32_t ptl = n < 1200 - hl - 16 ? 1200 - hl - 16 : n;
	if (ptl > 4000)
		return 0;
	static uint8_t plain[4096];
	memset(plain, 0, ptl);
	memcpy(plain, pl, n);
	o[0] = 0xc3;
	o[1] = o[2] = o[3] = 0;
	o[4] = 1;
	o[5] = 8;
	memcpy(o + 6, DCID, 8);
	o[14] = 0;
	o[15] = 0;
	o[16] = (uint8_t)(0x40 | (4 + ptl + 16) >> 8);
	o[17] = (uint8_t)(4 + ptl + 16);
	o[18] = (uint8_t)(pn >> 24);
	o[19] = (uint8_t)(pn >> 16);
	o[20] = (uint8_t)(pn >> 8);
	o[21] = (uint8_t)pn;
	uint8_t nonce[12];
	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	int l1, l2;
	if (EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &l1, o, (int)hl) != 1 ||
	    EVP_EncryptUpdate(c, o + hl, &l1, plain, (int)ptl) != 1 ||
	    EVP_EncryptFinal_ex(c, o + hl + l1, &l2) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, o + hl + ptl) != 1)
		abort();
	uint8_t mask[16];
	if (EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_EncryptUpdate(c, mask, &l1, o + h + 4, 16) != 1)
		abort();
	o[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		o[h + i] ^= mask[1 + i];
	return hl + ptl + 16;
}
static struct xb_dns_cache *cache;
static struct xb_dns_learner *learner;

/* Part 3: the input through the DNS learner as every kind of packet. */
static void
fuzz_dns_learn(const uint8_t *d, uint32_t len)
{
	static uint64_t now = 1;
	struct xb_dns_flow fl = {.tenant = 7, .family = 4, .proto = 17,
				 .client_port = 40000, .server_port = 53};
	struct xb_name out;

	if (!cache) {
		cache = xb_dns_cache_create(2, 16, 42);
		learner = cache ? xb_dns_learner_create(cache, 1, 8, 43) : NULL;
		if (!learner)
			abort();
	}
	now += 1000;
	memcpy(fl.client, "\x0a\x00\x00\x01", 4);
	memcpy(fl.server, "\x08\x08\x08\x08", 4);
	for (int path = XB_DNS_TO_SERVER; path <= XB_DNS_OTHER; path++) {
		fl.proto = 17;
		xb_dns_learn_packet(learner, &fl, (enum xb_dns_path)path, d, len,
				    now);
		fl.proto = 6;
		xb_dns_learn_packet(learner, &fl, (enum xb_dns_path)path, d, len,
				    now);
	}
	/* The same bytes as a query (QR cleared), then as its answer. */
	if (len >= 12 && len <= 4096) {
		uint8_t m[4096];

		memcpy(m, d, len);
		fl.proto = 17;
		m[2] &= 0x7f;
		xb_dns_learn_packet(learner, &fl, XB_DNS_TO_SERVER, m, len, now);
		m[2] |= 0x80;
		xb_dns_learn_packet(learner, &fl, XB_DNS_FROM_SERVER, m, len,
				    now);
	}
	if (len >= 16) {
		if (xb_dns_learn_lookup(learner, 7, (d[0] & 1) ? 6 : 4, d, now,
					&out)) {
			check(XB_NAME_FOUND, &out);
			if (out.source != XB_NAME_SRC_DNS_CACHE)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct xb_name out;
	if (!ctx) {
		ctx = xb_name_ctx_create(2, 16);
		qc = xb_quic_crypto_create(0);
		if (!ctx || !qc)
			abort();
		/* A bucket of 100 key schedules, one back per ms: inputs
		 * with small clock steps exhaust it. */
		xb_name_set_quic_budget(ctx, 1000);
	}
	uint32_t len = n > 65535 ? 65535 : (uint32_t)n;
	check(xb_tls_sni(d, len, &out), &out);
	check(xb_tls_hs_sni(d, len, &out), &out);
	check(xb_http_host(d, len, &out), &out);
	check(xb_dns_qname(d, len, &out), &out);
	if (len <= 2048)
		check(xb_quic_initial_sni(d, len, &out), &out);
	if (len > 1) {
		uint32_t cut = d[0] % len;
		check(xb_tls_sni(d + 1, cut, &out), &out);
		check(xb_http_host(d + 1, cut, &out), &out);
	}
	fuzz_dns_learn(d, len);

	/* Feed path. */
	static const uint16_t ports[8] = {443, 80, 53, 5353,
					  4433, 8080, 7000, 443};
	static uint8_t sealed[4200];
	static uint64_t now = 5;
	struct xb_name_flow slot = {0};
	uint32_t seq = 1000;
	size_t off = 0;
	for (int k = 0; k < 8 && off + 7 <= n; k++) {
		uint32_t pl = (uint32_t)d[off] << 8 | d[off + 1];
		uint8_t fl = d[off + 2];
		int32_t delta = (int32_t)((uint32_t)d[off + 3] << 24 |
					  (uint32_t)d[off + 4] << 16 |
					  (uint32_t)d[off + 5] << 8 | d[off + 6]);
		off += 7;
		if (pl > n - off)
			pl = (uint32_t)(n - off);
		struct xb_pkt_info pi;
		memset(&pi, 0, sizeof(pi));
		pi.family = (fl & 0x40) ? 6 : 4;
		pi.proto = (fl & 2) ? 17 : 6;
		pi.flags = XB_PKT_F_HAS_L4;
		int dir = fl & 1;
		uint16_t port = ports[(fl >> 2) & 7];
		pi.sport = dir ? port : 40000;
		pi.dport = dir ? 40000 : port;
		seq += (uint32_t)(delta % 20000);
		now += (uint32_t)delta & 0x0fffffff; /* up to ~270 ms */
		pi.tcp_seq = seq;
		pi.dst[0] = 93;
		const uint8_t *p = d + off;
		uint32_t plen = pl;
		if ((fl & 0x80) && pi.proto == 17) {
			plen = seal(sealed, d + off, pl, (uint32_t)k);
			p = sealed;
		}
		/* Bit 5: the caller cut the datagram (its real length is
		 * larger than the bytes given). */
		pi.payload_len = plen + ((fl & 0x20) ? 100u : 0u);
		int rc = xb_name_feed(ctx, &slot, &pi, dir, 0, p, plen, now,
				      &out);
		check(rc, &out);
		off += pl;
		if (!xb_name_active(&slot))
			break;
	}
	xb_name_release(ctx, &slot);
	return 0;
}
