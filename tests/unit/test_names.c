/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name extraction: TLS (whole, split, out of order, retransmitted, versions,
 * truncated, hostile lengths), QUIC (RFC 9001 / RFC 9369 / draft-30 test
 * vectors, CRYPTO split over two Initials out of order, gQUIC CHLO), HTTP
 * Host, DNS names (compression, loops, overlong labels, TCP prefix), the
 * DNS answer cache and the slot pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "names_vectors.h"
#include "xb_bytes.h"
#include "xb_dns.h"
#include "xb_http.h"
#include "xb_names.h"
#include "xb_quic.h"
#include "xb_tls.h"

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* A ClientHello handshake message (no record header): `pad` bytes of a
 * padding extension before the SNI so that the SNI can land in a later
 * segment. */
static size_t
build_hs(uint8_t *o, const char *sni, size_t pad)
{
	size_t n = 4;
	o[0] = 1;
	o[n++] = 3;
	o[n++] = 3;
	memset(o + n, 0xab, 32);
	n += 32;
	o[n++] = 32;
	memset(o + n, 0xcd, 32);
	n += 32;
	xb_put_be16(o + n, 4);
	n += 2;
	xb_put_be16(o + n, 0x1301);
	xb_put_be16(o + n + 2, 0x1302);
	n += 4;
	o[n++] = 1;
	o[n++] = 0;
	size_t ext_len_at = n;
	n += 2;
	xb_put_be16(o + n, 0x000a); /* supported_groups */
	xb_put_be16(o + n + 2, 4);
	xb_put_be16(o + n + 4, 2);
	xb_put_be16(o + n + 6, 0x001d);
	n += 8;
	if (pad) {
		xb_put_be16(o + n, 0x0015);
		xb_put_be16(o + n + 2, (uint32_t)pad);
		memset(o + n + 4, 0, pad);
		n += 4 + pad;
	}
	if (sni) {
		size_t l = strlen(sni);
		xb_put_be16(o + n, 0);
		xb_put_be16(o + n + 2, (uint32_t)(l + 5));
		xb_put_be16(o + n + 4, (uint32_t)(l + 3));
		o[n + 6] = 0;
		xb_put_be16(o + n + 7, (uint32_t)l);
		memcpy(o + n + 9, sni, l);
		n += 9 + l;
	}
	xb_put_be16(o + n, 0x002b); /* supported_versions */
	xb_put_be16(o + n + 2, 3);
	o[n + 4] = 2;
	xb_put_be16(o + n + 5, 0x0304);
	n += 7;
	xb_put_be16(o + ext_len_at, (uint32_t)(n - ext_len_at - 2));
	uint32_t ml = (uint32_t)(n - 4);
	o[1] = (uint8_t)(ml >> 16);
	xb_put_be16(o + 2, ml);
	return n;
}

/* One TLS record around a ClientHello. */
static size_t
build_ch(uint8_t *o, uint16_t rec_ver, const char *sni, size_t pad)
{
	size_t n = build_hs(o + 5, sni, pad);
	o[0] = 0x16;
	xb_put_be16(o + 1, rec_ver);
	xb_put_be16(o + 3, (uint32_t)n);
	return n + 5;
}

static struct xb_pkt_info
tcp_pi(uint16_t sport, uint16_t dport, uint32_t seq)
{
	struct xb_pkt_info pi;
	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = 6;
	pi.flags = XB_PKT_F_HAS_L4;
	pi.sport = sport;
	pi.dport = dport;
	pi.tcp_seq = seq;
	memcpy(pi.src, "\x0a\x00\x00\x01", 4);
	memcpy(pi.dst, "\x5d\xb8\xd8\x22", 4);
	return pi;
}

static struct xb_pkt_info
udp_pi(uint16_t sport, uint16_t dport)
{
	struct xb_pkt_info pi = tcp_pi(sport, dport, 0);
	pi.proto = 17;
	return pi;
}

/* ---- TLS through the feed path --------------------------------------- */

struct tls_case {
	const char *name;
	uint16_t rec_ver;
	const char *sni;
	size_t pad;
	int nseg;          /* number of segments the record is cut into */
	int order[6];      /* segment indices in arrival order (-1 ends) */
	int expect;        /* final return value */
	const char *want;
};

