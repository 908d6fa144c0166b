/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC client Initial: header protection removal, AES-128-GCM decryption
 * with the Initial keys (RFC 9001 section 5; RFC 9369 for v2) and CRYPTO
 * frame extraction into a reassembly window.  Google QUIC (Q0xx up to Q046)
 * sends its CHLO in plaintext: its SNI tag is read directly.
 *
 * OpenSSL: the EVP_KDF (HKDF), ciphers and cipher contexts are fetched and
 * allocated once per lcore (xb_quic_crypto_init); per flow, key derivation
 * runs EVP_KDF_derive, which allocates HMAC state inside OpenSSL (no API
 * avoids that); per packet, only EVP_*Init/Update/Final on the preallocated
 * contexts run, which do not allocate for AES-ECB/GCM.
 *
 * Thread safety: a struct xb_quic_crypto belongs to one thread.
 */
#include "xb_bytes.h"
#include "xb_quic.h"

#include <stdbool.h>
#include <string.h>
#include "xb_tls.h"

#include <stddef.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

struct quic_version {
	uint32_t version;
	uint8_t initial_type; /* long header type bits of Initial packets */
	bool v2_labels;       /* "quicv2 key" etc. */
	const uint8_t *salt;
};

static const uint8_t salt_v1[20] = { /* RFC 9001, drafts 33-34 */
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t salt_v2[20] = { /* RFC 9369 */
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
static const uint8_t salt_d29[20] = { /* drafts 29-32 */
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
static const uint8_t salt_d23[20] = { /* drafts 23-28 */
	0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
	0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
static const uint8_t salt_d22[20] = { /* draft 22 */
	0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
	0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};

static const struct quic_version *
version_find(uint32_t v)
{
	static const struct quic_version v1 = {0x00000001, 0, false, salt_v1};
	static const struct quic_version v2 = {0x6b3343cf, 1, true, salt_v2};
	static const struct quic_version d[] = {
		{0, 0, false, salt_d22}, {0, 0, false, salt_d23},
		{0, 0, false, salt_d29}, {0, 0, false, salt_v1}};
	int i;
	if (v == 1)
		return &v1;
	if (v == 0x6b3343cf)
		return &v2;
	if ((v & 0xffffff00) == 0xff000000) {
		uint32_t n = v & 0xff;
		if (n == 22)
			i = 0;
		else if (n >= 23 && n <= 28)
			i = 1;
		else if (n >= 29 && n <= 32)
			i = 2;
		else if (n == 33 || n == 34)
			i = 3;
		else
			return NULL;
	} else if (v == 0xfaceb001) { /* Facebook mvfst, draft-22 based */
		i = 0;
	} else if (v == 0xfaceb002) { /* mvfst, draft-27 based */
		i = 1;
	} else {
		return NULL;
	}
	/* The static entries only differ by salt; the version is not read
	 * back from them. */
	return &d[i];
}

/* QUIC variable-length integer; false if it runs past end. */
static inline bool
varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	if (p >= end)
		return false;
	uint32_t n = 1u << (p[0] >> 6);
	if ((uint64_t)(end - p) < n)
		return false;
	uint64_t x = p[0] & 0x3f;
	for (uint32_t i = 1; i < n; i++)
		x = x << 8 | p[i];
	*v = x;
	*pp = p + n;
	return true;
}

int
xb_quic_crypto_init(struct xb_quic_crypto *c)
{
	memset(c, 0, offsetof(struct xb_quic_crypto, plain));
	c->kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (c->kdf)
		c->kctx = EVP_KDF_CTX_new(c->kdf);
	c->ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	c->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	c->ectx = EVP_CIPHER_CTX_new();
	c->gctx = EVP_CIPHER_CTX_new();
	if (!c->kctx || !c->ecb || !c->gcm || !c->ectx || !c->gctx) {
		xb_quic_crypto_fini(c);
		return -1;
	}
	return 0;
}

void
xb_quic_crypto_fini(struct xb_quic_crypto *c)
{
	EVP_KDF_CTX_free(c->kctx);
	EVP_KDF_free(c->kdf);
	EVP_CIPHER_free(c->ecb);
	EVP_CIPHER_free(c->gcm);
	EVP_CIPHER_CTX_free(c->ectx);
	EVP_CIPHER_CTX_free(c->gctx);
	memset(c, 0, offsetof(struct xb_quic_crypto, plain));
}

static int
hkdf(struct xb_quic_crypto *c, int mode, const uint8_t *key, size_t klen,
     const uint8_t *salt_or_info, size_t slen, uint8_t *out, size_t olen)
{
	OSSL_PARAM p[5];
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)key, klen);
	p[3] = OSSL_PARAM_construct_octet_string(
		mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? OSSL_KDF_PARAM_SALT
						       : OSSL_KDF_PARAM_INFO,
		(void *)salt_or_info, slen);
	p[4] = OSSL_PARAM_construct_end();
	EVP_KDF_CTX_reset(c->kctx);
	return EVP_KDF_derive(c->kctx, out, olen, p) == 1 ? 0 : -1;
}

/* TLS 1.3 HKDF-Expand-Label with an empty context. */
static int
expand_label(struct xb_quic_crypto *c, const uint8_t secret[32],
	     const char *label, uint8_t *out, size_t olen)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = strlen(label);
	info[0] = (uint8_t)(olen >> 8);
	info[1] = (uint8_t)olen;
	info[2] = (uint8_t)(6 + ll);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, ll);
	info[9 + ll] = 0;
	return hkdf(c, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, info,
		    10 + ll, out, olen);
}

