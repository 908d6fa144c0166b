/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark modes, streamed (no per-flow state):
 *   flows     N distinct 5-tuples, packets round-robin over the flows;
 *   newflows  every packet a new 5-tuple (up to 2^24 unique);
 *   imix      simple IMIX 7:4:1 of 64/594/1518-byte frames on the wire
 *             (60/590/1514 bytes as written: no FCS), N flows round-robin.
 * Every flow's tuple is derived from (seed, flow index), so it is
 * recomputed for each of its packets instead of stored.
 */
#ifndef GEN_BENCH_H
#define GEN_BENCH_H

#include "gen.h"

/* Size the unique-tuple space from the source prefixes (g->tuple_bits)
 * and check it holds the flows asked for.  0, or -1 after a message on
 * stderr. */
int bench_prepare(struct gen *g);

/* Write g->o.packets frames of g->o.mode to g->out, at g->o.rate. */
void bench_generate(struct gen *g);

#endif /* GEN_BENCH_H */
