/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#define REPLAY_RING_SIZE 4096
#define REPLAY_BURST 64

struct xb_replay {
	const struct xb_capture *cap;
	struct rte_mempool *mp;
	struct rte_ring *rx_ring;
	struct rte_ring *tx_ring; /* the port's TX side: unused, drained */
	uint16_t port;
	int ts_offset;
	uint64_t ts_flag;
	uint64_t loops;      /* 0 = unbounded */
	uint64_t loop;       /* current loop */
	uint64_t next;       /* next frame index within the loop */
	uint64_t span_ns;    /* capture span + one gap, added per loop */
	uint64_t fed, fed_bytes;
	bool stopped;
	/* Frames built but not yet accepted by the ring. */
	struct rte_mbuf *pending[REPLAY_BURST];
	unsigned int npending, pending_head;
};

static struct rte_mbuf *
build_frame(struct xb_replay *r, uint64_t idx)
{
	const struct xb_capture *cap = r->cap;
	const uint8_t *src = cap->data + cap->offset[idx];
	uint32_t left = cap->len[idx];
	struct rte_mbuf *head, *last;

	head = rte_pktmbuf_alloc(r->mp);
	if (head == NULL)
		return NULL;
	last = head;
	for (;;) {
		uint16_t room = rte_pktmbuf_tailroom(last);
		uint16_t chunk = left < room ? (uint16_t)left : room;

		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len),
		       src, chunk);
		last->data_len = (uint16_t)(last->data_len + chunk);
		head->pkt_len += chunk;
		src += chunk;
		left -= chunk;
		if (left == 0)
			break;
		struct rte_mbuf *seg = rte_pktmbuf_alloc(r->mp);
		if (seg == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		last->next = seg;
		head->nb_segs++;
		last = seg;
	}
	if (r->ts_offset >= 0) {
		*RTE_MBUF_DYNFIELD(head, r->ts_offset, uint64_t *) =
			cap->ts_ns[idx] + r->loop * r->span_ns;
		head->ol_flags |= r->ts_flag;
	}
	return head;
}

struct xb_replay *
xb_replay_create(const struct xb_capture *cap, struct rte_mempool *mp,
		 uint64_t loops, int ts_offset, uint64_t ts_flag, char *err,
		 size_t errlen)
{
	static unsigned int seq;
	struct xb_replay *r = calloc(1, sizeof(*r));
	char name[RTE_RING_NAMESIZE];
	int port;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cap = cap;
	r->mp = mp;
	r->loops = loops;
	r->ts_offset = ts_offset;
	r->ts_flag = ts_flag;
	/* Each loop continues where the last ended, one mean gap later. */
	r->span_ns = cap->last_ns - cap->first_ns +
		     (cap->count > 1 ? (cap->last_ns - cap->first_ns) /
					       (cap->count - 1)
				     : 1000);
	if (r->span_ns == 0)
		r->span_ns = 1000;
	snprintf(name, sizeof(name), "xbgw_replay_rx%u", seq);
	r->rx_ring = rte_ring_create(name, REPLAY_RING_SIZE, SOCKET_ID_ANY,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "xbgw_replay_tx%u", seq);
	r->tx_ring = rte_ring_create(name, 64, SOCKET_ID_ANY,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r->rx_ring == NULL || r->tx_ring == NULL) {
		snprintf(err, errlen, "cannot create replay rings: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "xbgw_replay%u", seq++);
	port = rte_eth_from_rings(name, &r->rx_ring, 1, &r->tx_ring, 1,
				  (unsigned int)rte_socket_id());
	if (port < 0) {
		snprintf(err, errlen, "cannot create the replay port: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	r->port = (uint16_t)port;
	return r;
fail:
	rte_ring_free(r->rx_ring);
	rte_ring_free(r->tx_ring);
	free(r);
	return NULL;
}

void
xb_replay_free(struct xb_replay *r)
{
	struct rte_mbuf *m;

	if (r == NULL)
		return;
	for (unsigned int i = 0; i < r->npending; i++)
		rte_pktmbuf_free(r->pending[r->pending_head + i]);
	while (rte_ring_dequeue(r->rx_ring, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	while (rte_ring_dequeue(r->tx_ring, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r->rx_ring);
	rte_ring_free(r->tx_ring);
	free(r);
}

uint16_t
xb_replay_port(const struct xb_replay *r)
{
	return r->port;
}

void
xb_replay_stop(struct xb_replay *r)
{
	r->stopped = true;
}

bool
xb_replay_done(const struct xb_replay *r)
{
	return r->npending == 0 &&
	       (r->stopped || (r->loops != 0 && r->loop >= r->loops));
}

uint64_t
xb_replay_fed(const struct xb_replay *r)
{
	return r->fed;
}

uint64_t
xb_replay_fed_bytes(const struct xb_replay *r)
{
	return r->fed_bytes;
}

unsigned int
xb_replay_feed(struct xb_replay *r, unsigned int max)
{
	unsigned int total = 0;

	while (total < max) {
		if (r->npending == 0) {
			unsigned int n = 0;

			r->pending_head = 0;
			while (n < REPLAY_BURST && !r->stopped &&
			       (r->loops == 0 || r->loop < r->loops)) {
				struct rte_mbuf *m = build_frame(r, r->next);

				if (m == NULL)
					break; /* pool empty: workers catch up */
				r->pending[n++] = m;
				if (++r->next == r->cap->count) {
					r->next = 0;
					r->loop++;
				}
			}
			r->npending = n;
			if (n == 0)
				break;
		}
		unsigned int sent = rte_ring_enqueue_burst(
			r->rx_ring, (void **)&r->pending[r->pending_head],
			r->npending, NULL);
		for (unsigned int i = 0; i < sent; i++)
			r->fed_bytes += r->pending[r->pending_head + i]->pkt_len;
		r->fed += sent;
		r->pending_head += sent;
		r->npending -= sent;
		total += sent;
		if (sent == 0)
			break;
	}
	/* Nothing should be sent to the replay port; free it if it is. */
	struct rte_mbuf *junk[32];
	unsigned int nj = rte_ring_dequeue_burst(r->tx_ring, (void **)junk, 32,
						 NULL);
	rte_pktmbuf_free_bulk(junk, nj);
	return total;
}
