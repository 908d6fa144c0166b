/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xb_parse(): one table of frames (built from layer descriptions, then
 * patched to break them) and the key each must give.  Every frame is handed
 * over in a heap buffer of exactly hdr_len bytes, so the sanitizer build
 * catches any read past the header window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xb_parse.h"

/* ---- frame builder ---------------------------------------------------- */

enum lk {
	L_END = 0,
	L_ETH,   /* a: ethertype (0: from the next layer) */
	L_VLAN,  /* a: TPID, b: VLAN id */
	L_IP4,   /* a: IHL words (0: 5), b: flags|fragment offset, c: DSCP,
		  * d: 0x100|proto to force the protocol */
	L_IP6,   /* c: DSCP, d: 0x100|next header to force it */
	L_EXT,   /* a: type (0, 43, 60, 51), b: length in bytes */
	L_FRAG6, /* a: offset in 8-byte units, b: M flag */
	L_TCP,   /* a: sport, b: dport, c: data offset words (0: 5),
		  * d: flags, e: seq */
	L_UDP,   /* a: sport, b: dport */
	L_SCTP,  /* a: sport, b: dport */
	L_ICMP,  /* a: type, b: code, c: identifier (ICMPv6 after IPv6) */
	L_RAW,   /* a: bytes, b: protocol or ethertype it announces when c */
	L_PAD,   /* a: bytes of Ethernet padding, not counted by IP */
	L_MPLS,  /* a: labels (bottom of stack on the last), b: 1 for 0x8848 */
	L_CW,    /* pseudowire control word (4 zero bytes) */
	L_PPPOE, /* a: PPP protocol, b: 1 to send it compressed (one byte) */
	L_GRE,   /* a: flag bits C 0x8000, K 0x2000, S 0x1000 */
	L_VXLAN, /* VXLAN header with the I flag */
	L_GENEVE, /* a: option length in 4-byte words */
};

struct layer {
	uint8_t k;
	uint32_t a, b, c, d, e;
};

struct patch {
	uint16_t off;
	uint8_t size; /* 1, 2 or 4; 0 ends the list */
	uint32_t val;
};

#define ETH() {L_ETH, 0, 0, 0, 0, 0}
#define ETHT(t) {L_ETH, (t), 0, 0, 0, 0}
#define VLAN(tpid, vid) {L_VLAN, (tpid), (vid), 0, 0, 0}
#define IP4() {L_IP4, 0, 0, 0, 0, 0}
#define IP4X(ihl, frag, dscp) {L_IP4, (ihl), (frag), (dscp), 0, 0}
#define IP4P(proto) {L_IP4, 0, 0, 0, 0x100 | (proto), 0}
#define IP6() {L_IP6, 0, 0, 0, 0, 0}
#define IP6D(dscp) {L_IP6, 0, 0, (dscp), 0, 0}
#define IP6P(nh) {L_IP6, 0, 0, 0, 0x100 | (nh), 0}
#define EXT(type, len) {L_EXT, (type), (len), 0, 0, 0}
#define FRAG6(off, m) {L_FRAG6, (off), (m), 0, 0, 0}
#define TCP(s, d) {L_TCP, (s), (d), 0, 0x18, 0x01020304}
#define TCPX(s, d, doff, fl, seq) {L_TCP, (s), (d), (doff), (fl), (seq)}
#define UDP(s, d) {L_UDP, (s), (d), 0, 0, 0}
#define SCTP(s, d) {L_SCTP, (s), (d), 0, 0, 0}
#define ICMP(t, c, id) {L_ICMP, (t), (c), (id), 0, 0}
#define RAW(n) {L_RAW, (n), 0, 0, 0, 0}
#define RAWP(n, p) {L_RAW, (n), (p), 1, 0, 0}
#define PAD(n) {L_PAD, (n), 0, 0, 0, 0}
#define MPLS(n) {L_MPLS, (n), 0, 0, 0, 0}
#define MPLSM(n) {L_MPLS, (n), 1, 0, 0, 0}
#define CW() {L_CW, 0, 0, 0, 0, 0}
#define PPPOE(proto, compressed) {L_PPPOE, (proto), (compressed), 0, 0, 0}
#define GRE(flags) {L_GRE, (flags), 0, 0, 0, 0}
#define VXLAN() {L_VXLAN, 0, 0, 0, 0, 0}
#define GENEVE(words) {L_GENEVE, (words), 0, 0, 0, 0}

#define MAX_LAYERS 16
#define BUILD_MAX 10000

static void
wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

/* Protocol number / ethertype a layer announces to the one before it. */
static uint32_t
layer_id(const struct layer *l, int after_l2, int fam)
{
	switch (l->k) {
	case L_VLAN: return l->a;
	case L_IP4: return after_l2 ? 0x0800 : 4;
	case L_IP6: return after_l2 ? 0x86dd : 41;
	case L_EXT: return l->a;
	case L_FRAG6: return 44;
	case L_TCP: return 6;
	case L_UDP: return 17;
	case L_SCTP: return 132;
	case L_ICMP: return fam == 6 ? 58 : 1;
	case L_RAW: return l->c ? l->b : 0xff; /* 0xff: reserved */
	case L_ETH: return 0x6558; /* bridged Ethernet (GRE, Geneve) */
	case L_MPLS: return l->b ? 0x8848 : 0x8847;
	case L_PPPOE: return 0x8864;
	case L_GRE: return 47;
	default: return 0;
	}
}

/*
 * Build the frame into buf; returns its length.  IP and UDP lengths are set
 * so each datagram ends where the padding (or the frame) starts.
 */