static const struct tls_case tls_cases[] = {
	{"whole", 0x0301, "www.Example.COM.", 0, 1, {0, -1}, XB_NAME_FOUND,
	 "www.example.com"},
	{"ssl3 record", 0x0300, "a.b", 0, 1, {0, -1}, XB_NAME_FOUND, "a.b"},
	{"tls1.1 record", 0x0302, "a.b", 0, 1, {0, -1}, XB_NAME_FOUND, "a.b"},
	{"tls1.2 record", 0x0303, "a.b", 0, 1, {0, -1}, XB_NAME_FOUND, "a.b"},
	{"tls1.3 record", 0x0304, "a.b", 0, 1, {0, -1}, XB_NAME_FOUND, "a.b"},
	{"split 2", 0x0301, "split.example", 1400, 2, {0, 1, -1},
	 XB_NAME_FOUND, "split.example"},
	{"split 3", 0x0303, "three.example", 2000, 3, {0, 1, 2, -1},
	 XB_NAME_FOUND, "three.example"},
	{"out of order 3", 0x0303, "ooo.example", 2000, 3, {0, 2, 1, -1},
	 XB_NAME_FOUND, "ooo.example"},
	{"second before first", 0x0303, "swap.example", 1400, 2, {1, 0, -1},
	 XB_NAME_FOUND, "swap.example"},
	{"retransmitted", 0x0303, "rtx.example", 2000, 3,
	 {0, 0, 1, 1, 2, -1}, XB_NAME_FOUND, "rtx.example"},
	{"no sni", 0x0303, NULL, 0, 1, {0, -1}, XB_NAME_GIVE_UP, NULL},
	{"no sni split", 0x0303, NULL, 1400, 2, {0, 1, -1}, XB_NAME_GIVE_UP,
	 NULL},
};

