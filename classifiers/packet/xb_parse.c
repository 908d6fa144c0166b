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
 * - Non-IP ethertypes (ARP, LLDP, 802.1X, PPPoE discovery, 802.3 length
 *   fields, ...) are NOT_IP, as are MPLS and PPPoE sessions that carry no
 *   IP (an OAM channel, LCP/IPCP).  An IP ethertype whose header has the
 *   wrong version is MALFORMED, as is an MPLS stack of more than
 *   XB_PARSE_MPLS_MAX labels, a PPPoE header other than version 1, type 1,
 *   code 0 or whose length overruns the frame, and any encapsulation
 *   header cut short.
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
 * - Tunnels (IP-in-IP 4/41, GRE, VXLAN, Geneve) are followed when the
 *   outer datagram is not a fragment; the key then describes the inner
 *   header, XB_PKT_F_TUNNEL is set, l3_off is the inner header and
 *   outer_l3_off the outermost.  The inner packet must fit inside the outer
 *   payload (for IP-in-IP, have the version its protocol number says) or
 *   the frame is MALFORMED.  Tunnels nest up to XB_PARSE_ENCAP_MAX
 *   encapsulations in all (MPLS and PPPoE included); deeper is MALFORMED,
 *   so a flow cannot hide one level further than the parser looks.  A
 *   fragmented outer datagram is not followed: the key is the outer header
 *   (proto 4/41/47 without L4; a UDP first fragment with its ports), and
 *   the worker reassembles it before classification.
 * - MPLS and PPPoE are below IP: the key is the IP header they carry, no
 *   XB_PKT_F_TUNNEL (outer_l3_off == l3_off, the header DSCP remarking
 *   writes).
 * - GRE: version 0 without the RFC 1701 routing fields is followed for
 *   IPv4, IPv6, MPLS and Ethernet (0x6558); anything else (PPTP's version
 *   1, other protocols) keys the outer header, proto 47, no ports.  VXLAN
 *   needs the I flag and room for the inner Ethernet header, Geneve version
 *   0 and a protocol of Ethernet, IPv4 or IPv6; otherwise the datagram is
 *   plain UDP to that port.  A tunnel whose payload is not IP (ARP bridged
 *   over VXLAN, MPLS OAM over GRE) keys its outer packet, never NOT_IP: the
 *   tunnel's packets are IP and are policed and billed as such.
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
#define ET_MPLS 0x8847u
#define ET_MPLS_MC 0x8848u
#define ET_PPPOE 0x8864u /* PPPoE session stage; 0x8863 (discovery) is not IP */
#define ET_TEB 0x6558u   /* transparent Ethernet bridging (GRE, Geneve) */

#define UDP_VXLAN 4789u
#define UDP_GENEVE 6081u

#define P_HOPOPT 0
#define P_ICMP 1
#define P_IPIP 4
#define P_TCP 6
#define P_UDP 17
#define P_IPV6 41
#define P_ROUTING 43
#define P_FRAGMENT 44
#define P_GRE 47
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


/* ---- encapsulations ---------------------------------------------------
 *
 * Each helper below reads one encapsulation header at *off and names what
 * follows it (*et: an ethertype, the common currency of every layer that
 * carries "a frame or a packet").  Return convention: 0 followed, 1 the
 * payload is not IP (or, after an IP header, not a tunnel we follow: the
 * caller keys what it has), -1 malformed.  Offsets stay <= hlen and <=
 * limit, so every subtraction below is of a smaller value from a larger.
 * A byte that decides the answer but lies outside the header window gives
 * -1, never another answer: a shorter window may make a frame MALFORMED,
 * never key it differently (the fuzz target checks this).
 */

/* What a decapsulation may lead to and the loop then follows. */
static inline int
followable(uint16_t et)
{
	return et == ET_IPV4 || et == ET_IPV6 || et == ET_MPLS ||
	       et == ET_MPLS_MC || et == ET_PPPOE;
}

static inline int
is_vlan_tpid(uint16_t et)
{
	return et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD;
}

/*
 * An Ethernet header inside a tunnel (EoMPLS, GRE 0x6558, VXLAN, Geneve):
 * its VLAN tags (two at most) are skipped, not recorded: the key's VLAN is
 * the link's, the one tenants are mapped by.
 */
