/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC names against junk and evasion (issue 15), through xb_name_feed
 * with the time passed in: the key schedule against RFC 9001 / RFC 9369
 * vectors; junk datagrams before the Initial, the look-past limit, any
 * port; plausibility before crypto; coalesced packets where one fails
 * authentication; a decoy Initial beside the real one (same or another
 * DCID) and clean verification; the derivation budget; the failure modes
 * that end in UNNAMED; the reassembly window's conflicts and reset.
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

#include "xb_bytes.h"
#include "xb_names.h"
#include "xb_quic.h"
#include "xb_reasm.h"

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

/* A ClientHello handshake message (no record header) with an SNI after
 * `pad` bytes of a padding extension. */
static size_t
build_hs(uint8_t *o, const char *sni, size_t pad)
{
	size_t n = 4;
	o[n++] = 3;
	o[n++] = 3;
	memset(o + n, 0xab, 32);
	n += 32;
	o[n++] = 0;
	xb_put_be16(o + n, 2);
	xb_put_be16(o + n + 2, 0x1301);
	n += 4;
	o[n++] = 1;
	o[n++] = 0;
	size_t ext_len_at = n;
	n += 2;
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
	xb_put_be16(o + ext_len_at, (uint32_t)(n - ext_len_at - 2));
	o[0] = 1;
	o[1] = 0;
	xb_put_be16(o + 2, (uint32_t)(n - 4));
	return n;
}

/* A CRYPTO frame (4-byte offset varint, 2-byte length varint). */
static size_t
crypto_frame(uint8_t *o, uint32_t off, const uint8_t *d, uint32_t n)
{
	o[0] = 0x06;
	o[1] = (uint8_t)(0x80 | off >> 24);
	o[2] = (uint8_t)(off >> 16);
	o[3] = (uint8_t)(off >> 8);
	o[4] = (uint8_t)off;
	o[5] = (uint8_t)(0x40 | n >> 8);
	o[6] = (uint8_t)n;
	memcpy(o + 7, d, n);
	return 7 + n;
}

static const uint8_t DCID_A[8] = {0x83, 0x94, 0xc8, 0xf0,
				  0x3e, 0x51, 0x57, 0x08};
static const uint8_t DCID_B[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/*
 * A protected client Initial of exactly `size` bytes (version v, DCID
 * dcid, 4-byte packet number pn) whose plaintext starts with pl and is
 * padded with PADDING.  Keys from xb_quic_derive (checked against the RFC
 * vectors in test_key_schedule).
 */
static size_t
make_initial(uint8_t *o, uint32_t v, const uint8_t *dcid, uint8_t dcil,
	     uint32_t pn, const uint8_t *pl, size_t pl_len, size_t size)
{
	struct xb_quic_crypto *qc = xb_quic_crypto_create(0);
	struct xb_quic_keys k;
	assert_non_null(qc);
	assert_int_equal(xb_quic_derive(qc, &k, v, dcid, dcil), 0);
	xb_quic_crypto_free(qc);
	size_t h = 0;
	o[h++] = v == 0x6b3343cf ? 0xd3 : 0xc3; /* Initial, 4-byte pn */
	xb_put_be32(o + h, v);
	h += 4;
	o[h++] = dcil;
	memcpy(o + h, dcid, dcil);
	h += dcil;
	o[h++] = 0; /* SCID */
	o[h++] = 0; /* token */
	size_t len_at = h;
	h += 2;
	size_t hl = h + 4;
	assert_true(size >= hl + pl_len + 16);
	size_t ptl = size - hl - 16;
	xb_put_be16(o + len_at, (uint32_t)(0x4000 | (4 + ptl + 16)));
	xb_put_be32(o + h, pn);
	uint8_t *plain = calloc(1, ptl);
	memcpy(plain, pl, pl_len);
	uint8_t nonce[12];
	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1, l2;
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key,
					    nonce), 1);
	EVP_EncryptUpdate(c, NULL, &l1, o, (int)hl);
	EVP_EncryptUpdate(c, o + hl, &l1, plain, (int)ptl);
	EVP_EncryptFinal_ex(c, o + hl + l1, &l2);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, o + hl + ptl);
	uint8_t mask[16];
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, mask, &l1, o + h + 4, 16);
	EVP_CIPHER_CTX_free(c);
	free(plain);
	o[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		o[h + i] ^= mask[1 + i];
	return size;
}

