/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DSCP remarking in place, keeping the ECN bits.
 *
 * IPv4: the TOS byte changes and the header checksum is updated
 * incrementally (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')), which gives the
 * same result as a full recomputation without reading the whole header.
 * IPv6: the traffic class changes; there is no header checksum.  No L4
 * checksum covers either field (pseudo-headers omit them).
 *
 * Pure functions over header bytes: any thread, no allocation.  The caller
 * has checked that the header is there (20 / 40 bytes) and is IPv4 / IPv6.
 */
#ifndef XB_DSCP_H
#define XB_DSCP_H

#include <stdint.h>

#define XB_DSCP_KEEP 0xff /* verdict value: leave the DSCP as it is */

/* DSCP (0..63) of an IPv4 header. */
static inline uint8_t
xb_dscp_get_ipv4(const uint8_t *ip_hdr)
{
	return ip_hdr[1] >> 2;
}

/* DSCP (0..63) of an IPv6 header. */
static inline uint8_t
xb_dscp_get_ipv6(const uint8_t *ip6_hdr)
{
	return (uint8_t)(((ip6_hdr[0] & 0x0f) << 2) | (ip6_hdr[1] >> 6));
}

/*
 * Set the DSCP of an IPv4 header to dscp (0..63; XB_DSCP_KEEP or any
 * value above 63 leaves the header untouched) and fix its checksum.
 */
static inline void
xb_dscp_remark_ipv4(uint8_t *ip_hdr, uint8_t dscp)
{
	uint16_t old_w, new_w, hc;
	uint32_t sum;
	uint8_t tos;

	if (dscp > 63)
		return;
	tos = (uint8_t)((dscp << 2) | (ip_hdr[1] & 0x03));
	if (tos == ip_hdr[1])
		return;
	/* The checksum is over 16-bit big-endian words; word 0 is
	 * version/IHL and TOS. */
	old_w = (uint16_t)((ip_hdr[0] << 8) | ip_hdr[1]);
	new_w = (uint16_t)((ip_hdr[0] << 8) | tos);
	hc = (uint16_t)((ip_hdr[10] << 8) | ip_hdr[11]);
	sum = (uint32_t)(uint16_t)~hc + (uint16_t)~old_w + new_w;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	hc = (uint16_t)~sum;
	ip_hdr[1] = tos;
	ip_hdr[10] = (uint8_t)(hc >> 8);
	ip_hdr[11] = (uint8_t)hc;
}

/*
 * Set the DSCP of an IPv6 header (the upper six bits of the traffic class,
 * which straddles bytes 0 and 1) to dscp; XB_DSCP_KEEP or any value above
 * 63 leaves it untouched.
 */
static inline void
xb_dscp_remark_ipv6(uint8_t *ip6_hdr, uint8_t dscp)
{
	uint8_t tc;

	if (dscp > 63)
		return;
	tc = (uint8_t)((dscp << 2) | ((ip6_hdr[1] >> 4) & 0x03));
	ip6_hdr[0] = (uint8_t)((ip6_hdr[0] & 0xf0) | (tc >> 4));
	ip6_hdr[1] = (uint8_t)((ip6_hdr[1] & 0x0f) | ((tc & 0x0f) << 4));
}

#endif /* XB_DSCP_H */
