/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly window of one stream (TCP payload or QUIC CRYPTO frames):
 * bytes [0, XB_NAME_BUF), first copy of a byte wins.  Inline, no state
 * beyond the window itself.  A struct xb_reasm starts zeroed (calloc) or
 * reset; reset relies on `high` (see there).
 */
#ifndef XB_REASM_H
#define XB_REASM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "xb_name.h"

struct xb_reasm {
	uint32_t prefix; /* bytes [0, prefix) are all present */
	uint32_t high;   /* one past the highest byte present */
	uint32_t bits[XB_NAME_BUF / 32];
	uint8_t data[XB_NAME_BUF];
};

/* Empty the window.  Only the bitmap words below `high` can be set (put
 * and shift never set a bit at or past it), so only those are cleared: a
 * slot reused after a flow that kept nothing costs no memset (slots are
 * reclaimed cold under floods of new flows). */
static inline void
xb_reasm_reset(struct xb_reasm *r)
{
	uint32_t words = (r->high + 31) / 32;
	if (words > XB_NAME_BUF / 32) /* a zeroed or corrupt struct */
		words = XB_NAME_BUF / 32;
	memset(r->bits, 0, words * sizeof(r->bits[0]));
	r->prefix = 0;
	r->high = 0;
}

/* Copy [off, off+len) in, clipped to the window; first copy of a byte wins
 * for bytes already present in the contiguous prefix (a retransmission
 * cannot change what was already parsed), later copies overwrite holes.
 * Returns the new contiguous prefix length. */
static inline uint32_t
xb_reasm_put(struct xb_reasm *r, uint64_t off, const uint8_t *p, uint32_t len)
{
	if (off >= XB_NAME_BUF || len == 0)
		return r->prefix;
	uint64_t end = off + len;
	if (end > XB_NAME_BUF)
		end = XB_NAME_BUF;
	uint32_t o = (uint32_t)off, e = (uint32_t)end;
	if (o < r->prefix) { /* skip what the prefix already has */
		p += r->prefix - o;
		o = r->prefix;
	}
	if (o < e)
		memcpy(r->data + o, p, e - o);
	for (uint32_t i = o; i < e; i++)
		r->bits[i >> 5] |= 1u << (i & 31);
	if (e > r->high)
		r->high = e;
	while (r->prefix < XB_NAME_BUF) {
		uint32_t w = r->bits[r->prefix >> 5] >> (r->prefix & 31);
		if ((r->prefix & 31) == 0 && w == UINT32_MAX) {
			r->prefix += 32;
			continue;
		}
		if (!(w & 1))
			break;
		r->prefix++;
	}
	return r->prefix;
}

/*
 * True when [off, off+len) (clipped to the window) overlaps bytes already
 * present that differ from p: a second, different copy of the same stream
 * range, which is what a decoy (bad checksum, short TTL) beside the real
 * packet looks like.  Bytes not yet present never conflict.  Call it before
 * xb_reasm_put() with the same arguments.  Cost: one bitmap word per 32
 * bytes, a memcmp per fully present word.
 */
static inline bool
xb_reasm_conflicts(const struct xb_reasm *r, uint64_t off, const uint8_t *p,
		   uint32_t len)
{
	if (off >= r->high || off >= XB_NAME_BUF || len == 0)
		return false;
	uint64_t end = off + len;
	if (end > r->high)
		end = r->high;
	if (end > XB_NAME_BUF) /* high never is; says so to the compiler */
		end = XB_NAME_BUF;
	uint32_t i = (uint32_t)off, e = (uint32_t)end;
	while (i < e) {
		uint32_t w = r->bits[i >> 5];
		if ((i & 31) == 0 && i + 32 <= e && w == UINT32_MAX) {
			if (memcmp(r->data + i, p + (i - off), 32) != 0)
				return true;
			i += 32;
			continue;
		}
		if ((i & 31) == 0 && w == 0) { /* a hole: nothing to compare */
			i += 32;
			continue;
		}
		if ((w >> (i & 31)) & 1 && r->data[i] != p[i - off])
			return true;
		i++;
	}
	return false;
}

/* Move everything `delta` bytes up (a segment older than the current base
 * arrived).  Returns false when data would fall off the window. */
static inline bool
xb_reasm_shift(struct xb_reasm *r, uint32_t delta)
{
	if (delta == 0)
		return true;
	if ((uint64_t)r->high + delta > XB_NAME_BUF)
		return false;
	memmove(r->data + delta, r->data, r->high);
	uint32_t old_high = r->high;
	uint32_t tmp[XB_NAME_BUF / 32];
	memcpy(tmp, r->bits, sizeof(tmp));
	memset(r->bits, 0, sizeof(r->bits));
	for (uint32_t i = 0; i < old_high; i++)
		if (tmp[i >> 5] & (1u << (i & 31))) {
			uint32_t j = i + delta;
			r->bits[j >> 5] |= 1u << (j & 31);
		}
	r->high = old_high + delta;
	r->prefix = 0; /* bytes [0, delta) are missing until put() fills them */
	return true;
}

#endif /* XB_REASM_H */
