/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_replay.h"

#include "xb_flow.h"
#include "xb_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#define REPLAY_RING_SIZE 4096
#define REPLAY_MAX_QUEUES 16
/* Frames are built and handed over in batches: mbufs come from the pool in
 * bulk and go to each queue's ring in bursts, so the feeding core pays the
 * pool and ring costs once per batch, not per frame. */
#define REPLAY_BATCH 32
/* Bytes of the next frame prefetched while this one is copied. */
#define REPLAY_PREFETCH_BYTES 1024

/* Built frames of one queue not yet accepted by its ring, in order. */
struct replay_qbuf {
	unsigned int n;
	struct rte_mbuf *m[REPLAY_BATCH];
};

struct xb_replay {
	const struct xb_capture *cap;
	struct rte_mempool *mp;
	struct rte_ring *rx_ring[REPLAY_MAX_QUEUES];
	struct rte_ring *tx_ring[REPLAY_MAX_QUEUES]; /* TX side: unused, drained */
	unsigned int nqueues;
	uint8_t *queue_of;        /* per frame: its RX queue (flow hash) */
	uint16_t port;
	int ts_offset;
	uint64_t ts_flag;
	uint64_t loops;      /* 0 = unbounded */
	uint64_t loop;       /* current loop */
	uint64_t next;       /* next frame index within the loop */
	uint64_t span_ns;    /* capture span + one gap, added per loop */
	uint64_t fed, fed_bytes;
	bool stopped;
	/* Clock sync (xb_replay_sync_clocks): per queue, its worker's time. */
	const uint64_t *now[REPLAY_MAX_QUEUES];
	uint64_t skew_ns;
	bool sync;
	struct replay_qbuf qbuf[REPLAY_MAX_QUEUES];
	/* Raw mbufs taken from the pool in bulk, not yet used:
	 * stash[stash_i..stash_n), used in that order. */
	unsigned int stash_i, stash_n;
	struct rte_mbuf *stash[REPLAY_BATCH];
};

/* RX queue of every frame: the symmetric flow hash of its parsed headers,
 * so both directions of a flow go to one queue (non-IP frames: queue 0). */
static int
assign_queues(struct xb_replay *r)
{
	static const struct xb_siphash_key spread_key; /* fixed: all zero */
	const struct xb_capture *cap = r->cap;

	r->queue_of = calloc(cap->count, 1);
	if (r->queue_of == NULL)
		return -1;
	if (r->nqueues == 1)
		return 0;
	for (uint64_t i = 0; i < cap->count; i++) {
		uint32_t len = cap->len[i] < XB_PARSE_HDR_MAX ? cap->len[i]
							       : XB_PARSE_HDR_MAX;
		struct xb_pkt_info pi;
		struct xb_flow_key k;
		uint8_t dir;

		if (xb_parse(cap->data + cap->offset[i], len, cap->len[i], &pi) !=
		    XB_PARSE_IP)
			continue;
		/* Any fixed symmetric hash spreads like RSS does; the flow
		 * tables' own keys are secret and per worker. */
		r->queue_of[i] = (uint8_t)(xb_flow_key_from_pkt_hash(
						   &pi, &k, &dir, &spread_key) %
					   r->nqueues);
	}
	return 0;
}

static inline uint64_t
frame_time(const struct xb_replay *r, uint64_t idx)
{
	return r->cap->ts_ns[idx] + r->loop * r->span_ns;
}