static int
derive_keys(struct xb_quic_crypto *c, struct xb_quic_keys *k,
	    const struct quic_version *qv, uint32_t version,
	    const uint8_t *dcid, uint8_t dcid_len)
{
	uint8_t prk[32], cs[32];
	if (hkdf(c, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dcid_len, qv->salt,
		 20, prk, 32) < 0 ||
	    expand_label(c, prk, "client in", cs, 32) < 0 ||
	    expand_label(c, cs, qv->v2_labels ? "quicv2 key" : "quic key",
			 k->key, 16) < 0 ||
	    expand_label(c, cs, qv->v2_labels ? "quicv2 iv" : "quic iv", k->iv,
			 12) < 0 ||
	    expand_label(c, cs, qv->v2_labels ? "quicv2 hp" : "quic hp", k->hp,
			 16) < 0)
		return -1;
	k->version = version;
	k->dcid_len = dcid_len;
	memcpy(k->dcid, dcid, dcid_len);
	k->valid = 1;
	return 0;
}

int
xb_quic_sniff(const uint8_t *d, uint32_t len)
{
	if (len < 14)
		return XB_QUIC_NONE;
	if (d[0] & 0x80) {
		uint32_t v = xb_be32(d + 1);
		if (d[1] == 'Q' && d[2] == '0')
			return XB_QUIC_GQUIC; /* Q046-style long header */
		const struct quic_version *qv = version_find(v);
		if (!qv)
			return XB_QUIC_NONE;
		if (((d[0] >> 4) & 3) != qv->initial_type)
			return XB_QUIC_NONE;
		return XB_QUIC_IETF;
	}
	/* gQUIC public header: version flag, 8-byte connection ID. */
	if ((d[0] & 0x09) == 0x09 && d[9] == 'Q' && d[10] == '0')
		return XB_QUIC_GQUIC;
	return XB_QUIC_NONE;
}

/* Frames of one decrypted Initial payload: CRYPTO data into r. */
static void
frames(const uint8_t *p, const uint8_t *end, struct xb_reasm *r)
{
	while (p < end) {
		uint64_t t, a, b, n;
		if (*p == 0) { /* PADDING runs */
			p++;
			continue;
		}
		if (!varint(&p, end, &t))
			return;
		switch (t) {
		case 0x01: /* PING */
			break;
		case 0x02:
		case 0x03: /* ACK */
			if (!varint(&p, end, &a) || !varint(&p, end, &a) ||
			    !varint(&p, end, &n) || !varint(&p, end, &a))
				return;
			if (n > 256)
				return;
			for (uint64_t i = 0; i < n; i++)
				if (!varint(&p, end, &a) || !varint(&p, end, &a))
					return;
			if (t == 0x03)
				for (int i = 0; i < 3; i++)
					if (!varint(&p, end, &a))
						return;
			break;
		case 0x06: /* CRYPTO */
			if (!varint(&p, end, &a) || !varint(&p, end, &b) ||
			    b > (uint64_t)(end - p))
				return;
			xb_reasm_put(r, a, p, (uint32_t)b);
			p += b;
			break;
		case 0x1c:
		case 0x1d: /* CONNECTION_CLOSE */
			return;
		default: /* not allowed in Initial packets */
			return;
		}
	}
}

