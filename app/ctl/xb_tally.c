/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
xb_tally_add(struct xb_tally *t, const char *name, uint64_t packets,
	     uint64_t bytes)
{
	for (unsigned int i = 0; i < t->n; i++) {
		if (strcmp(t->e[i].name, name) == 0) {
			t->e[i].packets += packets;
			t->e[i].bytes += bytes;
			return;
		}
	}
	if (packets == 0 && bytes == 0)
		return;
	if (t->n == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 64;
		struct xb_tally_entry *e = realloc(t->e, cap * sizeof(*e));

		if (e == NULL)
			return;
		t->e = e;
		t->cap = cap;
	}
	snprintf(t->e[t->n].name, sizeof(t->e[t->n].name), "%s", name);
	t->e[t->n].packets = packets;
	t->e[t->n].bytes = bytes;
	t->n++;
}

void
xb_tally_copy(struct xb_tally *dst, const struct xb_tally *src)
{
	memset(dst, 0, sizeof(*dst));
	for (unsigned int i = 0; i < src->n; i++)
		xb_tally_add(dst, src->e[i].name, src->e[i].packets,
			     src->e[i].bytes);
}

void
xb_tally_free(struct xb_tally *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}