static int
skip_eth(const uint8_t *hdr, uint32_t hlen, uint32_t *off, uint32_t limit,
	 uint16_t *et)
{
	uint32_t o = *off;
	uint16_t e;

	if (o + ETH_HLEN > hlen || o + ETH_HLEN > limit)
		return -1;
	e = xb_be16(hdr + o + 12);
	o += ETH_HLEN;
	for (unsigned int n = 0; is_vlan_tpid(e); n++) {
		if (n == 2 || o + 4 > hlen || o + 4 > limit)
			return -1;
		e = xb_be16(hdr + o + 2);
		o += 4;
	}
	*off = o;
	*et = e;
	return 0;
}

/*
 * An MPLS label stack (RFC 3032) at *off, at most XB_PARSE_MPLS_MAX labels
 * down to the bottom-of-stack bit, then what it carries.  MPLS does not
 * say; the first nibble is the convention every LSR and analyser uses
 * (RFC 4385, 4928): 4 IPv4, 6 IPv6, 1 an associated channel (OAM: not
 * IP), 0 a pseudowire control word followed by Ethernet (RFC 4448), any
 * other an Ethernet pseudowire without control word.  A control-word
 * reading that leads nowhere is tried again as Ethernet without one (a
 * destination MAC may start with nibble 0), so an Ethernet pseudowire
 * cannot hide IP behind the ambiguity.
 */
static int
skip_mpls(const uint8_t *hdr, uint32_t hlen, uint32_t *off, uint32_t limit,
	  uint16_t *et)
{
	uint32_t o = *off, cw;
	uint16_t e;

	for (unsigned int n = 0;; n++) {
		if (n == XB_PARSE_MPLS_MAX || o + 4 > hlen || o + 4 > limit)
			return -1;
		o += 4;
		if (hdr[o - 2] & 0x01) /* bottom of stack */
			break;
	}
	if (o + 1 > hlen || o + 1 > limit)
		return -1; /* a label stack carrying nothing */
	switch (hdr[o] >> 4) {
	case 4:
		*et = ET_IPV4;
		break;
	case 6:
		*et = ET_IPV6;
		break;
	case 1:
		return 1;
	case 0:
		cw = o + 4;
		if (skip_eth(hdr, hlen, &cw, limit, &e) < 0)
			return -1;
		if (followable(e)) {
			*off = cw;
			*et = e;
			return 0;
		}
		/* Not a control word: Ethernet without one. */
		__attribute__((fallthrough));
	default:
		if (skip_eth(hdr, hlen, &o, limit, et) < 0)
			return -1;
		break;
	}
	*off = o;
	return 0;
}

/*
 * A PPPoE session header (RFC 2516: version 1, type 1, code 0) and the PPP
 * protocol field (RFC 1661; one byte when compressed, RFC 1661 6.5).  The
 * PPPoE length bounds what follows (*limit).  LCP, IPCP and the other
 * control protocols are not IP; discovery (0x8863) never comes here.
 */
static int
skip_pppoe(const uint8_t *hdr, uint32_t hlen, uint32_t *off, uint32_t *limit,
	   uint16_t *et)
{
	uint32_t o = *off, len;
	uint16_t proto;

	if (o + 8 > hlen || hdr[o] != 0x11 || hdr[o + 1] != 0)
		return -1;
	len = xb_be16(hdr + o + 4);
	if (len < 2 || o + 6 + len > *limit)
		return -1;
	*limit = o + 6 + len;
	if (hdr[o + 6] & 0x01) {
		proto = hdr[o + 6];
		o += 7;
	} else {
		proto = xb_be16(hdr + o + 6);
		o += 8;
	}
	switch (proto) {
	case 0x0021:
		*et = ET_IPV4;
		break;
	case 0x0057:
		*et = ET_IPV6;
		break;
	case 0x0281: /* MPLS unicast (RFC 3032 4.3) */
	case 0x0283:
		*et = ET_MPLS;
		break;
	default:
		return 1;
	}
	*off = o;
	return 0;
}

/*
 * GRE (RFC 2784 with the key and sequence number of RFC 2890) at sp->l4:
 * IPv4, IPv6, MPLS (RFC 4023) and Ethernet (0x6558, transparent Ethernet
 * bridging) are followed.  Version 1 (PPTP), the routing fields of RFC
 * 1701 and any other protocol are not: the outer header is the key (GRE,
 * no ports), as for any VPN whose inside we cannot read.
 */
