/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --pcap-out: a port that writes what is sent to it into a pcap file,
 * with each frame's capture timestamp when asked.
 *
 * DPDK's net_pcap cannot do this: its TX path (eth_pcap_tx_dumper) stamps
 * every frame with the time of the TX burst (TSC since the port started,
 * on a nanosecond pcap) and never reads the mbuf's timestamp, and it
 * writes the file on the worker's core, one TX queue per tx_pcap file.
 * Here the port is a net_ring ethdev (rte_eth_from_rings) whose TX queues
 * all feed one multi-producer ring; the main lcore drains that ring into
 * libpcap's dumper, so no file I/O runs on a worker and any number of
 * workers may send to it.
 *
 * Lossless by construction: the ring holds at least as many entries as
 * the mbuf pool that every frame sent to the port comes from (a frame is
 * one or more of its mbufs), so a TX burst to it is never refused and the
 * workers' no_tx count stays untouched by it.  When the main lcore falls
 * behind, the pool runs dry and the replay feeder waits: back pressure,
 * not loss.
 *
 * Timestamps: with a timestamp field (ts_offset >= 0, the RX timestamp
 * dynamic field that replay fills in ns since the epoch) a frame is written
 * with its own time; otherwise, or for a frame without the field's flag,
 * with the wall-clock time it is written (read once per drained batch).
 * The file is a nanosecond pcap when nano is set, else a microsecond one
 * (sub-microsecond digits are then cut).
 *
 * Thread safety: create, drain, close and free on the main lcore only;
 * workers only send to the port (rte_eth_tx_burst on their own queue).
 */
#ifndef XB_PCAPOUT_H
#define XB_PCAPOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

struct xb_pcapout;

/*
 * Create the file (truncated) and its port, with one RX queue (never
 * filled) and ntxq TX queues.  mp is the pool of every frame that will be
 * sent to the port.  Returns NULL with a one-line reason in err.
 */
struct xb_pcapout *xb_pcapout_create(const char *path, struct rte_mempool *mp,
				     unsigned int ntxq, bool nano,
				     int ts_offset, uint64_t ts_flag,
				     char *err, size_t errlen);

/* The ethdev port id (configure it with xb_port_setup like any port). */
uint16_t xb_pcapout_port(const struct xb_pcapout *o);

/* Write up to max waiting frames and free their mbufs; returns how many. */
unsigned int xb_pcapout_drain(struct xb_pcapout *o, unsigned int max);

/* Frames written so far. */
uint64_t xb_pcapout_written(const struct xb_pcapout *o);

/*
 * Drain what is left (call once nothing sends any more), flush and close
 * the file.  Returns 0, or -1 with a reason (a failed write) in err.
 */
int xb_pcapout_close(struct xb_pcapout *o, char *err, size_t errlen);

/* Free the ring (after the port is closed) and any frame still in it. */
void xb_pcapout_free(struct xb_pcapout *o);

#endif /* XB_PCAPOUT_H */
