/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_pcapout.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

/* libpcap's largest snapshot length: no frame is ever cut. */
#define PCAPOUT_SNAPLEN 262144
#define PCAPOUT_BATCH 64
/* stdio buffer of the file: a write(2) per MB, not per 4 KB. */
#define PCAPOUT_STDIO_BUF (1u << 20)

struct xb_pcapout {
	struct rte_ring *ring;    /* every TX queue enqueues here (MP/SC) */
	struct rte_ring *rx_ring; /* the port's RX queue: always empty */
	pcap_dumper_t *dumper;
	FILE *file;               /* the dumper's stream */
	uint16_t port;
	bool nano;
	int ts_offset;            /* < 0: wall clock */
	uint64_t ts_flag;
	uint64_t written;
	int werr;                 /* first write error (errno), 0: none */
	uint8_t *buf;             /* a chained frame, made contiguous */
	uint32_t buf_len;
	char path[];
};

struct xb_pcapout *
xb_pcapout_create(const char *path, struct rte_mempool *mp, unsigned int ntxq,
		  bool nano, int ts_offset, uint64_t ts_flag, char *err,
		  size_t errlen)
{
	static unsigned int seq;
	size_t plen = strlen(path) + 1;
	struct xb_pcapout *o = calloc(1, sizeof(*o) + plen);
	struct rte_ring **tx = calloc(ntxq ? ntxq : 1, sizeof(*tx));
	char name[RTE_RING_NAMESIZE];
	pcap_t *dead = NULL;
	int port;

	if (o == NULL || tx == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(o->path, path, plen);
	o->nano = nano;
	o->ts_offset = ts_offset;
	o->ts_flag = ts_flag;
	/* One slot per mbuf of the pool, plus the one a ring keeps free:
	 * every frame sent here holds at least one of them, so the ring
	 * can never be full when a worker sends. */
	snprintf(name, sizeof(name), "xbgw_pcapout%u", seq);
	o->ring = rte_ring_create(name, rte_align32pow2(mp->size + 1),
				  (int)rte_socket_id(), RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "xbgw_pcapout_rx%u", seq);
	o->rx_ring = rte_ring_create(name, 32, (int)rte_socket_id(),
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (o->ring == NULL || o->rx_ring == NULL) {
		snprintf(err, errlen, "--pcap-out: cannot create its ring: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	dead = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, PCAPOUT_SNAPLEN,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (dead == NULL) {
		snprintf(err, errlen, "--pcap-out: libpcap: out of memory");
		goto fail;
	}
	o->file = fopen(path, "w");
	if (o->file == NULL) {
		snprintf(err, errlen, "--pcap-out %s: %s", path, strerror(errno));
		goto fail;
	}
	setvbuf(o->file, NULL, _IOFBF, PCAPOUT_STDIO_BUF);
	o->dumper = pcap_dump_fopen(dead, o->file);
	if (o->dumper == NULL) {
		snprintf(err, errlen, "--pcap-out %s: %s", path,
			 pcap_geterr(dead));
		fclose(o->file);
		goto fail;
	}
	pcap_close(dead);
	dead = NULL;
	for (unsigned int q = 0; q < ntxq; q++)
		tx[q] = o->ring;
	snprintf(name, sizeof(name), "xbgw_pcap_out%u", seq++);
	port = rte_eth_from_rings(name, &o->rx_ring, 1, tx, ntxq,
				  rte_socket_id());
	if (port < 0) {
		snprintf(err, errlen, "--pcap-out: cannot create its port: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	o->port = (uint16_t)port;
	free(tx);
	return o;
fail:
	if (dead != NULL)
		pcap_close(dead);
	if (o != NULL) {
		if (o->dumper != NULL)
			pcap_dump_close(o->dumper);
		rte_ring_free(o->ring);
		rte_ring_free(o->rx_ring);
	}
	free(o);
	free(tx);
	return NULL;
}

uint16_t
xb_pcapout_port(const struct xb_pcapout *o)
{
	return o->port;
}

uint64_t
xb_pcapout_written(const struct xb_pcapout *o)
{
	return o->written;
}

/* The frame's bytes, contiguous: in place, or copied into o->buf. */
static const uint8_t *
frame_bytes(struct xb_pcapout *o, const struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (rte_pktmbuf_is_contiguous(m))
		return rte_pktmbuf_mtod(m, const uint8_t *);
	if (len > o->buf_len) {
		uint8_t *b = realloc(o->buf, len);

		if (b == NULL)
			return NULL;
		o->buf = b;
		o->buf_len = len;
	}
	return rte_pktmbuf_read(m, 0, len, o->buf);
}

/* Returns 1 when written, 0 when not (the error is kept in o->werr). */
static unsigned int
write_frame(struct xb_pcapout *o, struct rte_mbuf *m, uint64_t wall_ns)
{
	uint64_t ns = wall_ns;
	struct pcap_pkthdr h;
	const uint8_t *data = frame_bytes(o, m);

	if (data == NULL) {
		if (o->werr == 0)
			o->werr = ENOMEM;
		return 0;
	}
	if (o->ts_offset >= 0 && (m->ol_flags & o->ts_flag))
		ns = *RTE_MBUF_DYNFIELD(m, o->ts_offset, uint64_t *);
	h.ts.tv_sec = (time_t)(ns / 1000000000u);
	/* libpcap takes the fraction in the file's unit (ns or us). */
	h.ts.tv_usec = (suseconds_t)(o->nano ? ns % 1000000000u
					     : ns % 1000000000u / 1000u);
	h.caplen = h.len = rte_pktmbuf_pkt_len(m);
	pcap_dump((u_char *)o->dumper, &h, data);
	return 1;
}

unsigned int
xb_pcapout_drain(struct xb_pcapout *o, unsigned int max)
{
	struct rte_mbuf *m[PCAPOUT_BATCH];
	unsigned int done = 0, ok = 0;

	while (done < max) {
		unsigned int want = RTE_MIN(max - done, (unsigned int)PCAPOUT_BATCH);
		unsigned int n = rte_ring_sc_dequeue_burst(o->ring, (void **)m,
							   want, NULL);
		struct timespec ts;
		uint64_t wall;

		if (n == 0)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		wall = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		errno = 0;
		for (unsigned int i = 0; i < n; i++)
			ok += write_frame(o, m[i], wall);
		/* stdio sets errno when a write it buffered fails. */
		if (o->werr == 0 && ferror(o->file))
			o->werr = errno != 0 ? errno : EIO;
		rte_pktmbuf_free_bulk(m, n);
		done += n;
	}
	o->written += ok;
	return done;
}

int
xb_pcapout_close(struct xb_pcapout *o, char *err, size_t errlen)
{
	if (o->dumper == NULL)
		return 0;
	while (xb_pcapout_drain(o, UINT32_MAX) > 0)
		;
	errno = 0;
	if (fflush(o->file) != 0 && o->werr == 0)
		o->werr = errno != 0 ? errno : EIO;
	if (ferror(o->file) && o->werr == 0)
		o->werr = EIO;
	pcap_dump_close(o->dumper);
	o->dumper = NULL;
	o->file = NULL;
	if (o->werr != 0) {
		snprintf(err, errlen, "--pcap-out %s: write failed: %s", o->path,
			 strerror(o->werr));
		return -1;
	}
	return 0;
}

void
xb_pcapout_free(struct xb_pcapout *o)
{
	struct rte_mbuf *m[PCAPOUT_BATCH];
	unsigned int n;

	if (o == NULL)
		return;
	if (o->dumper != NULL)
		pcap_dump_close(o->dumper);
	while ((n = rte_ring_dequeue_burst(o->ring, (void **)m, PCAPOUT_BATCH,
					   NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
	while ((n = rte_ring_dequeue_burst(o->rx_ring, (void **)m,
					   PCAPOUT_BATCH, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
	rte_ring_free(o->ring);
	rte_ring_free(o->rx_ring);
	free(o->buf);
	free(o);
}