static struct rte_mbuf *
build_frame(struct xb_replay *r, uint64_t idx)
{
	const struct xb_capture *cap = r->cap;
	const uint8_t *src = cap->data + cap->offset[idx];
	uint32_t left = cap->len[idx];
	struct rte_mbuf *head, *last;

	if (r->stash_i == r->stash_n) {
		/* The mbufs come back from the workers' cores, so each header
		 * is a cross-core miss: rte_pktmbuf_alloc_bulk() resets them
		 * one after the other and the feeder waited out every miss
		 * (40 % of its time).  Taken raw instead, their headers are
		 * prefetched for writing now and each is reset when its turn
		 * comes, a batch later for the first. */
		if (rte_mempool_get_bulk(r->mp, (void **)r->stash,
					 REPLAY_BATCH) != 0)
			return NULL;
		for (unsigned int i = 0; i < REPLAY_BATCH; i++)
			__builtin_prefetch(r->stash[i], 1, 3);
		r->stash_i = 0;
		r->stash_n = REPLAY_BATCH;
	}
	head = r->stash[r->stash_i++];
	rte_pktmbuf_reset(head);
	last = head;
	/* The next frame's source and destination lines, for the same
	 * reason: the copy below waits on them otherwise. */
	if (r->stash_i < r->stash_n) {
		const struct rte_mbuf *nm = r->stash[r->stash_i];
		uint64_t ni = idx + 1 == cap->count ? 0 : idx + 1;
		uint32_t nlen = cap->len[ni] < REPLAY_PREFETCH_BYTES
					? cap->len[ni]
					: REPLAY_PREFETCH_BYTES;
		const uint8_t *nsrc = cap->data + cap->offset[ni];
		uint8_t *ndst = (uint8_t *)nm->buf_addr + RTE_PKTMBUF_HEADROOM;

		for (uint32_t o = 0; o < nlen; o += RTE_CACHE_LINE_SIZE) {
			rte_prefetch0(nsrc + o);
			__builtin_prefetch(ndst + o, 1, 3);
		}
	}
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
			frame_time(r, idx);
		head->ol_flags |= r->ts_flag;
	}
	return head;
}

