/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow log: one JSON line per flow when it ends (idle, closed, evicted) or
 * at exit, written by the main lcore from the workers' flow-record rings
 * (app/dp/xb_flowrec.h).
 */
#ifndef XB_FLOWLOG_H
#define XB_FLOWLOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xb_flowrec.h"
#include "xb_ruleset.h"

/* Consumer: write every committed record as a JSON line; returns count. */
unsigned int xb_flowlog_drain(struct xb_flowrec_ring *r, FILE *out);

/* Write one record as a JSON line.  rs: the ruleset of the record's
 * generation (its geo sources name the country's line), or NULL when
 * that ruleset is gone (the lines are then null).  Main lcore. */
void xb_flowlog_write(FILE *out, const struct xb_flow_record *rec,
		      const struct xb_ruleset *rs);

#endif /* XB_FLOWLOG_H */
