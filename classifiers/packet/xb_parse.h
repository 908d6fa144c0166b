/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parser: Ethernet .. L4 into a compact key for the later stages.
 *
 * Pure function over bytes, no EAL: the data path hands it the first bytes
 * of the frame (contiguous, see XB_PARSE_HDR_MAX) and the full frame length;
 * tests and fuzzers hand it arbitrary buffers.
 *
 * Covers Ethernet II, up to two VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8,
 * also 0x9100), IPv4 with options and fragments, IPv6 with a bounded walk of
 * extension headers (hop-by-hop, routing, destination options, fragment,
 * AH) and fragments, TCP/UDP/SCTP/ICMP/ICMPv6 headers, and encapsulations,
 * so that no IP packet passes as something else:
 *   - below IP: MPLS label stacks (0x8847/0x8848; IP, or an Ethernet
 *     pseudowire with or without control word) and PPPoE sessions (0x8864;
 *     PPP IPv4, IPv6, MPLS); the key is the IP header they carry;
 *   - tunnels: IP-in-IP (protocols 4 and 41), GRE (47: IP, MPLS,
 *     Ethernet), VXLAN (UDP 4789) and Geneve (UDP 6081); the key then
 *     describes the inner packet (XB_PKT_F_TUNNEL, l3_off the inner
 *     header, outer_l3_off the outermost).
 * At most XB_PARSE_ENCAP_MAX encapsulations are followed; a frame with
 * more is MALFORMED.
 *
 * Thread safety: reentrant.
 */
#ifndef XB_PARSE_H
#define XB_PARSE_H

#include <stdint.h>
#include <string.h>

#include "xb_bytes.h"

/* Headers beyond this many bytes from the frame start are not followed. */
#define XB_PARSE_HDR_MAX 512
/* Extension headers walked in one IPv6 header chain before giving up. */
#define XB_PARSE_EXT_MAX 8
/* Encapsulations followed in one frame (an MPLS label stack, a PPPoE
 * session, an IP-in-IP, GRE, VXLAN or Geneve tunnel count one each): real
 * networks stack two or three (VXLAN over GRE over MPLS); more is an
 * attempt to outrun the parser, and MALFORMED. */
#define XB_PARSE_ENCAP_MAX 4
/* Labels in one MPLS stack (L3VPN with TE and a backup tunnel: 4-5). */
#define XB_PARSE_MPLS_MAX 8

enum xb_parse_status {
	XB_PARSE_IP = 0,         /* IP packet, key filled */
	XB_PARSE_NOT_IP = 1,     /* ARP, LLDP, ...: forward untouched */
	XB_PARSE_MALFORMED = -1, /* inconsistent IP headers: drop */
};

#define XB_PKT_F_FRAGMENT 0x01       /* part of a fragmented datagram */
#define XB_PKT_F_LATER_FRAGMENT 0x02 /* offset > 0: no L4 header, ports 0 */
#define XB_PKT_F_TUNNEL 0x04         /* key is the inner header of IP-in-IP */
#define XB_PKT_F_HAS_L4 0x08         /* sport/dport/tcp fields are valid */
/* Never set by the parser: the data path marks a datagram it rebuilt from
 * IP fragments (app/dp/xb_frag.h) for the stages after the parse. */
#define XB_PKT_F_REASSEMBLED 0x80

struct xb_pkt_info {
	uint8_t family;    /* 4 or 6 (inner family when tunnelled) */
	uint8_t proto;     /* L4 protocol number (after extension headers) */
	uint8_t dscp;      /* DSCP of the key's header (the inner one when
			    * tunnelled); remarking writes outer_l3_off's */
	uint8_t flags;     /* XB_PKT_F_* */
	uint8_t tcp_flags; /* TCP flags byte, 0 if not TCP */
	uint8_t vlan_count;
	uint16_t vlan;     /* outermost VLAN id (12 bits), 0 when untagged */
	uint16_t sport;    /* host byte order; ICMP: type << 8 | code, 0 */
	uint16_t dport;    /* host byte order; ICMP echo: identifier */
	uint16_t l3_off;   /* offset of the (inner) IP header */
	uint16_t outer_l3_off; /* offset of the outermost IP header */
	uint16_t l4_off;   /* offset of the L4 header (valid with HAS_L4) */
	uint16_t payload_off; /* offset of the L4 payload */
	uint32_t payload_len; /* L4 payload length per the IP lengths */
	uint32_t tcp_seq;  /* TCP sequence number, host order */
	uint32_t tcp_ack;  /* TCP acknowledgment number, host order */
	uint8_t src[16];   /* network order; IPv4 in the first 4 bytes, the rest 0 */
	uint8_t dst[16];
};

/*
 * Parse one frame.
 *   hdr:       the first hdr_len bytes of the frame, contiguous
 *   hdr_len:   min(frame_len, XB_PARSE_HDR_MAX) is enough
 *   frame_len: the full frame length (all segments)
 * Lengths in the IP headers are checked against frame_len (a datagram longer
 * than the frame is malformed; Ethernet padding after it is fine); headers
 * must lie within hdr_len.  Returns an enum xb_parse_status; *out is fully
 * written for XB_PARSE_IP and zeroed otherwise.
 *
 * Inline: the common frame (xb_parse_fast) costs a handful of loads and one
 * pass of stores in the caller's loop; everything else goes to
 * xb_parse_general().
 */
