/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal streaming JSON writer for the output documents (statistics, flow
 * log, events).  Keys and strings are escaped; numbers are written exactly
 * (integers), never through floating point unless asked for.
 *
 * Thread safety: one writer per thread.
 */
#ifndef XB_JSON_H
#define XB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define XB_JSON_MAX_DEPTH 16

struct xb_json {
	FILE *f;
	int depth;
	bool need_comma[XB_JSON_MAX_DEPTH];
	bool pretty;
};

void xb_json_init(struct xb_json *j, FILE *f, bool pretty);
/* key is NULL inside arrays and at the top level. */
void xb_json_object_begin(struct xb_json *j, const char *key);
void xb_json_object_end(struct xb_json *j);
void xb_json_array_begin(struct xb_json *j, const char *key);
void xb_json_array_end(struct xb_json *j);
void xb_json_u64(struct xb_json *j, const char *key, uint64_t v);
void xb_json_i64(struct xb_json *j, const char *key, int64_t v);
void xb_json_double(struct xb_json *j, const char *key, double v, int prec);
void xb_json_str(struct xb_json *j, const char *key, const char *s);
void xb_json_null(struct xb_json *j, const char *key);
void xb_json_bool(struct xb_json *j, const char *key, bool v);
/* A decimal from integer micro-units, e.g. 1234567 -> 1.234567 */
void xb_json_micros(struct xb_json *j, const char *key, int64_t micros);

/* Escape s into f as a JSON string (with quotes). */
void xb_json_write_string(FILE *f, const char *s);

#endif /* XB_JSON_H */
