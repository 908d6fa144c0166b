/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error collector for config and table loading.
 *
 * Loaders never stop at the first problem: every bad line is recorded as
 * "file:line: what is wrong (got X, expected Y)" and the caller prints them
 * all.  A load with any error builds nothing (fail closed).
 *
 * Thread safety: one collector per loading thread (control plane only).
 */
#ifndef XB_ERRORS_H
#define XB_ERRORS_H

#include <stdarg.h>
#include <stdio.h>

struct xb_errors {
	char **msgs;       /* formatted messages, in the order found */
	unsigned int n;    /* number of errors recorded (may exceed stored) */
	unsigned int stored;
	unsigned int cap;
};

#define XB_ERRORS_MAX_STORED 1000 /* beyond this, only counted */

void xb_errors_init(struct xb_errors *e);
void xb_errors_free(struct xb_errors *e);

/* Record "file:line: message"; line 0 gives "file: message". */
void xb_errors_add(struct xb_errors *e, const char *file, unsigned int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void xb_errors_vadd(struct xb_errors *e, const char *file, unsigned int line,
		    const char *fmt, va_list ap);

/* Print every stored message, one per line, then a count if some were
 * dropped. */
void xb_errors_print(const struct xb_errors *e, FILE *out);

/* Join stored messages with '\n' into buf (truncated to size). */
void xb_errors_join(const struct xb_errors *e, char *buf, size_t size);

static inline unsigned int
xb_errors_count(const struct xb_errors *e)
{
	return e->n;
}

#endif /* XB_ERRORS_H */
