/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_explain_query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	/* Digits only: strtoul would also take blanks, signs and 0x. */
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int
parse_addr(const char *s, uint8_t *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = 6;
		return 0;
	}
	return -1;
}

int
xb_explain_parse(const char *proto, const char *src, const char *dst,
		 const char *sport, const char *dport,
		 struct xb_explain_query *q, char *why, size_t whylen)
{
	static const struct { const char *name; uint8_t num; } protos[] = {
		{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmp6", 58},
		{"sctp", 132}, {"gre", 47},
	};
	uint8_t f2;
	bool found = false;

	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (strcasecmp(proto, protos[i].name) == 0) {
			q->proto = protos[i].num;
			found = true;
		}
	if (!found) {
		uint16_t v;

		if (parse_port(proto, &v) < 0 || v > 255) {
			snprintf(why, whylen,
				 "unknown protocol \"%s\" (expected tcp, udp, icmp, icmp6, sctp, gre or 0..255)",
				 proto);
			return -1;
		}
		q->proto = (uint8_t)v;
	}
	if (parse_addr(src, &q->family, q->src) < 0 ||
	    parse_addr(dst, &f2, q->dst) < 0) {
		snprintf(why, whylen, "bad address \"%s\" (expected IPv4 or IPv6)",
			 parse_addr(src, &f2, q->src) < 0 ? src : dst);
		return -1;
	}
	if (f2 != q->family) {
		snprintf(why, whylen, "%s and %s are of different families", src,
			 dst);
		return -1;
	}
	if (parse_port(sport, &q->sport) < 0 || parse_port(dport, &q->dport) < 0) {
		snprintf(why, whylen, "bad port \"%s\" (expected 0..65535)",
			 parse_port(sport, &q->sport) < 0 ? sport : dport);
		return -1;
	}
	return 0;
}

int
xb_explain_parse_time(const char *hhmm, int32_t utc_offset_s, uint64_t now_ns,
		      uint64_t *out_ns)
{
	unsigned int h, m;
	int64_t day, t;

	if (strlen(hhmm) != 5 || hhmm[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (hhmm[i] < '0' || hhmm[i] > '9'))
			return -1;
	h = (unsigned int)(hhmm[0] - '0') * 10 + (unsigned int)(hhmm[1] - '0');
	m = (unsigned int)(hhmm[3] - '0') * 10 + (unsigned int)(hhmm[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	/* The local day holding now, at HH:MM local time. */
	day = ((int64_t)(now_ns / 1000000000ull) + utc_offset_s) / 86400;
	t = day * 86400 + (int64_t)h * 3600 + (int64_t)m * 60 - utc_offset_s;
	if (t < 0)
		t += 86400;
	*out_ns = (uint64_t)t * 1000000000ull;
	return 0;
}

/* key=value options of a request: where each goes. */
enum request_opt { OPT_NAME, OPT_VLAN, OPT_TENANT, OPT_TIME, OPT_COUNT };

static int
request_opt(const char *key)
{
	static const char *const keys[OPT_COUNT] = {"name", "vlan", "tenant",
						    "time"};

	for (int i = 0; i < OPT_COUNT; i++)
		if (strcmp(key, keys[i]) == 0)
			return i;
	return -1;
}

int
xb_explain_parse_request(char *buf, struct xb_explain_query *q,
			 const char **hhmm, char *why, size_t whylen)
{
	const char *word[5];
	const char *opt[OPT_COUNT] = {NULL};
	unsigned int nword = 0;
	char *p = buf;

	*hhmm = NULL;
	/* Five positional words, then options; a comma ends each field
	 * (the request cannot quote one, hence no commas inside values). */
	for (;;) {
		char *field = p, *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		if (nword < 5) {
			if (field[0] == '\0' || strchr(field, '=') != NULL) {
				snprintf(why, whylen,
					 "expected PROTO,SRC,DST,SPORT,DPORT first (field %u is \"%.40s\")",
					 nword + 1, field);
				return -1;
			}
			word[nword++] = field;
		} else {
			char *eq = strchr(field, '=');
			int k;

			if (eq == NULL) {
				snprintf(why, whylen,
					 "unexpected \"%.40s\" (expected name=, vlan=, tenant= or time=)",
					 field);
				return -1;
			}
			*eq = '\0';
			k = request_opt(field);
			if (k < 0) {
				snprintf(why, whylen,
					 "unknown option \"%.40s\" (expected name, vlan, tenant or time)",
					 field);
				return -1;
			}
			if (opt[k] != NULL || eq[1] == '\0') {
				snprintf(why, whylen, "%s= %s", field,
					 opt[k] != NULL ? "given twice"
							: "is empty");
				return -1;
			}
			opt[k] = eq + 1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (nword < 5) {
		snprintf(why, whylen,
			 "expected PROTO,SRC,DST,SPORT,DPORT (got %u of the 5 fields)",
			 nword);
		return -1;
	}
	if (xb_explain_parse(word[0], word[1], word[2], word[3], word[4], q,
			     why, whylen) < 0)
		return -1;
	if (opt[OPT_NAME] != NULL) {
		if (strlen(opt[OPT_NAME]) > XB_EXPLAIN_NAME_MAX) {
			snprintf(why, whylen, "name= longer than %d bytes",
				 XB_EXPLAIN_NAME_MAX);
			return -1;
		}
		q->name = opt[OPT_NAME];
	}
	if (opt[OPT_VLAN] != NULL) {
		uint16_t v;

		if (parse_port(opt[OPT_VLAN], &v) < 0 || v < 1 || v > 4094) {
			snprintf(why, whylen, "vlan=%.40s (expected 1..4094)",
				 opt[OPT_VLAN]);
			return -1;
		}
		q->vlan = v;
	}
	q->tenant = opt[OPT_TENANT];
	*hhmm = opt[OPT_TIME];
	return 0;
}
