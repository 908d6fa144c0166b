/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbgw-gen: deterministic traffic generator writing classic pcap
 * (DLT_EN10MB) for xbgw's demo, functional tests and benchmarks.
 *
 * Modes
 *   sample    a realistic mixed capture (TCP with handshake, TLS ClientHello
 *             with SNI, HTTP/1.1, DNS, QUIC-looking UDP/443, both directions,
 *             some VLAN-tagged and IPv6 flows) over a few minutes
 *             (gen_sample.c);
 *   flows     N distinct 5-tuples, packets round-robin over the flows;
 *   newflows  every packet a new 5-tuple (up to 2^24 unique);
 *   imix      simple IMIX 7:4:1 of 64/594/1518-byte frames on the wire
 *             (60/590/1514 bytes as written: no FCS), N flows round-robin
 *             (these three in gen_bench.c).
 *
 * Frame sizes: --size is the frame length as written to the pcap (Ethernet
 * header included, FCS excluded), minimum 60.  A "64-byte" benchmark frame
 * is therefore --size 60 (64 B on the wire with the 4-byte FCS), as DPDK's
 * generators count it.
 *
 * Every frame is valid (gen_frame.c): IPv4 header checksum, IP/UDP
 * lengths, TCP and UDP checksums over the pseudo-header; frames shorter
 * than 60 bytes carry Ethernet padding after the IP datagram.
 *
 * Determinism: the output depends only on the options (and on the content
 * of the --dst-prefixes files); one seeded xoshiro256** generator drives
 * everything and per-flow choices in the streaming modes are derived from
 * (seed, flow index) so that no per-flow state is stored.
 *
 * The rest: the command line (gen_opts.c), address sources (gen_prefixes.c),
 * payloads (gen_payload.c), the sample's services (gen_services.c) and the
 * pcap output (gen_capture.c).
 */
#include <inttypes.h>
#include <stdio.h>

#include "gen.h"
#include "gen_bench.h"
#include "gen_sample.h"
#include "gen_services.h"

int
main(int argc, char **argv)
{
	static struct gen g;

	if (opts_parse(argc, argv, &g.o) < 0)
		return 2;
	if (sources_load(&g.src, g.o.src, g.o.v6_share) < 0 ||
	    destinations_load(&g.dst, &g.other, g.o.countries, g.o.others,
			      g.o.dst_files) < 0)
		return 1;
	if (g.o.names &&
	    service_names_load(g.o.names_file, &g.names, &g.nnames) < 0)
		return 1;
	rng_seed(&g.r, g.o.seed, 0);
	if (g.o.mode != M_SAMPLE && bench_prepare(&g) < 0)
		return 1;

	if (capture_open(&g.out, g.o.out, g.o.nano, g.o.mode == M_SAMPLE) < 0)
		return 1;
	if (g.o.mode == M_SAMPLE)
		sample_generate(&g);
	else
		bench_generate(&g);
	if (capture_close(&g.out, g.o.out) < 0)
		return 1;
	fprintf(stderr,
		"xbgw-gen: %s: %" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64
		" bytes -> %s\n",
		mode_name(g.o.mode), g.out.packets, g.flows_made, g.out.bytes,
		g.o.out);
	return 0;
}
