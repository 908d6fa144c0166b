/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --pcap-out writer (drivers/xb_pcapout): a TX to its port is never
 * refused, even with every mbuf of the pool sent and nothing drained yet;
 * every frame is written once, in order per TX queue, byte for byte
 * (chained mbufs too), with its own timestamp (ns or us file) or the wall
 * clock; every mbuf goes back to the pool; a failed write is reported.
 * Frames are read back with libpcap.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "test_eal.h"
#include "xb_pcapout.h"
#include "xb_port.h"

#define POOL 1023 /* a ring slot per mbuf: 1024 entries */
#define NTXQ 2

static struct rte_mempool *mp;
static int ts_offset = -1;
static uint64_t ts_flag;
static char dir[64];
static unsigned int seq;

/* Frame i: its length and bytes, from i alone. */
static uint32_t
frame_len(unsigned int i)
{
	static const uint32_t lens[] = {60, 64, 1514, 100, 4000, 9000, 61};

	return lens[i % RTE_DIM(lens)];
}

static uint8_t
frame_byte(unsigned int i, uint32_t off)
{
	return (uint8_t)(i * 31 + off * 7 + (off >> 8));
}

static uint64_t
frame_ts(unsigned int i)
{
	return 1600000000ull * 1000000000ull + 123456789ull +
	       (uint64_t)i * 1000003ull;
}

/* An mbuf chain holding frame i, stamped with frame_ts(i) (when stamp). */
static struct rte_mbuf *
make_frame(unsigned int i, bool stamp)
{
	uint32_t len = frame_len(i), off = 0;
	struct rte_mbuf *head = rte_pktmbuf_alloc(mp), *last = head;

	if (head == NULL)
		return NULL;
	while (off < len) {
		uint16_t room = rte_pktmbuf_tailroom(last);
		uint32_t chunk = RTE_MIN(len - off, (uint32_t)room);
		uint8_t *p;

		if (chunk == 0) {
			struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);

			if (seg == NULL) {
				rte_pktmbuf_free(head);
				return NULL;
			}
			last->next = seg;
			head->nb_segs++;
			last = seg;
			continue;
		}
		p = rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len);
		for (uint32_t k = 0; k < chunk; k++)
			p[k] = frame_byte(i, off + k);
		last->data_len = (uint16_t)(last->data_len + chunk);
		head->pkt_len += chunk;
		off += chunk;
	}
	if (stamp) {
		*RTE_MBUF_DYNFIELD(head, ts_offset, uint64_t *) = frame_ts(i);
		head->ol_flags |= ts_flag;
	}
	return head;
}

static struct xb_pcapout *
open_port(const char *path, bool nano, int offset)
{
	char err[256];
	struct xb_port_info info;
	struct xb_pcapout *o = xb_pcapout_create(path, mp, NTXQ, nano, offset,
						 ts_flag, err, sizeof(err));

	if (o == NULL)
		fail_msg("create: %s", err);
	if (xb_port_setup(xb_pcapout_port(o), 1, NTXQ, 1500, mp, &info, err,
			  sizeof(err)) < 0)
		fail_msg("port setup: %s", err);
	return o;
}

static void
close_port(struct xb_pcapout *o)
{
	char err[256];

	assert_int_equal(xb_pcapout_close(o, err, sizeof(err)), 0);
	xb_port_stop(xb_pcapout_port(o));
	xb_pcapout_free(o);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

static void
tmp_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/out%u.pcap", dir, seq++);
}

/* Read the file back: n frames, frame i sent as want[i], timestamps in
 * the file's precision (ns when nano). */
static void
check_file(const char *path, const unsigned int *want, unsigned int n,
	   bool nano, bool stamped, uint64_t wall_from, uint64_t wall_to)
{
	char perr[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, perr);
	struct pcap_pkthdr *h;
	const u_char *data;
	FILE *f;
	uint8_t magic[4];
	unsigned int got = 0;

	if (p == NULL)
		fail_msg("%s: %s", path, perr);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 4, f), 4);
	fclose(f);
	/* Little-endian host: 0xa1b23c4d (ns) or 0xa1b2c3d4 (us). */
	assert_int_equal(magic[1], nano ? 0x3c : 0xc3);
	while (pcap_next_ex(p, &h, &data) == 1) {
		unsigned int i;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
			      (uint64_t)h->ts.tv_usec;

		assert_true(got < n);
		i = want[got++];
		assert_int_equal(h->caplen, frame_len(i));
		assert_int_equal(h->len, frame_len(i));
		for (uint32_t k = 0; k < h->caplen; k++)
			if (data[k] != frame_byte(i, k))
				fail_msg("frame %u byte %u differs", i, k);
		if (stamped)
			assert_int_equal(ts, nano ? frame_ts(i)
						  : frame_ts(i) / 1000 * 1000);
		else
			assert_true(ts >= wall_from / 1000 * 1000 &&
				    ts <= wall_to);
	}
	pcap_close(p);
	assert_int_equal(got, n);
}

