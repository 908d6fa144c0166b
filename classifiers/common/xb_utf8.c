/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UTF-8 checking and repair (see xb_utf8.h).  The well-formed byte
 * sequences are those of Unicode 15.0 Table 3-7; the second byte's range
 * depends on the first, which is what rules out overlong forms,
 * surrogates and code points above U+10FFFF.
 */
#include "xb_utf8.h"

#include <string.h>

int
xb_utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t c = s[0];
	uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
	int len;
	uint32_t v;

	if (c < 0x80) {
		if (cp != NULL)
			*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates U+D800..DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return -1; /* continuation byte, C0, C1, F5..FF */
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i; /* lead and the i-1 bytes that fitted */
		v = v << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	if (cp != NULL)
		*cp = v;
	return len;
}

bool
xb_utf8_valid(const void *s, size_t n)
{
	const uint8_t *p = s;

	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		int k = xb_utf8_next(p + i, n - i, NULL);

		if (k < 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

size_t
xb_utf8_repaired_len(const void *s, size_t n)
{
	const uint8_t *p = s;
	size_t out = 0;

	for (size_t i = 0; i < n;) {
		int k = p[i] < 0x80 ? 1 : xb_utf8_next(p + i, n - i, NULL);

		if (k > 0) {
			out += (size_t)k;
			i += (size_t)k;
		} else {
			out += XB_UTF8_REPLACEMENT_LEN;
			i += (size_t)-k;
		}
	}
	return out;
}

size_t
xb_utf8_repair(void *dst, size_t cap, const void *s, size_t n)
{
	const uint8_t *p = s;
	uint8_t *d = dst;
	size_t out = 0;

	for (size_t i = 0; i < n;) {
		int k = p[i] < 0x80 ? 1 : xb_utf8_next(p + i, n - i, NULL);
		const uint8_t *from = k > 0 ? p + i
					    : (const uint8_t *)XB_UTF8_REPLACEMENT;
		size_t len = k > 0 ? (size_t)k : XB_UTF8_REPLACEMENT_LEN;

		if (out + len > cap)
			break;
		memcpy(d + out, from, len);
		out += len;
		i += (size_t)(k > 0 ? k : -k);
	}
	return out;
}

size_t
xb_utf8_repair_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = xb_utf8_repair(dst, dstlen - 1, src, strlen(src));

	dst[n] = '\0';
	return n;
}
