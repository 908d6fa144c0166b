/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link types of captured frames, turned into Ethernet frames when a
 * capture is loaded for replay (the control plane), so the workers, the
 * flow log, --pcap-out and the statistics see Ethernet whatever tool and
 * interface recorded the traffic: `tcpdump -i any` (Linux cooked v1/v2),
 * a router's raw-IP tap, a BSD or macOS loopback (NULL, LOOP).
 *
 * A converted frame is the synthesized header followed by the captured
 * frame minus its link header: out = hdr[0..hdr_len) + frame[strip..).
 * Ethernet frames pass unchanged (hdr_len = strip = 0).
 *
 * Pure functions on bytes: no allocation, no DPDK; any thread.
 */
#ifndef XB_LINKTYPE_H
#define XB_LINKTYPE_H

#include <stdint.h>

/* LINKTYPE_* values as written in pcap and pcapng files (tcpdump.org
 * link-layer header types), not the platform's DLT_* numbers. */
#define XB_LINKTYPE_NULL 0       /* BSD loopback: family, host order */
#define XB_LINKTYPE_ETHERNET 1
#define XB_LINKTYPE_RAW_BSD1 12  /* DLT_RAW on most BSDs and Linux */
#define XB_LINKTYPE_RAW_BSD2 14  /* DLT_RAW on OpenBSD */
#define XB_LINKTYPE_RAW 101      /* raw IPv4 or IPv6, by version nibble */
#define XB_LINKTYPE_LOOP 108     /* OpenBSD loopback: family, network order */
#define XB_LINKTYPE_LINUX_SLL 113
#define XB_LINKTYPE_IPV4 228
#define XB_LINKTYPE_IPV6 229
#define XB_LINKTYPE_LINUX_SLL2 276

#define XB_LINKTYPE_SLL_LEN 16
#define XB_LINKTYPE_SLL2_LEN 20
#define XB_LINKTYPE_NULL_LEN 4

/* Why a frame cannot be replayed (0 means it can). */
enum xb_linktype_result {
	XB_LINKTYPE_OK = 0,
	/* A link type replay does not know. */
	XB_LINKTYPE_UNSUPPORTED = -1,
	/* Shorter than its link header (or no IP version nibble). */
	XB_LINKTYPE_TRUNCATED = -2,
	/* The link header names no protocol an Ethernet frame can carry: a
	 * NULL/LOOP address family other than IPv4/IPv6, an IP version
	 * other than 4 or 6, a cooked header of a netlink socket or with a
	 * protocol that is neither an ethertype nor 802.2/802.3. */
	XB_LINKTYPE_UNKNOWN_PROTOCOL = -3,
};

/* Bytes of the synthesized Ethernet header (dst, src, ethertype). */
#define XB_LINKTYPE_ETHER_LEN 14

/*
 * The Ethernet header that replaces the link header of one frame of the
 * given link type: writes hdr_len bytes (0 or XB_LINKTYPE_ETHER_LEN) to
 * hdr and says how many leading bytes of the frame it replaces (strip).
 * caplen: captured bytes at frame; wire_len: the frame's original length
 * (an 802.2 frame's length field is computed from it).  The ethertype is
 * the cooked header's protocol (a VLAN tag the cooked header announces
 * with 0x8100 stays in the frame, as the tag of an 802.1Q frame), or
 * the IP version's.  MAC addresses are locally administered placeholders
 * (02:00:00:00:00:00), except the source of a cooked frame whose header
 * carries a 6-byte address.  Returns an enum xb_linktype_result.
 */
int xb_linktype_to_ether(uint32_t linktype, const uint8_t *frame,
			 uint32_t caplen, uint32_t wire_len,
			 uint8_t hdr[XB_LINKTYPE_ETHER_LEN], uint32_t *hdr_len,
			 uint32_t *strip);

/* Short lower-case name of a link type for reports and statistics keys
 * ("ethernet", "sll", "raw", ...); NULL when replay does not know it. */
const char *xb_linktype_name(uint32_t linktype);

#endif /* XB_LINKTYPE_H */