static inline int xb_parse(const uint8_t *hdr, uint32_t hdr_len,
			   uint32_t frame_len, struct xb_pkt_info *out);

/* The whole parser, without the fast path (same contract as xb_parse; the
 * fuzz target checks that both give the same answer). */
int xb_parse_general(const uint8_t *hdr, uint32_t hdr_len, uint32_t frame_len,
		     struct xb_pkt_info *out);

/*
 * Fast path for the frames a gateway mostly sees: Ethernet II with at most
 * one 802.1Q tag, IPv4 without options and not a fragment, TCP or UDP with a
 * header the general parser would accept (UDP to the VXLAN and Geneve
 * ports is a tunnel: the general parser's).  Writes *out exactly as
 * xb_parse_general() would and returns 1; returns 0 (out untouched) for
 * anything else, including every malformed frame, so the general parser
 * decides those.
 */
static inline int
xb_parse_fast(const uint8_t *hdr, uint32_t hdr_len, uint32_t frame_len,
	      struct xb_pkt_info *out)
{
	uint32_t hlen = hdr_len < frame_len ? hdr_len : frame_len;
	uint32_t off = 14, tot, avail, l4off, poff, plen, doff, ulen, hl4, seq, ack,
		 tcp;
	uint16_t et, vlan = 0, frag, dport;
	const uint8_t *ip, *l4;
	uint8_t vlan_count = 0, proto, tcp_flags;
	int is_tcp, bad;

	if (hlen > XB_PARSE_HDR_MAX)
		hlen = XB_PARSE_HDR_MAX;
	if (__builtin_expect(hlen < 14 + 20 + 8, 0))
		return 0;
	et = xb_be16(hdr + 12);
	if (et == 0x8100) {
		vlan = xb_be16(hdr + 14) & 0x0fff;
		et = xb_be16(hdr + 16);
		vlan_count = 1;
		off = 18;
		if (hlen < 18 + 20 + 8)
			return 0;
	}
	ip = hdr + off;
	if (et != 0x0800 || ip[0] != 0x45)
		return 0;
	tot = xb_be16(ip + 2);
	frag = xb_be16(ip + 6);
	proto = ip[9];
	/* 28: the smallest UDP datagram; TCP is checked below. */
	if ((frag & 0x3fff) || tot < 28 || tot > frame_len - off)
		return 0;
	avail = tot - 20;
	l4off = off + 20;
	l4 = ip + 20;
	/* TCP and UDP arrive interleaved: both are checked and the answers
	 * picked with masks, not branches (a compiler turns "?:" on the
	 * protocol into a branch, and a mixed stream then mispredicts every
	 * other packet: about 10 cycles a packet, measured).  Hence the 20
	 * bytes of L4 header read for UDP too (a UDP frame shorter than that
	 * takes the general path). */
	is_tcp = proto == 6;
	if ((!is_tcp & (proto != 17)) | (hlen - l4off < 20))
		return 0;
	tcp = 0u - (uint32_t)is_tcp; /* all ones for TCP, else 0 */
	doff = (uint32_t)(l4[12] >> 4) * 4;
	ulen = xb_be16(l4 + 4);
	/* UDP to 4789 (VXLAN) or 6081 (Geneve) goes to the general parser,
	 * which follows the tunnel: two compares inside the same mask, no
	 * branch of their own. */
	dport = xb_be16(l4 + 2);
	bad = (((avail < 20) | (doff < 20) | (doff > avail) |
		(doff > hlen - l4off)) & is_tcp) |
	      (((ulen < 8) | (ulen > avail) | (dport == 4789) |
		(dport == 6081)) & !is_tcp);
	if (bad)
		return 0;
	hl4 = (doff & tcp) | (8u & ~tcp);
	poff = l4off + hl4;
	plen = ((avail & tcp) | (ulen & ~tcp)) - hl4;
	tcp_flags = (uint8_t)(l4[13] & tcp);
	seq = xb_be32(l4 + 4) & tcp;
	ack = xb_be32(l4 + 8) & tcp;
	/* One compound literal: every byte written once, wide stores. */
	*out = (struct xb_pkt_info){
		.family = 4,
		.proto = proto,
		.dscp = (uint8_t)(ip[1] >> 2),
		.flags = XB_PKT_F_HAS_L4,
		.tcp_flags = tcp_flags,
		.vlan_count = vlan_count,
		.vlan = vlan,
		.sport = xb_be16(l4),
		.dport = dport,
		.l3_off = (uint16_t)off,
		.outer_l3_off = (uint16_t)off,
		.l4_off = (uint16_t)l4off,
		.payload_off = (uint16_t)poff,
		.payload_len = plen,
		.tcp_seq = seq,
		.tcp_ack = ack,
	};
	memcpy(out->src, ip + 12, 4);
	memcpy(out->dst, ip + 16, 4);
	return 1;
}

static inline int
xb_parse(const uint8_t *hdr, uint32_t hdr_len, uint32_t frame_len,
	 struct xb_pkt_info *out)
{
	if (__builtin_expect(xb_parse_fast(hdr, hdr_len, frame_len, out), 1))
		return XB_PARSE_IP;
	return xb_parse_general(hdr, hdr_len, frame_len, out);
}

#endif /* XB_PARSE_H */
