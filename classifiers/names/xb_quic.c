/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC client Initial: plausibility checks, header protection removal,
 * AES-128-GCM decryption with the Initial keys (RFC 9001 section 5; RFC
 * 9369 for v2) and CRYPTO frame extraction into a reassembly window, with
 * the check that a second copy of CRYPTO offsets already held says the
 * same (a decoy Initial beside the real one).  Google QUIC (Q0xx up to
 * Q046) sends its CHLO in plaintext: its SNI tag is read directly.
 *
 * Key schedule: HKDF-SHA256 is HMAC-SHA256, and HMAC with a fixed key is
 * two SHA-256 states that have absorbed the padded key.  The states of the
 * five version salts (HKDF-Extract's key) are computed once per context;
 * per connection, Extract costs two SHA-256 blocks and the four
 * Expand-Label steps twelve more (the Initial secret and the "client in"
 * secret are each keyed once, two blocks, then two per label).  They run
 * on OpenSSL's low-level SHA-256 (SHA-NI / AVX2 code, plain copyable
 * contexts): OpenSSL 3.0's EVP_KDF and EVP_MAC paths fetch the digest by
 * name and allocate on every derivation (a key schedule of five EVP_KDF
 * calls measured 14,000-77,000 cycles on a loaded 2-core box, against
 * 1,700-3,000 this way; tests/bench/bench_quic.c).  The low-level API is
 * deprecated in 3.0 but kept through 3.x; nothing else gives a copyable
 * HMAC state without allocation.
 *
 * Ciphers: the AES-128-ECB (header protection) and AES-128-GCM contexts
 * are set up once per context with their cipher; per packet only the key
 * and nonce change (EVP_*Init_ex with a NULL cipher), which does not
 * allocate.
 *
 * Thread safety: a struct xb_quic_crypto belongs to one thread.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_*: see above */

#include "xb_bytes.h"
#include "xb_quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "xb_tls.h"

struct quic_version {
	uint32_t version;
	uint8_t initial_type; /* long header type bits of Initial packets */
	uint8_t retry_type;   /* ... of Retry packets (no Length field) */
	bool v2_labels;       /* "quicv2 key" etc. */
	uint8_t salt_index;   /* into salts[] and xb_quic_crypto.salt[] */
};

enum { SALT_V1, SALT_V2, SALT_D29, SALT_D23, SALT_D22, SALT_COUNT };

