/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_linktype.h"

#include <stddef.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
/* Below this, an Ethernet type field is a length (802.3). */
#define ETHERTYPE_MIN 0x0600
#define ETHER_MTU_8023 1500

/* Linux ETH_P_* values a cooked header uses for frames without an
 * ethertype: raw 802.3 (Novell) and 802.2 LLC. */
#define SLL_PROTO_802_3 0x0001
#define SLL_PROTO_802_2 0x0004
/* ARPHRD_NETLINK: a cooked capture of a netlink socket (nlmon), whose
 * "protocol" is the netlink family: not network traffic. */
#define SLL_HATYPE_NETLINK 824

/* BSD address families of the NULL/LOOP header: AF_INET is 2 everywhere;
 * AF_INET6 differs: 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD,
 * DragonFly), 30 (Darwin). */
#define BSD_AF_INET 2

static const uint8_t placeholder_mac[6] = {0x02, 0, 0, 0, 0, 0};

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static void
ether_header(uint8_t hdr[XB_LINKTYPE_ETHER_LEN], const uint8_t *src_mac,
	     uint16_t type)
{
	memcpy(hdr, placeholder_mac, 6);
	memcpy(hdr + 6, src_mac != NULL ? src_mac : placeholder_mac, 6);
	hdr[12] = (uint8_t)(type >> 8);
	hdr[13] = (uint8_t)type;
}

/* Ethertype of an IP packet by its version nibble, 0 when neither. */
static uint16_t
ip_ethertype(const uint8_t *ip, uint32_t len)
{
	if (len == 0)
		return 0;
	switch (ip[0] >> 4) {
	case 4:
		return ETHERTYPE_IPV4;
	case 6:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

static uint16_t
bsd_family_ethertype(uint32_t family)
{
	switch (family) {
	case BSD_AF_INET:
		return ETHERTYPE_IPV4;
	case 24:
	case 28:
	case 30:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

/* A cooked header's protocol as an Ethernet type/length field: an
 * ethertype as is; 802.2 and raw 802.3 frames get the 802.3 length of
 * their payload (wire bytes after the cooked header); 0 when none fits. */
static uint16_t
sll_type(uint16_t proto, uint16_t hatype, uint32_t payload_wire_len)
{
	if (hatype == SLL_HATYPE_NETLINK)
		return 0;
	if (proto >= ETHERTYPE_MIN)
		return proto;
	if ((proto == SLL_PROTO_802_2 || proto == SLL_PROTO_802_3) &&
	    payload_wire_len > 0 && payload_wire_len <= ETHER_MTU_8023)
		return (uint16_t)payload_wire_len;
	return 0;
}

int
xb_linktype_to_ether(uint32_t linktype, const uint8_t *frame, uint32_t caplen,
		     uint32_t wire_len, uint8_t hdr[XB_LINKTYPE_ETHER_LEN],
		     uint32_t *hdr_len, uint32_t *strip)
{
	uint32_t hlen = 0, family;
	const uint8_t *src_mac = NULL;
	uint16_t type;

	*hdr_len = 0;
	*strip = 0;
	if (wire_len < caplen)
		wire_len = caplen;
	switch (linktype) {
	case XB_LINKTYPE_ETHERNET:
		return XB_LINKTYPE_OK;
	case XB_LINKTYPE_RAW:
	case XB_LINKTYPE_RAW_BSD1:
	case XB_LINKTYPE_RAW_BSD2:
		if (caplen == 0)
			return XB_LINKTYPE_TRUNCATED;
		type = ip_ethertype(frame, caplen);
		break;
	case XB_LINKTYPE_IPV4:
	case XB_LINKTYPE_IPV6:
		/* The link type says which; a packet whose header says
		 * otherwise is the parser's to call malformed, as on
		 * Ethernet. */
		if (caplen == 0)
			return XB_LINKTYPE_TRUNCATED;
		type = linktype == XB_LINKTYPE_IPV4 ? ETHERTYPE_IPV4
						    : ETHERTYPE_IPV6;
		break;
	case XB_LINKTYPE_NULL:
		/* The family word is in the capturing host's byte order,
		 * which the file does not record: take the order in which
		 * the word is a known family (the values are < 256, so at
		 * most one order matches). */
		hlen = XB_LINKTYPE_NULL_LEN;
		if (caplen < hlen)
			return XB_LINKTYPE_TRUNCATED;
		family = le32(frame);
		type = bsd_family_ethertype(family);
		if (type == 0)
			type = bsd_family_ethertype(be32(frame));
		break;
	case XB_LINKTYPE_LOOP:
		hlen = XB_LINKTYPE_NULL_LEN;
		if (caplen < hlen)
			return XB_LINKTYPE_TRUNCATED;
		type = bsd_family_ethertype(be32(frame));
		break;
	case XB_LINKTYPE_LINUX_SLL:
		/* packet type, ARPHRD type, address length, address (8),
		 * protocol */
		hlen = XB_LINKTYPE_SLL_LEN;
		if (caplen < hlen)
			return XB_LINKTYPE_TRUNCATED;
		if (be16(frame + 4) == 6)
			src_mac = frame + 6;
		type = sll_type(be16(frame + 14), be16(frame + 2),
				wire_len - hlen);
		break;
	case XB_LINKTYPE_LINUX_SLL2:
		/* protocol, reserved, interface index (4), ARPHRD type,
		 * packet type (1), address length (1), address (8) */
		hlen = XB_LINKTYPE_SLL2_LEN;
		if (caplen < hlen)
			return XB_LINKTYPE_TRUNCATED;
		if (frame[11] == 6)
			src_mac = frame + 12;
		type = sll_type(be16(frame), be16(frame + 8), wire_len - hlen);
		break;
	default:
		return XB_LINKTYPE_UNSUPPORTED;
	}
	if (type == 0)
		return XB_LINKTYPE_UNKNOWN_PROTOCOL;
	ether_header(hdr, src_mac, type);
	*hdr_len = XB_LINKTYPE_ETHER_LEN;
	*strip = hlen;
	return XB_LINKTYPE_OK;
}

const char *
xb_linktype_name(uint32_t linktype)
{
	switch (linktype) {
	case XB_LINKTYPE_ETHERNET:
		return "ethernet";
	case XB_LINKTYPE_NULL:
		return "null";
	case XB_LINKTYPE_LOOP:
		return "loop";
	case XB_LINKTYPE_RAW:
	case XB_LINKTYPE_RAW_BSD1:
	case XB_LINKTYPE_RAW_BSD2:
		return "raw";
	case XB_LINKTYPE_IPV4:
		return "ipv4";
	case XB_LINKTYPE_IPV6:
		return "ipv6";
	case XB_LINKTYPE_LINUX_SLL:
		return "sll";
	case XB_LINKTYPE_LINUX_SLL2:
		return "sll2";
	default:
		return NULL;
	}
}
