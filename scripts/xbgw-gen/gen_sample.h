/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sample mode: a realistic mixed capture over a few minutes.  Clients
 * of the source prefixes visit the services of gen_services.h in sessions
 * (a DNS lookup, then the data flow): TCP with handshake and close, TLS
 * with a ClientHello naming the service, HTTP/1.1, QUIC-looking UDP/443,
 * both directions with round-trip times by country, some flows IPv6 or
 * VLAN-tagged, heavy-tailed volumes.
 */
#ifndef GEN_SAMPLE_H
#define GEN_SAMPLE_H

#include "gen.h"

/* Plan g->o.flows flows of about g->o.packets packets in total over
 * g->o.duration_s seconds and write them to g->out (buffered: the capture
 * sorts them by time). */
void sample_generate(struct gen *g);

#endif /* GEN_SAMPLE_H */
