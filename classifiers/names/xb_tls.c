/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS ClientHello server_name from a prefix of the client's byte stream.
 *
 * The parser is prefix-tolerant: every read is checked against the bytes
 * available, and running out of bytes before the ClientHello's own length
 * says it ends is MORE, so the caller can reassemble further segments and
 * retry.  Record versions 3.0 .. 3.4 (and TLS 1.3's legacy 3.1/3.3) are
 * accepted: the record version says nothing reliable.
 *
 * Results: FOUND once the whole ClientHello is there (every extension is
 * looked at: with an encrypted_client_hello or ESNI extension anywhere
 * the outer name is flagged XB_NAME_F_ECH, and without an outer name the
 * flow is UNNAMED: it hides its name); GIVE_UP for a well-formed
 * ClientHello without server_name or ECH (a client that connects to an
 * address: the DNS cache may still know it); UNNAMED for anything that is
 * TLS and cannot be parsed (the flow should have shown a name).
 *
 * Thread safety: reentrant.
 */
#include "xb_bytes.h"
#include "xb_tls.h"

#include <stdbool.h>
#include <string.h>

#define TLS_CT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ECH 0xfe0d  /* encrypted_client_hello (RFC 9849 draft) */
#define TLS_EXT_ESNI 0xffce /* encrypted_server_name (old drafts) */
#define TLS_RECORD_MAX (16384 + 2048)
/* The largest ClientHello servers accept (OpenSSL's limit). */
#define TLS_CLIENT_HELLO_MAX 131396u
/* A ClientHello gathered from several records is copied here: per
 * thread, since the parser is called by every worker. */
static __thread uint8_t gather[XB_NAME_BIG_BUF];

/*
 * Handshake messages: hs[0] type, hs[1..3] length, then the body.
 * `len` bytes are available.
 */
int
xb_tls_hs_sni(const uint8_t *hs, uint32_t len, struct xb_name *out)
{
	if (len == 0)
		return XB_NAME_MORE;
	if (hs[0] != TLS_HS_CLIENT_HELLO)
		return XB_NAME_UNNAMED; /* a client's first message is this */
	if (len < 4)
		return XB_NAME_MORE;
	uint32_t mlen = (uint32_t)hs[1] << 16 | xb_be16(hs + 2);
	if (mlen < 38 || mlen > TLS_CLIENT_HELLO_MAX)
		return XB_NAME_UNNAMED;
	/* The whole message, or MORE: every extension is looked at. */
	if (len - 4 < mlen)
		return XB_NAME_MORE;
	const uint8_t *p = hs + 4;
	uint32_t avail = mlen;
#define NEED(n)                                                              \
	do {                                                                 \
		if ((uint64_t)off + (n) > avail)                             \
			return XB_NAME_UNNAMED;                              \
	} while (0)
	uint32_t off = 0;
	NEED(2 + 32 + 1);
	if (p[0] != 3) /* legacy_version major */
		return XB_NAME_UNNAMED;
	off = 34;
	uint32_t sid = p[off];
	if (sid > 32)
		return XB_NAME_UNNAMED;
	off += 1 + sid;
	NEED(2);
	uint32_t cs = xb_be16(p + off);
	if (cs & 1)
		return XB_NAME_UNNAMED;
	off += 2 + cs;
	NEED(1);
	off += 1 + p[off];
	NEED(0);
	if (off == mlen)
		return XB_NAME_GIVE_UP; /* no extensions at all */
	NEED(2);
	uint32_t ext_end = off + 2 + xb_be16(p + off);
	if (ext_end > mlen)
		return XB_NAME_UNNAMED;
	off += 2;
	int rc = XB_NAME_GIVE_UP; /* no server_name */
	bool hidden = false, sni_seen = false;
	out->len = 0;
	while (off < ext_end) {
		NEED(4);
		uint32_t type = xb_be16(p + off), elen = xb_be16(p + off + 2);
		off += 4;
		if (off + elen > ext_end)
			return XB_NAME_UNNAMED;
		if (type == TLS_EXT_ECH || type == TLS_EXT_ESNI)
			hidden = true;
		if (type != TLS_EXT_SERVER_NAME) {
			off += elen;
			continue;
		}
		if (sni_seen)
			return XB_NAME_UNNAMED; /* two: which one is it? */
		sni_seen = true;
		/* ServerNameList: u16 length, entries {u8 type, u16 len, name} */
		if (elen < 2)
			return XB_NAME_UNNAMED;
		uint32_t l_end = off + 2 + xb_be16(p + off);
		if (l_end > off + elen)
			return XB_NAME_UNNAMED;
		uint32_t q = off + 2;
		while (q + 3 <= l_end) {
			uint32_t ntype = p[q], nlen = xb_be16(p + q + 1);
			q += 3;
			if (q + nlen > l_end)
				return XB_NAME_UNNAMED;
			if (ntype == 0) { /* host_name */
				if (out->len != 0 ||
				    xb_name_store(out, p + q, nlen,
						  XB_NAME_SRC_TLS) !=
					    XB_NAME_FOUND)
					return XB_NAME_UNNAMED;
				rc = XB_NAME_FOUND;
			}
			q += nlen;
		}
		off += elen;
	}
#undef NEED
	if (hidden) {
		if (rc != XB_NAME_FOUND)
			return XB_NAME_UNNAMED; /* hides its name */
		out->flags |= XB_NAME_F_ECH;
	}
	return rc;
}

/* Check one record header at p (5 bytes available). */
static bool
record_ok(const uint8_t *p)
{
	return p[0] == TLS_CT_HANDSHAKE && p[1] == 3 && p[2] <= 4 &&
	       xb_be16(p + 3) > 0 && xb_be16(p + 3) <= TLS_RECORD_MAX;
}

int
xb_tls_sni(const uint8_t *buf, uint32_t len, struct xb_name *out)
{
	if (len == 0)
		return XB_NAME_MORE;
	if (buf[0] != TLS_CT_HANDSHAKE)
		return XB_NAME_GIVE_UP;
	if (len < 5)
		return (len < 2 || buf[1] == 3) ? XB_NAME_MORE : XB_NAME_GIVE_UP;
	if (!record_ok(buf))
		return buf[1] == 3 ? XB_NAME_UNNAMED : XB_NAME_GIVE_UP;
	uint32_t rlen = xb_be16(buf + 3);
	uint32_t have = len - 5;
	if (have < rlen) /* record still arriving */
		return xb_tls_hs_sni(buf + 5, have, out);
	int rc = xb_tls_hs_sni(buf + 5, rlen, out);
	if (rc != XB_NAME_MORE)
		return rc;
	/* The ClientHello continues in the next record(s): gather the
	 * handshake bytes of consecutive handshake records. */
	uint32_t glen = 0, off = 0;
	while (off < len && glen < sizeof(gather)) {
		if (len - off < 5)
			break;
		if (!record_ok(buf + off))
			return XB_NAME_UNNAMED;
		uint32_t rl = xb_be16(buf + off + 3);
		uint32_t take = rl;
		if (take > len - off - 5)
			take = len - off - 5;
		if (take > sizeof(gather) - glen)
			take = sizeof(gather) - glen;
		memcpy(gather + glen, buf + off + 5, take);
		glen += take;
		off += 5 + rl;
	}
	rc = xb_tls_hs_sni(gather, glen, out);
	if (rc == XB_NAME_MORE && glen == sizeof(gather))
		return XB_NAME_UNNAMED;
	return rc;
}
