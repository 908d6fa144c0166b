/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
xb_prefix_parse(const char *text, struct xb_prefix *out, const char **why)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned int maxlen, len;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(buf)) {
		*why = "not an IP address";
		return -1;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (strchr(buf, ':') != NULL) {
		if (inet_pton(AF_INET6, buf, out->addr) != 1) {
			*why = "not an IPv6 address";
			return -1;
		}
		out->family = 6;
		maxlen = 128;
	} else {
		if (inet_pton(AF_INET, buf, out->addr) != 1) {
			*why = "not an IPv4 address";
			return -1;
		}
		out->family = 4;
		maxlen = 32;
	}
	len = maxlen;
	if (slash != NULL) {
		const char *p = slash + 1;

		if (*p == '\0' || strlen(p) > 3) {
			*why = "bad prefix length";
			return -1;
		}
		len = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9') {
				*why = "bad prefix length";
				return -1;
			}
			len = len * 10 + (unsigned int)(*p - '0');
		}
		if (len > maxlen) {
			*why = "prefix length too long";
			return -1;
		}
	}
	out->len = (uint8_t)len;
	for (unsigned int bit = len; bit < maxlen; bit++) {
		if (out->addr[bit / 8] & (0x80u >> (bit % 8))) {
			*why = "host bits set below the prefix length";
			return -1;
		}
	}
	return 0;
}

bool
xb_prefix_contains(const struct xb_prefix *p, const uint8_t *addr)
{
	unsigned int full = p->len / 8, rem = p->len % 8;

	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rem == 0)
		return true;
	return ((p->addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rem)) == 0;
}

int
xb_prefix_cmp(const struct xb_prefix *a, const struct xb_prefix *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

void
xb_addr_format(uint8_t family, const uint8_t *addr, char *buf,
	       unsigned int size)
{
	if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, size) == NULL)
		snprintf(buf, size, "?");
}

void
xb_prefix_format(const struct xb_prefix *p, char *buf, unsigned int size)
{
	char a[INET6_ADDRSTRLEN];

	xb_addr_format(p->family, p->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, p->len);
}
