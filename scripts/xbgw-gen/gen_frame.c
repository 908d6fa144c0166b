/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet/VLAN/IPv4/IPv6/TCP/UDP frames with their checksums; see
 * gen_frame.h. */
#include <netinet/in.h>
#include <string.h>

#include "gen_frame.h"
#include "xb_bytes.h"

static const uint8_t mac_inside[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
static const uint8_t mac_gw[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe};

/* One's-complement sum of n bytes (big-endian 16-bit words). */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; n -= 2, p += 2)
		sum += xb_be16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
frame_build(uint8_t *b, struct tuple *t, int dir, uint8_t flags,
	    const uint8_t *opt, size_t optlen, const uint8_t *pl, size_t plen)
{
	const uint8_t *src = dir ? t->saddr : t->caddr;
	const uint8_t *dst = dir ? t->caddr : t->saddr;
	size_t off = 0, l3, l4, l4len, hl4, frame;
	uint32_t sum;

	memcpy(b, dir ? mac_inside : mac_gw, 6);
	memcpy(b + 6, dir ? mac_gw : mac_inside, 6);
	off = 12;
	if (t->vlan) {
		xb_put_be16(b + off, 0x8100);
		xb_put_be16(b + off + 2, t->vlan & 0x0fff);
		off += 4;
	}
	xb_put_be16(b + off, t->family == 4 ? 0x0800 : 0x86dd);
	off += 2;
	l3 = off;
	hl4 = t->proto == IPPROTO_TCP ? 20 + optlen : 8;
	l4 = l3 + (t->family == 4 ? 20 : 40);
	l4len = hl4 + plen;

	if (t->family == 4) {
		uint16_t *id = dir ? &t->sid : &t->cid;

		b[l3] = 0x45;
		b[l3 + 1] = 0;
		xb_put_be16(b + l3 + 2, (uint16_t)(20 + l4len));
		xb_put_be16(b + l3 + 4, (*id)++);
		xb_put_be16(b + l3 + 6, t->proto == IPPROTO_TCP ? 0x4000 : 0); /* DF */
		b[l3 + 8] = dir ? t->sttl : t->cttl;
		b[l3 + 9] = t->proto;
		xb_put_be16(b + l3 + 10, 0);
		memcpy(b + l3 + 12, src, 4);
		memcpy(b + l3 + 16, dst, 4);
		xb_put_be16(b + l3 + 10, csum_fold(csum_add(0, b + l3, 20)));
	} else {
		xb_put_be32(b + l3, 0x60000000);
		xb_put_be16(b + l3 + 4, (uint16_t)l4len);
		b[l3 + 6] = t->proto;
		b[l3 + 7] = dir ? t->sttl : t->cttl;
		memcpy(b + l3 + 8, src, 16);
		memcpy(b + l3 + 24, dst, 16);
	}

	xb_put_be16(b + l4, dir ? t->sport : t->cport);
	xb_put_be16(b + l4 + 2, dir ? t->cport : t->sport);
	if (t->proto == IPPROTO_TCP) {
		uint32_t *seq = dir ? &t->sseq : &t->cseq;
		uint32_t ack = dir ? t->cseq : t->sseq;

		xb_put_be32(b + l4 + 4, *seq);
		xb_put_be32(b + l4 + 8, (flags & TH_ACK) ? ack : 0);
		b[l4 + 12] = (uint8_t)((hl4 / 4) << 4);
		b[l4 + 13] = flags;
		xb_put_be16(b + l4 + 14, (flags & TH_SYN) ? 64240 : 2048);
		xb_put_be16(b + l4 + 16, 0);
		xb_put_be16(b + l4 + 18, 0);
		if (optlen)
			memcpy(b + l4 + 20, opt, optlen);
		*seq += (uint32_t)plen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	} else {
		xb_put_be16(b + l4 + 4, (uint16_t)l4len);
		xb_put_be16(b + l4 + 6, 0);
	}
	if (plen)
		memcpy(b + l4 + hl4, pl, plen);

	/* Pseudo-header: addresses, protocol, L4 length. */
	sum = csum_add(0, src, t->family == 4 ? 4 : 16);
	sum = csum_add(sum, dst, t->family == 4 ? 4 : 16);
	sum += t->proto;
	sum += (uint32_t)l4len;
	sum = csum_add(sum, b + l4, l4len);
	{
		uint16_t c = csum_fold(sum);

		if (t->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		xb_put_be16(b + l4 + (t->proto == IPPROTO_TCP ? 16 : 6), c);
	}
	frame = l4 + l4len;
	if (frame < FRAME_MIN) {
		memset(b + frame, 0, FRAME_MIN - frame);
		frame = FRAME_MIN;
	}
	return frame;
}

size_t
frame_header_len(const struct tuple *t)
{
	return 14 + (t->vlan ? 4 : 0) + (t->family == 4 ? 20 : 40) +
	       (t->proto == IPPROTO_TCP ? 20 : 8);
}
