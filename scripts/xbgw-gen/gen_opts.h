/* SPDX-License-Identifier: BSD-3-Clause */
/* xbgw-gen's command line: the options, their defaults and checks. */
#ifndef GEN_OPTS_H
#define GEN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

enum mode { M_SAMPLE, M_FLOWS, M_NEWFLOWS, M_IMIX };

struct opts {
	const char *out;
	uint64_t seed;
	uint64_t start_ns;
	double rate;
	enum mode mode;
	uint64_t flows, packets;
	unsigned int size;
	const char *dst_files;
	const char *countries;
	const char *others;
	const char *src;
	unsigned int v6_share, vlan_share, other_share;
	unsigned int duration_s;
	int proto; /* 0 mix, else IPPROTO_* */
	bool names;
	const char *names_file;
	bool nano;
	/* flows/newflows/imix UDP payloads (issue 15's junk-QUIC cost):
	 * zeros (default), random bytes that look like no protocol, or junk
	 * QUIC v1 Initials (consistent header, random 8-byte DCID, random
	 * body); random and quic-junk flows go to UDP port 443. */
	enum { UDP_PL_ZERO, UDP_PL_RANDOM, UDP_PL_QUIC_JUNK } udp_payload;
	/* newflows TCP frames are bare SYNs (a SYN flood), not ACKs. */
	bool tcp_syn;
};

/* Parse argv into o with the defaults filled in (--help prints the usage
 * and exits 0).  0, or -1 after one message on stderr. */
int opts_parse(int argc, char **argv, struct opts *o);

/* The mode's name as --mode takes it. */
const char *mode_name(enum mode m);

#endif /* GEN_OPTS_H */