/* One long-header packet at d (len bytes to the datagram end).  Returns
 * its length (to step to a coalesced packet), 0 to stop. *dec is set to
 * 1 on a decrypted Initial, -1 on an authentication failure. */
static uint32_t
one_packet(struct xb_quic_crypto *c, struct xb_quic_keys *k, const uint8_t *d,
	   uint32_t len, struct xb_reasm *r, int *dec)
{
	*dec = 0;
	if (len < 7 || !(d[0] & 0x80))
		return 0;
	uint32_t v = xb_be32(d + 1);
	const struct quic_version *qv = version_find(v);
	if (!qv)
		return 0;
	const uint8_t *p = d + 5, *end = d + len;
	uint8_t dcil = *p++;
	if (dcil > 20 || (uint32_t)(end - p) < dcil + 1u)
		return 0;
	const uint8_t *dcid = p;
	p += dcil;
	uint8_t scil = *p++;
	if (scil > 20 || (uint32_t)(end - p) < scil)
		return 0;
	p += scil;
	uint32_t type = (d[0] >> 4) & 3;
	bool initial = type == qv->initial_type;
	uint64_t x;
	if (initial) {
		if (!varint(&p, end, &x) || x > (uint64_t)(end - p))
			return 0;
		p += x; /* token */
	} else if (type == (qv->v2_labels ? 0u : 3u)) {
		return 0; /* Retry: no length, ends the datagram */
	}
	if (!varint(&p, end, &x) || x > (uint64_t)(end - p))
		return 0;
	uint32_t pn_off = (uint32_t)(p - d);
	uint32_t pkt_len = pn_off + (uint32_t)x;
	if (!initial)
		return pkt_len;
	if (x < 4 + 16 || pkt_len > XB_QUIC_DGRAM_MAX)
		return pkt_len;
	if (!k->valid) {
		if (dcil < 1 || derive_keys(c, k, qv, v, dcid, dcil) < 0) {
			*dec = -1;
			return 0;
		}
	}
	/* Header protection (RFC 9001 5.4): sample 16 bytes at pn_off + 4. */
	uint8_t mask[16];
	int ol = 0;
	if (EVP_EncryptInit_ex(c->ectx, c->ecb, NULL, k->hp, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c->ectx, 0) != 1 ||
	    EVP_EncryptUpdate(c->ectx, mask, &ol, d + pn_off + 4, 16) != 1 ||
	    ol != 16) {
		*dec = -1;
		return 0;
	}
	uint8_t *hdr = c->plain;
	memcpy(hdr, d, pn_off + 4);
	hdr[0] ^= mask[0] & 0x0f;
	uint32_t pn_len = (hdr[0] & 3) + 1u;
	uint64_t pn = 0;
	for (uint32_t i = 0; i < pn_len; i++) {
		hdr[pn_off + i] ^= mask[1 + i];
		pn = pn << 8 | hdr[pn_off + i];
	}
	uint32_t hdr_len = pn_off + pn_len;
	uint32_t ct_len = pkt_len - hdr_len;
	if (ct_len < 16 + 1) {
		*dec = -1;
		return pkt_len;
	}
	uint8_t nonce[12];
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	uint8_t *pt = c->plain + hdr_len;
	const uint8_t *ct = d + hdr_len;
	uint32_t pt_len = ct_len - 16;
	int n1 = 0, n2 = 0;
	if (EVP_DecryptInit_ex(c->gctx, c->gcm, NULL, k->key, nonce) != 1 ||
	    EVP_DecryptUpdate(c->gctx, NULL, &n1, hdr, (int)hdr_len) != 1 ||
	    EVP_DecryptUpdate(c->gctx, pt, &n1, ct, (int)pt_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->gctx, EVP_CTRL_GCM_SET_TAG, 16,
				(void *)(ct + pt_len)) != 1 ||
	    EVP_DecryptFinal_ex(c->gctx, pt + n1, &n2) != 1) {
		*dec = -1;
		return pkt_len;
	}
	frames(pt, pt + pt_len, r);
	*dec = 1;
	return pkt_len;
}

