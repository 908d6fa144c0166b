/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet and byte totals keyed by name (country code, category, tenant).
 * Names, not ruleset ids, so totals survive reloads that renumber tables.
 * Control plane only; sizes are small (hundreds of keys).
 */
#ifndef XB_TALLY_H
#define XB_TALLY_H

#include <stdint.h>

struct xb_tally_entry {
	char name[48];
	uint64_t packets;
	uint64_t bytes;
};

struct xb_tally {
	struct xb_tally_entry *e;
	unsigned int n, cap;
};

void xb_tally_add(struct xb_tally *t, const char *name, uint64_t packets,
		  uint64_t bytes);
void xb_tally_copy(struct xb_tally *dst, const struct xb_tally *src);
void xb_tally_free(struct xb_tally *t);

#endif /* XB_TALLY_H */
