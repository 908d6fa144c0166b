/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A string value in a telemetry reply, shared by the /xbgw/ commands
 * (xb_telemetry*.c): repaired to valid UTF-8 (xb_utf8.h, the rule of
 * every output) and cut at a character boundary to what DPDK telemetry
 * holds (RTE_TEL_MAX_STRING_LEN), never failed.  DPDK's JSON writer
 * escapes quotes, backslashes and controls itself.  Inline, so the
 * command files that register each other share it without a circle.
 */
#ifndef XB_TEL_STR_H
#define XB_TEL_STR_H

#include <rte_telemetry.h>

#include "xb_utf8.h"

static inline void
xb_tel_dict_str(struct rte_tel_data *d, const char *k, const char *v)
{
	char buf[RTE_TEL_MAX_STRING_LEN];

	xb_utf8_repair_str(buf, sizeof(buf), v);
	rte_tel_data_add_dict_string(d, k, buf);
}

#endif