static int
gre_payload(const uint8_t *hdr, uint32_t hlen, const struct l3_span *sp,
	    uint32_t *off, uint16_t *et)
{
	uint32_t o = sp->l4, hl;
	uint16_t fl, proto;

	if (o + 4 > sp->end || o + 4 > hlen)
		return -1;
	fl = xb_be16(hdr + o);
	proto = xb_be16(hdr + o + 2);
	if (fl & 0x4fff) /* R, s, recursion, flags, version */
		return 1;
	hl = 4 + (fl & 0x8000 ? 4 : 0) + (fl & 0x2000 ? 4 : 0) +
	     (fl & 0x1000 ? 4 : 0);
	if (o + hl > sp->end || o + hl > hlen)
		return -1;
	o += hl;
	switch (proto) {
	case ET_IPV4:
	case ET_IPV6:
	case ET_MPLS:
	case ET_MPLS_MC:
		*et = proto;
		break;
	case ET_TEB:
		if (skip_eth(hdr, hlen, &o, sp->end, et) < 0)
			return -1;
		break;
	default:
		return 1;
	}
	*off = o;
	return 0;
}

/*
 * VXLAN (RFC 7348, UDP port 4789: I flag, then Ethernet) and Geneve (RFC
 * 8926, port 6081: version 0, options, then the protocol it names) in the
 * payload of the UDP datagram out describes, which ends at end.  A
 * datagram too short for the header, or without the I flag / with another
 * Geneve version, is not that tunnel: plain UDP to that port (1).
 */
static int
udp_tunnel_payload(const uint8_t *hdr, uint32_t hlen,
		   const struct xb_pkt_info *out, uint32_t end, uint32_t *off,
		   uint16_t *et)
{
	uint32_t o = out->payload_off, hl;
	uint16_t proto;

	if (out->dport == UDP_VXLAN) {
		if (o + 8 + ETH_HLEN > end)
			return 1;
		if (o + 8 > hlen)
			return -1;
		if (!(hdr[o] & 0x08))
			return 1;
		o += 8;
		if (skip_eth(hdr, hlen, &o, end, et) < 0)
			return -1;
		*off = o;
		return 0;
	}
	/* Geneve */
	if (o + 8 > end)
		return 1;
	if (o + 8 > hlen)
		return -1;
	if (hdr[o] >> 6)
		return 1;
	hl = 8 + (uint32_t)(hdr[o] & 0x3f) * 4;
	proto = xb_be16(hdr + o + 2);
	if (o + hl > end)
		return 1;
	if (o + hl > hlen)
		return -1;
	o += hl;
	if (proto == ET_TEB) {
		if (skip_eth(hdr, hlen, &o, end, et) < 0)
			return -1;
	} else if (proto == ET_IPV4 || proto == ET_IPV6) {
		*et = proto;
	} else {
		return 1;
	}
	*off = o;
	return 0;
}

/* The key describes the header at l3_off and nothing beyond it (an
 * outer fragment, an inner later fragment, ...). */
static inline void
no_l4(struct xb_pkt_info *out, const struct l3_span *sp)
{
	out->l4_off = (uint16_t)sp->l4;
	out->payload_off = (uint16_t)sp->l4;
	out->payload_len = sp->end - sp->l4;
}

/*
 * The loop: non-IP encapsulations (MPLS, PPPoE) down to an IP header,
 * the IP header, then either its upper layer (the key) or a tunnel it
 * carries (IP-in-IP, GRE, VXLAN, Geneve), whose payload starts the next
 * round.  Each encapsulation followed counts against XB_PARSE_ENCAP_MAX;
 * past it the frame is MALFORMED (a bound an attacker cannot raise, and
 * never a key that describes something else than the innermost packet).
 * When a tunnel's payload turns out not to be IP (ARP bridged over VXLAN,
 * OAM in MPLS over GRE), the last IP header is the key: the tunnel's
 * packet is IP and is policed and billed as what it is.
 */
int
xb_parse_general(const uint8_t *hdr, uint32_t hdr_len, uint32_t frame_len,
		 struct xb_pkt_info *out)
{
	struct xb_pkt_info outer; /* the last IP header's key, in a tunnel */
	struct l3_span sp, outer_sp;
	uint32_t hlen = hdr_len;
	uint32_t off = ETH_HLEN, limit = frame_len;
	unsigned int depth = 0;
	int have_ip = 0, outer_keyed = 0, rc;
	uint16_t et;

