/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly before classification (issue 15): a datagram split into
 * IP fragments is put back together before the flow table and the name
 * extractors see it, so its later fragments belong to the flow with its
 * real ports, and a ClientHello split by IP fragmentation is read whole.
 *
 * Design.  The worker keeps every fragment frame it receives (the
 * original) and hands a copy to DPDK's rte_ip_frag table (one table per
 * worker, bounded: `[dataplane] fragments` datagrams, each at most
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments, `fragment_timeout` seconds of
 * the clock in use).  A copy is one mbuf of the worker's own pool whose
 * private area points back at its original.  When the table completes a
 * datagram, the chain of copies is the packet the pipeline classifies
 * (flow, name, policy, meter, quota, billing, each counted once per
 * original frame and its bytes), and the verdict is applied to the
 * originals: forwarded as they came (DSCP remarked in each) or dropped.
 *
 * Why the originals and not a refragmented datagram: the frames on the
 * wire stay the sender's (its fragment sizes, options, extension
 * headers; no MTU to guess), frame bytes billed are frame bytes received,
 * and rx == tx + drops holds frame by frame.  What the table gives up
 * (its death row: timeout, no entry free, a duplicate first or last
 * fragment, more than RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments, overlapping
 * fragments, a hole) takes the originals of its copies with it, each a
 * counted `fragment` drop; so does a fragment the table cannot take
 * (no copy buffer, an empty fragment, a datagram past 64 KiB, an IPv6
 * fragment header after other extension headers).  Nothing is kept
 * beyond the bounds, nothing passes unreassembled.
 *
 * A copy holds the frame's link header (Ethernet and the link's VLAN
 * tags, ethertype of the fragmented header's family) and the fragmented
 * IP datagram from the header the parser flagged: the outer header of a
 * fragmented tunnel packet (the reassembled datagram is parsed again and
 * the tunnel followed), the inner header of fragments inside a tunnel
 * (the encapsulation, which each fragment carries again, is left out), or
 * the header under MPLS / PPPoE.
 *
 * Thread safety: one struct xb_frag per worker, used by that worker only.
 */
#ifndef XB_FRAG_H
#define XB_FRAG_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "xb_parse.h"

/* Fragments of one datagram the table holds (DPDK's build constant). */
#define XB_FRAG_MAX RTE_LIBRTE_IP_FRAG_MAX_FRAG

struct xb_frag;

struct xb_frag_params {
	const char *name;     /* unique per worker (mempool name) */
	uint32_t datagrams;   /* datagrams in reassembly at once */
	uint64_t timeout_ns;  /* a datagram's first fragment to its last */
	uint16_t mbuf_size;   /* data room + headroom: a whole frame */
	int socket;
};

/* Copy buffers per worker for params->datagrams: the RX pool must hold as
 * many more mbufs per worker, the originals waiting for their datagram. */
uint32_t xb_frag_copies(uint32_t datagrams);

/* Main lcore, before the workers start; NULL and rte_errno on failure. */
struct xb_frag *xb_frag_create(const struct xb_frag_params *p);

/* Main lcore, after the worker stopped and xb_frag_flush(). */
void xb_frag_free(struct xb_frag *fr);

/*
 * Take the fragment m (pi: its parse, XB_PKT_F_FRAGMENT set) at time now
 * (ns, the clock in use).  Returns the reassembled datagram when m
 * completes one (a chain of copies: parse it, classify it, apply the
 * verdict to its xb_frag_originals(), xb_frag_release() it), else NULL:
 * m waits in the
 * table, or was dropped.  Originals dropped on the way (m's, or others the
 * table gave up meanwhile) are freed and added to *dropped.
 */
struct rte_mbuf *xb_frag_take(struct xb_frag *fr, struct rte_mbuf *m,
			      const struct xb_pkt_info *pi, uint64_t now,
			      uint64_t *dropped);

/*
 * The originals of a reassembled datagram dgram, in fragment-offset order
 * (at most XB_FRAG_MAX): orig[i] and the offset of its outermost IP header
 * (DSCP remarking).  Returns their count; *bytes gets their frame bytes.
 */
unsigned int xb_frag_originals(const struct rte_mbuf *dgram,
			       struct rte_mbuf **orig, uint16_t *outer_l3_off,
			       uint32_t *bytes);

/* Done with dgram: its copies go back to the pool (its originals are the
 * caller's, already sent or dropped). */
static inline void
xb_frag_release(struct rte_mbuf *dgram)
{
	rte_pktmbuf_free(dgram);
}

/* Datagrams whose time is up at now (ns) are dropped (originals freed,
 * added to *dropped).  Bounded work: one death row per call. */
void xb_frag_expire(struct xb_frag *fr, uint64_t now, uint64_t *dropped);

/* Worker exit: every datagram still waiting is dropped the same way. */
void xb_frag_flush(struct xb_frag *fr, uint64_t *dropped);

#endif /* XB_FRAG_H */
