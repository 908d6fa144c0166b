/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The name store every extractor shares (see xb_name.h).
 */
#include "xb_name.h"

static const char *const src_str[XB_NAME_SRC_COUNT] = {
	"none", "tls", "quic", "http", "dns", "dns-cache"};

const char *
xb_name_source_str(enum xb_name_source s)
{
	return (unsigned)s < XB_NAME_SRC_COUNT ? src_str[s] : "?";
}

int
xb_name_store(struct xb_name *out, const uint8_t *s, uint32_t len,
	      uint8_t source)
{
	while (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len > XB_NAME_MAX)
		return XB_NAME_GIVE_UP;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		if (c < 0x20 || c == 0x7f)
			return XB_NAME_GIVE_UP;
		if (c >= 'A' && c <= 'Z')
			c += 32;
		out->str[i] = (char)c;
	}
	out->str[len] = '\0';
	out->len = (uint8_t)len;
	out->source = source;
	out->flags = 0;
	return XB_NAME_FOUND;
}
