/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly window of one stream (TCP payload or QUIC CRYPTO frames):
 * bytes [0, cap) of the stream, in a buffer the caller gives (a slot's own
 * XB_NAME_BUF bytes, or a big buffer it moves to).  The first copy of a
 * byte wins; a later copy that differs is remembered (conflict): two
 * different payloads for one stream range are a decoy beside the real
 * bytes.  Inline, no state beyond the window itself.
 */
#ifndef XB_REASM_H
#define XB_REASM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "xb_name.h"

struct xb_reasm {
	uint32_t prefix;   /* bytes [0, prefix) are all present */
	uint32_t high;     /* one past the highest byte present */
	uint32_t cap;      /* window size, a multiple of 32 */
	uint8_t conflict;  /* a copy differed from the bytes held */
	uint8_t clipped;   /* bytes beyond cap were offered */
	uint32_t *bits;    /* cap / 32 words: which bytes are present */
	uint8_t *data;     /* cap bytes */
};

static inline void
xb_reasm_init(struct xb_reasm *r, uint8_t *data, uint32_t *bits, uint32_t cap)
{
	r->data = data;
	r->bits = bits;
	r->cap = cap;
	r->prefix = r->high = 0;
	r->conflict = r->clipped = 0;
	memset(bits, 0, cap / 8);
}

/* Empty the window, keeping its buffer.  Only bitmap words below `high`
 * can be set (put, shift and move never set a bit at or past it), so only
 * those are cleared: a name slot reclaimed cold after a flow that kept
 * nothing (a flood of junk QUIC Initials) costs no 1 KB memset. */
static inline void
xb_reasm_reset(struct xb_reasm *r)
{
	uint32_t words = (r->high + 31) / 32;
	if (words > r->cap / 32)
		words = r->cap / 32;
	memset(r->bits, 0, words * sizeof(r->bits[0]));
	r->prefix = r->high = 0;
	r->conflict = r->clipped = 0;
}

/* Move the window into a larger buffer (data, bits of cap bytes); the
 * bytes held so far come along. */
static inline void
xb_reasm_move(struct xb_reasm *r, uint8_t *data, uint32_t *bits, uint32_t cap)
{
	memcpy(data, r->data, r->high);
	memset(bits, 0, cap / 8);
	memcpy(bits, r->bits, r->cap / 8);
	r->data = data;
	r->bits = bits;
	r->cap = cap;
}

/*
 * Copy [off, off+len) in, clipped to the window (clipped set when bytes
 * fall beyond it).  Bytes already present are compared, not overwritten:
 * a difference sets conflict.  Work is linear in len: whole 32-byte runs
 * are copied or compared at once.  Returns the contiguous prefix length.
 */
static inline uint32_t
xb_reasm_put(struct xb_reasm *r, uint64_t off, const uint8_t *p, uint32_t len)
{
	if (len == 0)
		return r->prefix;
	if (off >= r->cap) {
		r->clipped = 1;
		return r->prefix;
	}
	uint64_t end = off + len;
	if (end > r->cap) {
		end = r->cap;
		r->clipped = 1;
	}
	uint32_t i = (uint32_t)off, e = (uint32_t)end;
	const uint8_t *src = p;
	while (i < e) {
		uint32_t w = r->bits[i >> 5];
		if ((i & 31) == 0 && e - i >= 32 && (w == 0 || w == UINT32_MAX)) {
			if (w == 0) {
				memcpy(r->data + i, src, 32);
				r->bits[i >> 5] = UINT32_MAX;
			} else if (memcmp(r->data + i, src, 32) != 0) {
				r->conflict = 1;
			}
			i += 32;
			src += 32;
			continue;
		}
		uint32_t bit = 1u << (i & 31);
		if (w & bit) {
			if (r->data[i] != *src)
				r->conflict = 1;
		} else {
			r->data[i] = *src;
			r->bits[i >> 5] = w | bit;
		}
		i++;
		src++;
	}
	if (e > r->high)
		r->high = e;
	while (r->prefix < r->high) {
		uint32_t w = r->bits[r->prefix >> 5] >> (r->prefix & 31);
		if ((r->prefix & 31) == 0 && w == UINT32_MAX) {
			r->prefix += 32;
			continue;
		}
		if (!(w & 1))
			break;
		r->prefix++;
	}
	if (r->prefix > r->high)
		r->prefix = r->high;
	return r->prefix;
}

/* True when [off, off+len) lies inside the window's present bytes and
 * equals them (a pure retransmission). */
static inline bool
xb_reasm_same(const struct xb_reasm *r, uint64_t off, const uint8_t *p,
	      uint32_t len)
{
	return off + len <= r->prefix && memcmp(r->data + off, p, len) == 0;
}

#endif /* XB_REASM_H */