/* A v1 Initial of `size` bytes carrying a whole ClientHello for sni in
 * one CRYPTO frame at offset 0. */
static size_t
hello_initial(uint8_t *o, const uint8_t *dcid, const char *sni, size_t pad,
	      size_t size)
{
	uint8_t hs[1400], pl[1500];
	size_t hn = build_hs(hs, sni, pad);
	size_t n = crypto_frame(pl, 0, hs, (uint32_t)hn);
	return make_initial(o, 1, dcid, 8, 0, pl, n, size);
}

static struct xb_pkt_info
udp(uint16_t sport, uint16_t dport, uint32_t len)
{
	struct xb_pkt_info pi;
	memset(&pi, 0, sizeof(pi));
	pi.family = 4;
	pi.proto = 17;
	pi.flags = XB_PKT_F_HAS_L4;
	pi.sport = sport;
	pi.dport = dport;
	pi.payload_len = (uint16_t)len;
	memcpy(pi.src, "\xc0\xa8\x02\x0a", 4);
	memcpy(pi.dst, "\x01\x15\xe0\x0a", 4);
	return pi;
}

/* Feed one client (dir 0) datagram to port dport at time now (ms). */
static int
feed(struct xb_name_ctx *ctx, struct xb_name_flow *slot, uint16_t dport,
     const uint8_t *d, size_t n, uint64_t now_ms, struct xb_name *out)
{
	struct xb_pkt_info pi = udp(50000, dport, (uint32_t)n);
	return xb_name_feed(ctx, slot, &pi, 0, 0, d, (uint32_t)n,
			    now_ms * 1000000ull, out);
}

static int
feed_server(struct xb_name_ctx *ctx, struct xb_name_flow *slot,
	    const uint8_t *d,
	    size_t n, struct xb_name *out)
{
	struct xb_pkt_info pi = udp(443, 50000, (uint32_t)n);
	memcpy(pi.src, "\x01\x15\xe0\x0a", 4);
	memcpy(pi.dst, "\xc0\xa8\x02\x0a", 4);
	return xb_name_feed(ctx, slot, &pi, 1, 0, d, (uint32_t)n, 0, out);
}

static struct xb_name_stats
stats(struct xb_name_ctx *ctx)
{
	struct xb_name_stats st;
	xb_name_stats_get(ctx, &st);
	return st;
}

/* ---- key schedule ------------------------------------------------------ */

static void
test_key_schedule(void **state)
{
	(void)state;
	static const struct {
		uint32_t v;
		const char *key, *iv, *hp;
	} vec[] = {
		/* RFC 9001 A.1 */
		{1, "1f369613dd76d5467730efcbe3b1a22d",
		 "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2"},
		/* RFC 9369 A.1 */
		{0x6b3343cf, "8b1a0bc121284290a29e0971b5cd045d",
		 "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9"},
	};
	struct xb_quic_crypto *c = xb_quic_crypto_create(0);
	assert_non_null(c);
	for (size_t i = 0; i < 2; i++) {
		struct xb_quic_keys k;
		uint8_t key[16], iv[12], hp[16];
		unhex(vec[i].key, key, 16);
		unhex(vec[i].iv, iv, 12);
		unhex(vec[i].hp, hp, 16);
		assert_int_equal(xb_quic_derive(c, &k, vec[i].v, DCID_A, 8), 0);
		assert_memory_equal(k.key, key, 16);
		assert_memory_equal(k.iv, iv, 12);
		assert_memory_equal(k.hp, hp, 16);
		assert_int_equal(k.valid, 1);
	}
	struct xb_quic_keys k;
	assert_int_equal(xb_quic_derive(c, &k, 0x12345678, DCID_A, 8), -1);
	xb_quic_crypto_free(c);
	xb_quic_crypto_free(NULL);
}

/* ---- looking past junk, any port ------------------------------------- */

