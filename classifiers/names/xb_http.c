/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request: Host header from a prefix of the client's byte stream.
 *
 * Request line: any method token (RFC 9110 tchar, upper-case letters in
 * practice; 1..20 bytes), SP, target, SP, "HTTP/".  Header names compare
 * case-insensitively; bare LF line ends are accepted.  The Host value loses
 * surrounding whitespace, its port and IPv6 brackets.  Without a Host header
 * an absolute-form target ("http://host:port/...") gives the name.  Bare IP
 * hosts are names too (nDPI reports them as well).
 *
 * Thread safety: reentrant.
 */
#include "xb_http.h"

#include <stdbool.h>
#include <string.h>

#define HTTP_METHOD_MAX 20

static bool
is_tchar(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* Store a host[:port] value: brackets and port stripped. */
static int
store_host(const uint8_t *v, uint32_t n, struct xb_name *out)
{
	while (n && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n && v[0] == '[') { /* IPv6 literal */
		const uint8_t *rb = memchr(v, ']', n);
		if (!rb)
			return XB_NAME_GIVE_UP;
		return xb_name_store(out, v + 1, (uint32_t)(rb - v - 1),
				     XB_NAME_SRC_HTTP);
	}
	/* One colon: host:port.  Several: an unbracketed IPv6, keep whole. */
	const uint8_t *c = memchr(v, ':', n);
	if (c && !memchr(c + 1, ':', n - (uint32_t)(c - v) - 1))
		n = (uint32_t)(c - v);
	return xb_name_store(out, v, n, XB_NAME_SRC_HTTP);
}

static bool
ieq(const uint8_t *a, const char *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = a[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != (uint8_t)b[i])
			return false;
	}
	return true;
}

int
xb_http_host(const uint8_t *buf, uint32_t len, struct xb_name *out)
{
	uint32_t i = 0;
	while (i < len && i <= HTTP_METHOD_MAX && is_tchar(buf[i]))
		i++;
	if (i == len)
		return i <= HTTP_METHOD_MAX ? XB_NAME_MORE : XB_NAME_GIVE_UP;
	if (i == 0 || i > HTTP_METHOD_MAX || buf[i] != ' ')
		return XB_NAME_GIVE_UP;
	uint32_t tgt = ++i;
	while (i < len && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
		i++;
	if (i == len)
		return XB_NAME_MORE;
	if (buf[i] != ' ' || i == tgt)
		return XB_NAME_GIVE_UP;
	uint32_t tgt_end = i++;
	static const char ver[] = "HTTP/";
	for (uint32_t k = 0; k < 5; k++, i++) {
		if (i == len)
			return XB_NAME_MORE;
		if (buf[i] != (uint8_t)ver[k])
			return XB_NAME_GIVE_UP;
	}
	const uint8_t *nl = memchr(buf + i, '\n', len - i);
	if (!nl)
		return XB_NAME_MORE;
	i = (uint32_t)(nl - buf) + 1;
	/* Header lines. */
	for (;;) {
		if (i == len)
			return XB_NAME_MORE;
		nl = memchr(buf + i, '\n', len - i);
		if (!nl)
			return XB_NAME_MORE;
		uint32_t e = (uint32_t)(nl - buf); /* excludes '\n' */
		uint32_t n = e - i;
		if (n && buf[e - 1] == '\r')
			n--;
		if (n == 0)
			break; /* end of headers */
		if (n >= 5 && ieq(buf + i, "host:", 5))
			return store_host(buf + i + 5, n - 5, out);
		i = e + 1;
	}
	/* No Host: absolute-form target. */
	const uint8_t *t = buf + tgt;
	uint32_t tn = tgt_end - tgt;
	uint32_t skip = 0;
	if (tn > 7 && ieq(t, "http://", 7))
		skip = 7;
	else if (tn > 8 && ieq(t, "https://", 8))
		skip = 8;
	if (!skip)
		return XB_NAME_GIVE_UP;
	t += skip;
	tn -= skip;
	uint32_t h = 0;
	while (h < tn && t[h] != '/' && t[h] != '?' && t[h] != '#')
		h++;
	const uint8_t *at = memchr(t, '@', h); /* userinfo */
	if (at) {
		h -= (uint32_t)(at + 1 - t);
		t = at + 1;
	}
	return store_host(t, h, out);
}
