/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay port: an ethdev (net_ring, rte_eth_from_rings) whose RX ring the
 * main lcore fills from a capture held in memory.  The workers poll it like
 * any other port, so replay runs exactly the production worker loop.
 *
 * Each frame is copied into fresh mbufs (chained when longer than one
 * segment), stamped with its capture time in the RX timestamp dynamic field
 * (advanced by the capture's span on every loop, so time never goes back)
 * and enqueued.  When the ring is full the feeder simply returns; it never
 * drops or reorders a frame, so a replay is exact and repeatable.
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
				   int ts_offset, uint64_t ts_flag,
				   char *err, size_t errlen);
void xb_replay_free(struct xb_replay *r);

/* The ethdev port id of the replay port (configure like a live port). */
uint16_t xb_replay_port(const struct xb_replay *r);

/* Enqueue up to max frames; returns how many were enqueued. */
unsigned int xb_replay_feed(struct xb_replay *r, unsigned int max);

/* Stop feeding (duration reached). */
void xb_replay_stop(struct xb_replay *r);

/* All loops enqueued (or stopped)? */
bool xb_replay_done(const struct xb_replay *r);

/* Frames and bytes enqueued so far. */
uint64_t xb_replay_fed(const struct xb_replay *r);
uint64_t xb_replay_fed_bytes(const struct xb_replay *r);

#endif /* XB_REPLAY_H */
