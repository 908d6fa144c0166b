/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared between xbgw's XDP program (xbgw_xdp.c, BPF target) and its user
 * space side (drivers/xb_afxdp.c): map names, key layouts, counter slots.
 *
 * The program is loaded by DPDK's net_af_xdp PMD (devarg xdp_prog=), which
 * fills the XSKMAP named "xsks_map" with its sockets (key: RX queue index);
 * xbgw then finds the program attached to the interface and fills the two
 * host maps.  Only plain fixed-width types here: both compilers see it.
 */
#ifndef XBGW_XDP_H
#define XBGW_XDP_H

#include <linux/types.h>

/* Map names as the kernel shows them (at most 15 characters). */
#define XBGW_XDP_MAP_XSKS "xsks_map"         /* fixed by the PMD */
#define XBGW_XDP_MAP_COUNTERS "xbgw_counters"
#define XBGW_XDP_MAP_HOST_MACS "xbgw_host_macs"
#define XBGW_XDP_MAP_HOST_ADDRS "xbgw_host_addrs"
/* Every program of ours starts so; xbgw checks the attached one. */
#define XBGW_XDP_PROG_PREFIX "xbgw_"

#define XBGW_XDP_MAX_QUEUES 64
#define XBGW_XDP_MAX_HOST_MACS 64
#define XBGW_XDP_MAX_HOST_ADDRS 256

/* Per-CPU counters (packets), index into the counters array map. */
enum xbgw_xdp_counter {
	XBGW_XDP_TO_XSK = 0,     /* redirected to xbgw's AF_XDP socket */
	XBGW_XDP_TO_KERNEL,      /* passed to the kernel (sum of reasons) */
	XBGW_XDP_HOST_MAC,       /* reason: destination MAC is the host's */
	XBGW_XDP_HOST_IP,        /* reason: destination IPv4/IPv6 is the host's */
	XBGW_XDP_HOST_ARP,       /* reason: ARP asking for a host address */
	XBGW_XDP_HOST_ND,        /* reason: IPv6 neighbour solicitation for one */
	XBGW_XDP_NO_XSK,         /* reason: no socket on this queue (xbgw down) */
	XBGW_XDP_COUNTERS
};

struct xbgw_mac_key {
	__u8 addr[6];
	__u8 pad[2]; /* zero */
};

struct xbgw_addr_key {
	__u8 family; /* 4 or 6 */
	__u8 pad[3]; /* zero */
	__u8 addr[16]; /* IPv4 in the first 4 bytes, rest zero */
};

#endif /* XBGW_XDP_H */