static uint64_t
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The whole pool sent, nothing drained: the port takes every frame. */
static void
test_never_refuses(void **state)
{
	char path[96];
	struct xb_pcapout *o;
	static struct rte_mbuf *m[POOL];
	unsigned int n = 0, sent = 0;

	(void)state;
	tmp_path(path, sizeof(path));
	o = open_port(path, true, ts_offset);
	/* Small frames only: one mbuf each, so all POOL of them. */
	for (;;) {
		struct rte_mbuf *f = make_frame(0, false);

		if (f == NULL)
			break;
		*RTE_MBUF_DYNFIELD(f, ts_offset, uint64_t *) = frame_ts(n);
		f->ol_flags |= ts_flag;
		m[n++] = f;
	}
	assert_int_equal(n, POOL);
	assert_int_equal(rte_mempool_avail_count(mp), 0);
	for (unsigned int q = 0; q < NTXQ; q++) {
		unsigned int from = q * n / NTXQ, to = (q + 1) * n / NTXQ;

		/* One burst per queue, as big as it gets. */
		for (unsigned int i = from; i < to;) {
			uint16_t k = (uint16_t)RTE_MIN(to - i, 512u);
			uint16_t s = rte_eth_tx_burst(xb_pcapout_port(o), (uint16_t)q,
						      m + i, k);

			assert_int_equal(s, k);
			i += s;
			sent += s;
		}
	}
	assert_int_equal(sent, POOL);
	assert_int_equal(xb_pcapout_written(o), 0);
	close_port(o);
	/* Written in the order sent (queue 0's, then queue 1's). */
	{
		char perr[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_open_offline_with_tstamp_precision(
			path, PCAP_TSTAMP_PRECISION_NANO, perr);
		struct pcap_pkthdr *h;
		const u_char *d;
		unsigned int i = 0;

		assert_non_null(p);
		while (pcap_next_ex(p, &h, &d) == 1) {
			assert_int_equal((uint64_t)h->ts.tv_sec * 1000000000ull +
						 (uint64_t)h->ts.tv_usec,
					 frame_ts(i));
			i++;
		}
		pcap_close(p);
		assert_int_equal(i, POOL);
	}
	unlink(path);
}

/* Frames of every size (chained beyond one mbuf), drained as they come,
 * in ns and in us files, stamped and on the wall clock. */
static void
run_frames(bool nano, bool stamped)
{
	char path[96];
	struct xb_pcapout *o;
	unsigned int want[200];
	uint64_t t0 = wall_now(), t1;

	tmp_path(path, sizeof(path));
	o = open_port(path, nano, stamped ? ts_offset : -1);
	for (unsigned int i = 0; i < RTE_DIM(want); i++) {
		struct rte_mbuf *f = make_frame(i, true);

		assert_non_null(f);
		assert_int_equal(rte_eth_tx_burst(xb_pcapout_port(o),
						  (uint16_t)(i % NTXQ), &f, 1),
				 1);
		want[i] = i;
		if (i % 16 == 15)
			xb_pcapout_drain(o, 8);
	}
	close_port(o);
	t1 = wall_now();
	check_file(path, want, RTE_DIM(want), nano, stamped, t0, t1);
	unlink(path);
}

static void
test_ns_stamped(void **state)
{
	(void)state;
	run_frames(true, true);
}

static void
test_us_stamped(void **state)
{
	(void)state;
	run_frames(false, true);
}

static void
test_wall_clock(void **state)
{
	(void)state;
	run_frames(true, false);
}

/* A write that fails (a full device) is reported at close. */
static void
test_write_error(void **state)
{
	char err[256];
	struct xb_port_info info;
	struct xb_pcapout *o;

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	o = xb_pcapout_create("/dev/full", mp, NTXQ, true, ts_offset, ts_flag,
			      err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(xb_port_setup(xb_pcapout_port(o), 1, NTXQ, 1500, mp,
				       &info, err, sizeof(err)),
			 0);
	for (unsigned int i = 0; i < 600; i++) {
		struct rte_mbuf *f = make_frame(2, true); /* 1514 bytes */

		assert_non_null(f);
		assert_int_equal(rte_eth_tx_burst(xb_pcapout_port(o), 0, &f, 1), 1);
		if (i % 100 == 99)
			xb_pcapout_drain(o, UINT32_MAX);
	}
	assert_int_equal(xb_pcapout_close(o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/dev/full"));
	assert_non_null(strstr(err, strerror(ENOSPC)));
	xb_port_stop(xb_pcapout_port(o));
	xb_pcapout_free(o);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

/* A path that cannot be written: NULL and a reason naming it. */
static void
test_bad_path(void **state)
{
	char err[256] = "";
	char path[96];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-dir/out.pcap", dir);
	assert_null(xb_pcapout_create(path, mp, NTXQ, true, -1, 0, err,
				      sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_refuses),
		cmocka_unit_test(test_ns_stamped),
		cmocka_unit_test(test_us_stamped),
		cmocka_unit_test(test_wall_clock),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_bad_path),
	};
	int rc;

	if (test_eal_init("pcapout", "256") < 0)
		return 1;
	mp = rte_pktmbuf_pool_create("test_pcapout", POOL, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL ||
	    rte_mbuf_dyn_rx_timestamp_register(&ts_offset, &ts_flag) != 0) {
		fprintf(stderr, "pool or timestamp field: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/xbgw-pcapout-%d", (int)getpid());
	if (mkdir(dir, 0700) != 0) {
		perror(dir);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return rc;
}
