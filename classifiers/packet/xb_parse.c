/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parser (see xb_parse.h for the interface).
 *
 * Decisions the header leaves open, fixed here (the unit tests pin them):
 *
 * - A frame shorter than an Ethernet header (14 bytes) is MALFORMED: a runt
 *   is not a valid Ethernet frame, so nothing can be forwarded on its word.
 * - hdr_len is clamped to min(hdr_len, frame_len, XB_PARSE_HDR_MAX), so all
 *   header offsets fit the uint16_t fields.  A header that does not lie
 *   completely inside that window is MALFORMED, whether the frame is really
 *   truncated or the header merely lies beyond XB_PARSE_HDR_MAX: we fail
 *   closed rather than classify a flow without its ports (padding extension
 *   headers past the window must not be a way around port-based rules).
 * - VLAN: up to two tags (0x8100, 0x88a8, 0x9100 in any order); a third tag
 *   or a truncated tag is MALFORMED.  `vlan` is the outermost VLAN id.
 * - Non-IP ethertypes (ARP, LLDP, 802.1X, MPLS, PPPoE, 802.3 length
 *   fields, ...) are NOT_IP.  An IP ethertype whose header has the wrong
 *   version is MALFORMED.
 * - IPv4: IHL >= 5, IHL*4 <= total length <= bytes left in the frame (or in
 *   the outer datagram for a tunnelled header).  The header checksum is not
 *   verified (the NIC or the next router does that; it costs per packet).
 *   Bytes after total length (Ethernet padding) are ignored.
 * - Fragments: MF set or offset > 0 gives XB_PKT_F_FRAGMENT; offset > 0 also
 *   gives XB_PKT_F_LATER_FRAGMENT and no L4 (ports 0, HAS_L4 clear).  A first
 *   fragment must hold the whole L4 header (a "tiny fragment", RFC 1858, is
 *   MALFORMED); its UDP length is not compared with the fragment's payload,
 *   which is only part of the datagram.  An IPv6 "atomic fragment" (offset 0,
 *   M clear) is not flagged as a fragment (RFC 6946).
 * - IPv6: payload length + 40 <= bytes left.  A jumbogram (payload length 0
 *   with a hop-by-hop header) is MALFORMED, since the hop-by-hop header then
 *   lies outside the zero-length payload.  Extension headers (hop-by-hop,
 *   routing, destination options, fragment, AH) are walked, at most
 *   XB_PARSE_EXT_MAX of them; a longer chain is MALFORMED, as is a hop-by-hop
 *   header anywhere but first (RFC 8200 4.1).  ESP, mobility and others end
 *   the walk as an unknown upper layer.  No-next-header (59) is IP with
 *   proto 59 and no L4.
 * - IP-in-IP (protocol 4 or 41, outer IPv4 or IPv6): one level is followed
 *   when the outer datagram is not a fragment; the key then describes the
 *   inner header, XB_PKT_F_TUNNEL is set, l3_off is the inner header and
 *   outer_l3_off the outer.  The inner header must fit inside the outer
 *   payload and have the version its protocol number says (else MALFORMED).
 *   A second level is not followed: the key is the first inner header with
 *   proto 4/41 and no L4.  A fragmented outer datagram is not followed: the
 *   key is the outer header, proto 4/41, no L4.
 * - dscp is taken from the header the key describes (the inner one when
 *   tunnelled), as it carries the sender's marking; DSCP remarking writes the
 *   header at outer_l3_off, which is the one the channel's routers see.
 * - L4: TCP needs data offset >= 5 and the whole TCP header inside the IP
 *   payload; UDP needs 8 <= length <= IP payload (payload_len from the UDP
 *   length); SCTP needs its 12-byte common header; ICMP/ICMPv6 need their
 *   8-byte header (sport = type << 8 | code, dport = identifier for echo
 *   request/reply, else 0).  Anything shorter is MALFORMED.  ICMP is parsed
 *   as protocol 1 under IPv4 and 58 under IPv6 only.  Unknown protocols are
 *   IP without ports; l4_off and payload_off then point at the upper-layer
 *   data and payload_len is its length.
 * - payload_off/payload_len follow the IP lengths; the payload may extend
 *   beyond hdr_len.
 */
