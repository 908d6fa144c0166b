/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_worker.h"

#include <rte_cycles.h>
#include <rte_prefetch.h>

#include "xb_parse.h"

/* Send what is buffered for one port; what the port refuses is dropped
 * and counted, so rx == tx + drops holds exactly. */
static inline void
tx_flush(struct xb_worker *w, uint16_t port)
{
	struct xb_txbuf *b = &w->tx[port];
	uint16_t sent = 0, n = b->n;

	if (n == 0)
		return;
	/* A few retries absorb a momentarily full TX ring. */
	for (int tries = 0; tries < 4 && sent < n; tries++)
		sent += rte_eth_tx_burst(port, (uint16_t)w->index,
					 b->pkts + sent, (uint16_t)(n - sent));
	for (uint16_t i = 0; i < sent; i++)
		w->c.tx_bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
	w->c.tx_pkts += sent;
	if (unlikely(sent < n)) {
		w->c.drop[XB_DROP_NO_TX] += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(b->pkts + sent, (unsigned int)(n - sent));
	}
	b->n = 0;
}

static inline void
tx_enqueue(struct xb_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct xb_txbuf *b = &w->tx[port];

	b->pkts[b->n++] = m;
	if (unlikely(b->n == XB_TX_BUF))
		tx_flush(w, port);
}

static inline void
drop(struct xb_worker *w, struct rte_mbuf *m, enum xb_drop_reason why)
{
	w->c.drop[why]++;
	rte_pktmbuf_free(m);
}

/* Process one received burst. */
static void
process_burst(struct xb_worker *w, const struct xb_rxq *q,
	      struct rte_mbuf **pkts, uint16_t n)
{
	struct xb_pkt_info info[XB_BURST];
	uint8_t scratch[XB_PARSE_HDR_MAX];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		uint32_t hlen = len < XB_PARSE_HDR_MAX ? len : XB_PARSE_HDR_MAX;
		const uint8_t *hdr;
		int rc;

		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
		w->c.rx_bytes += len;
		/* Contiguous first bytes; copied only when the headers span
		 * segments (rare: chained jumbo frames keep them in the
		 * first segment). */
		hdr = rte_pktmbuf_read(m, 0, hlen, scratch);
		rc = hdr ? xb_parse(hdr, hlen, len, &info[i])
			 : XB_PARSE_MALFORMED;
		if (unlikely(rc != XB_PARSE_IP)) {
			if (rc == XB_PARSE_NOT_IP) {
				w->c.not_ip++;
				tx_enqueue(w, q->tx_port, m);
			} else {
				drop(w, m, XB_DROP_MALFORMED);
			}
			continue;
		}
		tx_enqueue(w, q->tx_port, m);
	}
}

int
xb_worker_main(void *arg)
{
	struct xb_worker *w = arg;
	struct rte_mbuf *pkts[XB_BURST];

	atomic_store_explicit(&w->running, true, memory_order_release);
	while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
		w->c.polls++;
		for (unsigned int r = 0; r < w->nrxq; r++) {
			const struct xb_rxq *q = &w->rxq[r];
			uint16_t n = rte_eth_rx_burst(q->port, q->queue, pkts,
						      XB_BURST);
			uint64_t t0;

			if (n == 0)
				continue;
			t0 = rte_rdtsc();
			w->c.rx_pkts += n;
			process_burst(w, q, pkts, n);
			tx_flush(w, q->tx_port);
			w->c.busy_cycles += rte_rdtsc() - t0;
			w->c.busy_bursts++;
		}
	}
	for (unsigned int p = 0; p < XB_MAX_PORTS; p++)
		tx_flush(w, (uint16_t)p);
	atomic_store_explicit(&w->running, false, memory_order_release);
	return 0;
}
