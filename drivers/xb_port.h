/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev port set-up shared by live ports (PCI, AF_XDP, pcap, tap, null
 * vdevs) and the replay port: queues, symmetric RSS when there is more than
 * one queue, offloads only where the port has them, MTU.
 *
 * Thread safety: control plane only (before workers start / after stop).
 */
#ifndef XB_PORT_H
#define XB_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#define XB_RX_DESC 1024
#define XB_TX_DESC 1024

struct xb_port_info {
	uint16_t port;
	uint16_t rx_queues, tx_queues;
	uint32_t mtu;
	uint64_t rss_hf;    /* RSS hash functions in use (0: single queue) */
	int socket;
	char name[64];
	char driver[32];
};

/*
 * Configure and start a port with rx_queues RX and tx_queues TX queues
 * drawing mbufs from mp.  Returns 0, or -1 with a reason in err.
 */
int xb_port_setup(uint16_t port, uint16_t rx_queues, uint16_t tx_queues,
		  uint32_t mtu, struct rte_mempool *mp,
		  struct xb_port_info *info, char *err, size_t errlen);

/* Find a port by its EAL name (PCI address or vdev name). */
int xb_port_find(const char *name, uint16_t *port);

/* Log link state changes (registers an LSC callback where supported). */
void xb_port_watch_link(uint16_t port);

void xb_port_stop(uint16_t port);

/* The symmetric Toeplitz key xb_port_setup() gives ports with more than
 * one RX queue (52 bytes, a repeated 16-bit pattern); *len gets its size. */
const uint8_t *xb_port_rss_key(size_t *len);

#endif /* XB_PORT_H */
