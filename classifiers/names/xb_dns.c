/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS messages (RFC 1035): question name and A/AAAA answers.
 *
 * Name decoding: labels of at most 63 bytes, at most 255 bytes on the wire
 * in total (counted over the expanded name), compression pointers only to
 * an offset strictly before the label they replace (each jump goes
 * backwards, so no loop can last), reserved label types (0x40, 0x80)
 * rejected, and every read checked against the message length.
 *
 * Thread safety: reentrant.
 */
#include "xb_bytes.h"
#include "xb_dns.h"

#include <stdbool.h>
#include <string.h>

#define DNS_HDR 12
#define DNS_LABEL_MAX 63
#define DNS_NAME_WIRE_MAX 255
#define DNS_ANSWERS_MAX 32
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28

int
xb_dns_read_name(const uint8_t *msg, uint32_t len, uint32_t off, char *txt,
		 uint32_t *txt_len, uint32_t *next)
{
	uint32_t wire = 0, t = 0, pos = off, end = 0;
	bool jumped = false;
	for (;;) {
		if (pos >= len)
			return -1;
		uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -1;
			uint32_t target = (uint32_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (target >= pos) /* only backwards: no loops */
				return -1;
			if (!jumped) {
				end = pos + 2;
				jumped = true;
			}
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return -1; /* 0x40 / 0x80: reserved label types */
		wire += 1u + l;
		if (wire > DNS_NAME_WIRE_MAX)
			return -1;
		if (l == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return -1;
		if (t)
			txt[t++] = '.';
		for (uint32_t k = 0; k < l; k++) {
			uint8_t c = msg[pos + 1 + k];
			if (c == '.')
				return -1; /* would change the name's structure */
			txt[t++] = (char)c;
		}
		pos += 1u + l;
	}
	/* wire <= 255 keeps t <= 253 (labels + dots, no root). */
	txt[t] = '\0';
	*txt_len = t;
	*next = end;
	return 0;
}

/* Skip a name without decoding it (for answer owner names). */
static int
skip_name(const uint8_t *msg, uint32_t len, uint32_t off, uint32_t *next)
{
	uint32_t wire = 0;
	for (;;) {
		if (off >= len)
			return -1;
		uint8_t l = msg[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len)
				return -1;
			*next = off + 2;
			return 0;
		}
		if (l & 0xc0)
			return -1;
		wire += 1u + l;
		if (wire > DNS_NAME_WIRE_MAX)
			return -1;
		if (l == 0) {
			*next = off + 1;
			return 0;
		}
		off += 1u + l;
	}
}

int
xb_dns_qname(const uint8_t *msg, uint32_t len, struct xb_name *out)
{
	if (len < DNS_HDR)
		return XB_NAME_GIVE_UP;
	uint32_t qd = xb_be16(msg + 4), an = xb_be16(msg + 6);
	if ((msg[2] & 0x78) != 0) /* opcode: only QUERY carries names */
		return XB_NAME_GIVE_UP;
	if (qd == 0 && an == 0)
		return XB_NAME_GIVE_UP;
	char txt[256];
	uint32_t tl, next;
	/* First question, or (qd == 0: an mDNS announcement) first answer. */
	if (xb_dns_read_name(msg, len, DNS_HDR, txt, &tl, &next) < 0)
		return XB_NAME_GIVE_UP;
	if (qd && next + 4 > len)
		return XB_NAME_GIVE_UP;
	return xb_name_store(out, (const uint8_t *)txt, tl, XB_NAME_SRC_DNS);
}

int
xb_dns_answers(const uint8_t *msg, uint32_t len, xb_dns_addr_cb cb, void *arg)
{
	if (len < DNS_HDR || !(msg[2] & 0x80) || (msg[2] & 0x78) ||
	    (msg[3] & 0x0f))
		return -1; /* not a successful standard response */
	uint32_t qd = xb_be16(msg + 4), an = xb_be16(msg + 6);
	if (qd != 1 || an == 0)
		return 0;
	char txt[256];
	uint32_t tl, off;
	if (xb_dns_read_name(msg, len, DNS_HDR, txt, &tl, &off) < 0)
		return 0;
	struct xb_name qn;
	if (xb_name_store(&qn, (const uint8_t *)txt, tl, XB_NAME_SRC_DNS_CACHE) !=
	    XB_NAME_FOUND)
		return 0;
	off += 4; /* qtype, qclass */
	int n = 0;
	if (an > DNS_ANSWERS_MAX)
		an = DNS_ANSWERS_MAX;
	for (uint32_t i = 0; i < an; i++) {
		if (skip_name(msg, len, off, &off) < 0 || off + 10 > len)
			break;
		uint32_t type = xb_be16(msg + off), class = xb_be16(msg + off + 2);
		uint32_t ttl = (uint32_t)msg[off + 4] << 24 |
			       (uint32_t)msg[off + 5] << 16 |
			       (uint32_t)msg[off + 6] << 8 | msg[off + 7];
		uint32_t rdlen = xb_be16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			break;
		if ((class & 0x7fff) == 1) {
			if (type == DNS_TYPE_A && rdlen == 4) {
				cb(arg, 4, msg + off, ttl, &qn);
				n++;
			} else if (type == DNS_TYPE_AAAA && rdlen == 16) {
				cb(arg, 6, msg + off, ttl, &qn);
				n++;
			}
		}
		off += rdlen;
	}
	return n;
}

int
xb_dns_question(const uint8_t *msg, uint32_t len, struct xb_dns_question *q)
{
	char txt[256];
	uint32_t tl, next;

	if (len < DNS_HDR || xb_be16(msg + 4) != 1)
		return -1;
	if (xb_dns_read_name(msg, len, DNS_HDR, txt, &tl, &next) < 0 ||
	    next + 4 > len)
		return -1;
	if (xb_name_store(&q->name, (const uint8_t *)txt, tl,
			  XB_NAME_SRC_DNS) != XB_NAME_FOUND)
		return -1;
	q->id = xb_be16(msg);
	q->flags = xb_be16(msg + 2);
	q->qtype = xb_be16(msg + next);
	q->qclass = xb_be16(msg + next + 2);
	return 0;
}
