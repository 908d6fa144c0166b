/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS messages: the query name, names with compression pointers, and the
 * A/AAAA answers that feed the address -> name cache.  Pure C, no state.
 */
#ifndef XB_DNS_H
#define XB_DNS_H

#include <stdint.h>

#include "xb_name.h"

/* DNS message (no TCP prefix): first question name, or for a message with
 * no question the first answer's owner name (mDNS announcements). */
int xb_dns_qname(const uint8_t *msg, uint32_t len, struct xb_name *out);
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

/* The header and the one question of a DNS message, what pairs an answer
 * with the query it answers (RFC 5452: id, question name, type, class). */
struct xb_dns_question {
	uint16_t id;     /* transaction id */
	uint16_t flags;  /* header bytes 2..3: QR, opcode, AA, TC, RD, RA, rcode */
	uint16_t qtype, qclass;
	struct xb_name name; /* lower-cased, no trailing dot (xb_name_store) */
};
#define XB_DNS_FLAG_QR 0x8000u     /* a response */
#define XB_DNS_OPCODE_MASK 0x7800u /* 0: a standard query */
#define XB_DNS_RCODE_MASK 0x000fu  /* 0: no error */
/* Parse the header and the question of a message (no TCP length prefix)
 * with exactly one question that reads whole (name, type and class inside
 * len; compression as xb_dns_read_name).  Returns 0, or -1 for anything
 * else (short, no or several questions, a name that does not read or does
 * not store).  Reentrant. */
int xb_dns_question(const uint8_t *msg, uint32_t len,
		    struct xb_dns_question *q);

#endif /* XB_DNS_H */
