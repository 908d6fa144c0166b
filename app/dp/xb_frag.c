/* SPDX-License-Identifier: BSD-3-Clause */
/* IP reassembly before classification (see xb_frag.h for the design). */
#define ALLOW_EXPERIMENTAL_API 1 /* rte_ip_frag_table_del_expired_entries */

#include "xb_frag.h"

#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>

/* What a copy's private area says about its original. */
struct xb_frag_priv {
	struct rte_mbuf *orig;
	uint16_t outer_l3_off;
};

struct xb_frag {
	struct rte_ip_frag_tbl *tbl;
	struct rte_mempool *pool; /* the copies */
	struct rte_ip_frag_death_row dr;
};

static inline struct xb_frag_priv *
priv_of(const struct rte_mbuf *c)
{
	return rte_mbuf_to_priv((struct rte_mbuf *)(uintptr_t)c);
}

uint32_t
xb_frag_copies(uint32_t datagrams)
{
	/* Most fragmented datagrams are two or three frames; a flood of
	 * datagrams with many fragments runs out of copies first and is
	 * dropped, counted, while the table stays bounded. */
	return datagrams * 4 + 64;
}

struct xb_frag *
xb_frag_create(const struct xb_frag_params *p)
{
	struct xb_frag *fr;
	char name[RTE_MEMPOOL_NAMESIZE];
	/* Associativity 8 over twice the entries: a datagram finds a free
	 * slot among 16 candidates (the table probes two buckets). */
	uint32_t buckets = rte_align32pow2(p->datagrams) * 2 / 8;

	fr = rte_zmalloc_socket("xbgw_frag", sizeof(*fr), RTE_CACHE_LINE_SIZE,
				p->socket);
	if (fr == NULL)
		return NULL;
	fr->tbl = rte_ip_frag_table_create(buckets, 8, p->datagrams,
					   p->timeout_ns, p->socket);
	snprintf(name, sizeof(name), "%s", p->name);
	fr->pool = rte_pktmbuf_pool_create(
		name, xb_frag_copies(p->datagrams), 0,
		RTE_ALIGN_CEIL(sizeof(struct xb_frag_priv), RTE_MBUF_PRIV_ALIGN),
		p->mbuf_size, p->socket);
	if (fr->tbl == NULL || fr->pool == NULL) {
		int err = rte_errno;

		xb_frag_free(fr);
		rte_errno = err;
		return NULL;
	}
	return fr;
}

void
xb_frag_free(struct xb_frag *fr)
{
	if (fr == NULL)
		return;
	if (fr->tbl != NULL)
		rte_ip_frag_table_destroy(fr->tbl);
	rte_mempool_free(fr->pool);
	rte_free(fr);
}

/* The death row: every copy the table gave up takes its original with it
 * (a counted drop); then the copies go back to the pool. */
static void
reap(struct xb_frag *fr, uint64_t *dropped)
{
	if (likely(fr->dr.cnt == 0))
		return;
	for (uint32_t i = 0; i < fr->dr.cnt; i++) {
		/* Chained when the table gave up half-way through joining. */
		for (struct rte_mbuf *c = fr->dr.row[i]; c != NULL; c = c->next) {
			rte_pktmbuf_free(priv_of(c)->orig);
			(*dropped)++;
		}
	}
	rte_ip_frag_free_death_row(&fr->dr, 0);
}

/* Copy bytes [off, off + n) of m to dst. */
static inline void
copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t n, uint8_t *dst)
{
	const void *p = rte_pktmbuf_read(m, off, n, dst);

	if (p != dst)
		memcpy(dst, p, n);
}

