/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_stats_afxdp.h"

#include <inttypes.h>

#include "xb_afxdp.h"

void
xb_stats_afxdp_json(struct xb_json *j)
{
	unsigned int n = xb_afxdp_nports();
	uint64_t sum[XBGW_XDP_COUNTERS] = {0};
	struct xb_afxdp_stats s;

	if (n == 0)
		return;
	for (unsigned int i = 0; i < n; i++)
		if (xb_afxdp_read(i, &s) == 0)
			for (unsigned int k = 0; k < XBGW_XDP_COUNTERS; k++)
				sum[k] += s.c[k];
	xb_json_object_begin(j, "afxdp");
	for (unsigned int k = 0; k < XBGW_XDP_COUNTERS; k++)
		xb_json_u64(j, xb_afxdp_counter_name(k), sum[k]);
	xb_json_array_begin(j, "ports");
	for (unsigned int i = 0; i < n; i++) {
		if (xb_afxdp_read(i, &s) != 0)
			continue;
		xb_json_object_begin(j, NULL);
		xb_json_u64(j, "port", s.port);
		xb_json_str(j, "iface", s.iface);
		xb_json_str(j, "program", s.prog);
		for (unsigned int k = 0; k < XBGW_XDP_COUNTERS; k++)
			xb_json_u64(j, xb_afxdp_counter_name(k), s.c[k]);
		xb_json_object_end(j);
	}
	xb_json_array_end(j);
	xb_json_object_end(j);
}

void
xb_stats_afxdp_report(FILE *f)
{
	struct xb_afxdp_stats s;

	for (unsigned int i = 0; i < xb_afxdp_nports(); i++) {
		if (xb_afxdp_read(i, &s) != 0)
			continue;
		fprintf(f,
			"af_xdp %-8s  program %s: to xbgw %" PRIu64
			"  to kernel %" PRIu64 " (host MAC %" PRIu64
			", host IP %" PRIu64 ", ARP %" PRIu64 ", ND %" PRIu64
			", no socket %" PRIu64 ")\n",
			s.iface, s.prog, s.c[XBGW_XDP_TO_XSK],
			s.c[XBGW_XDP_TO_KERNEL], s.c[XBGW_XDP_HOST_MAC],
			s.c[XBGW_XDP_HOST_IP], s.c[XBGW_XDP_HOST_ARP],
			s.c[XBGW_XDP_HOST_ND], s.c[XBGW_XDP_NO_XSK]);
	}
}
