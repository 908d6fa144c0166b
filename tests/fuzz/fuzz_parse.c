/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for xb_parse(): the input is one frame.  Beside memory
 * safety (ASan/UBSan), it checks the key's invariants and that a shorter
 * header window never reads past itself (each window is its own heap
 * buffer of exactly that size), and that the inline fast path and the
 * general parser agree byte for byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int rc, const struct xb_pkt_info *o, uint32_t hdr_len,
      uint32_t frame_len)
{
	static const struct xb_pkt_info zero;
	uint32_t win = hdr_len < frame_len ? hdr_len : frame_len;

	if (win > XB_PARSE_HDR_MAX)
		win = XB_PARSE_HDR_MAX;
	if (rc != XB_PARSE_IP) {
		if (rc != XB_PARSE_NOT_IP && rc != XB_PARSE_MALFORMED)
			abort();
		if (memcmp(o, &zero, sizeof(zero)) != 0)
			abort(); /* key must be zeroed */
		return;
	}
	if (o->family != 4 && o->family != 6)
		abort();
	if (o->vlan_count > 2 || o->vlan > 4095)
		abort();
	/* Headers inside the window, in order. */
	if (o->outer_l3_off < 14 || o->outer_l3_off > o->l3_off ||
	    o->l3_off >= win || o->l4_off < o->l3_off || o->l4_off > win ||
	    o->payload_off < o->l4_off || o->payload_off > win)
		abort();
	if ((uint64_t)o->payload_off + o->payload_len > frame_len)
		abort();
	if (!(o->flags & XB_PKT_F_TUNNEL) != (o->l3_off == o->outer_l3_off))
		abort();
	if ((o->flags & XB_PKT_F_LATER_FRAGMENT) &&
	    (!(o->flags & XB_PKT_F_FRAGMENT) || (o->flags & XB_PKT_F_HAS_L4)))
		abort();
	if (!(o->flags & XB_PKT_F_HAS_L4) &&
	    (o->sport || o->dport || o->tcp_flags || o->tcp_seq))
		abort();
	if (o->family == 4 && (memcmp(o->src + 4, zero.src, 12) != 0 ||
			       memcmp(o->dst + 4, zero.dst, 12) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xb_pkt_info a, b;
	uint32_t n = size > 65535 ? 65535 : (uint32_t)size;
	int rc, rc2;

	/* The whole input as the frame. */
	memset(&a, 0x5a, sizeof(a));
	rc = xb_parse(data, n, n, &a);
	check(rc, &a, n, n);

	/* The inline fast path answers exactly as the general parser. */
	memset(&b, 0xa5, sizeof(b));
	if (xb_parse_general(data, n, n, &b) != rc ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		abort();

	/* The frame claims to be longer than the bytes we hold. */
	memset(&b, 0x5a, sizeof(b));
	rc2 = xb_parse(data, n, n + 1500, &b);
	check(rc2, &b, n, n + 1500);

	/* A shorter window: same key if it still holds every header,
	 * MALFORMED otherwise; never a read past it. */
	if (n > 14) {
		uint32_t cut = 14 + data[n - 1] % (n - 14);
		uint8_t *w = malloc(cut);

		if (w == NULL)
			return 0;
		memcpy(w, data, cut);
		memset(&b, 0x5a, sizeof(b));
		rc2 = xb_parse(w, cut, n, &b);
		check(rc2, &b, cut, n);
		free(w);
		if (rc2 != rc && rc2 != XB_PARSE_MALFORMED)
			abort();
		if (rc2 == XB_PARSE_IP && memcmp(&a, &b, sizeof(a)) != 0)
			abort();
	}
	return 0;
}
