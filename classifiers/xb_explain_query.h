/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An explain request: the flow to explain (protocol, addresses, ports, and
 * the name, VLAN or tenant it would show) and its parsing, from the words
 * of `xbgw --explain` or from the parameters of telemetry /xbgw/explain
 * (bytes a local client sends: every field is checked, nothing is
 * trusted).  Pure C, no EAL, no allocation; thread-safe.
 */
#ifndef XB_EXPLAIN_QUERY_H
#define XB_EXPLAIN_QUERY_H

#include <stddef.h>
#include <stdint.h>

/* Longest name= a request may carry (a DNS name is at most 253). */
#define XB_EXPLAIN_NAME_MAX 255

struct xb_explain_query {
	uint8_t family;       /* 4 or 6 */
	uint8_t proto;        /* IP protocol number */
	uint8_t src[16], dst[16]; /* network order, IPv4 in the first 4 */
	uint16_t sport, dport;
	const char *name;     /* the name the flow shows, or NULL */
	uint16_t vlan;        /* 0: untagged */
	const char *tenant;   /* tenant id that overrides the lookup, or NULL */
	uint64_t now_ns;      /* time of the decision (ns since the epoch) */
};

/* Parse the five words into q (proto: tcp, udp, icmp, icmp6, sctp, gre
 * or 0..255; addresses of one family; ports 0..65535).  Returns 0, or -1
 * with the reason in why. */
int xb_explain_parse(const char *proto, const char *src, const char *dst,
		     const char *sport, const char *dport,
		     struct xb_explain_query *q, char *why, size_t whylen);

/* "HH:MM" local time (utc_offset_s east of UTC) on the local day of
 * now_ns into *out_ns.  Returns 0 or -1. */
int xb_explain_parse_time(const char *hhmm, int32_t utc_offset_s,
			  uint64_t now_ns, uint64_t *out_ns);

/*
 * Parse a telemetry request, "PROTO,SRC,DST,SPORT,DPORT[,name=N]
 * [,vlan=V][,tenant=T][,time=HH:MM]" (options in any order, each at most
 * once, none empty; vlan 1..4094; a name of at most XB_EXPLAIN_NAME_MAX
 * bytes), in buf, which it cuts in place: q's strings and *hhmm (the
 * time= value, NULL without) point into it.  q->now_ns is left 0.
 * Returns 0, or -1 with the reason in why.
 */
int xb_explain_parse_request(char *buf, struct xb_explain_query *q,
			     const char **hhmm, char *why, size_t whylen);

#endif /* XB_EXPLAIN_QUERY_H */
