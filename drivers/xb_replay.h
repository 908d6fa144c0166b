/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay port: an ethdev (net_ring, rte_eth_from_rings) whose RX ring the
 * main lcore fills from a capture held in memory.  The workers poll it like
 * any other port, so replay runs exactly the production worker loop.
 *
 * Each frame is copied into fresh mbufs (chained when longer than one
 * segment), stamped with its capture time in the RX timestamp dynamic field
 * (advanced by the capture's span on every loop, so time never goes back)
 * and enqueued.  With several RX queues (one per worker) a frame goes to
 * the queue its flow's symmetric hash picks, like symmetric RSS on a NIC:
 * both directions of a flow reach the same worker.  When a ring is full the
 * feeder simply returns; it never drops or reorders a frame within a flow,
 * so a replay is exact and repeatable.
 *
 * Thread safety: xb_replay_feed() on one thread (the main lcore).
 */
#ifndef XB_REPLAY_H
#define XB_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "xb_capture.h"

struct xb_replay;

/*
 * Create the replay port.  loops = 0 means unbounded (stop by duration).
 * ts_offset is the mbuf dynfield offset for the timestamp (< 0: none).
 * Returns NULL with a reason in err.
 */
struct xb_replay *xb_replay_create(const struct xb_capture *cap,
				   struct rte_mempool *mp, uint64_t loops,
				   unsigned int nqueues, int ts_offset,
				   uint64_t ts_flag, char *err, size_t errlen);
void xb_replay_free(struct xb_replay *r);

/* The ethdev port id of the replay port (configure like a live port). */
uint16_t xb_replay_port(const struct xb_replay *r);

/* Enqueue up to max frames; returns how many were enqueued. */
unsigned int xb_replay_feed(struct xb_replay *r, unsigned int max);

/*
 * Keep the capture clocks of the workers together (--clock capture with
 * several queues): queue q's worker publishes the time of its last packet
 * at now[q]; a frame is fed only while its timestamp is at most skew_ns
 * ahead of the slowest worker that still has frames queued.  On a live
 * link all workers share one clock; without this, a worker could run a
 * whole ring (seconds of capture time) ahead of another, and time-based
 * state shared between workers (aggregate meters) would see clocks apart
 * by that much.
 */
void xb_replay_sync_clocks(struct xb_replay *r, const uint64_t *const *now,
			   uint64_t skew_ns);

/* Stop feeding (duration reached). */
void xb_replay_stop(struct xb_replay *r);

/* All loops enqueued (or stopped)? */
bool xb_replay_done(const struct xb_replay *r);

/* Frames and bytes enqueued so far. */
uint64_t xb_replay_fed(const struct xb_replay *r);
uint64_t xb_replay_fed_bytes(const struct xb_replay *r);

#endif /* XB_REPLAY_H */
