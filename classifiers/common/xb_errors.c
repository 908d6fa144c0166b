/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_errors.h"

#include <stdlib.h>
#include <string.h>

void
xb_errors_init(struct xb_errors *e)
{
	memset(e, 0, sizeof(*e));
}

void
xb_errors_free(struct xb_errors *e)
{
	for (unsigned int i = 0; i < e->stored; i++)
		free(e->msgs[i]);
	free(e->msgs);
	memset(e, 0, sizeof(*e));
}

void
xb_errors_vadd(struct xb_errors *e, const char *file, unsigned int line,
	       const char *fmt, va_list ap)
{
	char body[512];
	char *msg;
	int len;

	e->n++;
	if (e->stored >= XB_ERRORS_MAX_STORED)
		return;
	vsnprintf(body, sizeof(body), fmt, ap);
	if (line > 0)
		len = snprintf(NULL, 0, "%s:%u: %s", file, line, body);
	else
		len = snprintf(NULL, 0, "%s: %s", file, body);
	msg = malloc((size_t)len + 1);
	if (msg == NULL)
		return;
	if (line > 0)
		snprintf(msg, (size_t)len + 1, "%s:%u: %s", file, line, body);
	else
		snprintf(msg, (size_t)len + 1, "%s: %s", file, body);
	if (e->stored == e->cap) {
		unsigned int cap = e->cap ? e->cap * 2 : 16;
		char **m = realloc(e->msgs, cap * sizeof(*m));
		if (m == NULL) {
			free(msg);
			return;
		}
		e->msgs = m;
		e->cap = cap;
	}
	e->msgs[e->stored++] = msg;
}

void
xb_errors_add(struct xb_errors *e, const char *file, unsigned int line,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xb_errors_vadd(e, file, line, fmt, ap);
	va_end(ap);
}

void
xb_errors_print(const struct xb_errors *e, FILE *out)
{
	for (unsigned int i = 0; i < e->stored; i++)
		fprintf(out, "%s\n", e->msgs[i]);
	if (e->n > e->stored)
		fprintf(out, "... and %u more errors\n", e->n - e->stored);
}

void
xb_errors_join(const struct xb_errors *e, char *buf, size_t size)
{
	size_t off = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (unsigned int i = 0; i < e->stored && off + 1 < size; i++) {
		int w = snprintf(buf + off, size - off, "%s%s", i ? "\n" : "",
				 e->msgs[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}
