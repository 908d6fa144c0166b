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

/* Consumer: write every committed record as a JSON line; returns count. */
unsigned int xb_flowlog_drain(struct xb_flowrec_ring *r, FILE *out);

/* Write one record as a JSON line (also used by telemetry). */
void xb_flowlog_write(FILE *out, const struct xb_flow_record *rec);

#endif /* XB_FLOWLOG_H */