static const uint8_t salts[SALT_COUNT][20] = {
	[SALT_V1] = { /* RFC 9001, drafts 33-34 */
		0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
		0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
	[SALT_V2] = { /* RFC 9369 */
		0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
		0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
	[SALT_D29] = { /* drafts 29-32 */
		0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
		0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99},
	[SALT_D23] = { /* drafts 23-28 */
		0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
		0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02},
	[SALT_D22] = { /* draft 22 */
		0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
		0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a},
};

static const struct quic_version *
version_find(uint32_t v)
{
	static const struct quic_version v1 = {0x00000001, 0, 3, false,
					       SALT_V1};
	static const struct quic_version v2 = {0x6b3343cf, 1, 0, true,
					       SALT_V2};
	static const struct quic_version d[] = {
		{0, 0, 3, false, SALT_D22}, {0, 0, 3, false, SALT_D23},
		{0, 0, 3, false, SALT_D29}, {0, 0, 3, false, SALT_V1}};
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
	/* The draft entries only differ by salt; the version is not read
	 * back from them. */
	return &d[i];
}

/* ---- key schedule -------------------------------------------------------- */

/* HMAC-SHA256 keyed once: the states after the inner and outer pads. */
struct hmac_key {
	SHA256_CTX inner, outer;
};

struct xb_quic_crypto {
	struct hmac_key salt[SALT_COUNT]; /* HKDF-Extract, per version */
	EVP_CIPHER_CTX *ecb;              /* AES-128-ECB, header protection */
	EVP_CIPHER_CTX *gcm;              /* AES-128-GCM, payload */
	/* Budget of key schedules: a token bucket in units of 1e9 per
	 * schedule, refilled by elapsed ns x per_s. */
	uint64_t tokens, cap, last_ns;
	uint32_t per_s; /* 0: no limit */
	uint8_t plain[XB_QUIC_DGRAM_MAX];
};

/* key: at most 64 bytes (salts are 20, secrets 32). */
static void
hmac_key_set(struct hmac_key *h, const uint8_t *key, size_t klen)
{
	uint8_t pad[64];
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < klen; i++)
		pad[i] ^= key[i];
	SHA256_Init(&h->inner);
	SHA256_Update(&h->inner, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (size_t i = 0; i < klen; i++)
		pad[i] ^= key[i];
	SHA256_Init(&h->outer);
	SHA256_Update(&h->outer, pad, sizeof(pad));
}

static void
hmac(const struct hmac_key *h, const uint8_t *m, size_t n, uint8_t out[32])
{
	SHA256_CTX c = h->inner;
	SHA256_Update(&c, m, n);
	SHA256_Final(out, &c);
	c = h->outer;
	SHA256_Update(&c, out, 32);
	SHA256_Final(out, &c);
}

/* HKDF-Expand-Label info for an output of at most 32 bytes (one HMAC
 * block, T(1)), with the counter byte 0x01 appended. */
struct label {
	uint8_t len;
	uint8_t info[2 + 1 + 6 + 12 + 1 + 1];
};

static void
label_make(struct label *l, const char *name, uint8_t olen)
{
	size_t n = strlen(name);
	l->info[0] = 0;
	l->info[1] = olen;
	l->info[2] = (uint8_t)(6 + n);
	memcpy(l->info + 3, "tls13 ", 6);
	memcpy(l->info + 9, name, n);
	l->info[9 + n] = 0; /* empty context */
	l->info[10 + n] = 1; /* T(1) */
	l->len = (uint8_t)(11 + n);
}

static void
expand(const struct hmac_key *secret, const char *name, uint8_t *out,
       uint8_t olen)
{
	struct label l;
	uint8_t t[32];
	label_make(&l, name, olen);
	hmac(secret, l.info, l.len, t);
	memcpy(out, t, olen);
}

static void
derive(struct xb_quic_crypto *c, struct xb_quic_keys *k,
       const struct quic_version *qv, uint32_t version, const uint8_t *dcid,
       uint8_t dcid_len)
{
	uint8_t prk[32], cs[32];
	struct hmac_key h;
	hmac(&c->salt[qv->salt_index], dcid, dcid_len, prk); /* Extract */
	hmac_key_set(&h, prk, sizeof(prk));
	expand(&h, "client in", cs, 32);
	hmac_key_set(&h, cs, sizeof(cs));
	expand(&h, qv->v2_labels ? "quicv2 key" : "quic key", k->key, 16);
	expand(&h, qv->v2_labels ? "quicv2 iv" : "quic iv", k->iv, 12);
	expand(&h, qv->v2_labels ? "quicv2 hp" : "quic hp", k->hp, 16);
	k->version = version;
	k->dcid_len = dcid_len;
	memcpy(k->dcid, dcid, dcid_len);
	k->valid = 1;
}

int
xb_quic_derive(struct xb_quic_crypto *c, struct xb_quic_keys *k,
	       uint32_t version, const uint8_t *dcid, uint8_t dcid_len)
{
	const struct quic_version *qv = version_find(version);
	if (!qv || dcid_len > 20)
		return -1;
	derive(c, k, qv, version, dcid, dcid_len);
	return 0;
}

#define TOKEN 1000000000ull /* one key schedule in bucket units */

void
xb_quic_crypto_set_budget(struct xb_quic_crypto *c, uint32_t derive_per_s)
{
	uint64_t burst = derive_per_s / 10;
	c->per_s = derive_per_s;
	c->cap = (burst ? burst : 1) * TOKEN;
	c->tokens = c->cap;
}

/* Take one key schedule from the budget at time now (ns). */
static bool
budget_take(struct xb_quic_crypto *c, uint64_t now)
{
	if (c->per_s == 0)
		return true;
	if (now > c->last_ns) {
		uint64_t dt = now - c->last_ns;
		if (dt >= TOKEN) /* a second or more: full (no overflow) */
			c->tokens = c->cap;
		else if ((c->tokens += dt * c->per_s) > c->cap)
			c->tokens = c->cap;
	}
	/* A clock that steps back (a capture's next loop) refills
	 * nothing until it passes the last time seen again. */
	c->last_ns = now;
	if (c->tokens < TOKEN)
		return false;
	c->tokens -= TOKEN;
	return true;
}

struct xb_quic_crypto *
xb_quic_crypto_create(uint32_t derive_per_s)
{
	struct xb_quic_crypto *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	for (int i = 0; i < SALT_COUNT; i++)
		hmac_key_set(&c->salt[i], salts[i], sizeof(salts[i]));
	c->ecb = EVP_CIPHER_CTX_new();
	c->gcm = EVP_CIPHER_CTX_new();
	if (!c->ecb || !c->gcm ||
	    EVP_EncryptInit_ex(c->ecb, EVP_aes_128_ecb(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c->ecb, 0) != 1 ||
	    EVP_DecryptInit_ex(c->gcm, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1) {
		xb_quic_crypto_free(c);
		return NULL;
	}
	xb_quic_crypto_set_budget(c, derive_per_s);
	return c;
}

void
xb_quic_crypto_free(struct xb_quic_crypto *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->ecb);
	EVP_CIPHER_CTX_free(c->gcm);
	free(c);
}

/* ---- packets ------------------------------------------------------------- */

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

/* A long-header packet's invariant fields and lengths. */
struct lh {
	const struct quic_version *qv;
	uint32_t version;
	const uint8_t *dcid;
	uint8_t dcil;
	bool initial;
	bool retry;       /* no Length field: runs to the datagram end */
	uint32_t pn_off;  /* offset of the packet number */
	uint64_t pkt_len; /* pn_off + Length */
};

enum { LH_OK, LH_FOREIGN, LH_BAD, LH_CUT };

/*
 * Parse the long header at d: LH_FOREIGN (not a long header of a known
 * version), LH_BAD (fields no sender would write), LH_CUT (runs past the
 * len bytes given while the datagram, cut by the caller, goes on: more
 * says so) or LH_OK.  Lengths are checked against len only.
 */
static int
lh_parse(const uint8_t *d, uint32_t len, bool more, struct lh *h)
{
	h->initial = h->retry = false;
	h->pn_off = 0;
	h->pkt_len = 0;
	if (len < 7 || !(d[0] & 0x80))
		return LH_FOREIGN;
	h->version = xb_be32(d + 1);
	h->qv = version_find(h->version);
	if (!h->qv)
		return LH_FOREIGN;
	uint32_t type = (d[0] >> 4) & 3;
	h->initial = type == h->qv->initial_type;
	h->retry = type == h->qv->retry_type;
	const uint8_t *p = d + 5, *end = d + len;
	int cut = more ? LH_CUT : LH_BAD;
	h->dcil = *p++;
	if (h->dcil > 20)
		return LH_BAD;
	if ((uint32_t)(end - p) < h->dcil + 1u)
		return cut;
	h->dcid = p;
	p += h->dcil;
	uint8_t scil = *p++;
	if (scil > 20)
		return LH_BAD;
	if ((uint32_t)(end - p) < scil)
		return cut;
	p += scil;
	if (h->retry)
		return LH_OK;
	uint64_t x;
	if (h->initial) {
		if (!varint(&p, end, &x))
			return cut;
		if (x > (uint64_t)(end - p))
			return cut;
		p += x; /* token */
	}
	if (!varint(&p, end, &x))
		return cut;
	h->pn_off = (uint32_t)(p - d);
	h->pkt_len = h->pn_off + x;
	if (h->pkt_len > len)
		return cut;
	return LH_OK;
}

/* Plausibility of one client Initial (h parsed LH_OK). */
static bool
initial_plausible(const struct lh *h, uint32_t dgram_len, bool first)
{
	/* Sample for header protection (4 bytes past the packet number
	 * offset, 16 bytes) and a 16-byte tag must fit. */
	if (h->pkt_len < (uint64_t)h->pn_off + 4 + 16)
		return false;
	if (first && h->dcil < XB_QUIC_MIN_FIRST_DCID)
		return false;
	return dgram_len >= XB_QUIC_MIN_INITIAL_DGRAM;
}

enum xb_quic_check
xb_quic_initial_check(const uint8_t *d, uint32_t len, uint32_t dgram_len,
		      bool first)
{
	struct lh h;
	if (dgram_len < len)
		dgram_len = len;
	switch (lh_parse(d, len, dgram_len > len, &h)) {
	case LH_FOREIGN:
		return XB_QUIC_INITIAL_NOT;
	case LH_BAD:
		return h.initial ? XB_QUIC_INITIAL_IMPLAUSIBLE
				 : XB_QUIC_INITIAL_NOT;
	case LH_CUT:
		return h.initial ? XB_QUIC_INITIAL_TRUNCATED
				 : XB_QUIC_INITIAL_NOT;
	default:
		break;
	}
	if (!h.initial)
		return XB_QUIC_INITIAL_NOT;
	return initial_plausible(&h, dgram_len, first)
		       ? XB_QUIC_INITIAL_OK
		       : XB_QUIC_INITIAL_IMPLAUSIBLE;
}

/* CRYPTO frames of one packet, collected before any is kept. */
#define MAX_CRYPTO_FRAMES 64
struct crypto_frames {
	uint32_t n;
	struct {
		uint64_t off;
		const uint8_t *p;
		uint32_t len;
	} f[MAX_CRYPTO_FRAMES];
};

/*
 * Frames of one decrypted Initial payload: false when it is not a frame
 * list a server would accept in a client Initial (unknown or truncated
 * frames, more CRYPTO frames than we track), so none of its CRYPTO data
 * is kept.  CONNECTION_CLOSE ends the list.
 */
static bool
frames(const uint8_t *p, const uint8_t *end, struct crypto_frames *cf)
{
	cf->n = 0;
	while (p < end) {
		uint64_t t, a, b, n;
		if (*p == 0) { /* PADDING runs */
			p++;
			continue;
		}
		if (!varint(&p, end, &t))
			return false;
		switch (t) {
		case 0x00: /* PADDING, non-minimal encoding */
		case 0x01: /* PING */
			break;
		case 0x02:
		case 0x03: /* ACK */
			if (!varint(&p, end, &a) || !varint(&p, end, &a) ||
			    !varint(&p, end, &n) || !varint(&p, end, &a))
				return false;
			if (n > 256)
				return false;
			for (uint64_t i = 0; i < n; i++)
				if (!varint(&p, end, &a) || !varint(&p, end, &a))
					return false;
			if (t == 0x03)
				for (int i = 0; i < 3; i++)
					if (!varint(&p, end, &a))
						return false;
			break;
		case 0x06: /* CRYPTO */
			if (!varint(&p, end, &a) || !varint(&p, end, &b) ||
			    b > (uint64_t)(end - p) || cf->n == MAX_CRYPTO_FRAMES)
				return false;
			cf->f[cf->n].off = a;
			cf->f[cf->n].p = p;
			cf->f[cf->n].len = (uint32_t)b;
			cf->n++;
			p += b;
			break;
		case 0x1c: /* CONNECTION_CLOSE */
			return true;
		default: /* not allowed in Initial packets */
			return false;
		}
	}
	return true;
}

/* Remove header protection and decrypt the Initial h at d with k; the
 * plaintext payload goes to c->plain.  Payload length, or -1 when the
 * packet does not authenticate. */
static int
open_initial(struct xb_quic_crypto *c, const struct xb_quic_keys *k,
	     const uint8_t *d, const struct lh *h, const uint8_t **pt_out)
{
	uint32_t pn_off = h->pn_off, pkt_len = (uint32_t)h->pkt_len;
	/* Header protection (RFC 9001 5.4): sample 16 bytes at pn_off + 4. */
	uint8_t mask[16];
	int ol = 0;
	if (EVP_EncryptInit_ex(c->ecb, NULL, NULL, k->hp, NULL) != 1 ||
	    EVP_EncryptUpdate(c->ecb, mask, &ol, d + pn_off + 4, 16) != 1 ||
	    ol != 16)
		return -1;
	uint8_t *hdr = c->plain;
	uint8_t first = d[0] ^ (mask[0] & 0x0f);
	/* Reserved bits are zero in anything a server accepts (RFC 9000
	 * 17.2): a cheap reject of three junk packets in four before the
	 * AEAD. */
	if (first & 0x0c)
		return -1;
	uint32_t pn_len = (first & 3) + 1u;
	memcpy(hdr, d, pn_off + pn_len);
	hdr[0] = first;
	uint64_t pn = 0;
	for (uint32_t i = 0; i < pn_len; i++) {
		hdr[pn_off + i] ^= mask[1 + i];
		pn = pn << 8 | hdr[pn_off + i];
	}
	uint32_t hdr_len = pn_off + pn_len;
	if (pkt_len < hdr_len + 16 + 1)
		return -1;
	uint32_t pt_len = pkt_len - hdr_len - 16;
	uint8_t nonce[12];
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	uint8_t *pt = c->plain + hdr_len;
	const uint8_t *ct = d + hdr_len;
	int n1 = 0, n2 = 0;
	if (EVP_DecryptInit_ex(c->gcm, NULL, NULL, k->key, nonce) != 1 ||
	    EVP_DecryptUpdate(c->gcm, NULL, &n1, hdr, (int)hdr_len) != 1 ||
	    EVP_DecryptUpdate(c->gcm, pt, &n1, ct, (int)pt_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->gcm, EVP_CTRL_GCM_SET_TAG, 16,
				(void *)(ct + pt_len)) != 1 ||
	    EVP_DecryptFinal_ex(c->gcm, pt + n1, &n2) != 1)
		return -1;
	*pt_out = pt;
	return (int)pt_len;
}

/* Keys for Initial h: the flow's, or a new key schedule when its DCID or
 * version differs, within the per-flow limit and the budget.  NULL when
 * none may be had (res says why). */
static const struct xb_quic_keys *
keys_for(struct xb_quic_crypto *c, struct xb_quic_flow *f, const struct lh *h,
	 uint64_t now_ns, struct xb_quic_dgram_result *res)
{
	struct xb_quic_keys *k = &f->keys;
	if (k->valid && k->version == h->version && k->dcid_len == h->dcil &&
	    memcmp(k->dcid, h->dcid, h->dcil) == 0)
		return k;
	if (f->derived >= XB_QUIC_MAX_DERIVE) {
		res->no_keys++;
		return NULL;
	}
	if (!budget_take(c, now_ns)) {
		res->no_keys++;
		res->budget++;
		return NULL;
	}
	derive(c, k, h->qv, h->version, h->dcid, h->dcil);
	f->derived++;
	res->derived++;
	return k;
}

/* Keep the CRYPTO frames of an authenticated Initial: put compares each
 * with the bytes held (conflict) and notes data past the window
 * (clipped). */
static void
keep_crypto(const struct crypto_frames *cf, struct xb_reasm *r,
	    xb_quic_grow_fn grow, void *grow_arg,
	    struct xb_quic_dgram_result *res)
{
	bool asked = false;
	for (uint32_t i = 0; i < cf->n; i++) {
		if (cf->f[i].off + cf->f[i].len > r->cap && grow && !asked) {
			asked = true; /* once: a window is as large as it gets */
			grow(grow_arg, r);
		}
		xb_reasm_put(r, cf->f[i].off, cf->f[i].p, cf->f[i].len);
	}
	if (r->conflict)
		res->conflict = 1;
	if (r->clipped)
		res->beyond = 1;
}

/* Coalesced packets looked at per datagram (RFC 9000 12.2 allows one per
 * packet type, so four in practice; more is counted as implausible). */
#define MAX_COALESCED 8

int
xb_quic_dgram(struct xb_quic_crypto *c, struct xb_quic_flow *f,
	      const uint8_t *d, uint32_t len, uint32_t dgram_len,
	      uint64_t now_ns, struct xb_reasm *r, xb_quic_grow_fn grow,
	      void *grow_arg, struct xb_quic_dgram_result *res)
{
	memset(res, 0, sizeof(*res));
	if (dgram_len < len)
		dgram_len = len;
	if (len > XB_QUIC_DGRAM_MAX) /* the scratch's size: cut there */
		len = XB_QUIC_DGRAM_MAX;
	/* The 1,200-byte rule is the whole datagram's; `rest` counts what
	 * the datagram holds from d on (given or cut by the caller). */
	uint32_t rest = dgram_len;
	for (int i = 0; len > 0; i++) {
		struct lh h;
		bool more = rest > len; /* the caller cut the rest */
		int st = lh_parse(d, len, more, &h);
		if (st == LH_FOREIGN)
			break; /* short header or foreign bytes: datagram end */
		if (i == MAX_COALESCED) {
			if (h.initial)
				res->implausible++;
			break;
		}
		if (st != LH_OK || h.retry) {
			if (h.initial) {
				res->initials++;
				if (st == LH_CUT)
					res->truncated++;
				else
					res->implausible++;
			}
			break; /* no Length to step over it */
		}
		uint32_t step = (uint32_t)h.pkt_len;
		if (!h.initial)
			goto next; /* 0-RTT or Handshake: not ours */
		res->initials++;
		if (!initial_plausible(&h, dgram_len, f->derived == 0)) {
			res->implausible++;
			goto next;
		}
		const struct xb_quic_keys *k = keys_for(c, f, &h, now_ns, res);
		if (!k)
			goto next;
		const uint8_t *pt;
		int pt_len = open_initial(c, k, d, &h, &pt);
		struct crypto_frames cf;
		if (pt_len < 0 || !frames(pt, pt + pt_len, &cf)) {
			res->auth_failed++;
			goto next;
		}
		keep_crypto(&cf, r, grow, grow_arg, res);
		res->decrypted++;
next:
		d += step;
		len -= step;
		rest -= step;
	}
	return res->decrypted;
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
	struct xb_quic_crypto *c = xb_quic_crypto_create(0);
	struct {
		struct xb_reasm r;
		uint32_t bits[XB_NAME_BUF / 32];
		uint8_t data[XB_NAME_BUF];
	} *w = malloc(sizeof(*w));
	struct xb_reasm *r = w ? &w->r : NULL;
	int rc = XB_NAME_GIVE_UP;
	if (!c || !w) {
		xb_quic_crypto_free(c);
		free(w);
		return XB_NAME_GIVE_UP;
	}
	struct xb_quic_flow f;
	struct xb_quic_dgram_result res;
	xb_quic_flow_reset(&f);
	xb_reasm_init(r, w->data, w->bits, XB_NAME_BUF);
	if (xb_quic_dgram(c, &f, dgram, len, len, 0, r, NULL, NULL, &res) > 0 &&
	    !res.conflict) {
		rc = xb_tls_hs_sni(r->data, r->prefix, out);
		if (rc == XB_NAME_FOUND)
			out->source = XB_NAME_SRC_QUIC;
		else
			rc = XB_NAME_GIVE_UP; /* one datagram: no more bytes */
	}
	xb_quic_crypto_free(c);
	free(w);
	return rc;
}
