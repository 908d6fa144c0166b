/* SPDX-License-Identifier: BSD-3-Clause */
/* TEMPORARY placeholder so the tree builds; replaced by the real parser
 * (branch "parser"). */
#include "xb_parse.h"

#include <string.h>

int
xb_parse(const uint8_t *hdr, uint32_t hdr_len, uint32_t frame_len,
	 struct xb_pkt_info *out)
{
	(void)hdr;
	(void)hdr_len;
	(void)frame_len;
	memset(out, 0, sizeof(*out));
	return XB_PARSE_NOT_IP;
}