static void
test_tls_feed(void **state)
{
	(void)state;
	struct xb_name_ctx *ctx = xb_name_ctx_create(8, 64);
	assert_non_null(ctx);
	for (size_t c = 0; c < sizeof(tls_cases) / sizeof(tls_cases[0]); c++) {
		const struct tls_case *tc = &tls_cases[c];
		uint8_t rec[4096];
		size_t n = build_ch(rec, tc->rec_ver, tc->sni, tc->pad);
		size_t seg = (n + tc->nseg - 1) / tc->nseg;
		struct xb_name_flow slot = {0};
		uint32_t isn = 0xfffffc00u; /* wraps */
		struct xb_name out;
		int rc = XB_NAME_MORE;
		memset(&out, 0, sizeof(out));
		/* The handshake says where the stream starts. */
		struct xb_pkt_info syn = tcp_pi(50000, 443, isn - 1);
		syn.tcp_flags = 0x02;
		assert_int_equal(xb_name_feed(ctx, &slot, &syn, 0, 0, NULL, 0, 0,
					      &out),
				 XB_NAME_MORE);
		for (int k = 0; tc->order[k] >= 0 && rc == XB_NAME_MORE; k++) {
			size_t o = (size_t)tc->order[k] * seg;
			size_t l = o + seg > n ? n - o : seg;
			struct xb_pkt_info pi =
				tcp_pi(50000, 443, isn + (uint32_t)o);
			rc = xb_name_feed(ctx, &slot, &pi, 0, 0, rec + o,
					  (uint32_t)l, 0, &out);
		}
		if (rc != tc->expect)
			fail_msg("%s: rc %d, expected %d", tc->name, rc,
				 tc->expect);
		if (tc->want) {
			assert_string_equal(out.str, tc->want);
			assert_int_equal(out.len, strlen(tc->want));
			assert_int_equal(out.source, XB_NAME_SRC_TLS);
		}
		/* A result keeps the slot to verify the bytes it came
		 * from, until the server acknowledges them. */
		assert_int_equal(xb_name_active(&slot), rc != XB_NAME_MORE);
		xb_name_release(ctx, &slot);
	}
	/* Without the handshake (a connection first seen mid-stream), a
	 * ClientHello whose continuation went by first cannot be read
	 * whole: unnamed, not a pass. */
	uint8_t rec[4096];
	size_t n = build_ch(rec, 0x0303, "mid.example", 1400);
	struct xb_name_flow mid = {0};
	struct xb_name out;
	struct xb_pkt_info tail = tcp_pi(50001, 443, 10700),
			   head = tcp_pi(50001, 443, 10000);
	assert_int_equal(xb_name_feed(ctx, &mid, &tail, 0, 0, rec + 700,
				      (uint32_t)n - 700, 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(xb_name_feed(ctx, &mid, &head, 0, 0, rec, 700, 0,
				      &out),
			 XB_NAME_UNNAMED);
	assert_false(xb_name_active(&mid));
	xb_name_ctx_free(ctx);
}

static void
test_tls_stateless(void **state)
{
	(void)state;
	uint8_t rec[4096];
	struct xb_name out;
	size_t n = build_ch(rec, 0x0301, "trunc.example", 300);
	/* Every strict prefix is MORE, the whole is FOUND. */
	for (size_t l = 0; l < n; l++)
		if (xb_tls_sni(rec, (uint32_t)l, &out) == XB_NAME_GIVE_UP)
			fail_msg("prefix %zu gave up", l);
	assert_int_equal(xb_tls_sni(rec, (uint32_t)n, &out), XB_NAME_FOUND);
	assert_string_equal(out.str, "trunc.example");

	/* Hostile lengths: each mutation must be UNNAMED (TLS that cannot be
	 * parsed should have shown a name), never a read past the buffer
	 * (ASan run). */
	struct {
		const char *name;
		size_t off; /* from the handshake start (rec + 5) */
		uint8_t val[2];
	} hostile[] = {
		{"session id 255", 38, {0xff, 0xff}},
		{"cipher suites odd", 71, {0x7f, 0xff}},
		{"extensions too long", 79, {0xff, 0xff}},
		{"ext len too long", 83, {0xff, 0xff}},
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		uint8_t m[4096];
		size_t k = build_ch(m, 0x0303, "x.example", 0);
		m[5 + hostile[i].off] = hostile[i].val[0];
		if (hostile[i].val[1] != 0xff || hostile[i].off != 38)
			m[5 + hostile[i].off + 1] = hostile[i].val[1];
		int rc = xb_tls_sni(m, (uint32_t)k, &out);
		if (rc != XB_NAME_UNNAMED)
			fail_msg("%s: rc %d, expected UNNAMED", hostile[i].name,
				 rc);
	}
	/* SNI entry length beyond the list. */
	size_t k = build_ch(rec, 0x0303, "abc.example", 0);
	uint8_t *sn = memmem(rec, k, "abc.example", 11);
	assert_non_null(sn);
	xb_put_be16(sn - 2, 200);
	assert_int_equal(xb_tls_sni(rec, (uint32_t)k, &out), XB_NAME_UNNAMED);
	/* Not TLS at all / TLS but not a ClientHello / SSLv2 hello. */
	assert_int_equal(xb_tls_sni((const uint8_t *)"GET /", 5, &out),
			 XB_NAME_GIVE_UP);
	uint8_t sh[9] = {0x16, 3, 3, 0, 4, 2, 0, 0, 0};
	assert_int_equal(xb_tls_sni(sh, 9, &out), XB_NAME_UNNAMED);
	uint8_t v2[5] = {0x80, 0x2e, 0x01, 0x03, 0x01};
	assert_int_equal(xb_tls_sni(v2, 5, &out), XB_NAME_GIVE_UP);
	/* ClientHello split over two records. */
	uint8_t hs[4096], two[4200];
	size_t hn = build_hs(hs, "tworec.example", 200);
	size_t cut = 100;
	two[0] = 0x16;
	xb_put_be16(two + 1, 0x0303);
	xb_put_be16(two + 3, (uint32_t)cut);
	memcpy(two + 5, hs, cut);
	two[5 + cut] = 0x16;
	xb_put_be16(two + 6 + cut, 0x0303);
	xb_put_be16(two + 8 + cut, (uint32_t)(hn - cut));
	memcpy(two + 10 + cut, hs + cut, hn - cut);
	assert_int_equal(xb_tls_sni(two, (uint32_t)(hn + 10), &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "tworec.example");
}

/* ---- QUIC -------------------------------------------------------------- */

static void
test_quic_vectors(void **state)
{
	(void)state;
	const char *vec[] = {quic_v1_initial_hex, quic_v2_initial_hex,
			     quic_d30_initial_hex};
	for (size_t i = 0; i < 3; i++) {
		uint8_t pkt[1300];
		size_t n = unhex(vec[i], pkt, sizeof(pkt));
		assert_int_equal(n, 1200);
		struct xb_name out;
		int rc = xb_quic_initial_sni(pkt, (uint32_t)n, &out);
		if (rc != XB_NAME_FOUND)
			fail_msg("vector %zu: rc %d", i, rc);
		assert_string_equal(out.str, "example.com");
		assert_int_equal(out.source, XB_NAME_SRC_QUIC);
		/* One flipped ciphertext bit fails authentication. */
		pkt[600] ^= 1;
		assert_int_equal(xb_quic_initial_sni(pkt, (uint32_t)n, &out),
				 XB_NAME_GIVE_UP);
		/* Through the feed path too. */
		pkt[600] ^= 1;
		struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
		struct xb_name_flow slot = {0};
		struct xb_pkt_info pi = udp_pi(50000, 443);
		assert_int_equal(xb_name_feed(ctx, &slot, &pi, 0, 0, pkt,
					      (uint32_t)n, 0, &out),
				 XB_NAME_FOUND);
		assert_string_equal(out.str, "example.com");
		xb_name_ctx_free(ctx);
	}
}

/* RFC 9001 A.1 client Initial keys for DCID 8394c8f03e515708. */
static const char *k_key = "1f369613dd76d5467730efcbe3b1a22d";
static const char *k_iv = "fa044b2f42a3fd3b46fb255c";
static const char *k_hp = "9f50449e04a0e810283a1e9933adedd2";

/* Build a protected v1 client Initial (4-byte packet number pn) whose
 * plaintext payload is `pl` (padded with PADDING to 1162 bytes). */
static size_t
make_initial(uint8_t *o, uint32_t pn, const uint8_t *pl, size_t pl_len)
{
	uint8_t key[16], iv[12], hp[16], plain[1162];
	unhex(k_key, key, 16);
	unhex(k_iv, iv, 12);
	unhex(k_hp, hp, 16);
	memset(plain, 0, sizeof(plain));
	memcpy(plain, pl, pl_len);
	size_t h = unhex("c300000001088394c8f03e5157080000449e", o, 64);
	o[h] = (uint8_t)(pn >> 24);
	o[h + 1] = (uint8_t)(pn >> 16);
	o[h + 2] = (uint8_t)(pn >> 8);
	o[h + 3] = (uint8_t)pn;
	size_t hl = h + 4;
	uint8_t nonce[12];
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1, l2;
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key,
					    nonce), 1);
	EVP_EncryptUpdate(c, NULL, &l1, o, (int)hl);
	EVP_EncryptUpdate(c, o + hl, &l1, plain, sizeof(plain));
	EVP_EncryptFinal_ex(c, o + hl + l1, &l2);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
			    o + hl + sizeof(plain));
	/* Header protection. */
	uint8_t mask[16];
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, mask, &l1, o + h + 4, 16);
	EVP_CIPHER_CTX_free(c);
	o[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		o[h + i] ^= mask[1 + i];
	return hl + sizeof(plain) + 16;
}

