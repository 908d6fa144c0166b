/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_XDP ports (net_af_xdp): xbgw's XDP steering program and its maps.
 *
 * The PMD loads drivers/xdp/xbgw_xdp.o (devarg xdp_prog=, which main.c
 * adds to every net_af_xdp vdev that lacks it) and fills its XSKMAP.  After
 * the port is configured, xb_afxdp_attach() finds the program attached to
 * the port's interface, checks that it is ours (name prefix "xbgw_"),
 * fills the host MAC / host address maps so that traffic for the host
 * itself stays with the kernel, and keeps the counter map for statistics.
 *
 * Thread safety: control plane only (main lcore).
 */
#ifndef XB_AFXDP_H
#define XB_AFXDP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdp/xbgw_xdp.h"

#define XB_AFXDP_MAX_HOST 32
#define XB_MAX_PORTS_AFXDP 16

struct xb_afxdp_host_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
};

/* [afxdp] host_macs / host_addresses; "auto" adds the interface's own. */
struct xb_afxdp_hosts {
	bool macs_auto, addrs_auto;
	unsigned int nmacs, naddrs;
	uint8_t macs[XB_AFXDP_MAX_HOST][6];
	struct xb_afxdp_host_addr addrs[XB_AFXDP_MAX_HOST];
};

/* Counters of one AF_XDP port's program, summed over CPUs (packets). */
struct xb_afxdp_stats {
	uint16_t port;
	char iface[IF_NAMESIZE];
	char prog[16];
	uint32_t prog_id;
	uint64_t c[XBGW_XDP_COUNTERS];
};

/* Defaults: both lists "auto".  The main config fills the lists
 * ([afxdp] host_macs, host_addresses: app/ctl/xb_config.h). */
void xb_afxdp_hosts_default(struct xb_afxdp_hosts *h);

/* True when the ethdev port is a net_af_xdp port. */
bool xb_afxdp_is_port(uint16_t port);

/*
 * Find xbgw's program on the port's interface and fill its host maps.
 * Returns 0 when attached, 1 when the port is not an AF_XDP port, -1 with
 * a reason in err (no program, a foreign program, map update failed).
 */
int xb_afxdp_attach(uint16_t port, const struct xb_afxdp_hosts *h, char *err,
		    size_t errlen);

/* Ports attached so far, and the counters of the i-th (0 or -1). */
unsigned int xb_afxdp_nports(void);
int xb_afxdp_read(unsigned int i, struct xb_afxdp_stats *out);

/* JSON key of counter idx ("to_xsk", "to_kernel", ...). */
const char *xb_afxdp_counter_name(unsigned int idx);

/* Close the map/program descriptors (the PMD detaches the program). */
void xb_afxdp_release(void);

#endif /* XB_AFXDP_H */