struct rte_mbuf *
xb_frag_take(struct xb_frag *fr, struct rte_mbuf *m,
	     const struct xb_pkt_info *pi, uint64_t now, uint64_t *dropped)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t l2 = 14u + 4u * pi->vlan_count; /* link header kept */
	uint32_t ip = pi->l3_off;                 /* the fragmented header */
	struct rte_mbuf *c, *r;
	struct xb_frag_priv *pv;
	uint8_t *d;

	c = rte_pktmbuf_alloc(fr->pool);
	if (unlikely(c == NULL || l2 + (len - ip) > rte_pktmbuf_tailroom(c)))
		goto refuse;
	d = (uint8_t *)rte_pktmbuf_append(c, (uint16_t)(l2 + (len - ip)));
	copy_out(m, 0, l2 - 2, d);
	d[l2 - 2] = pi->family == 4 ? 0x08 : 0x86;
	d[l2 - 1] = pi->family == 4 ? 0x00 : 0xdd;
	copy_out(m, ip, len - ip, d + l2);
	pv = priv_of(c);
	pv->orig = m;
	pv->outer_l3_off = pi->outer_l3_off;
	c->l2_len = l2;
	if (pi->family == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)(d + l2);
		uint32_t ihl = (uint32_t)(h->version_ihl & 0x0f) * 4;
		uint32_t tot = rte_be_to_cpu_16(h->total_length);
		uint32_t ofs = (uint32_t)(rte_be_to_cpu_16(h->fragment_offset) &
					  RTE_IPV4_HDR_OFFSET_MASK) * 8;

		/* An empty fragment, or one that ends past the largest
		 * datagram: the table would misjudge it; refused here. */
		if (tot <= ihl || ofs + tot > 65535)
			goto refuse;
		c->l3_len = ihl;
		r = rte_ipv4_frag_reassemble_packet(fr->tbl, &fr->dr, c, now, h);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)(d + l2);
		struct rte_ipv6_fragment_ext *fh =
			(struct rte_ipv6_fragment_ext *)(h + 1);
		uint32_t plen = rte_be_to_cpu_16(h->payload_len);
		uint32_t ofs;

		/* rte_ip_frag handles a fragment header right after the
		 * IPv6 header only (it removes it in place); one after other
		 * extension headers is refused, strictly. */
		if (h->proto != IPPROTO_FRAGMENT || plen <= 8)
			goto refuse;
		ofs = (uint32_t)(rte_be_to_cpu_16(fh->frag_data) >> 3) * 8;
		if (ofs + plen - 8 > 65535)
			goto refuse;
		c->l3_len = sizeof(*h) + sizeof(*fh);
		r = rte_ipv6_frag_reassemble_packet(fr->tbl, &fr->dr, c, now, h,
						    fh);
	}
	reap(fr, dropped);
	return r;
refuse:
	if (c != NULL)
		rte_pktmbuf_free(c);
	rte_pktmbuf_free(m);
	(*dropped)++;
	return NULL;
}

unsigned int
xb_frag_originals(const struct rte_mbuf *dgram, struct rte_mbuf **orig,
		  uint16_t *outer_l3_off, uint32_t *bytes)
{
	unsigned int n = 0;
	uint32_t sum = 0;

	for (const struct rte_mbuf *c = dgram; c != NULL && n < XB_FRAG_MAX;
	     c = c->next) {
		const struct xb_frag_priv *pv = priv_of(c);

		orig[n] = pv->orig;
		outer_l3_off[n] = pv->outer_l3_off;
		sum += rte_pktmbuf_pkt_len(pv->orig);
		n++;
	}
	*bytes = sum;
	return n;
}

void
xb_frag_expire(struct xb_frag *fr, uint64_t now, uint64_t *dropped)
{
	rte_ip_frag_table_del_expired_entries(fr->tbl, &fr->dr, now);
	reap(fr, dropped);
}

void
xb_frag_flush(struct xb_frag *fr, uint64_t *dropped)
{
	/* Every entry is expired at the end of time; each pass empties at
	 * most one death row's worth. */
	do {
		rte_ip_frag_table_del_expired_entries(fr->tbl, &fr->dr,
						      UINT64_MAX);
		if (fr->dr.cnt == 0)
			break;
		reap(fr, dropped);
	} while (1);
}
