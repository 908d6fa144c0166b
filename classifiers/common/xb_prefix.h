/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP prefixes as written in tables: "192.0.2.0/24", "2001:db8::/32", or a
 * bare address (a host prefix).  Addresses are kept in network byte order in
 * a 16-byte array; IPv4 uses the first 4 bytes.
 */
#ifndef XB_PREFIX_H
#define XB_PREFIX_H

#include <stdbool.h>
#include <stdint.h>

struct xb_prefix {
	uint8_t family; /* 4 or 6 */
	uint8_t len;    /* prefix length in bits */
	uint8_t addr[16];
};

/* Parse text; returns 0, or -1 with a reason in *why (static string).
 * Host bits set below the prefix length are an error ("host bits set"),
 * as a typo there usually means a wrong prefix. */
int xb_prefix_parse(const char *text, struct xb_prefix *out, const char **why);

/* Does addr (same family, network order) fall inside p? */
bool xb_prefix_contains(const struct xb_prefix *p, const uint8_t *addr);

/* Order prefixes by family, then length (shorter first), then address:
 * <0, 0, >0 like memcmp. */
int xb_prefix_cmp(const struct xb_prefix *a, const struct xb_prefix *b);

/* Format into buf (>= 48 bytes). */
void xb_prefix_format(const struct xb_prefix *p, char *buf, unsigned int size);

/* Format an address of the given family (4 or 6) into buf (>= 46 bytes). */
void xb_addr_format(uint8_t family, const uint8_t *addr, char *buf,
		    unsigned int size);

#endif /* XB_PREFIX_H */
