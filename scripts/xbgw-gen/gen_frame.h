/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame building: Ethernet (optionally 802.1Q-tagged), IPv4 or IPv6, TCP
 * or UDP, with every length and checksum right (IPv4 header checksum, TCP
 * and UDP checksums over the pseudo-header) and Ethernet padding up to
 * FRAME_MIN bytes.  Frame lengths count the bytes as written to the pcap:
 * Ethernet header included, FCS excluded.
 */
#ifndef GEN_FRAME_H
#define GEN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX 1518 /* largest frame built (a 1514-byte one and a tag) */
#define FRAME_MIN 60   /* shorter frames are padded: 64 B on the wire */

/* TCP flags. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* One flow as both ends see it; frame_build() keeps its sequence numbers
 * and IPv4 identifications going. */
struct tuple {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;  /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t vlan;  /* 802.1Q VLAN id, 0: untagged */
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t cseq, sseq; /* next sequence number per side */
	uint16_t cid, sid;   /* IPv4 identification per side */
	uint8_t cttl, sttl;
};

/*
 * Build one frame of flow t in direction dir (0: client -> server, i.e.
 * inside -> outside; 1: server -> client) into b (>= FRAME_MAX + 64
 * bytes): TCP with flags and options opt (optlen bytes, a multiple of 4),
 * UDP ignores both; plen bytes of payload pl.  TCP uses and advances the
 * sender's sequence number and acknowledges the peer's; IPv4 advances the
 * sender's identification.  Returns the frame length.
 */
size_t frame_build(uint8_t *b, struct tuple *t, int dir, uint8_t flags,
		   const uint8_t *opt, size_t optlen, const uint8_t *pl,
		   size_t plen);

/* Header bytes of a frame of t (Ethernet to TCP/UDP, no options). */
size_t frame_header_len(const struct tuple *t);

#endif /* GEN_FRAME_H */
