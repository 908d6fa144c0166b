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
};

/* Parse argv into o with the defaults filled in (--help prints the usage
 * and exits 0).  0, or -1 after one message on stderr. */
int opts_parse(int argc, char **argv, struct opts *o);

/* The mode's name as --mode takes it. */
const char *mode_name(enum mode m);

#endif /* GEN_OPTS_H */
