/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the HTTP request stream parser (xb_http.c).
 * Input: byte 0 picks how the rest is cut, the rest is a client stream.
 * The stream is fed
 *   1. whole,
 *   2. in pieces whose lengths come from a small generator seeded by byte
 *      0 (1..64 bytes, sometimes 0-byte calls),
 *   3. byte by byte (inputs up to 4 KB),
 * each piece copied into a heap buffer of exactly its size, so that ASan
 * sees any read past it.  All three must report the same names, the same
 * final code and, for a tunnel, the same first tunnelled byte; every name
 * must be a valid stored name; xb_http_host() must agree with the first
 * request's outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_http.h"

#define MAX_NAMES 64

struct outcome {
	uint32_t names;
	uint64_t digest; /* FNV-1a over the names in order */
	int first_rc;    /* outcome of the first request */
	struct xb_name first;
	int final;
	size_t tunnel_at;
};

static void
check_name(const struct xb_name *n)
{
	if (n->len == 0 || n->len > XB_NAME_MAX || n->str[n->len] != '\0' ||
	    strlen(n->str) != n->len || n->source != XB_NAME_SRC_HTTP)
		abort();
	for (unsigned i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->str[i];

		if ((c >= 'A' && c <= 'Z') || c < 0x20 || c == 0x7f ||
		    c == ' ' || c == '"' || c == '\\' || c == ',')
			abort();
	}
}

/* Feed one piece, exactly n bytes on the heap; false when final. */
static int
feed_piece(struct xb_http_stream *s, const uint8_t *src, size_t n,
	   size_t base, struct outcome *o)
{
	uint8_t *piece = malloc(n ? n : 1);
	const uint8_t *p = piece;
	size_t left = n;
	int going = 1;

	if (piece == NULL)
		abort();
	memcpy(piece, src, n);
	for (;;) {
		struct xb_name name;
		uint32_t used;
		int rc = xb_http_stream_feed(s, p, (uint32_t)left, &name, &used);

		if (used > left)
			abort();
		if (rc == XB_NAME_FOUND) {
			check_name(&name);
			if (o->names == 0) {
				o->first_rc = rc;
				o->first = name;
			}
			o->names++;
			for (unsigned i = 0; i <= name.len; i++)
				o->digest = (o->digest ^ (uint8_t)name.str[i]) *
					    1099511628211ull;
			p += used;
			left -= used;
			continue;
		}
		if (rc == XB_NAME_MORE) {
			if (used != left)
				abort();
			break;
		}
		if (rc != XB_NAME_UNNAMED && rc != XB_NAME_GIVE_UP)
			abort();
		o->final = rc;
		if (o->names == 0)
			o->first_rc = rc;
		o->tunnel_at = xb_http_stream_tunneled(s)
				       ? base + (size_t)(p - piece) + used
				       : (size_t)-1;
		going = 0;
		break;
	}
	free(piece);
	return going;
}

static void
run(const uint8_t *d, size_t n, int mode, uint32_t seed, struct outcome *o)
{
	struct xb_http_stream s;
	size_t at = 0;

	memset(o, 0, sizeof(*o));
	o->final = XB_NAME_MORE;
	o->first_rc = XB_NAME_MORE;
	o->tunnel_at = (size_t)-1;
	xb_http_stream_init(&s);
	while (at <= n) {
		size_t len;

		if (mode == 0) {
			len = n - at;
		} else if (mode == 1) {
			seed = seed * 1103515245u + 12345u;
			len = (seed >> 16) % 65; /* 0..64: empty calls too */
			if (len > n - at)
				len = n - at;
		} else {
			len = n - at ? 1 : 0;
		}
		if (!feed_piece(&s, d + at, len, at, o))
			return;
		at += len;
		if (at == n && (mode != 1 || len == 0))
			break;
	}
}

static int
same(const struct outcome *a, const struct outcome *b)
{
	return a->names == b->names && a->digest == b->digest &&
	       a->final == b->final && a->tunnel_at == b->tunnel_at;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct outcome whole, cut, bytes;

	if (n < 1)
		return 0;
	uint32_t seed = d[0];

	d++;
	n--;
	run(d, n, 0, seed, &whole);
	run(d, n, 1, seed, &cut);
	if (!same(&whole, &cut))
		abort();
	if (n <= 4096) {
		run(d, n, 2, seed, &bytes);
		if (!same(&whole, &bytes))
			abort();
	}
	/* The one-shot form: the first request's outcome. */
	{
		struct xb_name name;
		uint8_t *copy = malloc(n ? n : 1);

		if (copy == NULL)
			abort();
		memcpy(copy, d, n);
		int rc = xb_http_host(copy, (uint32_t)n, &name);

		free(copy);
		if (rc != whole.first_rc)
			abort();
		if (rc == XB_NAME_FOUND &&
		    (name.len != whole.first.len ||
		     memcmp(name.str, whole.first.str, name.len) != 0))
			abort();
	}
	return 0;
}