#include "xb_parse.h"

#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ETH_HLEN 14u
#define ET_IPV4 0x0800u
#define ET_IPV6 0x86ddu
#define ET_VLAN 0x8100u
#define ET_QINQ 0x88a8u
#define ET_QINQ_OLD 0x9100u

#define P_HOPOPT 0
#define P_ICMP 1
#define P_IPIP 4
#define P_TCP 6
#define P_UDP 17
#define P_IPV6 41
#define P_ROUTING 43
#define P_FRAGMENT 44
#define P_AH 51
#define P_ICMPV6 58
#define P_DSTOPTS 60
#define P_SCTP 132

/* Where the upper layer of one IP header starts and its datagram ends. */
struct l3_span {
	uint32_t l4;  /* offset of the upper-layer header */
	uint32_t end; /* offset just past the IP datagram (this fragment) */
};

/*
 * IPv4 header at off; the datagram must end by limit (frame length, or the
 * end of the outer datagram).  Writes family, proto, dscp, addresses and
 * the fragment flags.  Returns 0 or -1 (malformed).
 */
static inline int
parse_ip4(const uint8_t *hdr, uint32_t hlen, uint32_t off, uint32_t limit,
	  struct xb_pkt_info *out, struct l3_span *sp)
{
	const uint8_t *p = hdr + off;
	uint32_t ihl, tot;
	uint16_t fo;

	if (unlikely(hlen - off < 20))
		return -1;
	ihl = (uint32_t)(p[0] & 0x0f) * 4;
	tot = xb_be16(p + 2);
	/* One combined branch for the common, valid case. */
	if (unlikely(((p[0] & 0xf0) != 0x40) | (ihl < 20) | (tot < ihl) |
		     (tot > limit - off) | (ihl > hlen - off)))
		return -1;
	out->family = 4;
	out->proto = p[9];
	out->dscp = p[1] >> 2;
	memcpy(out->src, p + 12, 4);
	memcpy(out->dst, p + 16, 4);
	fo = xb_be16(p + 6);
	if (unlikely(fo & 0x3fff)) {
		out->flags |= XB_PKT_F_FRAGMENT;
		if (fo & 0x1fff)
			out->flags |= XB_PKT_F_LATER_FRAGMENT;
	}
	sp->l4 = off + ihl;
	sp->end = off + tot;
	return 0;
}

/*
 * IPv6 header at off plus its extension-header chain; same contract as
 * parse_ip4.  proto is the first protocol after the walked chain.
 */
static int
parse_ip6(const uint8_t *hdr, uint32_t hlen, uint32_t off, uint32_t limit,
	  struct xb_pkt_info *out, struct l3_span *sp)
{
	const uint8_t *p = hdr + off;
	uint32_t cur, end;
	unsigned int n;
	uint8_t nh;

	if (unlikely(hlen - off < 40))
		return -1;
	if (unlikely((p[0] & 0xf0) != 0x60 ||
		     (uint32_t)xb_be16(p + 4) + 40 > limit - off))
		return -1;
	out->family = 6;
	out->dscp = (uint8_t)((p[0] & 0x0f) << 2 | p[1] >> 6);
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	nh = p[6];
	cur = off + 40;
	end = cur + xb_be16(p + 4);
	for (n = 0;; n++) {
		const uint8_t *q = hdr + cur;
		uint32_t len;

		if (nh != P_HOPOPT && nh != P_ROUTING && nh != P_DSTOPTS &&
		    nh != P_FRAGMENT && nh != P_AH)
			break;
		/* Too long a chain, hop-by-hop out of place, or fewer than
		 * the 8 bytes every extension header has. */
		if (n == XB_PARSE_EXT_MAX || (nh == P_HOPOPT && n != 0) ||
		    end - cur < 8 || hlen - cur < 8)
			return -1;
		if (nh == P_FRAGMENT) {
			uint16_t fo = xb_be16(q + 2);

			nh = q[0];
			cur += 8;
			if (fo & 0xfff9) {
				/* offset (bits 3..15) or M (bit 0) set; bits
				 * 1..2 are reserved and ignored. */
				out->flags |= XB_PKT_F_FRAGMENT;
				if (fo & 0xfff8) {
					out->flags |= XB_PKT_F_LATER_FRAGMENT;
					break; /* no further headers here */
				}
			}
			continue;
		}
		if (nh == P_AH)
			len = ((uint32_t)q[1] + 2) * 4;
		else
			len = ((uint32_t)q[1] + 1) * 8;
		if (len > end - cur || len > hlen - cur)
			return -1;
		nh = q[0];
		cur += len;
	}
	out->proto = nh;
	sp->l4 = cur;
	sp->end = end;
	return 0;
}

