/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_port.h"

#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "xb_log.h"

/*
 * A Toeplitz key whose 16-bit pattern repeats makes the hash symmetric:
 * swapping source and destination (addresses and ports) gives the same
 * hash, so both directions of a flow reach the same queue and worker
 * (Woo and Park, "Scalable TCP Session Monitoring with Symmetric RSS").
 */
static uint8_t symmetric_rss_key[52] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

const uint8_t *
xb_port_rss_key(size_t *len)
{
	*len = sizeof(symmetric_rss_key);
	return symmetric_rss_key;
}

int
xb_port_find(const char *name, uint16_t *port)
{
	return rte_eth_dev_get_port_by_name(name, port) == 0 ? 0 : -1;
}

int
xb_port_setup(uint16_t port, uint16_t rx_queues, uint16_t tx_queues,
	      uint32_t mtu, struct rte_mempool *mp, struct xb_port_info *info,
	      char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info dev;
	uint16_t nb_rxd = XB_RX_DESC, nb_txd = XB_TX_DESC;
	int rc;

	memset(info, 0, sizeof(*info));
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &dev);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: cannot read device info: %s",
			 port, rte_strerror(-rc));
		return -1;
	}
	if (rx_queues > dev.max_rx_queues || tx_queues > dev.max_tx_queues) {
		snprintf(err, errlen,
			 "port %u (%s): %u RX / %u TX queues asked, the port has %u / %u",
			 port, dev.driver_name, rx_queues, tx_queues,
			 dev.max_rx_queues, dev.max_tx_queues);
		return -1;
	}
	if (rx_queues > 1 && dev.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP |
			 RTE_ETH_RSS_SCTP) &
			dev.flow_type_rss_offloads;
		if (dev.hash_key_size > 0 &&
		    dev.hash_key_size <= sizeof(symmetric_rss_key)) {
			conf.rx_adv_conf.rss_conf.rss_key = symmetric_rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len =
				dev.hash_key_size;
		}
	}
	/* Multi-segment TX where the port can: jumbo frames arrive chained. */
	if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (mtu > RTE_ETHER_MTU && (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;

	/* Link changes arrive as interrupts where the port has them
	 * (xb_port_watch_link logs them); others are polled by nobody. */
	if (dev.dev_flags != NULL && (*dev.dev_flags & RTE_ETH_DEV_INTR_LSC))
		conf.intr_conf.lsc = 1;

	rc = rte_eth_dev_configure(port, rx_queues, tx_queues, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): configure failed: %s", port,
			 dev.driver_name, rte_strerror(-rc));
		return -1;
	}
	if (mtu != RTE_ETHER_MTU && dev.max_mtu >= mtu) {
		rc = rte_eth_dev_set_mtu(port, (uint16_t)mtu);
		if (rc != 0 && rc != -ENOTSUP)
			XB_LOG(WARNING, "port %u: MTU %u not set: %s\n",
				port, mtu, rte_strerror(-rc));
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	int socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < rx_queues; q++) {
		struct rte_eth_rxconf rxc = dev.default_rxconf;

		rxc.offloads = conf.rxmode.offloads;
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, (unsigned int)socket,
					    &rxc, mp);
		if (rc != 0) {
			snprintf(err, errlen, "port %u: RX queue %u: %s", port,
				 q, rte_strerror(-rc));
			return -1;
		}
	}
	for (uint16_t q = 0; q < tx_queues; q++) {
		struct rte_eth_txconf txc = dev.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, (unsigned int)socket,
					    &txc);
		if (rc != 0) {
			snprintf(err, errlen, "port %u: TX queue %u: %s", port,
				 q, rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: start failed: %s", port,
			 rte_strerror(-rc));
		return -1;
	}
	/* A bump in the wire forwards every frame, whatever its MAC. */
	rc = rte_eth_promiscuous_enable(port);
	if (rc != 0 && rc != -ENOTSUP)
		XB_LOG(WARNING, "port %u: promiscuous mode: %s\n", port,
			rte_strerror(-rc));
	info->port = port;
	info->rx_queues = rx_queues;
	info->tx_queues = tx_queues;
	info->mtu = mtu;
	info->rss_hf = conf.rx_adv_conf.rss_conf.rss_hf;
	info->socket = socket;
	rte_eth_dev_get_name_by_port(port, info->name);
	snprintf(info->driver, sizeof(info->driver), "%s", dev.driver_name);
	return 0;
}

static int
link_event(uint16_t port, enum rte_eth_event_type type, void *arg,
	   void *ret)
{
	struct rte_eth_link link;

	(void)type;
	(void)arg;
	(void)ret;
	if (rte_eth_link_get_nowait(port, &link) == 0) {
		if (link.link_status)
			XB_LOG(NOTICE, "port %u: link up, %u Mbps, %s\n",
				port, link.link_speed,
				link.link_duplex ? "full duplex" : "half duplex");
		else
			XB_LOG(NOTICE, "port %u: link down\n", port);
	}
	return 0;
}

void
xb_port_watch_link(uint16_t port)
{
	/* Log the state at start, then every change. */
	link_event(port, RTE_ETH_EVENT_INTR_LSC, NULL, NULL);
	rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, link_event,
				      NULL);
}

void
xb_port_stop(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