int
xb_quic_dgram(struct xb_quic_crypto *c, struct xb_quic_keys *k,
	      const uint8_t *d, uint32_t len, struct xb_reasm *r)
{
	int n = 0;
	/* Coalesced packets: at most a few per datagram. */
	for (int i = 0; i < 4 && len > 0; i++) {
		int dec;
		uint32_t used = one_packet(c, k, d, len, r, &dec);
		if (dec < 0)
			return -1;
		n += dec;
		if (used == 0 || used > len)
			break;
		d += used;
		len -= used;
	}
	return n;
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

int
xb_gquic_sni(const uint8_t *d, uint32_t len, struct xb_name *out)
{
	const uint8_t *v;
	if (len < 14)
		return XB_NAME_GIVE_UP;
	v = (d[0] & 0x80) ? d + 1 : d + 9;
	if (v[0] != 'Q' || v[1] < '0' || v[1] > '9' || v[2] < '0' ||
	    v[2] > '9' || v[3] < '0' || v[3] > '9')
		return XB_NAME_GIVE_UP;
	int ver = (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
	if (ver >= 50) /* Q050+ encrypt the Initial; T0xx use TLS */
		return XB_NAME_GIVE_UP;
	/* The CHLO follows the public header, the 12-byte message hash and a
	 * STREAM frame header: look for its tag early in the packet. */
	uint32_t lim = len < 160 ? len : 160;
	const uint8_t *m = NULL;
	for (uint32_t i = 13; i + 4 <= lim; i++)
		if (d[i] == 'C' && d[i + 1] == 'H' && d[i + 2] == 'L' &&
		    d[i + 3] == 'O') {
			m = d + i;
			break;
		}
	if (!m || (uint32_t)(d + len - m) < 8)
		return XB_NAME_GIVE_UP;
	uint32_t avail = (uint32_t)(d + len - m);
	uint32_t n = (uint32_t)m[4] | (uint32_t)m[5] << 8;
	if (n == 0 || n > 128 || 8 + n * 8 > avail)
		return XB_NAME_GIVE_UP;
	const uint8_t *vals = m + 8 + n * 8;
	uint32_t vavail = avail - 8 - n * 8, prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = m + 8 + i * 8;
		uint32_t end = le32(e + 4);
		if (end < prev)
			return XB_NAME_GIVE_UP;
		if (e[0] == 'S' && e[1] == 'N' && e[2] == 'I' && e[3] == 0) {
			if (end > vavail) /* CHLO continues in a later packet */
				return XB_NAME_GIVE_UP;
			return xb_name_store(out, vals + prev, end - prev,
					     XB_NAME_SRC_QUIC);
		}
		prev = end;
	}
	return XB_NAME_GIVE_UP;
}

int
xb_quic_initial_sni(const uint8_t *dgram, uint32_t len, struct xb_name *out)
{
	int kind = xb_quic_sniff(dgram, len);
	if (kind == XB_QUIC_GQUIC)
		return xb_gquic_sni(dgram, len, out);
	if (kind != XB_QUIC_IETF)
		return XB_NAME_GIVE_UP;
	struct xb_quic_crypto *c = malloc(sizeof(*c));
	struct {
		struct xb_reasm r;
		uint32_t bits[XB_NAME_BUF / 32];
		uint8_t data[XB_NAME_BUF];
	} *w = malloc(sizeof(*w));
	struct xb_reasm *r = w ? &w->r : NULL;
	int rc = XB_NAME_GIVE_UP;
	if (!c || !w || xb_quic_crypto_init(c) < 0) {
		free(c);
		free(w);
		return XB_NAME_GIVE_UP;
	}
	struct xb_quic_keys k;
	memset(&k, 0, sizeof(k));
	xb_reasm_init(r, w->data, w->bits, XB_NAME_BUF);
	if (xb_quic_dgram(c, &k, dgram, len, r) > 0) {
		rc = xb_tls_hs_sni(r->data, r->prefix, out);
		if (rc == XB_NAME_FOUND)
			out->source = XB_NAME_SRC_QUIC;
		else
			rc = XB_NAME_GIVE_UP; /* one datagram: no more bytes */
	}
	xb_quic_crypto_fini(c);
	free(c);
	free(w);
	return rc;
}
