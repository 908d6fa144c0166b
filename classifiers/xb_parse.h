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
 * AH) and fragments, one level of IP-in-IP tunnelling (IPv4/IPv6 in IPv4 or
 * IPv6, protocols 4 and 41: the key then describes the inner packet), and
 * TCP/UDP/SCTP/ICMP/ICMPv6 headers.
 *
 * Thread safety: reentrant.
 */
#ifndef XB_PARSE_H
#define XB_PARSE_H

#include <stdint.h>

/* Headers beyond this many bytes from the frame start are not followed. */
#define XB_PARSE_HDR_MAX 512
/* Extension headers walked in one IPv6 header chain before giving up. */
#define XB_PARSE_EXT_MAX 8

enum xb_parse_status {
	XB_PARSE_IP = 0,         /* IP packet, key filled */
	XB_PARSE_NOT_IP = 1,     /* ARP, LLDP, ...: forward untouched */
	XB_PARSE_MALFORMED = -1, /* inconsistent IP headers: drop */
};

#define XB_PKT_F_FRAGMENT 0x01       /* part of a fragmented datagram */
#define XB_PKT_F_LATER_FRAGMENT 0x02 /* offset > 0: no L4 header, ports 0 */
#define XB_PKT_F_TUNNEL 0x04         /* key is the inner header of IP-in-IP */
#define XB_PKT_F_HAS_L4 0x08         /* sport/dport/tcp fields are valid */

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
 */
int xb_parse(const uint8_t *hdr, uint32_t hdr_len, uint32_t frame_len,
	     struct xb_pkt_info *out);

#endif /* XB_PARSE_H */
