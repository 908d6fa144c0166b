/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the parsing of an explain request as telemetry
 * /xbgw/explain receives it from a local client (classifiers/
 * xb_explain_query.c: xb_explain_parse_request, xb_explain_parse_time).
 * Input: any bytes up to the first NUL (telemetry parameters are a C
 * string), in a heap buffer of exactly their size.
 * Checked on every accepted request: the family is 4 or 6, ports and VLAN
 * in range, the name short enough, and name, tenant and time point into
 * the caller's buffer; written back out as a request it parses to the
 * same query (a round trip); a time it carries converts to an instant at
 * that local time of day for any UTC offset.  A refused request always
 * says why.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_explain_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static int
inside(const char *p, const char *buf, size_t len)
{
	return p >= buf && p < buf + len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	size_t len = strnlen((const char *)d, n);
	char *buf = malloc(len + 1), *again;
	char why[256], src[64], dst[64];
	struct xb_explain_query q, q2;
	const char *hhmm, *hhmm2;
	size_t cap;
	int rc;

	if (buf == NULL)
		abort();
	memcpy(buf, d, len);
	buf[len] = '\0';
	why[0] = '\0';
	rc = xb_explain_parse_request(buf, &q, &hhmm, why, sizeof(why));
	if (rc != 0) {
		if (rc != -1 || why[0] == '\0')
			abort();
		free(buf);
		return 0;
	}
	if ((q.family != 4 && q.family != 6) || q.vlan > 4094 ||
	    (q.name != NULL && (!inside(q.name, buf, len + 1) ||
				strlen(q.name) > XB_EXPLAIN_NAME_MAX ||
				q.name[0] == '\0')) ||
	    (q.tenant != NULL && (!inside(q.tenant, buf, len + 1) ||
				  q.tenant[0] == '\0')) ||
	    (hhmm != NULL && !inside(hhmm, buf, len + 1)))
		abort();
	/* Round trip. */
	inet_ntop(q.family == 4 ? AF_INET : AF_INET6, q.src, src, sizeof(src));
	inet_ntop(q.family == 4 ? AF_INET : AF_INET6, q.dst, dst, sizeof(dst));
	cap = len + 200;
	again = malloc(cap);
	if (again == NULL)
		abort();
	snprintf(again, cap, "%u,%s,%s,%u,%u%s%s%s%s", q.proto, src, dst,
		 q.sport, q.dport, q.name ? ",name=" : "", q.name ? q.name : "",
		 q.tenant ? ",tenant=" : "", q.tenant ? q.tenant : "");
	if (q.vlan != 0)
		snprintf(again + strlen(again), cap - strlen(again), ",vlan=%u",
			 q.vlan);
	if (hhmm != NULL)
		snprintf(again + strlen(again), cap - strlen(again), ",time=%s",
			 hhmm);
	if (xb_explain_parse_request(again, &q2, &hhmm2, why, sizeof(why)) != 0 ||
	    q2.family != q.family || q2.proto != q.proto ||
	    memcmp(q2.src, q.src, 16) != 0 || memcmp(q2.dst, q.dst, 16) != 0 ||
	    q2.sport != q.sport || q2.dport != q.dport || q2.vlan != q.vlan ||
	    (q.name == NULL) != (q2.name == NULL) ||
	    (q.name != NULL && strcmp(q.name, q2.name) != 0) ||
	    (q.tenant == NULL) != (q2.tenant == NULL) ||
	    (q.tenant != NULL && strcmp(q.tenant, q2.tenant) != 0) ||
	    (hhmm == NULL) != (hhmm2 == NULL) ||
	    (hhmm != NULL && strcmp(hhmm, hhmm2) != 0))
		abort();
	if (hhmm != NULL) {
		static const int32_t offsets[] = {0, 8 * 3600, -5 * 3600 - 1800,
						  14 * 3600, -12 * 3600};
		const uint64_t now = 1800000000ull * 1000000000ull;

		for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			uint64_t t;

			if (xb_explain_parse_time(hhmm, offsets[i], now, &t) != 0)
				continue; /* a bad HH:MM: the caller says so */
			{
				int64_t local = ((int64_t)(t / 1000000000ull) +
						 offsets[i]) % 86400;
				int h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
				int m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');

				if (t % 1000000000ull != 0 ||
				    local != h * 3600 + m * 60)
					abort();
			}
		}
	}
	free(again);
	free(buf);
	return 0;
}
