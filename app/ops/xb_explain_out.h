/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The explain document (classifiers/xb_explain.h) as JSON (`xbgw --explain
 * --json`) or as one line per step for people (`xbgw --explain`); the
 * request's parsing is classifiers/xb_explain_query.h.  Control plane.
 */
#ifndef XB_EXPLAIN_OUT_H
#define XB_EXPLAIN_OUT_H

#include <stdio.h>

#include "xb_explain.h"

/* The document: {"flow": {...}, "steps": [...], "verdict": {...}}. */
void xb_explain_print_json(FILE *f, const struct xb_explain_query *q,
			   const struct xb_explain *e);
/* One line per step: "country   SG   geo/apnic...:1234 1.21.224.0/20". */
void xb_explain_print_text(FILE *f, const struct xb_explain_query *q,
			   const struct xb_explain *e);

#endif /* XB_EXPLAIN_OUT_H */