struct xb_replay *
xb_replay_create(const struct xb_capture *cap, struct rte_mempool *mp,
		 uint64_t loops, unsigned int nqueues, int ts_offset,
		 uint64_t ts_flag, char *err, size_t errlen)
{
	static unsigned int seq;
	struct xb_replay *r = calloc(1, sizeof(*r));
	char name[RTE_RING_NAMESIZE];
	int port;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (nqueues == 0 || nqueues > REPLAY_MAX_QUEUES) {
		snprintf(err, errlen, "replay: %u queues (expected 1..%d)",
			 nqueues, REPLAY_MAX_QUEUES);
		free(r);
		return NULL;
	}
	r->cap = cap;
	r->mp = mp;
	r->loops = loops;
	r->nqueues = nqueues;
	if (assign_queues(r) < 0) {
		snprintf(err, errlen, "out of memory");
		free(r);
		return NULL;
	}
	r->ts_offset = ts_offset;
	r->ts_flag = ts_flag;
	/* Each loop continues where the last ended, one mean gap later. */
	r->span_ns = cap->last_ns - cap->first_ns +
		     (cap->count > 1 ? (cap->last_ns - cap->first_ns) /
					       (cap->count - 1)
				     : 1000);
	if (r->span_ns == 0)
		r->span_ns = 1000;
	for (unsigned int q = 0; q < nqueues; q++) {
		snprintf(name, sizeof(name), "xbgw_replay_rx%u_%u", seq, q);
		r->rx_ring[q] = rte_ring_create(name, REPLAY_RING_SIZE,
						SOCKET_ID_ANY,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (r->rx_ring[q] == NULL)
			break;
	}
	for (unsigned int q = 0; q < nqueues; q++) {
		snprintf(name, sizeof(name), "xbgw_replay_tx%u_%u", seq, q);
		r->tx_ring[q] = rte_ring_create(name, 64, SOCKET_ID_ANY,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (r->tx_ring[q] == NULL)
			break;
	}
	if (r->rx_ring[nqueues - 1] == NULL || r->tx_ring[nqueues - 1] == NULL) {
		snprintf(err, errlen, "cannot create replay rings: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	snprintf(name, sizeof(name), "xbgw_replay%u", seq++);
	port = rte_eth_from_rings(name, r->rx_ring, nqueues, r->tx_ring, nqueues,
				  (unsigned int)rte_socket_id());
	if (port < 0) {
		snprintf(err, errlen, "cannot create the replay port: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	r->port = (uint16_t)port;
	return r;
fail:
	for (unsigned int q = 0; q < nqueues; q++) {
		rte_ring_free(r->rx_ring[q]);
		rte_ring_free(r->tx_ring[q]);
	}
	free(r->queue_of);
	free(r);
	return NULL;
}

void
xb_replay_free(struct xb_replay *r)
{
	struct rte_mbuf *m;

	if (r == NULL)
		return;
	if (r->stash_n > r->stash_i)
		rte_mempool_put_bulk(r->mp, (void **)(r->stash + r->stash_i),
				     r->stash_n - r->stash_i);
	for (unsigned int q = 0; q < r->nqueues; q++) {
		rte_pktmbuf_free_bulk(r->qbuf[q].m, r->qbuf[q].n);
		while (rte_ring_dequeue(r->rx_ring[q], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (rte_ring_dequeue(r->tx_ring[q], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(r->rx_ring[q]);
		rte_ring_free(r->tx_ring[q]);
	}
	free(r->queue_of);
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
	for (unsigned int q = 0; q < r->nqueues; q++)
		if (r->qbuf[q].n != 0)
			return false;
	return r->stopped || (r->loops != 0 && r->loop >= r->loops);
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

void
xb_replay_sync_clocks(struct xb_replay *r, const uint64_t *const *now,
		      uint64_t skew_ns)
{
	for (unsigned int q = 0; q < r->nqueues; q++)
		r->now[q] = now[q];
	r->skew_ns = skew_ns;
	r->sync = r->nqueues > 1;
}

/* Latest capture time that may be fed now (UINT64_MAX: no limit): the
 * slowest worker with frames still queued, plus the allowed skew. */
static uint64_t
feed_limit(const struct xb_replay *r)
{
	uint64_t lim = UINT64_MAX;

	if (!r->sync)
		return lim;
	for (unsigned int q = 0; q < r->nqueues; q++) {
		uint64_t t;

		if (rte_ring_count(r->rx_ring[q]) == 0)
			continue;
		t = __atomic_load_n(r->now[q], __ATOMIC_RELAXED) + r->skew_ns;
		if (t < lim)
			lim = t;
	}
	return lim;
}

/* Hand queue q's built frames to its ring, as many as it takes; the rest
 * stay, in order.  Returns true when none is left. */
static bool
flush_queue(struct xb_replay *r, unsigned int q)
{
	struct replay_qbuf *b = &r->qbuf[q];
	unsigned int sent;
	uint64_t bytes = 0;

	if (b->n == 0)
		return true;
	/* Counted before the hand-over: the worker owns what the ring took. */
	for (unsigned int i = 0; i < b->n; i++)
		bytes += b->m[i]->pkt_len;
	sent = rte_ring_sp_enqueue_burst(r->rx_ring[q], (void **)b->m, b->n,
					 NULL);
	for (unsigned int i = sent; i < b->n; i++)
		bytes -= b->m[i]->pkt_len;
	r->fed += sent;
	r->fed_bytes += bytes;
	memmove(b->m, b->m + sent, (b->n - sent) * sizeof(b->m[0]));
	b->n -= sent;
	return b->n == 0;
}

/* Flush every queue; true when all took everything. */
static bool
flush_all(struct xb_replay *r)
{
	bool all = true;

	for (unsigned int q = 0; q < r->nqueues; q++)
		all &= flush_queue(r, q);
	return all;
}

unsigned int
xb_replay_feed(struct xb_replay *r, unsigned int max)
{
	unsigned int total = 0;
	uint64_t fed0 = r->fed;

	/* Frames a full ring refused last time go first. */
	if (!flush_all(r))
		goto out;
	uint64_t limit = feed_limit(r);

	while (total < max && !r->stopped &&
	       (r->loops == 0 || r->loop < r->loops)) {
		unsigned int q = r->queue_of[r->next];
		struct rte_mbuf *m;

		if (frame_time(r, r->next) > limit)
			break; /* a worker lags: let it catch up */
		m = build_frame(r, r->next);

		if (m == NULL)
			break; /* pool empty: workers catch up */
		if (++r->next == r->cap->count) {
			r->next = 0;
			r->loop++;
		}
		r->qbuf[q].m[r->qbuf[q].n++] = m;
		total++;
		if (r->qbuf[q].n == REPLAY_BATCH && !flush_queue(r, q))
			break; /* ring full: the worker catches up */
	}
	flush_all(r);
out:;
	/* Nothing should be sent to the replay port; free it if it is. */
	for (unsigned int q = 0; q < r->nqueues; q++) {
		struct rte_mbuf *junk[32];
		unsigned int nj = rte_ring_dequeue_burst(r->tx_ring[q],
							 (void **)junk, 32, NULL);

		rte_pktmbuf_free_bulk(junk, nj);
	}
	return (unsigned int)(r->fed - fed0);
}
