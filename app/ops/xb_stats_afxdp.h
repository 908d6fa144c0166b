/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_XDP section of the statistics: the per-CPU counters of xbgw's XDP
 * program on every AF_XDP port, summed.  Nothing is written when no port
 * runs on AF_XDP.  Thread safety: control plane only.
 */
#ifndef XB_STATS_AFXDP_H
#define XB_STATS_AFXDP_H

#include <stdio.h>

#include "xb_json.h"

/* "afxdp": {"to_xsk": n, "to_kernel": n, <reasons>, "ports": [...]} */
void xb_stats_afxdp_json(struct xb_json *j);

/* One report line per AF_XDP port. */
void xb_stats_afxdp_report(FILE *f);

#endif /* XB_STATS_AFXDP_H */
