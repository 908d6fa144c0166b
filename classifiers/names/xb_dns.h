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

#endif /* XB_DNS_H */
