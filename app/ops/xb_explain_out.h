/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The explain document (classifiers/xb_explain.h) as JSON (`xbgw --explain
 * --json`) or as one line per step for people (`xbgw --explain`), and the
 * parsing of an explain request's words (PROTO SRC DST SPORT DPORT), which
 * the command line and telemetry /xbgw/explain share.  Control plane.
 */
#ifndef XB_EXPLAIN_OUT_H
#define XB_EXPLAIN_OUT_H

#include <stdio.h>

#include "xb_explain.h"

/* Parse the five words into q (proto: tcp, udp, icmp, icmp6 or a number;
 * addresses of one family; ports 0..65535).  Returns 0, or -1 with the
 * reason in why. */
int xb_explain_parse(const char *proto, const char *src, const char *dst,
		     const char *sport, const char *dport,
		     struct xb_explain_query *q, char *why, size_t whylen);

/* "HH:MM" local time (utc_offset_s east of UTC) on the UTC day of now_ns
 * into *out_ns.  Returns 0 or -1. */
int xb_explain_parse_time(const char *hhmm, int32_t utc_offset_s,
			  uint64_t now_ns, uint64_t *out_ns);

/* The document: {"flow": {...}, "steps": [...], "verdict": {...}}. */
void xb_explain_print_json(FILE *f, const struct xb_explain_query *q,
			   const struct xb_explain *e);
/* One line per step: "country   SG   geo/apnic...:1234 1.21.224.0/20". */
void xb_explain_print_text(FILE *f, const struct xb_explain_query *q,
			   const struct xb_explain *e);

#endif /* XB_EXPLAIN_OUT_H */