static void
test_junk_then_initial(void **state)
{
	(void)state;
	static const uint16_t ports[] = {443, 4433, 8888};
	for (size_t pi = 0; pi < 3; pi++) {
		struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
		struct xb_name_flow slot = {0};
		struct xb_name out;
		uint8_t junk[300], q[1300];
		memset(junk, 0x17, sizeof(junk));
		/* Junk of every shape: plain bytes, a short header, a long
		 * header of an unknown version, a too small Initial. */
		assert_int_equal(feed(ctx, &slot, ports[pi], junk, 100, 0, &out),
				 XB_NAME_MORE);
		junk[0] = 0x40;
		assert_int_equal(feed(ctx, &slot, ports[pi], junk, 300, 0, &out),
				 XB_NAME_MORE);
		junk[0] = 0xc0;
		assert_int_equal(feed(ctx, &slot, ports[pi], junk, 300, 0, &out),
				 XB_NAME_MORE);
		size_t n = hello_initial(q, DCID_A, "junk.example", 0, 1250);
		assert_int_equal(feed(ctx, &slot, ports[pi], q, 900, 0, &out),
				 XB_NAME_MORE); /* cut to 900: under 1,200 */
		assert_int_equal(feed(ctx, &slot, ports[pi], q, n, 0, &out),
				 XB_NAME_FOUND);
		assert_string_equal(out.str, "junk.example");
		assert_int_equal(out.source, XB_NAME_SRC_QUIC);
		struct xb_name_stats st = stats(ctx);
		assert_int_equal(st.quic_skipped, 4);
		assert_int_equal(st.quic_implausible, 1);
		assert_int_equal(st.quic_derived, 1);
		xb_name_release(ctx, &slot);
		xb_name_ctx_free(ctx);
	}
}

