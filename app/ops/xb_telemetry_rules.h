/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands that name table lines (see app/ops/OUTPUTS.md):
 *   /xbgw/explain,PROTO,SRC,DST,SPORT,DPORT[,name=N][,vlan=V][,tenant=T]
 *                [,time=HH:MM]         the verdict of one flow, step by step
 *   /xbgw/rules                         hit counters per table (summary)
 *   /xbgw/rules,TABLE[,OFFSET]          one table's rows with their hits
 *
 * Both read the live ruleset on DPDK's telemetry thread with the control
 * lock held (xb_control.h), as /xbgw/ruleset does, so a reload cannot free
 * it meanwhile.  Explain allocates its own Hyperscan scratch per request
 * (classifiers/xb_explain.c), never a worker's.
 */
#ifndef XB_TELEMETRY_RULES_H
#define XB_TELEMETRY_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ruleset.h"

/* Register the commands.  0 or -1.  Main lcore, before workers start. */
int xb_telemetry_rules_register(void);

/* Rows of one /xbgw/rules,TABLE reply: at most this many, and no more
 * than fit XB_RULES_PAGE_BUDGET bytes of JSON (a reply is 16 KiB). */
#define XB_RULES_PAGE_ROWS 60
#define XB_RULES_PAGE_BUDGET 12000

/* The table of a /xbgw/rules parameter: its key ("qos") or file name
 * ("qos.csv"); -1 when none. */
int xb_rules_table_parse(const char *s);

/*
 * How many rows of table t from row index offset go into one page: at
 * most XB_RULES_PAGE_ROWS and the JSON budget (each row's text as sent:
 * cut at 127 bytes, escaped).  Pure; used by the command and its test.
 */
unsigned int xb_rules_page_rows(const struct xb_rows *rows,
				unsigned int offset);

#endif /* XB_TELEMETRY_RULES_H */
