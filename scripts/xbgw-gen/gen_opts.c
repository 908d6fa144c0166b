/* SPDX-License-Identifier: BSD-3-Clause */
/* The command line; see gen_opts.h. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_common.h"
#include "gen_frame.h"
#include "gen_opts.h"

#define ASEAN "BN,KH,ID,LA,MY,MM,PH,SG,TH,VN"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: xbgw-gen --out FILE [options]\n"
		"  --mode sample|flows|newflows|imix   (default sample)\n"
		"  --seed N                 RNG seed (default 1): same options, same bytes\n"
		"  --start TIME             first timestamp, UTC (default 2026-11-26T08:00:00Z)\n"
		"  --rate PPS               timestamp spacing in flows/newflows/imix (default 10000)\n"
		"  --duration S             span of the sample capture in seconds (default 240)\n"
		"  --flows N                flows (default 300 sample, 65536 flows/imix)\n"
		"  --packets N              packets (default 20000 sample, 131072 otherwise)\n"
		"  --size BYTES             frame length as written, FCS excluded (default 60;\n"
		"                           60 = a 64-byte frame on the wire)\n"
		"  --proto tcp|udp|mix      flows/newflows transport (default mix)\n"
		"  --tcp-syn                newflows: TCP frames are bare SYNs (a SYN flood)\n"
		"  --dst-prefixes F[,F..]   prefix,country CSV files (missing: built-in list)\n"
		"  --countries CC,..        destination countries (default " ASEAN ")\n"
		"  --other-countries CC,..  sample: countries outside the list (default CN,US,JP)\n"
		"  --src-prefixes P,..      source (tenant) prefixes\n"
		"                           (default 10.1.0.0/16,10.2.0.0/16,192.168.1.0/24,\n"
		"                            172.16.5.0/24,fd00:1::/48)\n"
		"  --ipv6-share PERCENT     share of IPv6 flows (default 0; sample 10)\n"
		"  --vlan-share PERCENT     sample: share of 802.1Q-tagged flows (default 5)\n"
		"  --names[=FILE]           flows/newflows: first packet of each flow is a TLS\n"
		"                           ClientHello with an SNI (built-in names or FILE)\n"
		"  --nano                   nanosecond timestamps (default microsecond)\n"
		"  --udp-payload zero|random|quic-junk\n"
		"                           flows/newflows/imix UDP payloads (default zero);\n"
		"                           random and quic-junk (QUIC v1 Initials with a\n"
		"                           random DCID and body) go to UDP port 443\n");
}

static int
parse_u64(const char *opt, const char *v, uint64_t min, uint64_t max,
	  uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-' || x < min || x > max) {
		fprintf(stderr,
			"xbgw-gen: %s: got \"%s\", expected an integer %" PRIu64
			"..%" PRIu64 "\n",
			opt, v, min, max);
		return -1;
	}
	*out = x;
	return 0;
}

static int
parse_time(const char *v, uint64_t *ns)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	e = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	if (e == NULL || (*e != 'Z' && *e != '\0') || (*e == 'Z' && e[1])) {
		fprintf(stderr,
			"xbgw-gen: --start: got \"%s\", expected YYYY-MM-DDTHH:MM:SSZ (UTC)\n",
			v);
		return -1;
	}
	*ns = (uint64_t)timegm(&tm) * NS_PER_S;
	return 0;
}

int
opts_parse(int argc, char **argv, struct opts *o)
{
	enum {
		O_OUT = 256, O_SEED, O_START, O_RATE, O_MODE, O_FLOWS, O_PACKETS,
		O_SIZE, O_DST, O_COUNTRIES, O_OTHERS, O_SRC, O_V6, O_VLAN,
		O_DURATION, O_PROTO, O_NAMES, O_NANO, O_UDP_PAYLOAD, O_TCP_SYN,
		O_HELP
	};
	static const struct option lo[] = {
		{"out", required_argument, NULL, O_OUT},
		{"seed", required_argument, NULL, O_SEED},
		{"start", required_argument, NULL, O_START},
		{"rate", required_argument, NULL, O_RATE},
		{"mode", required_argument, NULL, O_MODE},
		{"flows", required_argument, NULL, O_FLOWS},
		{"packets", required_argument, NULL, O_PACKETS},
		{"size", required_argument, NULL, O_SIZE},
		{"dst-prefixes", required_argument, NULL, O_DST},
		{"countries", required_argument, NULL, O_COUNTRIES},
		{"other-countries", required_argument, NULL, O_OTHERS},
		{"src-prefixes", required_argument, NULL, O_SRC},
		{"ipv6-share", required_argument, NULL, O_V6},
		{"vlan-share", required_argument, NULL, O_VLAN},
		{"duration", required_argument, NULL, O_DURATION},
		{"proto", required_argument, NULL, O_PROTO},
		{"names", optional_argument, NULL, O_NAMES},
		{"nano", no_argument, NULL, O_NANO},
		{"udp-payload", required_argument, NULL, O_UDP_PAYLOAD},
		{"tcp-syn", no_argument, NULL, O_TCP_SYN},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	bool v6_set = false;
	uint64_t x;
	int c;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	parse_time("2026-11-26T08:00:00Z", &o->start_ns);
	o->rate = 10000;
	o->size = 60;
	o->countries = ASEAN;
	o->others = "CN,US,JP";
	o->src = "10.1.0.0/16,10.2.0.0/16,192.168.1.0/24,172.16.5.0/24,fd00:1::/48";
	o->vlan_share = 5;
	o->other_share = 15;
	o->duration_s = 240;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_OUT:
			o->out = optarg;
			break;
		case O_SEED:
			if (parse_u64("--seed", optarg, 0, UINT64_MAX, &o->seed))
				return -1;
			break;
		case O_START:
			if (parse_time(optarg, &o->start_ns))
				return -1;
			break;
		case O_RATE: {
			char *end;

			o->rate = strtod(optarg, &end);
			if (end == optarg || *end || !(o->rate >= 1) ||
			    o->rate > 1e10) {
				fprintf(stderr,
					"xbgw-gen: --rate: got \"%s\", expected packets per second 1..1e10\n",
					optarg);
				return -1;
			}
			break;
		}
		case O_MODE:
			if (strcmp(optarg, "sample") == 0)
				o->mode = M_SAMPLE;
			else if (strcmp(optarg, "flows") == 0)
				o->mode = M_FLOWS;
			else if (strcmp(optarg, "newflows") == 0)
				o->mode = M_NEWFLOWS;
			else if (strcmp(optarg, "imix") == 0)
				o->mode = M_IMIX;
			else {
				fprintf(stderr,
					"xbgw-gen: --mode: got \"%s\", expected sample, flows, newflows or imix\n",
					optarg);
				return -1;
			}
			break;
		case O_FLOWS:
			if (parse_u64("--flows", optarg, 1, 1u << 24, &o->flows))
				return -1;
			break;
		case O_PACKETS:
			if (parse_u64("--packets", optarg, 1, 1ULL << 32,
				      &o->packets))
				return -1;
			break;
		case O_SIZE:
			if (parse_u64("--size", optarg, FRAME_MIN, 1514, &x))
				return -1;
			o->size = (unsigned int)x;
			break;
		case O_DST:
			o->dst_files = optarg;
			break;
		case O_COUNTRIES:
			o->countries = optarg;
			break;
		case O_OTHERS:
			o->others = optarg;
			break;
		case O_SRC:
			o->src = optarg;
			break;
		case O_V6:
			if (parse_u64("--ipv6-share", optarg, 0, 100, &x))
				return -1;
			o->v6_share = (unsigned int)x;
			v6_set = true;
			break;
		case O_VLAN:
			if (parse_u64("--vlan-share", optarg, 0, 100, &x))
				return -1;
			o->vlan_share = (unsigned int)x;
			break;
		case O_DURATION:
			if (parse_u64("--duration", optarg, 1, 86400, &x))
				return -1;
			o->duration_s = (unsigned int)x;
			break;
		case O_PROTO:
			if (strcmp(optarg, "tcp") == 0)
				o->proto = IPPROTO_TCP;
			else if (strcmp(optarg, "udp") == 0)
				o->proto = IPPROTO_UDP;
			else if (strcmp(optarg, "mix") == 0)
				o->proto = 0;
			else {
				fprintf(stderr,
					"xbgw-gen: --proto: got \"%s\", expected tcp, udp or mix\n",
					optarg);
				return -1;
			}
			break;
		case O_NAMES:
			o->names = true;
			o->names_file = optarg;
			break;
		case O_NANO:
			o->nano = true;
			break;
		case O_UDP_PAYLOAD:
			if (strcmp(optarg, "zero") == 0)
				o->udp_payload = UDP_PL_ZERO;
			else if (strcmp(optarg, "random") == 0)
				o->udp_payload = UDP_PL_RANDOM;
			else if (strcmp(optarg, "quic-junk") == 0)
				o->udp_payload = UDP_PL_QUIC_JUNK;
			else {
				fprintf(stderr,
					"xbgw-gen: --udp-payload: got \"%s\", expected zero, random or quic-junk\n",
					optarg);
				return -1;
			}
			break;
		case O_TCP_SYN:
			o->tcp_syn = true;
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xbgw-gen: unexpected argument \"%s\"\n",
			argv[optind]);
		return -1;
	}
	if (o->out == NULL) {
		fprintf(stderr, "xbgw-gen: --out FILE is required\n");
		return -1;
	}
	if (o->flows == 0)
		o->flows = o->mode == M_SAMPLE ? 300 : 65536;
	if (o->packets == 0)
		o->packets = o->mode == M_SAMPLE ? 20000 : 131072;
	if (!v6_set && o->mode == M_SAMPLE)
		o->v6_share = 10;
	if (o->mode == M_NEWFLOWS && o->packets > (1u << 24)) {
		fprintf(stderr,
			"xbgw-gen: --packets: got %" PRIu64
			", expected at most 16777216 in newflows mode (one new 5-tuple each)\n",
			o->packets);
		return -1;
	}
	return 0;
}

const char *
mode_name(enum mode m)
{
	return m == M_SAMPLE ? "sample" : m == M_FLOWS ? "flows"
			: m == M_NEWFLOWS ? "newflows" : "imix";
}