/* L4 header at sp->l4 of protocol out->proto; 0 or -1 (malformed). */
static inline int
parse_l4(const uint8_t *hdr, uint32_t hlen, const struct l3_span *sp,
	 struct xb_pkt_info *out)
{
	const uint8_t *q = hdr + sp->l4;
	uint32_t avail = sp->end - sp->l4; /* L4 bytes per the IP lengths */
	uint32_t inhdr = hlen - sp->l4;    /* L4 bytes we can read */
	uint8_t proto = out->proto;

	out->l4_off = (uint16_t)sp->l4;
	if (likely(proto == P_TCP)) {
		uint32_t doff;

		if (unlikely((avail < 20) | (inhdr < 20)))
			return -1;
		doff = (uint32_t)(q[12] >> 4) * 4;
		if (unlikely((doff < 20) | (doff > avail) | (doff > inhdr)))
			return -1;
		out->sport = xb_be16(q);
		out->dport = xb_be16(q + 2);
		out->tcp_seq = xb_be32(q + 4);
		out->tcp_ack = xb_be32(q + 8);
		out->tcp_flags = q[13];
		out->flags |= XB_PKT_F_HAS_L4;
		out->payload_off = (uint16_t)(sp->l4 + doff);
		out->payload_len = avail - doff;
		return 0;
	}
	if (likely(proto == P_UDP)) {
		uint32_t ulen;

		if (unlikely((avail < 8) | (inhdr < 8)))
			return -1;
		ulen = xb_be16(q + 4);
		if (unlikely(ulen < 8))
			return -1;
		out->sport = xb_be16(q);
		out->dport = xb_be16(q + 2);
		out->flags |= XB_PKT_F_HAS_L4;
		out->payload_off = (uint16_t)(sp->l4 + 8);
		if (likely(!(out->flags & XB_PKT_F_FRAGMENT))) {
			if (unlikely(ulen > avail))
				return -1;
			out->payload_len = ulen - 8;
		} else {
			/* First fragment: the UDP length covers the whole
			 * datagram, this packet holds only part of it. */
			out->payload_len = avail - 8;
		}
		return 0;
	}
	if (proto == P_SCTP) {
		if ((avail < 12) | (inhdr < 12))
			return -1;
		out->sport = xb_be16(q);
		out->dport = xb_be16(q + 2);
		out->flags |= XB_PKT_F_HAS_L4;
		out->payload_off = (uint16_t)(sp->l4 + 12);
		out->payload_len = avail - 12;
		return 0;
	}
	if ((proto == P_ICMP && out->family == 4) ||
	    (proto == P_ICMPV6 && out->family == 6)) {
		uint8_t type;
		int echo;

		if ((avail < 8) | (inhdr < 8))
			return -1;
		type = q[0];
		if (out->family == 4)
			echo = type == 8 || type == 0;
		else
			echo = type == 128 || type == 129;
		out->sport = xb_be16(q); /* type << 8 | code */
		out->dport = echo ? xb_be16(q + 4) : 0;
		out->flags |= XB_PKT_F_HAS_L4;
		out->payload_off = (uint16_t)(sp->l4 + 8);
		out->payload_len = avail - 8;
		return 0;
	}
	/* Unknown upper layer (ESP, GRE, no-next-header, ...): no ports. */
	out->payload_off = (uint16_t)sp->l4;
	out->payload_len = avail;
	return 0;
}