static uint32_t
build(const struct layer *ls, uint8_t *buf)
{
	uint32_t off = 0, dgram_end = 0;
	uint32_t ip4_off[MAX_LAYERS], ip6_off[MAX_LAYERS], udp_off[MAX_LAYERS];
	uint32_t pppoe_off[MAX_LAYERS];
	unsigned int n4 = 0, n6 = 0, nu = 0, np = 0;
	uint8_t *next16 = NULL; /* ethertype field to fill */
	uint8_t *next8 = NULL;  /* protocol byte to fill */
	int fam = 0;

	memset(buf, 0, BUILD_MAX);
	for (unsigned int i = 0; i < MAX_LAYERS && ls[i].k != L_END; i++) {
		const struct layer *l = &ls[i];
		uint8_t *p = buf + off;

		if (next16 != NULL && l->k != L_PAD) {
			wr16(next16, layer_id(l, 1, fam));
			next16 = NULL;
		}
		if (next8 != NULL && l->k != L_PAD) {
			*next8 = (uint8_t)layer_id(l, 0, fam);
			next8 = NULL;
		}
		switch (l->k) {
		case L_ETH:
			memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
			wr16(p + 12, l->a);
			if (l->a == 0)
				next16 = p + 12;
			off += 14;
			break;
		case L_VLAN:
			/* The TPID went into the previous ethertype field. */
			wr16(p, l->b);
			next16 = p + 2;
			off += 4;
			break;
		case L_IP4: {
			uint32_t ihl = l->a ? l->a : 5;

			p[0] = (uint8_t)(0x40 | ihl);
			p[1] = (uint8_t)(l->c << 2);
			wr16(p + 4, 0x1234);
			wr16(p + 6, l->b);
			p[8] = 64;
			memcpy(p + 12, "\x0a\x00\x00\x01", 4);
			memcpy(p + 16, "\xc0\x00\x02\x07", 4);
			p[12 + 3] = (uint8_t)(n4 + n6 + 1); /* tell levels apart */
			if (l->d)
				p[9] = (uint8_t)l->d;
			else
				next8 = p + 9;
			ip4_off[n4++] = off;
			off += ihl * 4;
			fam = 4;
			break;
		}
		case L_IP6:
			p[0] = (uint8_t)(0x60 | (l->c >> 2));
			p[1] = (uint8_t)((l->c & 3) << 6);
			p[7] = 64;
			memcpy(p + 8, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
			memcpy(p + 24, "\x24\x04\x68\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x0e", 16);
			p[8 + 15] = (uint8_t)(n4 + n6 + 1);
			if (l->d)
				p[6] = (uint8_t)l->d;
			else
				next8 = p + 6;
			ip6_off[n6++] = off;
			off += 40;
			fam = 6;
			break;
		case L_EXT:
			next8 = p;
			if (l->a == 51)
				p[1] = (uint8_t)(l->b / 4 - 2);
			else
				p[1] = (uint8_t)(l->b / 8 - 1);
			off += l->b;
			break;
		case L_FRAG6:
			next8 = p;
			wr16(p + 2, l->a << 3 | (l->b & 1));
			wr32(p + 4, 0xabcdef01);
			off += 8;
			break;
		case L_TCP: {
			uint32_t doff = l->c ? l->c : 5;

			wr16(p, l->a);
			wr16(p + 2, l->b);
			wr32(p + 4, l->e);
			p[12] = (uint8_t)(doff << 4);
			p[13] = (uint8_t)l->d;
			wr16(p + 14, 65535);
			/* Options (if any) are NOPs; a doff beyond the data is
			 * the test's own business. */
			for (uint32_t j = 20; j < doff * 4 && off + j < BUILD_MAX; j++)
				p[j] = 1;
			off += 20 + (doff > 5 && doff * 4 - 20 < 64 ? doff * 4 - 20 : 0);
			break;
		}
		case L_UDP:
			wr16(p, l->a);
			wr16(p + 2, l->b);
			udp_off[nu++] = off;
			off += 8;
			break;
		case L_SCTP:
			wr16(p, l->a);
			wr16(p + 2, l->b);
			wr32(p + 4, 0x11223344);
			off += 12;
			break;
		case L_ICMP:
			p[0] = (uint8_t)l->a;
			p[1] = (uint8_t)l->b;
			wr16(p + 4, l->c);
			wr16(p + 6, 1);
			off += 8;
			break;
		case L_RAW:
			for (uint32_t j = 0; j < l->a; j++)
				p[j] = (uint8_t)(0x30 + j % 64);
			off += l->a;
			break;
		case L_PAD:
			if (dgram_end == 0)
				dgram_end = off;
			off += l->a;
			break;
		case L_MPLS:
			for (uint32_t j = 0; j < l->a; j++) {
				uint32_t bos = j + 1 == l->a ? 0x100 : 0;

				wr32(p + 4 * j, (16 + j) << 12 | bos | 64);
			}
			off += 4 * l->a;
			break;
		case L_CW:
			off += 4;
			break;
		case L_PPPOE:
			p[0] = 0x11;
			wr16(p + 2, 0x1234);
			pppoe_off[np++] = off;
			if (l->b) {
				p[6] = (uint8_t)l->a;
				off += 7;
			} else {
				wr16(p + 6, l->a);
				off += 8;
			}
			break;
		case L_GRE: {
			uint32_t o = 4;

			wr16(p, l->a);
			next16 = p + 2;
			for (uint32_t bit = 0x8000; bit >= 0x1000; bit >>= 1)
				if (l->a & bit & 0xb000) {
					wr32(p + o, 0x5eed0000 | bit);
					o += 4;
				}
			off += o;
			break;
		}
		case L_VXLAN:
			p[0] = 0x08;
			wr32(p + 4, 0x12345600);
			off += 8;
			break;
		case L_GENEVE:
			p[0] = (uint8_t)(l->a & 0x3f);
			next16 = p + 2;
			wr32(p + 4, 0x00abcd00);
			off += 8 + 4 * l->a;
			break;
		}
		assert_true(off <= BUILD_MAX);
	}
	if (dgram_end == 0)
		dgram_end = off;
	for (unsigned int i = 0; i < n4; i++)
		wr16(buf + ip4_off[i] + 2, dgram_end - ip4_off[i]);
	for (unsigned int i = 0; i < n6; i++)
		wr16(buf + ip6_off[i] + 4, dgram_end - ip6_off[i] - 40);
	for (unsigned int i = 0; i < nu; i++)
		wr16(buf + udp_off[i] + 4, dgram_end - udp_off[i]);
	for (unsigned int i = 0; i < np; i++)
		wr16(buf + pppoe_off[i] + 4, dgram_end - pppoe_off[i] - 6);
	return off;
}

/* ---- the table -------------------------------------------------------- */

struct row {
	const char *name;
	struct layer l[MAX_LAYERS];
	struct patch p[4];
	uint32_t frame_len; /* 0: built length */
	uint32_t hdr_len;   /* 0: frame_len, or built length if smaller */
	int status;
	struct xb_pkt_info e; /* src/dst are checked against the frame */
	/* Window the key needs when the parser must read past the headers
	 * the key names (a tunnel header that turns out not to be followed);
	 * 0: payload_off with L4, else l4_off. */
	uint32_t need;
};

#define OK XB_PARSE_IP
#define BAD XB_PARSE_MALFORMED
#define NIP XB_PARSE_NOT_IP
#define F_FR XB_PKT_F_FRAGMENT
#define F_LF XB_PKT_F_LATER_FRAGMENT
#define F_TU XB_PKT_F_TUNNEL
#define F_L4 XB_PKT_F_HAS_L4

/* Key of plain Ethernet / IPv4 (no options): l3 at 14, L4 at 34. */
#define K4(pr, fl) .family = 4, .proto = (pr), .flags = (fl), .l3_off = 14, \
	.outer_l3_off = 14
#define K6(pr, fl) .family = 6, .proto = (pr), .flags = (fl), .l3_off = 14, \
	.outer_l3_off = 14
#define TCPK .tcp_flags = 0x18, .tcp_seq = 0x01020304

static const struct row rows[] = {
	/* ---- valid IPv4 ---- */
	{"v4 tcp", {ETH(), IP4(), TCP(1234, 80), RAW(10)}, {{0}}, 0, 0, OK,
	 {K4(6, F_L4), TCPK, .sport = 1234, .dport = 80, .l4_off = 34,
	  .payload_off = 54, .payload_len = 10}},
	{"v4 tcp no payload, SYN", {ETH(), IP4(), TCPX(40000, 443, 5, 0x02, 7)},
	 {{0}}, 0, 0, OK,
	 {K4(6, F_L4), .tcp_flags = 2, .tcp_seq = 7, .sport = 40000,
	  .dport = 443, .l4_off = 34, .payload_off = 54, .payload_len = 0}},
	{"v4 tcp options", {ETH(), IP4(), TCPX(1, 2, 8, 0x10, 9), RAW(3)},
	 {{0}}, 0, 0, OK,
	 {K4(6, F_L4), .tcp_flags = 0x10, .tcp_seq = 9, .sport = 1, .dport = 2,
	  .l4_off = 34, .payload_off = 66, .payload_len = 3}},
	{"v4 tcp max data offset", {ETH(), IP4(), TCPX(1, 2, 15, 0x10, 9)},
	 {{0}}, 0, 0, OK,
	 {K4(6, F_L4), .tcp_flags = 0x10, .tcp_seq = 9, .sport = 1, .dport = 2,
	  .l4_off = 34, .payload_off = 94, .payload_len = 0}},
	{"v4 udp", {ETH(), IP4(), UDP(5353, 53), RAW(20)}, {{0}}, 0, 0, OK,
	 {K4(17, F_L4), .sport = 5353, .dport = 53, .l4_off = 34,
	  .payload_off = 42, .payload_len = 20}},
	{"v4 udp dscp 46", {ETH(), IP4X(5, 0, 46), UDP(1, 2), RAW(1)}, {{0}},
	 0, 0, OK,
	 {K4(17, F_L4), .dscp = 46, .sport = 1, .dport = 2, .l4_off = 34,
	  .payload_off = 42, .payload_len = 1}},
	{"v4 DF set is not a fragment", {ETH(), IP4X(5, 0x4000, 0), UDP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {K4(17, F_L4), .sport = 1, .dport = 2, .l4_off = 34,
	  .payload_off = 42}},
	{"v4 options", {ETH(), IP4X(8, 0, 0), UDP(7, 8), RAW(2)}, {{0}}, 0, 0,
	 OK,
	 {K4(17, F_L4), .sport = 7, .dport = 8, .l4_off = 46,
	  .payload_off = 54, .payload_len = 2}},
	{"v4 max options", {ETH(), IP4X(15, 0, 0), TCP(7, 8)}, {{0}}, 0, 0, OK,
	 {K4(6, F_L4), TCPK, .sport = 7, .dport = 8, .l4_off = 74,
	  .payload_off = 94}},
	{"v4 udp shorter than ip payload",
	 {ETH(), IP4(), UDP(1, 2), RAW(10)}, {{38, 2, 12}}, 0, 0, OK,
	 {K4(17, F_L4), .sport = 1, .dport = 2, .l4_off = 34,
	  .payload_off = 42, .payload_len = 4}},
	{"v4 sctp", {ETH(), IP4(), SCTP(2905, 2906), RAW(16)}, {{0}}, 0, 0, OK,
	 {K4(132, F_L4), .sport = 2905, .dport = 2906, .l4_off = 34,
	  .payload_off = 46, .payload_len = 16}},
	{"v4 icmp echo request", {ETH(), IP4(), ICMP(8, 0, 0x4242), RAW(32)},
	 {{0}}, 0, 0, OK,
	 {K4(1, F_L4), .sport = 0x0800, .dport = 0x4242, .l4_off = 34,
	  .payload_off = 42, .payload_len = 32}},
	{"v4 icmp echo reply", {ETH(), IP4(), ICMP(0, 0, 0x77)}, {{0}}, 0, 0, OK,
	 {K4(1, F_L4), .sport = 0, .dport = 0x77, .l4_off = 34,
	  .payload_off = 42}},
	{"v4 icmp unreachable", {ETH(), IP4(), ICMP(3, 1, 0x55), RAW(28)},
	 {{0}}, 0, 0, OK,
	 {K4(1, F_L4), .sport = 0x0301, .dport = 0, .l4_off = 34,
	  .payload_off = 42, .payload_len = 28}},
	{"v4 icmpv6 number is not icmp", {ETH(), IP4P(58), RAW(8)}, {{0}}, 0, 0,
	 OK, {K4(58, 0), .l4_off = 34, .payload_off = 34, .payload_len = 8}},
	{"v4 gre with rfc 1701 fields, not followed",
	 {ETH(), IP4P(47), RAW(24)}, {{0}}, 0, 0, OK,
	 {K4(47, 0), .l4_off = 34, .payload_off = 34, .payload_len = 24},
	 .need = 38},
	{"v4 esp empty", {ETH(), IP4P(50)}, {{0}}, 0, 0, OK,
	 {K4(50, 0), .l4_off = 34, .payload_off = 34, .payload_len = 0}},
	{"v4 first fragment udp", {ETH(), IP4X(5, 0x2000, 0), UDP(9, 53), RAW(40)},
	 {{38, 2, 1400}}, 0, 0, OK,
	 {K4(17, F_FR | F_L4), .sport = 9, .dport = 53, .l4_off = 34,
	  .payload_off = 42, .payload_len = 40}},
	{"v4 first fragment tcp", {ETH(), IP4X(5, 0x2000, 0), TCP(9, 80), RAW(8)},
	 {{0}}, 0, 0, OK,
	 {K4(6, F_FR | F_L4), TCPK, .sport = 9, .dport = 80, .l4_off = 34,
	  .payload_off = 54, .payload_len = 8}},
	{"v4 later fragment", {ETH(), IP4X(5, 0x2000 | 100, 0), RAWP(64, 17)},
	 {{0}}, 0, 0, OK,
	 {K4(17, F_FR | F_LF), .l4_off = 34, .payload_off = 34,
	  .payload_len = 64}},
	{"v4 last fragment", {ETH(), IP4X(5, 185, 0), RAWP(3, 6)}, {{0}}, 0, 0,
	 OK,
	 {K4(6, F_FR | F_LF), .l4_off = 34, .payload_off = 34,
	  .payload_len = 3}},
	{"v4 later fragment may be short", {ETH(), IP4X(5, 1, 0), RAWP(2, 6)},
	 {{0}}, 0, 0, OK,
	 {K4(6, F_FR | F_LF), .l4_off = 34, .payload_off = 34,
	  .payload_len = 2}},
	{"v4 padded 60-byte frame, 40-byte packet",
	 {ETH(), IP4(), TCP(1, 2), PAD(6)}, {{0}}, 60, 0, OK,
	 {K4(6, F_L4), TCPK, .sport = 1, .dport = 2, .l4_off = 34,
	  .payload_off = 54, .payload_len = 0}},
	{"v4 padded udp", {ETH(), IP4(), UDP(1, 2), RAW(4), PAD(14)}, {{0}},
	 60, 0, OK,
	 {K4(17, F_L4), .sport = 1, .dport = 2, .l4_off = 34,
	  .payload_off = 42, .payload_len = 4}},
	{"v4 hdr_len beyond frame_len is clamped",
	 {ETH(), IP4(), UDP(1, 2), PAD(18)}, {{0}}, 42, 60, OK,
	 {K4(17, F_L4), .sport = 1, .dport = 2, .l4_off = 34,
	  .payload_off = 42, .payload_len = 0}},
	{"v4 jumbo 9000, hdr_len 512 (udp 4789 without vxlan's I flag)",
	 {ETH(), IP4(), UDP(4789, 4789), RAW(9000 - 42)}, {{0}}, 9000, 512, OK,
	 {K4(17, F_L4), .sport = 4789, .dport = 4789, .l4_off = 34,
	  .payload_off = 42, .payload_len = 9000 - 42}, .need = 50},
	{"v4 jumbo 9000 tcp, hdr_len 64",
	 {ETH(), IP4(), TCP(1, 2), RAW(9000 - 54)}, {{0}}, 9000, 64, OK,
	 {K4(6, F_L4), TCPK, .sport = 1, .dport = 2, .l4_off = 34,
	  .payload_off = 54, .payload_len = 9000 - 54}},

	/* ---- valid IPv6 ---- */
	{"v6 tcp", {ETH(), IP6(), TCP(1234, 443), RAW(5)}, {{0}}, 0, 0, OK,
	 {K6(6, F_L4), TCPK, .sport = 1234, .dport = 443, .l4_off = 54,
	  .payload_off = 74, .payload_len = 5}},
	{"v6 udp dscp 34", {ETH(), IP6D(34), UDP(1, 2), RAW(7)}, {{0}}, 0, 0, OK,
	 {K6(17, F_L4), .dscp = 34, .sport = 1, .dport = 2, .l4_off = 54,
	  .payload_off = 62, .payload_len = 7}},
	{"v6 sctp", {ETH(), IP6(), SCTP(5, 6)}, {{0}}, 0, 0, OK,
	 {K6(132, F_L4), .sport = 5, .dport = 6, .l4_off = 54,
	  .payload_off = 66}},
	{"v6 icmpv6 echo", {ETH(), IP6(), ICMP(128, 0, 0x99), RAW(8)}, {{0}},
	 0, 0, OK,
	 {K6(58, F_L4), .sport = 0x8000, .dport = 0x99, .l4_off = 54,
	  .payload_off = 62, .payload_len = 8}},
	{"v6 icmpv6 echo reply", {ETH(), IP6(), ICMP(129, 0, 0x98)}, {{0}}, 0, 0,
	 OK,
	 {K6(58, F_L4), .sport = 0x8100, .dport = 0x98, .l4_off = 54,
	  .payload_off = 62}},
	{"v6 icmpv6 neighbour solicitation", {ETH(), IP6(), ICMP(135, 0, 5),
	 RAW(16)}, {{0}}, 0, 0, OK,
	 {K6(58, F_L4), .sport = 0x8700, .dport = 0, .l4_off = 54,
	  .payload_off = 62, .payload_len = 16}},
	{"v6 icmp(v4) number is not icmp", {ETH(), IP6P(1), RAW(8)}, {{0}}, 0, 0,
	 OK, {K6(1, 0), .l4_off = 54, .payload_off = 54, .payload_len = 8}},
	{"v6 hop-by-hop tcp", {ETH(), IP6(), EXT(0, 8), TCP(1, 2)}, {{0}}, 0, 0,
	 OK,
	 {K6(6, F_L4), TCPK, .sport = 1, .dport = 2, .l4_off = 62,
	  .payload_off = 82}},
	{"v6 five ext headers",
	 {ETH(), IP6(), EXT(0, 16), EXT(60, 8), EXT(43, 24), EXT(51, 24),
	  EXT(60, 8), UDP(3, 4), RAW(1)}, {{0}}, 0, 0, OK,
	 {K6(17, F_L4), .sport = 3, .dport = 4, .l4_off = 134,
	  .payload_off = 142, .payload_len = 1}},
	{"v6 eight ext headers (the bound)",
	 {ETH(), IP6(), EXT(0, 8), EXT(60, 8), EXT(43, 8), EXT(60, 8),
	  EXT(43, 8), EXT(60, 8), EXT(51, 12), EXT(60, 8), UDP(3, 4)}, {{0}},
	 0, 0, OK,
	 {K6(17, F_L4), .sport = 3, .dport = 4, .l4_off = 54 + 68,
	  .payload_off = 54 + 76}},
	{"v6 first fragment", {ETH(), IP6(), FRAG6(0, 1), UDP(7, 8), RAW(10)},
	 {{0}}, 0, 0, OK,
	 {K6(17, F_FR | F_L4), .sport = 7, .dport = 8, .l4_off = 62,
	  .payload_off = 70, .payload_len = 10}},
	{"v6 later fragment", {ETH(), IP6(), FRAG6(10, 1), RAWP(48, 17)},
	 {{0}}, 0, 0, OK,
	 {K6(17, F_FR | F_LF), .l4_off = 62, .payload_off = 62,
	  .payload_len = 48}},
	{"v6 last fragment after hop-by-hop",
	 {ETH(), IP6(), EXT(0, 8), FRAG6(3, 0), RAWP(4, 6)}, {{0}}, 0, 0, OK,
	 {K6(6, F_FR | F_LF), .l4_off = 70, .payload_off = 70,
	  .payload_len = 4}},
	{"v6 atomic fragment", {ETH(), IP6(), FRAG6(0, 0), TCP(1, 2)}, {{0}},
	 0, 0, OK,
	 {K6(6, F_L4), TCPK, .sport = 1, .dport = 2, .l4_off = 62,
	  .payload_off = 82}},
	{"v6 no next header", {ETH(), IP6P(59)}, {{0}}, 0, 0, OK,
	 {K6(59, 0), .l4_off = 54, .payload_off = 54}},
	{"v6 dest opts then no next header",
	 {ETH(), IP6(), EXT(60, 8), RAWP(6, 59)}, {{0}}, 0, 0, OK,
	 {K6(59, 0), .l4_off = 62, .payload_off = 62, .payload_len = 6}},
	{"v6 esp", {ETH(), IP6(), RAWP(40, 50)}, {{0}}, 0, 0, OK,
	 {K6(50, 0), .l4_off = 54, .payload_off = 54, .payload_len = 40}},
	{"v6 padded", {ETH(), IP6P(59), PAD(10)}, {{0}}, 0, 0, OK,
	 {K6(59, 0), .l4_off = 54, .payload_off = 54}},

	/* ---- VLAN ---- */
	{"vlan v4 tcp", {ETHT(0x8100), VLAN(0x8100, 100), IP4(), TCP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_L4, TCPK, .vlan_count = 1,
	  .vlan = 100, .sport = 1, .dport = 2, .l3_off = 18,
	  .outer_l3_off = 18, .l4_off = 38, .payload_off = 58}},
	{"vlan pcp bits dropped",
	 {ETHT(0x8100), VLAN(0x8100, 0xe000 | 4094), IP6(), UDP(1, 2)}, {{0}},
	 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_L4, .vlan_count = 1,
	  .vlan = 4094, .sport = 1, .dport = 2, .l3_off = 18,
	  .outer_l3_off = 18, .l4_off = 58, .payload_off = 66}},
	{"qinq 88a8+8100",
	 {ETHT(0x88a8), VLAN(0x88a8, 200), VLAN(0x8100, 300), IP4(), UDP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_L4, .vlan_count = 2,
	  .vlan = 200, .sport = 1, .dport = 2, .l3_off = 22,
	  .outer_l3_off = 22, .l4_off = 42, .payload_off = 50}},
	{"qinq 9100+8100",
	 {ETHT(0x9100), VLAN(0x9100, 7), VLAN(0x8100, 8), IP6P(59)}, {{0}},
	 0, 0, OK,
	 {.family = 6, .proto = 59, .vlan_count = 2, .vlan = 7, .l3_off = 22,
	  .outer_l3_off = 22, .l4_off = 62, .payload_off = 62}},
	{"three vlan tags",
	 {ETHT(0x8100), VLAN(0x8100, 1), VLAN(0x8100, 2), VLAN(0x8100, 3),
	  IP4(), UDP(1, 2)}, {{0}}, 0, 0, BAD, {0}},
	{"vlan arp", {ETHT(0x8100), VLAN(0x8100, 5), RAWP(28, 0x0806)}, {{0}},
	 0, 0, NIP, {0}},
	{"qinq lldp",
	 {ETHT(0x88a8), VLAN(0x88a8, 5), VLAN(0x8100, 6), RAWP(28, 0x88cc)},
	 {{0}}, 0, 0, NIP, {0}},
	{"vlan truncated in tag", {ETHT(0x8100), VLAN(0x8100, 5), IP4(),
	 UDP(1, 2)}, {{0}}, 16, 0, BAD, {0}},
	{"second vlan truncated",
	 {ETHT(0x88a8), VLAN(0x88a8, 5), VLAN(0x8100, 6), IP4(), UDP(1, 2)},
	 {{0}}, 20, 0, BAD, {0}},
	{"vlan then nothing", {ETHT(0x8100), VLAN(0x8100, 5), IP4(), UDP(1, 2)},
	 {{0}}, 18, 0, BAD, {0}},

	/* ---- not IP, runts ---- */
	{"arp", {ETH(), RAWP(28, 0x0806), PAD(18)}, {{0}}, 0, 0, NIP, {0}},
	{"lldp", {ETH(), RAWP(40, 0x88cc)}, {{0}}, 0, 0, NIP, {0}},
	{"802.1x", {ETH(), RAWP(20, 0x888e)}, {{0}}, 0, 0, NIP, {0}},
	{"pppoe discovery", {ETH(), RAWP(30, 0x8863)}, {{0}}, 0, 0, NIP, {0}},
	{"802.3 length field", {ETHT(0x0040), RAW(46)}, {{0}}, 0, 0, NIP, {0}},
	{"ethernet header only, arp", {ETHT(0x0806)}, {{0}}, 0, 0, NIP, {0}},
	{"ethernet header only, ipv4", {ETHT(0x0800)}, {{0}}, 0, 0, BAD, {0}},
	{"ethernet header only, ipv6", {ETHT(0x86dd)}, {{0}}, 0, 0, BAD, {0}},
	{"runt 13 bytes", {ETH(), IP4(), UDP(1, 2)}, {{0}}, 13, 0, BAD, {0}},
	{"1-byte frame", {ETH()}, {{0}}, 1, 0, BAD, {0}},
	{"hdr_len short of ethernet", {ETH(), IP4(), UDP(1, 2)}, {{0}}, 0, 10,
	 BAD, {0}},

	/* ---- broken IPv4 ---- */
	{"v4 19 bytes", {ETH(), IP4(), UDP(1, 2)}, {{0}}, 14 + 19, 0, BAD, {0}},
	{"v4 header only in hdr window", {ETH(), IP4(), UDP(1, 2)}, {{0}}, 0,
	 14 + 19, BAD, {0}},
	{"v4 version 6 in v4 ethertype", {ETH(), IP4(), UDP(1, 2)},
	 {{14, 1, 0x65}}, 0, 0, BAD, {0}},
	{"v4 version 0", {ETH(), IP4(), UDP(1, 2)}, {{14, 1, 0x05}}, 0, 0, BAD,
	 {0}},
	{"v4 ihl 4", {ETH(), IP4(), UDP(1, 2)}, {{14, 1, 0x44}}, 0, 0, BAD, {0}},
	{"v4 ihl 0", {ETH(), IP4(), UDP(1, 2)}, {{14, 1, 0x40}}, 0, 0, BAD, {0}},
	{"v4 options truncated by frame", {ETH(), IP4X(8, 0, 0), UDP(1, 2)},
	 {{0}}, 14 + 28, 0, BAD, {0}},
	{"v4 options beyond hdr window", {ETH(), IP4X(8, 0, 0), UDP(1, 2)},
	 {{0}}, 0, 14 + 28, BAD, {0}},
	{"v4 total length > frame", {ETH(), IP4(), UDP(1, 2), RAW(4)},
	 {{16, 2, 33}}, 0, 0, BAD, {0}},
	{"v4 total length 65535", {ETH(), IP4(), UDP(1, 2), RAW(4)},
	 {{16, 2, 65535}}, 0, 0, BAD, {0}},
	{"v4 total length < 20", {ETH(), IP4(), UDP(1, 2)}, {{16, 2, 19}}, 0, 0,
	 BAD, {0}},
	{"v4 total length < ihl*4", {ETH(), IP4X(6, 0, 0), UDP(1, 2)},
	 {{16, 2, 22}}, 0, 0, BAD, {0}},
	{"v4 total length 0", {ETH(), IP4(), UDP(1, 2)}, {{16, 2, 0}}, 0, 0,
	 BAD, {0}},
	{"v4 padding does not count as datagram",
	 {ETH(), IP4(), UDP(1, 2), PAD(20)}, {{16, 2, 20}}, 0, 0, BAD, {0}},

	/* ---- broken IPv4 L4 ---- */
	{"v4 tcp 10 bytes", {ETH(), IP4(), RAWP(10, 6)}, {{0}}, 0, 0, BAD, {0}},
	{"v4 tcp 19 bytes", {ETH(), IP4(), RAWP(19, 6)}, {{0}}, 0, 0, BAD, {0}},
	{"v4 tcp in padding only", {ETH(), IP4(), TCP(1, 2)}, {{16, 2, 30}}, 0,
	 0, BAD, {0}},
	{"v4 tcp beyond hdr window", {ETH(), IP4(), TCP(1, 2), RAW(100)}, {{0}},
	 0, 40, BAD, {0}},
	{"v4 tcp doff 4", {ETH(), IP4(), TCPX(1, 2, 4, 0, 0), RAW(10)}, {{0}},
	 0, 0, BAD, {0}},
	{"v4 tcp doff 0", {ETH(), IP4(), TCPX(1, 2, 0, 0, 0)}, {{46, 1, 0}}, 0,
	 0, BAD, {0}},
	{"v4 tcp doff beyond ip payload", {ETH(), IP4(), TCP(1, 2), RAW(10)},
	 {{46, 1, 0xf0}}, 0, 0, BAD, {0}},
	{"v4 tcp options beyond hdr window", {ETH(), IP4(),
	 TCPX(1, 2, 10, 0, 0), RAW(100)}, {{0}}, 0, 60, BAD, {0}},
	{"v4 first fragment too short for tcp (tiny fragment)",
	 {ETH(), IP4X(5, 0x2000, 0), RAWP(8, 6)}, {{0}}, 0, 0, BAD, {0}},
	{"v4 udp 7 bytes", {ETH(), IP4(), RAWP(7, 17)}, {{0}}, 0, 0, BAD, {0}},
	{"v4 udp length 7", {ETH(), IP4(), UDP(1, 2), RAW(4)}, {{38, 2, 7}}, 0,
	 0, BAD, {0}},
	{"v4 udp length 0", {ETH(), IP4(), UDP(1, 2), RAW(4)}, {{38, 2, 0}}, 0,
	 0, BAD, {0}},
	{"v4 udp length > ip payload", {ETH(), IP4(), UDP(1, 2), RAW(4)},
	 {{38, 2, 13}}, 0, 0, BAD, {0}},
	{"v4 udp length into padding", {ETH(), IP4(), UDP(1, 2), RAW(4), PAD(20)},
	 {{38, 2, 20}}, 0, 0, BAD, {0}},
	{"v4 udp first fragment length 7",
	 {ETH(), IP4X(5, 0x2000, 0), UDP(1, 2), RAW(4)}, {{38, 2, 7}}, 0, 0, BAD,
	 {0}},
	{"v4 sctp 11 bytes", {ETH(), IP4(), RAWP(11, 132)}, {{0}}, 0, 0, BAD,
	 {0}},
	{"v4 icmp 4 bytes", {ETH(), IP4(), RAWP(4, 1)}, {{0}}, 0, 0, BAD, {0}},
	{"v4 icmp 7 bytes", {ETH(), IP4(), RAWP(7, 1)}, {{0}}, 0, 0, BAD, {0}},
	{"v4 icmp truncated by frame", {ETH(), IP4(), ICMP(8, 0, 1)}, {{0}},
	 14 + 24, 0, BAD, {0}},

	/* ---- broken IPv6 ---- */
	{"v6 39 bytes", {ETH(), IP6P(59)}, {{0}}, 14 + 39, 0, BAD, {0}},
	{"v6 39 bytes in hdr window", {ETH(), IP6P(59)}, {{0}}, 0, 14 + 39, BAD,
	 {0}},
	{"v6 version 4", {ETH(), IP6(), UDP(1, 2)}, {{14, 1, 0x40}}, 0, 0, BAD,
	 {0}},
	{"v6 payload length > frame", {ETH(), IP6(), UDP(1, 2)},
	 {{18, 2, 9}}, 0, 0, BAD, {0}},
	{"v6 jumbogram", {ETH(), IP6(), EXT(0, 8), UDP(1, 2), RAW(8)},
	 {{18, 2, 0}}, 0, 0, BAD, {0}},
	{"v6 payload 0 but tcp", {ETH(), IP6(), TCP(1, 2)}, {{18, 2, 0}}, 0, 0,
	 BAD, {0}},
	{"v6 hop-by-hop not first",
	 {ETH(), IP6(), EXT(60, 8), EXT(0, 8), UDP(1, 2)}, {{0}}, 0, 0, BAD,
	 {0}},
	{"v6 nine ext headers",
	 {ETH(), IP6(), EXT(0, 8), EXT(60, 8), EXT(43, 8), EXT(60, 8),
	  EXT(43, 8), EXT(60, 8), EXT(51, 12), EXT(60, 8), EXT(60, 8),
	  UDP(3, 4)}, {{0}}, 0, 0, BAD, {0}},
	{"v6 nine ext headers ending in no-next",
	 {ETH(), IP6(), EXT(60, 8), EXT(60, 8), EXT(60, 8), EXT(60, 8),
	  EXT(60, 8), EXT(60, 8), EXT(60, 8), EXT(60, 8), EXT(60, 8),
	  RAWP(0, 59)}, {{0}}, 0, 0, BAD, {0}},
	{"v6 hop-by-hop beyond payload", {ETH(), IP6(), EXT(0, 8), UDP(1, 2)},
	 {{55, 1, 5}}, 0, 0, BAD, {0}},
	{"v6 hop-by-hop cut by frame", {ETH(), IP6(), EXT(0, 16), UDP(1, 2)},
	 {{0}}, 14 + 40 + 12, 0, BAD, {0}},
	{"v6 hop-by-hop cut by hdr window", {ETH(), IP6(), EXT(0, 16),
	 UDP(1, 2)}, {{0}}, 0, 14 + 40 + 12, BAD, {0}},
	{"v6 hop-by-hop only 4 bytes in payload", {ETH(), IP6(), EXT(0, 8),
	 UDP(1, 2)}, {{18, 2, 4}}, 0, 0, BAD, {0}},
	{"v6 routing beyond payload", {ETH(), IP6(), EXT(43, 24), UDP(1, 2)},
	 {{18, 2, 16}}, 0, 0, BAD, {0}},
	{"v6 routing cut by hdr window", {ETH(), IP6(), EXT(43, 24), UDP(1, 2)},
	 {{0}}, 0, 14 + 40 + 20, BAD, {0}},
	{"v6 dest opts beyond payload", {ETH(), IP6(), EXT(60, 16), UDP(1, 2)},
	 {{55, 1, 3}}, 0, 0, BAD, {0}},
	{"v6 dest opts cut by hdr window", {ETH(), IP6(), EXT(60, 16),
	 UDP(1, 2)}, {{0}}, 0, 14 + 40 + 8, BAD, {0}},
	{"v6 fragment cut by payload", {ETH(), IP6(), FRAG6(0, 1)},
	 {{18, 2, 7}}, 0, 0, BAD, {0}},
	{"v6 fragment cut by hdr window", {ETH(), IP6(), FRAG6(0, 1), UDP(1, 2)},
	 {{0}}, 0, 14 + 40 + 7, BAD, {0}},
	{"v6 ah beyond payload", {ETH(), IP6(), EXT(51, 24), UDP(1, 2)},
	 {{55, 1, 20}}, 0, 0, BAD, {0}},
	{"v6 ah cut by hdr window", {ETH(), IP6(), EXT(51, 24), UDP(1, 2)},
	 {{0}}, 0, 14 + 40 + 16, BAD, {0}},
	{"v6 ext headers past XB_PARSE_HDR_MAX",
	 {ETH(), IP6(), EXT(60, 512), TCP(1, 2)}, {{0}}, 0, 0, BAD, {0}},
	{"v6 tcp 19 bytes", {ETH(), IP6(), RAWP(19, 6)}, {{0}}, 0, 0, BAD, {0}},
	{"v6 tcp doff 3", {ETH(), IP6(), TCPX(1, 2, 3, 0, 0), RAW(20)}, {{0}},
	 0, 0, BAD, {0}},
	{"v6 tcp doff beyond payload", {ETH(), IP6(), TCP(1, 2)},
	 {{66, 1, 0x60}}, 0, 0, BAD, {0}},
	{"v6 udp 7 bytes", {ETH(), IP6(), RAWP(7, 17)}, {{0}}, 0, 0, BAD, {0}},
	{"v6 udp length > payload", {ETH(), IP6(), UDP(1, 2), RAW(3)},
	 {{58, 2, 12}}, 0, 0, BAD, {0}},
	{"v6 sctp 8 bytes", {ETH(), IP6(), RAWP(8, 132)}, {{0}}, 0, 0, BAD,
	 {0}},
	{"v6 icmpv6 6 bytes", {ETH(), IP6(), RAWP(6, 58)}, {{0}}, 0, 0, BAD,
	 {0}},
	{"v6 first fragment too short for udp",
	 {ETH(), IP6(), FRAG6(0, 1), RAWP(4, 17)}, {{0}}, 0, 0, BAD, {0}},

	/* ---- tunnels ---- */
	{"4in4 tcp", {ETH(), IP4(), IP4X(5, 0, 10), TCP(1, 2), RAW(3)}, {{0}},
	 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_TU | F_L4, TCPK, .dscp = 10,
	  .sport = 1, .dport = 2, .l3_off = 34, .outer_l3_off = 14,
	  .l4_off = 54, .payload_off = 74, .payload_len = 3}},
	{"6in4 udp", {ETH(), IP4X(5, 0, 8), IP6(), UDP(1, 2), RAW(2)}, {{0}},
	 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_TU | F_L4, .sport = 1,
	  .dport = 2, .l3_off = 34, .outer_l3_off = 14, .l4_off = 74,
	  .payload_off = 82, .payload_len = 2}},
	{"4in6 udp", {ETH(), IP6(), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_TU | F_L4, .sport = 1,
	  .dport = 2, .l3_off = 54, .outer_l3_off = 14, .l4_off = 74,
	  .payload_off = 82}},
	{"6in6 after dest opts, vlan",
	 {ETHT(0x8100), VLAN(0x8100, 9), IP6(), EXT(60, 8), IP6(), TCP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 6, .flags = F_TU | F_L4, TCPK, .vlan = 9,
	  .vlan_count = 1, .sport = 1, .dport = 2, .l3_off = 66,
	  .outer_l3_off = 18, .l4_off = 106, .payload_off = 126}},
	{"4in4 padded", {ETH(), IP4(), IP4(), UDP(1, 2), PAD(10)}, {{0}}, 0, 0,
	 OK,
	 {.family = 4, .proto = 17, .flags = F_TU | F_L4, .sport = 1,
	  .dport = 2, .l3_off = 34, .outer_l3_off = 14, .l4_off = 54,
	  .payload_off = 62}},
	{"4in4in4 followed twice",
	 {ETH(), IP4(), IP4(), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_TU | F_L4, .l3_off = 54,
	  .outer_l3_off = 14, .sport = 1, .dport = 2, .l4_off = 74,
	  .payload_off = 82}},
	{"6in4in6 followed twice",
	 {ETH(), IP6(), IP4(), IP6(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_TU | F_L4, .l3_off = 74,
	  .outer_l3_off = 14, .sport = 1, .dport = 2, .l4_off = 114,
	  .payload_off = 122}},
	{"4in4 four levels (the bound)",
	 {ETH(), IP4(), IP4(), IP4(), IP4(), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_TU | F_L4, .l3_off = 94,
	  .outer_l3_off = 14, .sport = 1, .dport = 2, .l4_off = 114,
	  .payload_off = 122}},
	{"4in4 five levels", {ETH(), IP4(), IP4(), IP4(), IP4(), IP4(), IP4(),
	 UDP(1, 2)}, {{0}}, 0, 0, BAD, {0}},
	{"4in4 outer first fragment not followed",
	 {ETH(), IP4X(5, 0x2000, 0), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {K4(4, F_FR), .l4_off = 34, .payload_off = 34, .payload_len = 28}},
	{"6in4 outer later fragment not followed",
	 {ETH(), IP4X(5, 20, 0), RAWP(16, 41)}, {{0}}, 0, 0, OK,
	 {K4(41, F_FR | F_LF), .l4_off = 34, .payload_off = 34,
	  .payload_len = 16}},
	{"4in6 outer fragment not followed",
	 {ETH(), IP6(), FRAG6(0, 1), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {K6(4, F_FR), .l4_off = 62, .payload_off = 62, .payload_len = 28}},
	{"4in4 inner later fragment",
	 {ETH(), IP4(), IP4X(5, 33, 0), RAWP(12, 17)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_TU | F_FR | F_LF, .l3_off = 34,
	  .outer_l3_off = 14, .l4_off = 54, .payload_off = 54,
	  .payload_len = 12}},
	{"6in4 inner first fragment",
	 {ETH(), IP4(), IP6(), FRAG6(0, 1), TCP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 6, .flags = F_TU | F_FR | F_L4, TCPK,
	  .l3_off = 34, .outer_l3_off = 14, .l4_off = 82, .payload_off = 102,
	  .sport = 1, .dport = 2}},
	{"proto 4 carrying ipv6", {ETH(), IP4P(4), IP6(), UDP(1, 2)}, {{0}}, 0,
	 0, BAD, {0}},
	{"proto 41 carrying ipv4", {ETH(), IP4P(41), IP4(), UDP(1, 2)}, {{0}},
	 0, 0, BAD, {0}},
	{"inner total length > outer payload",
	 {ETH(), IP4(), IP4(), UDP(1, 2), PAD(8)}, {{36, 2, 36}}, 0, 0, BAD,
	 {0}},
	{"inner ipv6 payload > outer payload", {ETH(), IP4(), IP6(), UDP(1, 2),
	 PAD(8)}, {{38, 2, 12}}, 0, 0, BAD, {0}},
	{"inner header truncated", {ETH(), IP4P(4), RAW(12)}, {{0}}, 0, 0, BAD,
	 {0}},
	{"inner empty", {ETH(), IP4P(41)}, {{0}}, 0, 0, BAD, {0}},
	{"inner l4 truncated", {ETH(), IP4(), IP4(), RAWP(4, 17)}, {{0}}, 0, 0,
	 BAD, {0}},

	/* ---- MPLS ---- */
	{"mpls 1 label v4 tcp", {ETH(), MPLS(1), IP4(), TCP(1, 2), RAW(3)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_L4, TCPK, .sport = 1, .dport = 2,
	  .l3_off = 18, .outer_l3_off = 18, .l4_off = 38, .payload_off = 58,
	  .payload_len = 3}},
	{"mpls 3 labels v6 udp", {ETH(), MPLS(3), IP6(), UDP(1, 2), RAW(2)},
	 {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_L4, .sport = 1, .dport = 2,
	  .l3_off = 26, .outer_l3_off = 26, .l4_off = 66, .payload_off = 74,
	  .payload_len = 2}},
	{"mpls 8 labels (the bound)", {ETH(), MPLS(8), IP4(), UDP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_L4, .sport = 1, .dport = 2,
	  .l3_off = 46, .outer_l3_off = 46, .l4_off = 66, .payload_off = 74}},
	{"mpls 9 labels", {ETH(), MPLS(9), IP4(), UDP(1, 2)}, {{0}}, 0, 0, BAD,
	 {0}},
	{"vlan mpls multicast 2 labels",
	 {ETHT(0x8100), VLAN(0x8100, 7), MPLSM(2), IP4X(5, 0, 12), TCP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_L4, TCPK, .dscp = 12,
	  .vlan_count = 1, .vlan = 7, .sport = 1, .dport = 2, .l3_off = 26,
	  .outer_l3_off = 26, .l4_off = 46, .payload_off = 66}},
	{"mpls control word, ethernet, v4 tcp",
	 {ETH(), MPLS(1), CW(), ETH(), IP4(), TCP(1, 2), RAW(5)}, {{0}}, 0, 0,
	 OK,
	 {.family = 4, .proto = 6, .flags = F_L4, TCPK, .sport = 1, .dport = 2,
	  .l3_off = 36, .outer_l3_off = 36, .l4_off = 56, .payload_off = 76,
	  .payload_len = 5}},
	{"mpls ethernet without control word (MAC 02:..)",
	 {ETH(), MPLS(1), ETH(), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_L4, .sport = 1, .dport = 2,
	  .l3_off = 32, .outer_l3_off = 32, .l4_off = 52, .payload_off = 60}},
	{"mpls ethernet without control word (MAC a2:..)",
	 {ETH(), MPLS(1), ETH(), IP4(), UDP(1, 2)}, {{18, 1, 0xa2}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_L4, .sport = 1, .dport = 2,
	  .l3_off = 32, .outer_l3_off = 32, .l4_off = 52, .payload_off = 60}},
	{"mpls ethernet vlan v6", {ETH(), MPLS(2), CW(), ETHT(0x8100),
	 VLAN(0x8100, 99), IP6(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_L4, .sport = 1, .dport = 2,
	  .l3_off = 44, .outer_l3_off = 44, .l4_off = 84, .payload_off = 92}},
	{"mpls oam channel", {ETH(), MPLS(1), RAW(8)}, {{18, 1, 0x10}}, 0, 0,
	 NIP, {0}},
	{"mpls ethernet arp", {ETH(), MPLS(1), CW(), ETHT(0x0806), RAW(28)},
	 {{0}}, 0, 0, NIP, {0}},
	{"mpls stack carrying nothing", {ETH(), MPLS(2)}, {{0}}, 0, 0, BAD, {0}},
	{"mpls stack cut", {ETH(), MPLS(2), IP4(), UDP(1, 2)}, {{0}}, 20, 0,
	 BAD, {0}},
	{"mpls ipv4 nibble, broken ipv4", {ETH(), MPLS(1), RAW(30)},
	 {{18, 1, 0x41}}, 0, 0, BAD, {0}},

	/* ---- PPPoE ---- */
	{"pppoe v4 tcp", {ETH(), PPPOE(0x21, 0), IP4(), TCP(1, 2), RAW(3)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_L4, TCPK, .sport = 1, .dport = 2,
	  .l3_off = 22, .outer_l3_off = 22, .l4_off = 42, .payload_off = 62,
	  .payload_len = 3}},
	{"pppoe v6 udp, compressed protocol, padded",
	 {ETH(), PPPOE(0x57, 1), IP6(), UDP(1, 2), PAD(6)}, {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_L4, .sport = 1, .dport = 2,
	  .l3_off = 21, .outer_l3_off = 21, .l4_off = 61, .payload_off = 69}},
	{"pppoe mpls v4", {ETH(), PPPOE(0x281, 0), MPLS(1), IP4(), UDP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_L4, .sport = 1, .dport = 2,
	  .l3_off = 26, .outer_l3_off = 26, .l4_off = 46, .payload_off = 54}},
	{"pppoe lcp", {ETH(), PPPOE(0xc021, 0), RAW(10)}, {{0}}, 0, 0, NIP,
	 {0}},
	{"pppoe version 2", {ETH(), PPPOE(0x21, 0), IP4(), UDP(1, 2)},
	 {{14, 1, 0x21}}, 0, 0, BAD, {0}},
	{"pppoe code not session data", {ETH(), PPPOE(0x21, 0), IP4(),
	 UDP(1, 2)}, {{15, 1, 0x09}}, 0, 0, BAD, {0}},
	{"pppoe length beyond frame", {ETH(), PPPOE(0x21, 0), IP4(), UDP(1, 2)},
	 {{18, 2, 200}}, 0, 0, BAD, {0}},
	{"pppoe length shorter than the ip packet",
	 {ETH(), PPPOE(0x21, 0), IP4(), UDP(1, 2)}, {{18, 2, 20}}, 0, 0, BAD,
	 {0}},

	/* ---- GRE ---- */
	{"gre v4 in v4 tcp", {ETH(), IP4(), GRE(0), IP4X(5, 0, 18), TCP(1, 2),
	 RAW(3)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_TU | F_L4, TCPK, .dscp = 18,
	  .sport = 1, .dport = 2, .l3_off = 38, .outer_l3_off = 14,
	  .l4_off = 58, .payload_off = 78, .payload_len = 3}},
	{"gre checksum, key, sequence: v6 in v4",
	 {ETH(), IP4(), GRE(0xb000), IP6(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_TU | F_L4, .sport = 1,
	  .dport = 2, .l3_off = 50, .outer_l3_off = 14, .l4_off = 90,
	  .payload_off = 98}},
	{"gre key, bridged ethernet in v6",
	 {ETH(), IP6(), GRE(0x2000), ETH(), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_TU | F_L4, .sport = 1,
	  .dport = 2, .l3_off = 76, .outer_l3_off = 14, .l4_off = 96,
	  .payload_off = 104}},
	{"gre mpls v4", {ETH(), IP4(), GRE(0), MPLS(2), IP4(), TCP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_TU | F_L4, TCPK, .sport = 1,
	  .dport = 2, .l3_off = 46, .outer_l3_off = 14, .l4_off = 66,
	  .payload_off = 86}},
	{"gre bridged arp keys the gre packet",
	 {ETH(), IP4(), GRE(0), ETHT(0x0806), RAW(28)}, {{0}}, 0, 0, OK,
	 {K4(47, 0), .l4_off = 34, .payload_off = 34, .payload_len = 46},
	 .need = 52},
	{"gre version 1 (pptp) not followed",
	 {ETH(), IP4(), GRE(0x2000), RAW(30)}, {{34, 2, 0x2001}}, 0, 0, OK,
	 {K4(47, 0), .l4_off = 34, .payload_off = 34, .payload_len = 38}},
	{"gre header cut by datagram", {ETH(), IP4P(47), RAW(2)}, {{0}}, 0, 0,
	 BAD, {0}},
	{"gre options cut by datagram", {ETH(), IP4(), GRE(0x2000)},
	 {{16, 2, 26}}, 0, 0, BAD, {0}},
	{"gre inner v4 broken", {ETH(), IP4(), GRE(0), IP4(), UDP(1, 2)},
	 {{38, 1, 0x65}}, 0, 0, BAD, {0}},
	{"gre outer first fragment not followed",
	 {ETH(), IP4X(5, 0x2000, 0), GRE(0), IP4(), UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {K4(47, F_FR), .l4_off = 34, .payload_off = 34, .payload_len = 32}},

	/* ---- VXLAN, Geneve ---- */
	{"vxlan v4 tcp",
	 {ETH(), IP4(), UDP(50000, 4789), VXLAN(), ETH(), IP4(), TCP(1, 2),
	  RAW(3)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_TU | F_L4, TCPK, .sport = 1,
	  .dport = 2, .l3_off = 64, .outer_l3_off = 14, .l4_off = 84,
	  .payload_off = 104, .payload_len = 3}},
	{"vxlan in v6, inner vlan, v6 udp",
	 {ETHT(0x8100), VLAN(0x8100, 30), IP6(), UDP(1, 4789), VXLAN(),
	  ETHT(0x8100), VLAN(0x8100, 5), IP6(), UDP(7, 8)}, {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_TU | F_L4, .vlan_count = 1,
	  .vlan = 30, .sport = 7, .dport = 8, .l3_off = 92,
	  .outer_l3_off = 18, .l4_off = 132, .payload_off = 140}},
	{"vxlan bridged arp keys the udp datagram",
	 {ETH(), IP4(), UDP(50000, 4789), VXLAN(), ETHT(0x0806), RAW(28)},
	 {{0}}, 0, 0, OK,
	 {K4(17, F_L4), .sport = 50000, .dport = 4789, .l4_off = 34,
	  .payload_off = 42, .payload_len = 50}, .need = 64},
	{"vxlan without the I flag is udp",
	 {ETH(), IP4(), UDP(50000, 4789), VXLAN(), ETH(), IP4(), TCP(1, 2)},
	 {{42, 1, 0}}, 0, 0, OK,
	 {K4(17, F_L4), .sport = 50000, .dport = 4789, .l4_off = 34,
	  .payload_off = 42, .payload_len = 62}},
	{"udp 4789 too short for vxlan",
	 {ETH(), IP4(), UDP(1, 4789), RAW(21)}, {{0}}, 0, 0, OK,
	 {K4(17, F_L4), .sport = 1, .dport = 4789, .l4_off = 34,
	  .payload_off = 42, .payload_len = 21}},
	{"vxlan inner v4 truncated",
	 {ETH(), IP4(), UDP(1, 4789), VXLAN(), ETH(), RAWP(10, 0x0800)},
	 {{0}}, 0, 0, BAD, {0}},
	{"vxlan udp first fragment not followed",
	 {ETH(), IP4X(5, 0x2000, 0), UDP(1, 4789), VXLAN(), ETH(), IP4(),
	  UDP(3, 4)}, {{38, 2, 1400}}, 0, 0, OK,
	 {K4(17, F_FR | F_L4), .sport = 1, .dport = 4789, .l4_off = 34,
	  .payload_off = 42, .payload_len = 50}},
	{"geneve options, ethernet, v4 tcp",
	 {ETH(), IP4(), UDP(1, 6081), GENEVE(2), ETH(), IP4(), TCP(1, 2)},
	 {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_TU | F_L4, TCPK, .sport = 1,
	  .dport = 2, .l3_off = 72, .outer_l3_off = 14, .l4_off = 92,
	  .payload_off = 112}},
	{"geneve v6 directly", {ETH(), IP4(), UDP(1, 6081), GENEVE(0), IP6(),
	 UDP(5, 6)}, {{0}}, 0, 0, OK,
	 {.family = 6, .proto = 17, .flags = F_TU | F_L4, .sport = 5,
	  .dport = 6, .l3_off = 50, .outer_l3_off = 14, .l4_off = 90,
	  .payload_off = 98}},
	{"geneve version 1 is udp",
	 {ETH(), IP4(), UDP(1, 6081), GENEVE(0), IP6(), UDP(5, 6)},
	 {{42, 1, 0x40}}, 0, 0, OK,
	 {K4(17, F_L4), .sport = 1, .dport = 6081, .l4_off = 34,
	  .payload_off = 42, .payload_len = 56}},

	/* ---- stacked encapsulations ---- */
	{"vxlan over gre over mpls",
	 {ETH(), MPLS(1), IP4(), GRE(0), IP4(), UDP(1, 4789), VXLAN(), ETH(),
	  IP4(), TCP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 6, .flags = F_TU | F_L4, TCPK, .sport = 1,
	  .dport = 2, .l3_off = 92, .outer_l3_off = 18, .l4_off = 112,
	  .payload_off = 132}},
	{"pppoe, gre, 4in4, 4in4: four (the bound)",
	 {ETH(), PPPOE(0x21, 0), IP4(), GRE(0), IP4(), IP4(), IP4(),
	  UDP(1, 2)}, {{0}}, 0, 0, OK,
	 {.family = 4, .proto = 17, .flags = F_TU | F_L4, .sport = 1,
	  .dport = 2, .l3_off = 86, .outer_l3_off = 22, .l4_off = 106,
	  .payload_off = 114}},
	{"mpls, gre, 4in4 x3: five", {ETH(), MPLS(1), IP4(), GRE(0), IP4(),
	 IP4(), IP4(), IP4(), UDP(1, 2)}, {{0}}, 0, 0, BAD, {0}},
};

/* ---- running the table ----------------------------------------------- */

static int
check_field(const char *row, const char *field, long got, long want)
{
	if (got == want)
		return 0;
	print_error("row \"%s\": %s: got %ld, expected %ld\n", row, field, got,
		    want);
	return 1;
}

#define CHK(f) bad += check_field(r->name, #f, (long)out.f, (long)r->e.f)

static int
zeroed(const struct xb_pkt_info *o)
{
	static const struct xb_pkt_info z;

	return memcmp(o, &z, sizeof(z)) == 0;
}

/* Run one frame through xb_parse from a buffer of exactly hdr_len bytes. */
static int
parse_exact(const uint8_t *frame, uint32_t hdr_len, uint32_t frame_len,
	    struct xb_pkt_info *out)
{
	uint8_t *copy = malloc(hdr_len ? hdr_len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, frame, hdr_len);
	memset(out, 0xa5, sizeof(*out)); /* must be fully overwritten */
	rc = xb_parse(copy, hdr_len, frame_len, out);
	free(copy);
	return rc;
}

static int
run_row(const struct row *r, uint8_t *buf)
{
	struct xb_pkt_info out;
	uint32_t built, flen, hlen;
	int rc, bad = 0;

	built = build(r->l, buf);
	for (unsigned int i = 0; i < 4 && r->p[i].size; i++) {
		const struct patch *p = &r->p[i];

		if (p->size == 1)
			buf[p->off] = (uint8_t)p->val;
		else if (p->size == 2)
			wr16(buf + p->off, p->val);
		else
			wr32(buf + p->off, p->val);
	}
	flen = r->frame_len ? r->frame_len : built;
	hlen = r->hdr_len ? r->hdr_len : (flen < built ? flen : built);
	rc = parse_exact(buf, hlen, flen, &out);
	if (check_field(r->name, "status", rc, r->status))
		return 1;
	if (rc != XB_PARSE_IP) {
		if (!zeroed(&out)) {
			print_error("row \"%s\": key not zeroed\n", r->name);
			bad++;
		}
		return bad;
	}
	CHK(family);
	CHK(proto);
	CHK(dscp);
	CHK(flags);
	CHK(tcp_flags);
	CHK(vlan_count);
	CHK(vlan);
	CHK(sport);
	CHK(dport);
	CHK(l3_off);
	CHK(outer_l3_off);
	CHK(l4_off);
	CHK(payload_off);
	CHK(payload_len);
	CHK(tcp_seq);
	/* Addresses: those of the header at l3_off, the rest zero. */
	{
		uint8_t src[16] = {0}, dst[16] = {0};

		if (out.family == 4) {
			memcpy(src, buf + out.l3_off + 12, 4);
			memcpy(dst, buf + out.l3_off + 16, 4);
		} else {
			memcpy(src, buf + out.l3_off + 8, 16);
			memcpy(dst, buf + out.l3_off + 24, 16);
		}
		if (memcmp(src, out.src, 16) != 0 ||
		    memcmp(dst, out.dst, 16) != 0) {
			print_error("row \"%s\": addresses differ from the header at l3_off\n",
				    r->name);
			bad++;
		}
	}
	return bad;
}

static void
test_table(void **state)
{
	uint8_t *buf = malloc(BUILD_MAX);
	int bad = 0;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		bad += run_row(&rows[i], buf);
	free(buf);
	assert_int_equal(bad, 0);
}

/*
 * Every valid row, with the header window cut at every length: the result
 * is the full key as long as the window holds every header, MALFORMED
 * otherwise.  Cutting frame_len as well must never read past the window.
 */
static void
test_truncate_everywhere(void **state)
{
	uint8_t *buf = malloc(BUILD_MAX);
	int bad = 0;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct xb_pkt_info full, out;
		uint32_t built, flen, hlen, hdr_end;

		if (r->status != XB_PARSE_IP || r->p[0].size != 0)
			continue;
		built = build(r->l, buf);
		flen = r->frame_len ? r->frame_len : built;
		hlen = r->hdr_len ? r->hdr_len : (flen < built ? flen : built);
		if (hlen > flen)
			continue;
		assert_int_equal(parse_exact(buf, hlen, flen, &full),
				 XB_PARSE_IP);
		hdr_end = r->need ? r->need :
			  full.flags & XB_PKT_F_HAS_L4 ? full.payload_off :
							 full.l4_off;
		for (uint32_t t = 0; t <= hlen; t++) {
			int rc = parse_exact(buf, t, flen, &out);
			int want = t >= hdr_end ? XB_PARSE_IP : XB_PARSE_MALFORMED;

			if (rc != want ||
			    (rc == XB_PARSE_IP && memcmp(&out, &full, sizeof(out))) ||
			    (rc != XB_PARSE_IP && !zeroed(&out))) {
				print_error("row \"%s\" hdr_len %u: got %d, expected %d\n",
					    r->name, t, rc, want);
				bad++;
			}
			/* Frame cut too: any status, never a bad read. */
			rc = parse_exact(buf, t, t, &out);
			if (rc != XB_PARSE_IP && !zeroed(&out))
				bad++;
		}
	}
	free(buf);
	assert_int_equal(bad, 0);
}

/* The builder itself: a hand-written Eth/IPv4/UDP frame must match. */
static void
test_builder_matches_hand_frame(void **state)
{
	static const uint8_t want[] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x1e, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11,
		0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x07,
		0x00, 0x35, 0x04, 0xd2, 0x00, 0x0a, 0x00, 0x00, 0x30, 0x31,
	};
	static const struct layer l[MAX_LAYERS] = {ETH(), IP4(), UDP(53, 1234),
						   RAW(2)};
	uint8_t *buf = malloc(BUILD_MAX);
	uint32_t n;

	(void)state;
	assert_non_null(buf);
	n = build(l, buf);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_matches_hand_frame),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncate_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