static void
test_skip_limit(void **state)
{
	(void)state;
	uint8_t junk[200];
	memset(junk, 0x33, sizeof(junk));
	/* UDP/443: past nine datagrams without an Initial the flow is
	 * still looked at (no slot), so a later Initial is found. */
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	for (int i = 0; i < 20; i++)
		assert_int_equal(feed(ctx, &slot, 443, junk, sizeof(junk), 0,
				      &out),
				 XB_NAME_MORE);
	assert_true(xb_name_active(&slot));
	assert_int_equal(slot.slot, 0);
	assert_int_equal(stats(ctx).quic_no_initial, 1);
	uint8_t q[1300];
	size_t n = hello_initial(q, DCID_A, "late.example", 0, 1200);
	assert_int_equal(feed(ctx, &slot, 443, q, (uint32_t)n, 0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "late.example");
	xb_name_release(ctx, &slot);
	/* Elsewhere: not QUIC, no name expected. */
	slot = (struct xb_name_flow){0};
	for (int i = 0; i < 8; i++)
		assert_int_equal(feed(ctx, &slot, 7000, junk, sizeof(junk), 0,
				      &out),
				 XB_NAME_MORE);
	assert_int_equal(feed(ctx, &slot, 7000, junk, sizeof(junk), 0, &out),
			 XB_NAME_GIVE_UP);
	assert_false(xb_name_active(&slot));
	xb_name_ctx_free(ctx);
}

/* ---- plausibility before crypto --------------------------------------- */

static void
test_plausibility(void **state)
{
	(void)state;
	uint8_t q[1300];
	size_t n = hello_initial(q, DCID_A, "p.example", 0, 1200);
	assert_int_equal(xb_quic_initial_check(q, (uint32_t)n, (uint32_t)n,
					       true),
			 XB_QUIC_INITIAL_OK);
	/* Under 1,200 bytes of datagram. */
	assert_int_equal(xb_quic_initial_check(q, (uint32_t)n, 1199, true),
			 XB_QUIC_INITIAL_OK); /* dgram_len < len: len wins */
	uint8_t small[1300];
	size_t m = hello_initial(small, DCID_A, "p.example", 0, 1100);
	assert_int_equal(xb_quic_initial_check(small, (uint32_t)m, (uint32_t)m,
					       true),
			 XB_QUIC_INITIAL_IMPLAUSIBLE);
	/* A short first DCID. */
	uint8_t hs[600], pl[700], s4[1300];
	size_t hn = build_hs(hs, "p.example", 0);
	size_t pn = crypto_frame(pl, 0, hs, (uint32_t)hn);
	size_t l4 = make_initial(s4, 1, DCID_A, 4, 0, pl, pn, 1200);
	assert_int_equal(xb_quic_initial_check(s4, (uint32_t)l4, (uint32_t)l4,
					       true),
			 XB_QUIC_INITIAL_IMPLAUSIBLE);
	assert_int_equal(xb_quic_initial_check(s4, (uint32_t)l4, (uint32_t)l4,
					       false),
			 XB_QUIC_INITIAL_OK); /* after a Retry */
	/* Cut by the caller: the datagram goes on past the bytes given. */
	assert_int_equal(xb_quic_initial_check(q, 1000, (uint32_t)n, true),
			 XB_QUIC_INITIAL_TRUNCATED);
	/* Length past the datagram, DCID length 21, unknown version. */
	uint8_t bad[1300];
	memcpy(bad, q, n);
	bad[5 + 1 + 8 + 1 + 1] = 0x7f;
	assert_int_equal(xb_quic_initial_check(bad, (uint32_t)n, (uint32_t)n,
					       true),
			 XB_QUIC_INITIAL_IMPLAUSIBLE);
	memcpy(bad, q, n);
	bad[5] = 21;
	assert_int_equal(xb_quic_initial_check(bad, (uint32_t)n, (uint32_t)n,
					       true),
			 XB_QUIC_INITIAL_IMPLAUSIBLE);
	memcpy(bad, q, n);
	bad[4] = 9;
	assert_int_equal(xb_quic_initial_check(bad, (uint32_t)n, (uint32_t)n,
					       true),
			 XB_QUIC_INITIAL_NOT);

	/* Through the feed path: no key schedule for implausible Initials,
	 * and the flow is still waiting for a real one. */
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	assert_int_equal(feed(ctx, &slot, 443, small, m, 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(feed(ctx, &slot, 443, s4, l4, 0, &out), XB_NAME_MORE);
	struct xb_name_stats st = stats(ctx);
	assert_int_equal(st.quic_derived, 0);
	assert_int_equal(st.quic_implausible, 2);
	assert_int_equal(feed(ctx, &slot, 443, q, n, 0, &out), XB_NAME_FOUND);
	assert_string_equal(out.str, "p.example");
	xb_name_release(ctx, &slot);
	xb_name_ctx_free(ctx);
}

/* ---- coalesced packets ------------------------------------------------ */

static void
test_coalesced_one_fails(void **state)
{
	(void)state;
	/* [Initial that fails authentication][Initial that decrypts], both
	 * DCID_A, in one 2,400-byte datagram; then the other order. */
	for (int order = 0; order < 2; order++) {
		uint8_t d[2600], good[1300], bad[1300];
		size_t gn = hello_initial(good, DCID_A, "coalesced.example", 0,
					  1200);
		size_t bn = hello_initial(bad, DCID_A, "decoy.example", 0, 1200);
		bad[700] ^= 0x55;
		memcpy(d, order ? good : bad, 1200);
		memcpy(d + 1200, order ? bad : good, 1200);
		struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
		struct xb_name_flow slot = {0};
		struct xb_name out;
		assert_int_equal(feed(ctx, &slot, 443, d, gn + bn, 0, &out),
				 XB_NAME_FOUND);
		assert_string_equal(out.str, "coalesced.example");
		struct xb_name_stats st = stats(ctx);
		assert_int_equal(st.quic_decrypt_fail, 1);
		assert_int_equal(st.quic_decrypted, 1);
		assert_int_equal(st.quic_derived, 1);
		xb_name_release(ctx, &slot);
		xb_name_ctx_free(ctx);
	}
}

/* Coalesced packets smaller than 1,200 bytes each (the rule is the
 * datagram's): a failing one beside the real one, and a decoy beside the
 * real one in the same datagram. */
static void
test_coalesced_small(void **state)
{
	(void)state;
	uint8_t d[1500], a[800], b[800];
	hello_initial(a, DCID_A, "decoy.example", 0, 700);
	hello_initial(b, DCID_A, "real.example", 0, 700);
	a[400] ^= 1;
	memcpy(d, a, 700);
	memcpy(d + 700, b, 700);
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	assert_int_equal(feed(ctx, &slot, 443, d, 1400, 0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "real.example");
	xb_name_release(ctx, &slot);
	a[400] ^= 1; /* the decoy authenticates now */
	memcpy(d, a, 700);
	slot = (struct xb_name_flow){0};
	assert_int_equal(feed(ctx, &slot, 443, d, 1400, 0, &out),
			 XB_NAME_EVASIVE);
	assert_int_equal(stats(ctx).evasive, 1);
	xb_name_ctx_free(ctx);
}

/* A ClientHello larger than a slot's window (XB_NAME_BUF): the window
 * grows into a big buffer, as TLS streams do. */
static void
test_big_hello(void **state)
{
	(void)state;
	static uint8_t hs[8000];
	size_t hn = build_hs(hs, "big.example", 6000);
	assert_true(hn > XB_NAME_BUF);
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	int rc = XB_NAME_MORE;
	for (size_t off = 0; off < hn; off += 1100) {
		uint8_t pl[1200], q[1300];
		uint32_t n = (uint32_t)(hn - off < 1100 ? hn - off : 1100);
		size_t fl = crypto_frame(pl, (uint32_t)off, hs + off, n);
		make_initial(q, 1, DCID_A, 8, (uint32_t)(off / 1100), pl, fl,
			     1200);
		rc = feed(ctx, &slot, 443, q, 1200, 0, &out);
		if (off + n < hn)
			assert_int_equal(rc, XB_NAME_MORE);
	}
	assert_int_equal(rc, XB_NAME_FOUND);
	assert_string_equal(out.str, "big.example");
	xb_name_release(ctx, &slot);
	xb_name_ctx_free(ctx);
}

/* CRYPTO split over several Initials, out of order; one key schedule. */
static void
test_split_crypto(void **state)
{
	(void)state;
	uint8_t hs[1400];
	size_t hn = build_hs(hs, "split.example", 1000);
	uint32_t cut[4] = {0, 300, 700, (uint32_t)hn};
	uint8_t q[3][1300];
	for (int i = 0; i < 3; i++) {
		uint8_t pl[1200];
		size_t n = crypto_frame(pl, cut[i], hs + cut[i],
					cut[i + 1] - cut[i]);
		make_initial(q[i], 1, DCID_A, 8, (uint32_t)i, pl, n, 1200);
	}
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	assert_int_equal(feed(ctx, &slot, 443, q[2], 1200, 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(feed(ctx, &slot, 443, q[0], 1200, 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(feed(ctx, &slot, 443, q[1], 1200, 0, &out),
			 XB_NAME_FOUND);
	assert_string_equal(out.str, "split.example");
	assert_int_equal(stats(ctx).quic_derived, 1);
	xb_name_release(ctx, &slot);
	xb_name_ctx_free(ctx);
}

/* ---- evasion and verification ----------------------------------------- */

static void
test_decoy_first(void **state)
{
	(void)state;
	/* The decoy (benign name) first, then the real Initial at the same
	 * CRYPTO offsets: with the same DCID, then with another one. */
	for (int other_dcid = 0; other_dcid < 2; other_dcid++) {
		uint8_t decoy[1300], real[1300];
		hello_initial(decoy, DCID_A, "www.example.org", 0, 1200);
		hello_initial(real, other_dcid ? DCID_B : DCID_A,
			      "www.dbs.com.sg", 0, 1200);
		struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
		struct xb_name_flow slot = {0};
		struct xb_name out;
		assert_int_equal(feed(ctx, &slot, 443, decoy, 1200, 0, &out),
				 XB_NAME_FOUND);
		assert_string_equal(out.str, "www.example.org");
		assert_true(xb_name_active(&slot)); /* verifying */
		assert_int_equal(feed(ctx, &slot, 443, real, 1200, 0, &out),
				 XB_NAME_EVASIVE);
		assert_false(xb_name_active(&slot));
		struct xb_name_stats st = stats(ctx);
		assert_int_equal(st.evasive, 1);
		assert_int_equal(st.quic_derived, other_dcid ? 2 : 1);
		xb_name_ctx_free(ctx);
	}
}

static void
test_verify_clean(void **state)
{
	(void)state;
	uint8_t q[1300], again[1300], srv[100];
	hello_initial(q, DCID_A, "clean.example", 0, 1200);
	/* A retransmission: same CRYPTO bytes, another packet number. */
	uint8_t hs[600], pl[700];
	size_t hn = build_hs(hs, "clean.example", 0);
	size_t pn = crypto_frame(pl, 0, hs, (uint32_t)hn);
	make_initial(again, 1, DCID_A, 8, 1, pl, pn, 1200);
	memset(srv, 0x40, sizeof(srv));
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	assert_int_equal(feed(ctx, &slot, 443, q, 1200, 0, &out),
			 XB_NAME_FOUND);
	assert_int_equal(feed(ctx, &slot, 443, again, 1200, 0, &out),
			 XB_NAME_MORE);
	assert_true(xb_name_active(&slot));
	assert_int_equal(feed_server(ctx, &slot, srv, sizeof(srv), &out),
			 XB_NAME_MORE);
	/* Verification ends after the server spoke and the client sent
	 * three more datagrams (short headers here). */
	for (int i = 0; i < 3; i++) {
		assert_true(xb_name_active(&slot));
		assert_int_equal(feed(ctx, &slot, 443, srv, sizeof(srv), 0,
				      &out),
				 XB_NAME_MORE);
	}
	assert_false(xb_name_active(&slot));
	struct xb_name_stats st = stats(ctx);
	assert_int_equal(st.verified, 1);
	assert_int_equal(st.evasive, 0);
	assert_int_equal(st.unnamed, 0);
	assert_int_equal(st.quic_derived, 1);
	xb_name_ctx_free(ctx);
}

/* A third DCID cannot be checked (two key schedules per flow): the flow
 * is UNNAMED rather than trusted. */
static void
test_third_dcid(void **state)
{
	(void)state;
	static const uint8_t dcid_c[8] = {9, 9, 9, 9, 9, 9, 9, 9};
	uint8_t a[1300], b[1300], c[1300];
	hello_initial(a, DCID_A, "www.example.org", 0, 1200);
	hello_initial(b, DCID_B, "www.example.org", 0, 1200);
	hello_initial(c, dcid_c, "www.dbs.com.sg", 0, 1200);
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	assert_int_equal(feed(ctx, &slot, 443, a, 1200, 0, &out),
			 XB_NAME_FOUND);
	assert_int_equal(feed(ctx, &slot, 443, b, 1200, 0, &out),
			 XB_NAME_MORE);
	assert_int_equal(feed(ctx, &slot, 443, c, 1200, 0, &out),
			 XB_NAME_UNNAMED);
	assert_int_equal(stats(ctx).quic_no_keys, 1);
	xb_name_ctx_free(ctx);
}

/* Verifying with no answer from the server ends in UNNAMED after 16
 * client datagrams; so does a flow whose Initials never decrypt. */
static void
test_datagram_limits(void **state)
{
	(void)state;
	uint8_t q[1300], junk[1300];
	hello_initial(q, DCID_A, "limit.example", 0, 1200);
	memcpy(junk, q, 1200);
	junk[600] ^= 1; /* fails authentication */
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	struct xb_name out;
	assert_int_equal(feed(ctx, &slot, 443, q, 1200, 0, &out),
			 XB_NAME_FOUND);
	for (int i = 2; i < 16; i++)
		assert_int_equal(feed(ctx, &slot, 443, q, 1200, 0, &out),
				 XB_NAME_MORE);
	assert_int_equal(feed(ctx, &slot, 443, q, 1200, 0, &out),
			 XB_NAME_UNNAMED);
	slot = (struct xb_name_flow){0};
	for (int i = 1; i < 16; i++)
		assert_int_equal(feed(ctx, &slot, 443, junk, 1200, 0, &out),
				 XB_NAME_MORE);
	assert_int_equal(feed(ctx, &slot, 443, junk, 1200, 0, &out),
			 XB_NAME_UNNAMED);
	struct xb_name_stats st = stats(ctx);
	assert_int_equal(st.quic_dgram_limit, 2);
	assert_int_equal(st.quic_decrypt_fail, 16);
	xb_name_ctx_free(ctx);
}

/* ---- budget ------------------------------------------------------------ */

static void
test_budget(void **state)
{
	(void)state;
	uint8_t a[1300], b[1300];
	hello_initial(a, DCID_A, "a.example", 0, 1200);
	hello_initial(b, DCID_B, "b.example", 0, 1200);
	struct xb_name_ctx *ctx = xb_name_ctx_create(8, 0);
	xb_name_set_quic_budget(ctx, 10); /* a bucket of one */
	struct xb_name_flow s1 = {0}, s2 = {0}, s3 = {0};
	struct xb_name out;
	assert_int_equal(feed(ctx, &s1, 443, a, 1200, 1000, &out),
			 XB_NAME_FOUND);
	/* 10 ms later: a tenth of a key schedule has come back. */
	assert_int_equal(feed(ctx, &s2, 443, b, 1200, 1010, &out),
			 XB_NAME_UNNAMED);
	assert_false(xb_name_active(&s2));
	struct xb_name_stats st = stats(ctx);
	assert_int_equal(st.quic_budget_denied, 1);
	assert_int_equal(st.quic_no_keys, 1);
	/* 100 ms after the first: one more. */
	assert_int_equal(feed(ctx, &s3, 443, b, 1200, 1100, &out),
			 XB_NAME_FOUND);
	/* The first flow keeps its keys: no budget needed to verify. */
	assert_int_equal(feed(ctx, &s1, 443, a, 1200, 1100, &out),
			 XB_NAME_MORE);
	assert_int_equal(stats(ctx).quic_derived, 2);
	/* No limit. */
	xb_name_set_quic_budget(ctx, 0);
	for (int i = 0; i < 5; i++) {
		struct xb_name_flow s = {0};
		b[7] = (uint8_t)i; /* a new DCID: header-protected bytes stay */
		hello_initial(b, DCID_B, "b.example", 0, 1200);
		assert_int_equal(feed(ctx, &s, 443, b, 1200, 1100, &out),
				 XB_NAME_FOUND);
		xb_name_release(ctx, &s);
	}
	xb_name_release(ctx, &s1);
	xb_name_release(ctx, &s3);
	xb_name_ctx_free(ctx);
}

/* ---- what should have named the flow and did not ---------------------- */

static void
test_unnamed_causes(void **state)
{
	(void)state;
	struct xb_name out;
	uint8_t pl[1200], q[1500];
	/* CRYPTO that is no ClientHello (a ServerHello type). */
	uint8_t hs[600];
	size_t hn = build_hs(hs, "x.example", 0);
	hs[0] = 2;
	size_t n = crypto_frame(pl, 0, hs, (uint32_t)hn);
	make_initial(q, 1, DCID_A, 8, 0, pl, n, 1200);
	struct xb_name_ctx *ctx = xb_name_ctx_create(4, 0);
	struct xb_name_flow slot = {0};
	assert_int_equal(feed(ctx, &slot, 443, q, 1200, 0, &out),
			 XB_NAME_UNNAMED);
	assert_int_equal(stats(ctx).quic_no_hello, 1);
	/* A ClientHello without server_name. */
	hn = build_hs(hs, NULL, 0);
	n = crypto_frame(pl, 0, hs, (uint32_t)hn);
	make_initial(q, 1, DCID_A, 8, 0, pl, n, 1200);
	slot = (struct xb_name_flow){0};
	assert_int_equal(feed(ctx, &slot, 443, q, 1200, 0, &out),
			 XB_NAME_UNNAMED);
	assert_int_equal(stats(ctx).quic_no_hello, 2);
	/* CRYPTO data past the window. */
	uint8_t filler[100];
	memset(filler, 7, sizeof(filler));
	n = crypto_frame(pl, XB_NAME_BIG_BUF - 10, filler, sizeof(filler));
	make_initial(q, 1, DCID_A, 8, 0, pl, n, 1200);
	slot = (struct xb_name_flow){0};
	assert_int_equal(feed(ctx, &slot, 443, q, 1200, 0, &out),
			 XB_NAME_UNNAMED);
	assert_int_equal(stats(ctx).quic_beyond, 1);
	/* An Initial the caller cut (a 1,400-byte datagram, 1,300 given). */
	hn = build_hs(hs, "x.example", 0);
	n = crypto_frame(pl, 0, hs, (uint32_t)hn);
	make_initial(q, 1, DCID_A, 8, 0, pl, n, 1400);
	slot = (struct xb_name_flow){0};
	struct xb_pkt_info pi = udp(50000, 443, 1400);
	assert_int_equal(xb_name_feed(ctx, &slot, &pi, 0, 0, q, 1300, 0, &out),
			 XB_NAME_UNNAMED);
	assert_int_equal(stats(ctx).quic_truncated, 1);
	/* A lost slot (reclaimed by newer flows). */
	slot = (struct xb_name_flow){0};
	uint8_t part[1300];
	uint8_t big[1400];
	size_t bn = build_hs(big, "lost.example", 1000);
	n = crypto_frame(pl, 0, big, 500);
	make_initial(part, 1, DCID_A, 8, 0, pl, n, 1200);
	assert_int_equal(feed(ctx, &slot, 443, part, 1200, 0, &out),
			 XB_NAME_MORE);
	(void)bn;
	for (int i = 0; i < 4; i++) {
		struct xb_name_flow other = {0};
		assert_int_equal(feed(ctx, &other, 443, part, 1200, 0, &out),
				 XB_NAME_MORE);
	}
	assert_int_equal(feed(ctx, &slot, 443, part, 1200, 0, &out),
			 XB_NAME_UNNAMED);
	struct xb_name_stats st = stats(ctx);
	assert_int_equal(st.quic_slot_lost, 1);
	assert_int_equal(st.unnamed, 5);
	xb_name_ctx_free(ctx);
}

/* ---- xb_reasm: conflicts, clipping, reset -------------------------- */

static void
test_reasm(void **state)
{
	(void)state;
	static struct {
		struct xb_reasm r;
		uint32_t bits[XB_NAME_BUF / 32];
		uint8_t data[XB_NAME_BUF];
	} w;
	struct xb_reasm *r = &w.r;
	uint8_t a[200], b[200];
	for (int i = 0; i < 200; i++)
		a[i] = b[i] = (uint8_t)i;
	xb_reasm_init(r, w.data, w.bits, XB_NAME_BUF);
	xb_reasm_put(r, 10, a, 100); /* [10, 110) */
	xb_reasm_put(r, 10, a, 100); /* the same copy again */
	xb_reasm_put(r, 0, a, 10);   /* a hole */
	assert_int_equal(r->conflict, 0);
	assert_int_equal(r->prefix, 110);
	b[50] ^= 1;
	xb_reasm_put(r, 10, b, 30); /* differs at none of [10, 40) */
	assert_int_equal(r->conflict, 0);
	xb_reasm_put(r, 10, b, 100); /* differs at 60 */
	assert_int_equal(r->conflict, 1);
	assert_int_equal(r->data[60], 50); /* first copy kept */
	/* Reset clears what was used, and only that. */
	xb_reasm_reset(r);
	assert_int_equal(r->conflict, 0);
	assert_int_equal(r->prefix + r->high, 0);
	for (unsigned i = 0; i < XB_NAME_BUF / 32; i++)
		assert_int_equal(w.bits[i], 0);
	xb_reasm_put(r, 0, b, 100);
	assert_int_equal(r->conflict, 0); /* nothing held after reset */
	/* Past the window. */
	xb_reasm_put(r, XB_NAME_BUF - 10, a, 20);
	assert_int_equal(r->clipped, 1);
	xb_reasm_reset(r);
	for (unsigned i = 0; i < XB_NAME_BUF / 32; i++)
		assert_int_equal(w.bits[i], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_schedule),
		cmocka_unit_test(test_junk_then_initial),
		cmocka_unit_test(test_skip_limit),
		cmocka_unit_test(test_plausibility),
		cmocka_unit_test(test_coalesced_one_fails),
		cmocka_unit_test(test_coalesced_small),
		cmocka_unit_test(test_split_crypto),
		cmocka_unit_test(test_big_hello),
		cmocka_unit_test(test_decoy_first),
		cmocka_unit_test(test_verify_clean),
		cmocka_unit_test(test_third_dcid),
		cmocka_unit_test(test_datagram_limits),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_unnamed_causes),
		cmocka_unit_test(test_reasm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
