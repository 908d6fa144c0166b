/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a worker learns from DNS, and only that: an answer enters the
 * shared cache (xb_dns_cache) when
 *   - it travels from outside to an inside client (the worker says so:
 *     port roles on live ports, home_net in replay), from port 53,
 *   - it answers a query the gateway saw on the same flow: same 5-tuple,
 *     same transaction id, same question (name, type, class), within
 *     XB_DNS_QUERY_TIMEOUT_NS, and only the first answer to it,
 *   - it is a successful standard response to an A or AAAA question in
 *     class IN: its records of the question's type are learnt,
 * under the key of the client's tenant, so a name learnt for one tenant
 * names only that tenant's flows.  Anything else is counted and dropped
 * on the floor: a forged answer (from an inside host, from outside
 * without a query, with the wrong id or question, for another client)
 * teaches nothing.
 *
 * The queries in flight are kept per worker: a query and its answer are
 * one flow, which symmetric RSS keeps on one worker.  The table is
 * bounded (4-way sets, keyed hash); when a set is full of queries still
 * in flight the one that expires first is dropped, counted as
 * pending_full: its answer will then not be learnt (the strict outcome).
 *
 * Pure C, no EAL.  One learner per worker: only its thread may call it
 * (the cache it writes is shared, see xb_dns_cache.h).
 */
#ifndef XB_DNS_LEARN_H
#define XB_DNS_LEARN_H

#include <stdbool.h>
#include <stdint.h>

#include "xb_dns_cache.h"
#include "xb_name.h"

/* An answer later than this after its query is not learnt (ns). */
#define XB_DNS_QUERY_TIMEOUT_NS (10ull * 1000000000ull)

struct xb_dns_learner;

/*
 * A learner for the worker that writes partition `writer` of cache, with
 * room for `pending` queries in flight (rounded up to a power of two, at
 * least 4, at most 2^20; 64 bytes each).  seed: secret of the table's
 * hash (draw it at random).  Returns NULL on bad arguments or when out of
 * memory.  Control plane only.
 */
struct xb_dns_learner *xb_dns_learner_create(struct xb_dns_cache *cache,
					     unsigned int writer,
					     unsigned int pending,
					     uint64_t seed);
void xb_dns_learner_free(struct xb_dns_learner *l);

/* A DNS flow as the worker sees it: its inside end (the client) and its
 * outside end (the server). */
struct xb_dns_flow {
	uint64_t tenant; /* xb_dns_cache_tenant_key() of the client's tenant */
	uint8_t family;  /* 4 or 6 */
	uint8_t proto;   /* 17 (UDP) or 6 (TCP) */
	uint16_t client_port, server_port;
	uint8_t client[16], server[16]; /* network order; 4 bytes for IPv4 */
};

/* Which way one packet of the flow goes, as the worker knows it. */
enum xb_dns_path {
	XB_DNS_TO_SERVER,   /* inside client -> outside server: a query */
	XB_DNS_FROM_SERVER, /* outside server -> inside client: an answer */
	XB_DNS_OTHER,       /* anything else (inside to inside, outside to
			     * outside, a packet that arrived on the port
			     * its source address does not belong behind) */
};

/*
 * One packet of a DNS flow (port 53): payload, len its L4 payload (a TCP
 * segment: one whole message behind its 2-byte length, else ignored);
 * now_ns the packet's time.  A query on the way to the server is
 * remembered, an answer on the way from it learnt as above; every answer
 * refused is counted.  Returns the number of addresses learnt.  Cheap for
 * anything that is not a DNS message (a few byte compares).
 */
int xb_dns_learn_packet(struct xb_dns_learner *l, const struct xb_dns_flow *fl,
			enum xb_dns_path path, const uint8_t *payload,
			uint32_t len, uint64_t now_ns);

/*
 * The name the shared cache knows for (tenant, server address) at now_ns
 * (xb_dns_cache_lookup), counting the hits.  For flows without a name of
 * their own, not per packet.
 */
bool xb_dns_learn_lookup(struct xb_dns_learner *l, uint64_t tenant,
			 uint8_t family, const uint8_t *addr, uint64_t now_ns,
			 struct xb_name *out);

struct xb_dns_learn_stats {
	uint64_t queries;            /* queries remembered */
	uint64_t answers_learnt;     /* answers that matched their query */
	uint64_t rejected_no_query;  /* answers with no query in flight
				      * (none sent, wrong id, too late,
				      * answered already) */
	uint64_t rejected_question;  /* answers to another question */
	uint64_t rejected_direction; /* answers not from outside to an
				      * inside client */
	uint64_t pending_full;       /* queries dropped: table full */
	uint64_t hits;               /* flows named by the cache */
};
/* Add the learner's counters to *st (relaxed loads: from any thread,
 * slightly stale). */
void xb_dns_learn_stats_add(const struct xb_dns_learner *l,
			    struct xb_dns_learn_stats *st);

#endif /* XB_DNS_LEARN_H */