/* Rare path: follow one level of IP-in-IP from the outer span sp. */
static int
parse_tunnel(const uint8_t *hdr, uint32_t hlen, struct xb_pkt_info *out,
	     struct l3_span *sp)
{
	uint32_t off = sp->l4;
	uint8_t proto = out->proto;
	int rc;

	/* The inner header replaces the outer's key fields. */
	memset(out->src, 0, sizeof(out->src));
	memset(out->dst, 0, sizeof(out->dst));
	out->flags |= XB_PKT_F_TUNNEL;
	out->l3_off = (uint16_t)off;
	if (proto == P_IPIP)
		rc = parse_ip4(hdr, hlen, off, sp->end, out, sp);
	else
		rc = parse_ip6(hdr, hlen, off, sp->end, out, sp);
	return rc;
}

int
xb_parse_general(const uint8_t *hdr, uint32_t hdr_len, uint32_t frame_len,
		 struct xb_pkt_info *out)
{
	struct l3_span sp;
	uint32_t hlen = hdr_len;
	uint32_t off = ETH_HLEN;
	uint16_t et;
	int rc;

	if (hlen > frame_len)
		hlen = frame_len;
	if (hlen > XB_PARSE_HDR_MAX)
		hlen = XB_PARSE_HDR_MAX;
	memset(out, 0, sizeof(*out));
	if (unlikely(hlen < ETH_HLEN))
		return XB_PARSE_MALFORMED;
	et = xb_be16(hdr + 12);
	if (unlikely(et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD)) {
		do {
			if (out->vlan_count == 2 || hlen - off < 4)
				goto malformed;
			if (out->vlan_count++ == 0)
				out->vlan = xb_be16(hdr + off) & 0x0fff;
			et = xb_be16(hdr + off + 2);
			off += 4;
		} while (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD);
	}
	out->l3_off = (uint16_t)off;
	out->outer_l3_off = (uint16_t)off;
	if (likely(et == ET_IPV4))
		rc = parse_ip4(hdr, hlen, off, frame_len, out, &sp);
	else if (et == ET_IPV6)
		rc = parse_ip6(hdr, hlen, off, frame_len, out, &sp);
	else
		goto not_ip;
	if (unlikely(rc < 0))
		goto malformed;
	if (unlikely(out->flags & XB_PKT_F_LATER_FRAGMENT)) {
		/* No L4 header in this packet. */
		out->l4_off = (uint16_t)sp.l4;
		out->payload_off = (uint16_t)sp.l4;
		out->payload_len = sp.end - sp.l4;
		return XB_PARSE_IP;
	}
	if (unlikely(out->proto == P_IPIP || out->proto == P_IPV6)) {
		if (out->flags & XB_PKT_F_FRAGMENT) {
			/* The inner header of a fragmented tunnel packet is
			 * only whole after reassembly: key on the outer. */
			out->l4_off = (uint16_t)sp.l4;
			out->payload_off = (uint16_t)sp.l4;
			out->payload_len = sp.end - sp.l4;
			return XB_PARSE_IP;
		}
		if (parse_tunnel(hdr, hlen, out, &sp) < 0)
			goto malformed;
		if (out->flags & XB_PKT_F_LATER_FRAGMENT ||
		    out->proto == P_IPIP || out->proto == P_IPV6) {
			/* Inner later fragment, or a second level of
			 * tunnelling, which we do not follow. */
			out->l4_off = (uint16_t)sp.l4;
			out->payload_off = (uint16_t)sp.l4;
			out->payload_len = sp.end - sp.l4;
			return XB_PARSE_IP;
		}
	}
	if (unlikely(parse_l4(hdr, hlen, &sp, out) < 0))
		goto malformed;
	return XB_PARSE_IP;
not_ip:
	/* The key is all zero for anything but IP (VLAN fields included). */
	memset(out, 0, sizeof(*out));
	return XB_PARSE_NOT_IP;
malformed:
	memset(out, 0, sizeof(*out));
	return XB_PARSE_MALFORMED;
}