	if (hlen > frame_len)
		hlen = frame_len;
	if (hlen > XB_PARSE_HDR_MAX)
		hlen = XB_PARSE_HDR_MAX;
	memset(out, 0, sizeof(*out));
	if (unlikely(hlen < ETH_HLEN))
		return XB_PARSE_MALFORMED;
	et = xb_be16(hdr + 12);
	if (unlikely(is_vlan_tpid(et))) {
		do {
			if (out->vlan_count == 2 || hlen - off < 4)
				goto malformed;
			if (out->vlan_count++ == 0)
				out->vlan = xb_be16(hdr + off) & 0x0fff;
			et = xb_be16(hdr + off + 2);
			off += 4;
		} while (is_vlan_tpid(et));
	}
	for (;;) {
		/* Label stacks and PPP sessions down to an IP header. */
		while (unlikely(et != ET_IPV4 && et != ET_IPV6)) {
			if (et == ET_MPLS || et == ET_MPLS_MC)
				rc = skip_mpls(hdr, hlen, &off, limit, &et);
			else if (et == ET_PPPOE)
				rc = skip_pppoe(hdr, hlen, &off, &limit, &et);
			else
				rc = 1;
			if (rc > 0)
				goto not_ip;
			if (rc < 0 || ++depth > XB_PARSE_ENCAP_MAX)
				goto malformed;
		}
		out->l3_off = (uint16_t)off;
		if (!have_ip)
			out->outer_l3_off = (uint16_t)off;
		if (likely(et == ET_IPV4))
			rc = parse_ip4(hdr, hlen, off, limit, out, &sp);
		else
			rc = parse_ip6(hdr, hlen, off, limit, out, &sp);
		if (unlikely(rc < 0))
			goto malformed;
		have_ip = 1;
		if (unlikely(out->flags & XB_PKT_F_FRAGMENT)) {
			/* A later fragment has no L4 header; a tunnel's
			 * inner header is only whole after reassembly (the
			 * worker's): both keyed on this header. */
			if ((out->flags & XB_PKT_F_LATER_FRAGMENT) ||
			    out->proto == P_IPIP || out->proto == P_IPV6 ||
			    out->proto == P_GRE) {
				no_l4(out, &sp);
				return XB_PARSE_IP;
			}
			break;
		}
		if (unlikely(out->proto == P_IPIP || out->proto == P_IPV6)) {
			et = out->proto == P_IPIP ? ET_IPV4 : ET_IPV6;
			off = sp.l4;
			outer_keyed = 0;
		} else if (unlikely(out->proto == P_GRE)) {
			rc = gre_payload(hdr, hlen, &sp, &off, &et);
			if (rc < 0)
				goto malformed;
			if (rc > 0)
				break;
			outer_keyed = 0;
		} else {
			if (unlikely(parse_l4(hdr, hlen, &sp, out) < 0))
				goto malformed;
			if (likely(out->proto != P_UDP ||
				   (out->dport != UDP_VXLAN &&
				    out->dport != UDP_GENEVE)))
				return XB_PARSE_IP;
			sp.end = out->payload_off + out->payload_len;
			rc = udp_tunnel_payload(hdr, hlen, out, sp.end, &off,
						&et);
			if (rc < 0)
				goto malformed;
			if (rc > 0)
				return XB_PARSE_IP;
			outer_keyed = 1;
		}
		/* Follow the tunnel: the inner packet is the key. */
		if (++depth > XB_PARSE_ENCAP_MAX)
			goto malformed;
		limit = sp.end;
		outer = *out;
		outer_sp = sp;
		{
			uint16_t vlan = out->vlan, outer_l3 = out->outer_l3_off;
			uint8_t vlan_count = out->vlan_count;

			memset(out, 0, sizeof(*out));
			out->vlan = vlan;
			out->vlan_count = vlan_count;
			out->outer_l3_off = outer_l3;
			out->flags = XB_PKT_F_TUNNEL;
		}
	}
	/* This IP header is the key, with its upper layer. */
	if (unlikely(parse_l4(hdr, hlen, &sp, out) < 0))
		goto malformed;
	return XB_PARSE_IP;
not_ip:
	if (have_ip) {
		/* A tunnel whose payload is not IP: key its packet. */
		*out = outer;
		if (outer_keyed)
			return XB_PARSE_IP;
		sp = outer_sp;
		if (unlikely(parse_l4(hdr, hlen, &sp, out) < 0))
			goto malformed;
		return XB_PARSE_IP;
	}
	/* The key is all zero for anything but IP (VLAN fields included). */
	memset(out, 0, sizeof(*out));
	return XB_PARSE_NOT_IP;
malformed:
	memset(out, 0, sizeof(*out));
	return XB_PARSE_MALFORMED;
}