static size_t
crypto_frame(uint8_t *o, uint32_t off, const uint8_t *d, uint32_t n)
{
	o[0] = 0x06;
	o[1] = (uint8_t)(0x80 | off >> 24); /* 4-byte varints */
	o[2] = (uint8_t)(off >> 16);
	o[3] = (uint8_t)(off >> 8);
	o[4] = (uint8_t)off;
	o[5] = (uint8_t)(0x40 | n >> 8);
	o[6] = (uint8_t)n;
	memcpy(o + 7, d, n);
	return 7 + n;
}

static void
test_quic_crypto_split(void **state)
{
	(void)state;
	uint8_t hs[2048];
	size_t hn = build_hs(hs, "split.quic.example", 900);
	size_t cut = hn / 2;
	/* Packet A: PING, second half, ACK, then padding.  Packet B: first
	 * half in two CRYPTO frames in reverse order. */
	uint8_t pa[1200], pb[1200], qa[1300], qb[1300];
	size_t na = 0, nb = 0;
	pa[na++] = 0x01;
	na += crypto_frame(pa + na, (uint32_t)cut, hs + cut,
			   (uint32_t)(hn - cut));
	pa[na++] = 0x02;
	pa[na++] = 0x00;
	pa[na++] = 0x00;
	pa[na++] = 0x00;
	pa[na++] = 0x00;
	size_t q = cut / 3;
	nb += crypto_frame(pb + nb, (uint32_t)q, hs + q, (uint32_t)(cut - q));
	nb += crypto_frame(pb + nb, 0, hs, (uint32_t)q);
	size_t la = make_initial(qa, 3, pa, na);
	size_t lb = make_initial(qb, 2, pb, nb);

	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name out;
	struct xb_name_flow slot = {0};
	struct xb_pkt_info pi = udp_pi(50000, 443);
	assert_int_equal(xb_name_feed(ctx, &slot, &pi, 0, 0, qa,
				      (uint32_t)la, 0, &out),
			 XB_NAME_MORE);
	assert_true(xb_name_active(&slot));
	/* A server packet in between is ignored. */
	struct xb_pkt_info rpi = udp_pi(443, 50000);
	uint8_t junk[40] = {0x40};
	assert_int_equal(xb_name_feed(ctx, &slot, &rpi, 1, 0, junk,
				      sizeof(junk), 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(xb_name_feed(ctx, &slot, &pi, 0, 0, qb,
				      (uint32_t)lb, 0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "split.quic.example");
	assert_int_equal(out.source, XB_NAME_SRC_QUIC);
	struct xb_name_stats st;
	xb_name_stats_get(ctx, &st);
	assert_int_equal(st.found[XB_NAME_SRC_QUIC], 1);
	assert_int_equal(st.quic_decrypt_fail, 0);
	xb_name_ctx_free(ctx);
}

static void
test_gquic(void **state)
{
	(void)state;
	/* Q043 public header, 12-byte hash, STREAM frame, CHLO with PAD, SNI,
	 * VER tags. */
	uint8_t p[400];
	size_t n = 0;
	p[n++] = 0x09;
	memset(p + n, 0x11, 8);
	n += 8;
	memcpy(p + n, "Q043", 4);
	n += 4;
	p[n++] = 0x01; /* packet number */
	memset(p + n, 0x22, 12);
	n += 12;
	p[n++] = 0xa0; /* STREAM frame */
	p[n++] = 0x01;
	p[n++] = 0x04;
	p[n++] = 0x00;
	uint8_t *m = p + n;
	memcpy(m, "CHLO", 4);
	m[4] = 3;
	m[5] = 0;
	m[6] = m[7] = 0;
	memcpy(m + 8, "PAD\0", 4);
	m[12] = 10, m[13] = m[14] = m[15] = 0;
	memcpy(m + 16, "SNI\0", 4);
	m[20] = 10 + 14, m[21] = m[22] = m[23] = 0;
	memcpy(m + 24, "VER\0", 4);
	m[28] = 10 + 14 + 4, m[29] = m[30] = m[31] = 0;
	memset(m + 32, '-', 10);
	memcpy(m + 42, "WWW.Google.com", 14);
	memcpy(m + 56, "Q043", 4);
	n += 60;
	struct xb_name out;
	assert_int_equal(xb_quic_initial_sni(p, (uint32_t)n, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "www.google.com");
	assert_int_equal(out.source, XB_NAME_SRC_QUIC);
	/* SNI value past the datagram: give up. */
	assert_int_equal(xb_quic_initial_sni(p, (uint32_t)n - 20, &out),
			 XB_NAME_GIVE_UP);
	/* Q050 is encrypted: not read. */
	memcpy(p + 9, "Q050", 4);
	assert_int_equal(xb_quic_initial_sni(p, (uint32_t)n, &out),
			 XB_NAME_GIVE_UP);
}

/* ---- HTTP -------------------------------------------------------------- */

static const struct {
	const char *in;
	int rc;
	const char *want;
} http_cases[] = {
	{"GET / HTTP/1.1\r\nHost: www.Example.com\r\n\r\n", XB_NAME_FOUND,
	 "www.example.com"},
	{"POST /x HTTP/1.0\r\nUser-Agent: a\r\nhOsT:example.org:8080\r\n\r\n",
	 XB_NAME_FOUND, "example.org"},
	{"PROPFIND /d HTTP/1.1\r\nHOST: \t dav.example \r\n\r\n", XB_NAME_FOUND,
	 "dav.example"},
	{"GET / HTTP/1.1\nHost: lf.example\n\n", XB_NAME_FOUND, "lf.example"},
	{"GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n", XB_NAME_FOUND,
	 "2001:db8::1"},
	{"GET / HTTP/1.1\r\nHost: 23.246.3.140\r\n\r\n", XB_NAME_FOUND,
	 "23.246.3.140"},
	{"GET http://abs.example:81/p HTTP/1.1\r\nAccept: */*\r\n\r\n",
	 XB_NAME_FOUND, "abs.example"},
	{"CONNECT proxy.example:443 HTTP/1.1\r\nHost: proxy.example:443\r\n\r\n",
	 XB_NAME_FOUND, "proxy.example"},
	{"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", XB_NAME_UNNAMED, NULL},
	{"GET / HTTP/1.1\r\nAccept: */*\r\n", XB_NAME_MORE, NULL},
	{"GET / HTTP/1.1\r\nHost: partial.exa", XB_NAME_MORE, NULL},
	{"GE", XB_NAME_MORE, NULL},
	{"HTTP/1.1 200 OK\r\n\r\n", XB_NAME_GIVE_UP, NULL},
	{"get / HTTP/1.1\r\nHost: x\r\n\r\n", XB_NAME_GIVE_UP, NULL},
	{"GET / FTP/1.0\r\nHost: x\r\n\r\n", XB_NAME_UNNAMED, NULL},
	{"GET / HTTP/1.1\r\nHost: \r\n\r\n", XB_NAME_UNNAMED, NULL},
	{"SSH-2.0-OpenSSH_9.2\r\n", XB_NAME_GIVE_UP, NULL},
};

static void
test_http(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]);
	     i++) {
		struct xb_name out;
		const char *in = http_cases[i].in;
		int rc = xb_http_host((const uint8_t *)in, (uint32_t)strlen(in),
				      &out);
		if (rc != http_cases[i].rc)
			fail_msg("case %zu (%.20s): rc %d, expected %d", i, in,
				 rc, http_cases[i].rc);
		if (http_cases[i].want) {
			assert_string_equal(out.str, http_cases[i].want);
			assert_int_equal(out.source, XB_NAME_SRC_HTTP);
		}
	}
	/* A request split over two segments through the feed path. */
	const char *req = "GET /index.html HTTP/1.1\r\nUser-Agent: test\r\n"
			  "Host: two.segments.example\r\n\r\n";
	struct xb_name_ctx *ctx = xb_name_ctx_create(2, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	struct xb_pkt_info a = tcp_pi(40000, 80, 1000), b = tcp_pi(40000, 80, 1030);
	assert_int_equal(xb_name_feed(ctx, &slot, &a, 1, 1,
				      (const uint8_t *)req, 30, 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(xb_name_feed(ctx, &slot, &b, 1, 1,
				      (const uint8_t *)req + 30,
				      (uint32_t)strlen(req) - 30, 0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "two.segments.example");
	/* Flow entry made mid-connection from a server packet (init_dir is
	 * the server): the response is skipped, the next request named. */
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	const char *req2 = "GET /b HTTP/1.1\r\nHost: later.example\r\n\r\n";
	struct xb_pkt_info srv = tcp_pi(80, 40001, 5), cli = tcp_pi(40001, 80, 9);
	slot = (struct xb_name_flow){0};
	assert_int_equal(xb_name_feed(ctx, &slot, &srv, 0, 0,
				      (const uint8_t *)resp,
				      (uint32_t)strlen(resp), 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(xb_name_feed(ctx, &slot, &cli, 1, 0,
				      (const uint8_t *)req2,
				      (uint32_t)strlen(req2), 0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "later.example");
	/* A server on a name port that keeps talking while its client never
	 * does: unnamed after a bounded number of packets. */
	slot = (struct xb_name_flow){0};
	int rc = XB_NAME_MORE, k;
	for (k = 0; k < 40 && rc == XB_NAME_MORE; k++)
		rc = xb_name_feed(ctx, &slot, &srv, 0, 0, (const uint8_t *)resp,
				  (uint32_t)strlen(resp), 0, &out);
	assert_int_equal(rc, XB_NAME_UNNAMED);
	assert_int_equal(k, XB_NAME_MAX_PKTS_ALL + 1);
	assert_false(xb_name_active(&slot));
	xb_name_ctx_free(ctx);
}

/* ---- DNS --------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *hex;
	int rc;
	const char *want;
} dns_cases[] = {
	{"plain query", "123401000001000000000000"
			"03777777076578616d706c6503636f6d0000010001",
	 XB_NAME_FOUND, "www.example.com"},
	{"upper case", "123401000001000000000000"
		       "03575757074578616d706c6503434f4d0000010001",
	 XB_NAME_FOUND, "www.example.com"},
	{"root only", "123401000001000000000000000001 0001", XB_NAME_GIVE_UP,
	 NULL},
	{"pointer to self", "123401000001000000000000c00c00010001",
	 XB_NAME_GIVE_UP, NULL},
	{"pointer forward", "123401000001000000000000c01000010001"
			    "0161 00",
	 XB_NAME_GIVE_UP, NULL},
	{"label 64", "123401000001000000000000"
		     "40616161616161616161616161616161616161616161616161616161"
		     "616161616161616161616161616161616161616161616161616161"
		     "616161616161616161610000010001",
	 XB_NAME_GIVE_UP, NULL},
	{"truncated label", "1234010000010000000000000a6162", XB_NAME_GIVE_UP,
	 NULL},
	{"reserved label type", "123401000001000000000000"
				"4161620000010001",
	 XB_NAME_GIVE_UP, NULL},
	{"mdns announcement", "000084000000000100000000"
			      "085f686f6d656b6974045f746370056c6f63616c00"
			      "000c0001000011940002c00c",
	 XB_NAME_FOUND, "_homekit._tcp.local"},
	{"short header", "1234", XB_NAME_GIVE_UP, NULL},
	{"not a query opcode", "123428000001000000000000"
			       "0161000001 0001",
	 XB_NAME_GIVE_UP, NULL},
};

static size_t
unhex_sp(const char *h, uint8_t *out, size_t cap)
{
	char buf[1024];
	size_t k = 0;
	for (; *h && k + 1 < sizeof(buf); h++)
		if (*h != ' ')
			buf[k++] = *h;
	buf[k] = 0;
	return unhex(buf, out, cap);
}

static void
test_dns(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dns_cases) / sizeof(dns_cases[0]); i++) {
		uint8_t m[512];
		size_t n = unhex_sp(dns_cases[i].hex, m, sizeof(m));
		struct xb_name out;
		int rc = xb_dns_qname(m, (uint32_t)n, &out);
		if (rc != dns_cases[i].rc)
			fail_msg("%s: rc %d, expected %d", dns_cases[i].name,
				 rc, dns_cases[i].rc);
		if (dns_cases[i].want)
			assert_string_equal(out.str, dns_cases[i].want);
	}
	/* A name of 127 one-byte labels is 255 bytes on the wire with the
	 * root label: accepted (253 chars); one more label is too long. */
	for (int labels = 127; labels <= 128; labels++) {
		uint8_t m[600];
		size_t n = unhex("123401000001000000000000", m, 12);
		for (int l = 0; l < labels; l++) {
			m[n++] = 1;
			m[n++] = 'a';
		}
		m[n++] = 0;
		memcpy(m + n, "\x00\x01\x00\x01", 4);
		n += 4;
		struct xb_name out;
		int rc = xb_dns_qname(m, (uint32_t)n, &out);
		assert_int_equal(rc, labels == 127 ? XB_NAME_FOUND
						   : XB_NAME_GIVE_UP);
		if (rc == XB_NAME_FOUND)
			assert_int_equal(out.len, 253);
	}
	/* Compression through a chain of backward pointers. */
	uint8_t m[128];
	size_t n = unhex("123481800001000100000000"
			 "03777777076578616d706c6503636f6d0000010001"
			 /* answer: name ptr to 12, A, IN, ttl 300, 4 bytes */
			 "c00c000100010000012c00045db8d822",
			 m, sizeof(m));
	struct xb_name out;
	assert_int_equal(xb_dns_qname(m, (uint32_t)n, &out), XB_NAME_FOUND);
	assert_string_equal(out.str, "www.example.com");

	/* TCP DNS with the length prefix, split over two segments. */
	uint8_t t[200];
	size_t tn = unhex("0021" "123401000001000000000000"
			  "03777777076578616d706c6503636f6d00" "00010001",
			  t, sizeof(t));
	struct xb_name_ctx *ctx = xb_name_ctx_create(2, 16);
	struct xb_name_flow slot = {0};
	struct xb_pkt_info a = tcp_pi(40000, 53, 7), b = tcp_pi(40000, 53, 17);
	assert_int_equal(xb_name_feed(ctx, &slot, &a, 0, 0, t, 10, 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(xb_name_feed(ctx, &slot, &b, 0, 0, t + 10,
				      (uint32_t)tn - 10, 0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "www.example.com");
	assert_int_equal(out.source, XB_NAME_SRC_DNS);
	xb_name_ctx_free(ctx);
}

/* The feed path consults no DNS cache (the worker does, under the flow's
 * tenant, from the shared cache: test_dns_cache.c): a flow without a name
 * of its own gives up, even after an answer for its server passed. */
static void
test_feed_has_no_dns_cache(void **state)
{
	(void)state;
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 8);
	assert_non_null(ctx);
	/* Response: www.example.com A 93.184.216.34. */
	uint8_t m[256];
	size_t n = unhex("1234818000010001000000000377777707"
			 "6578616d706c6503636f6d0000010001"
			 "c00c00010001000000050004" "5db8d822",
			 m, sizeof(m));
	struct xb_pkt_info rpi = udp_pi(53, 40000);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	uint64_t t0 = 1000000000ull;
	assert_int_equal(xb_name_feed(ctx, &slot, &rpi, 1, 0, m, (uint32_t)n,
				      t0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "www.example.com");
	assert_int_equal(out.source, XB_NAME_SRC_DNS);

	/* A non-TLS flow (SSH) to that address (tcp_pi's): no name. */
	struct xb_pkt_info ssh = tcp_pi(50001, 22, 1);
	xb_name_release(ctx, &slot);
	slot = (struct xb_name_flow){0};
	assert_int_equal(xb_name_feed(ctx, &slot, &ssh, 0, 0,
				      (const uint8_t *)"\x00\x00\x01\x0c", 4,
				      t0 + 2, &out),
			 XB_NAME_GIVE_UP);
	struct xb_name_stats st;
	xb_name_stats_get(ctx, &st);
	assert_int_equal(st.found[XB_NAME_SRC_DNS_CACHE], 0);
	xb_name_ctx_free(ctx);
}

static void
test_slots(void **state)
{
	(void)state;
	assert_null(xb_name_ctx_create(0, 0));
	assert_null(xb_name_ctx_create(70000, 0));
	struct xb_name_ctx *ctx = xb_name_ctx_create(2, 0);
	uint8_t rec[4096];
	size_t n = build_ch(rec, 0x0303, "slot.example", 1400);
	struct xb_name_flow s[3] = {{0}, {0}, {0}};
	struct xb_name out;
	for (int f = 0; f < 3; f++) {
		struct xb_pkt_info pi = tcp_pi((uint16_t)(50000 + f), 443, 100);
		assert_int_equal(xb_name_feed(ctx, &s[f], &pi, 0, 0, rec, 700,
					      0, &out),
				 XB_NAME_MORE);
	}
	struct xb_name_stats st;
	xb_name_stats_get(ctx, &st);
	assert_int_equal(st.slot_reclaimed, 1);
	/* Flow 0 lost its slot: what it showed cannot be checked any more,
	 * so it is unnamed (never a pass); flows 1 and 2 find their name
	 * and keep their slot to verify it. */
	for (int f = 0; f < 3; f++) {
		struct xb_pkt_info pi = tcp_pi((uint16_t)(50000 + f), 443, 800);
		int rc = xb_name_feed(ctx, &s[f], &pi, 0, 0, rec + 700,
				      (uint32_t)n - 700, 0, &out);
		assert_int_equal(rc, f == 0 ? XB_NAME_UNNAMED : XB_NAME_FOUND);
		assert_int_equal(xb_name_active(&s[f]), f != 0);
	}
	xb_name_stats_get(ctx, &st);
	assert_int_equal(st.slot_lost, 1);
	/* Release is idempotent. */
	xb_name_release(ctx, &s[1]);
	xb_name_release(ctx, &s[1]);
	xb_name_release(ctx, &s[2]);
	/* 1-byte segments: no packet limit, a byte budget; the parse work
	 * stays linear (the prefix is parsed again only once it grew by
	 * half). */
	struct xb_name_flow sl = {0};
	int rc = XB_NAME_MORE;
	size_t k;
	struct xb_pkt_info syn = tcp_pi(40000, 443, 99);
	syn.tcp_flags = 0x02; /* the handshake gives the stream's start */
	assert_int_equal(xb_name_feed(ctx, &sl, &syn, 0, 0, NULL, 0, 0, &out),
			 XB_NAME_MORE);
	for (k = 0; k < n && rc == XB_NAME_MORE; k++) {
		struct xb_pkt_info pi = tcp_pi(40000, 443, 100 + (uint32_t)k);
		rc = xb_name_feed(ctx, &sl, &pi, 0, 0, rec + k, 1, 0, &out);
	}
	assert_int_equal(rc, XB_NAME_FOUND);
	assert_int_equal(k, n);
	assert_string_equal(out.str, "slot.example");
	xb_name_release(ctx, &sl);
	assert_string_equal(xb_name_source_str(XB_NAME_SRC_QUIC), "quic");
	assert_string_equal(xb_name_source_str((enum xb_name_source)99), "?");
	xb_name_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_feed),
		cmocka_unit_test(test_tls_stateless),
		cmocka_unit_test(test_quic_vectors),
		cmocka_unit_test(test_quic_crypto_split),
		cmocka_unit_test(test_gquic),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_feed_has_no_dns_cache),
		cmocka_unit_test(test_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
