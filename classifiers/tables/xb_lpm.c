/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LPM over rte_fib (IPv4, DIR-24-8) and rte_fib6 (IPv6, trie).
 *
 * Sizing.  Both FIBs take their tbl8 pool size at creation and refuse an
 * add (-ENOSPC) once the routes they have *reserved* groups for reach it.
 * DIR-24-8 reserves one group per /24 that holds a longer prefix, so the
 * number of prefixes longer than /24 is a safe bound.  The trie reserves,
 * per added prefix, one group per byte of depth below its longest covering
 * prefix (at least /24), unless a deeper prefix already sits in the same
 * byte-aligned block.  We add prefixes from short to long and replay that
 * rule over the sorted list (reserve_tbl8_v6) to size the pool exactly,
 * which for the world table is about half of the naive bound.
 *
 * Next-hop size.  Both FIBs keep one bit of each entry for themselves and
 * store tbl8 group indexes in entries, so 2-byte entries hold values and
 * group counts up to 32767; above that we use 4-byte entries.
 */
#include "xb_lpm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#define NH2_MAX 0x7fffu       /* largest next hop / tbl8 count in 2 bytes */
#define TBL8_SLACK 64u        /* spare groups beyond the computed need */

struct lpm_entry {
	struct xb_prefix p;
	uint32_t value;
	uint32_t seq; /* add order, for "later wins" */
	uint32_t origin; /* the caller's tag of where the prefix came from */
};

struct xb_lpm_builder {
	struct lpm_entry *e;
	size_t n, cap;
	bool origins; /* some add gave an origin: keep them after the build */
};

struct xb_lpm {
	struct rte_fib *fib4;   /* NULL when there is no IPv4 prefix */
	struct rte_fib6 *fib6;  /* NULL when there is no IPv6 prefix */
	uint32_t default_value;
	size_t n4, n6;           /* distinct prefixes */
	size_t routes4, routes6; /* of them, installed (not redundant) */
	size_t memory;
	/* The distinct prefixes with their values and origins, sorted as
	 * cmp_entry sorts (family, length, address), for xb_lpm_origin();
	 * NULL when the builder had no origins. */
	struct lpm_entry *origins;
	size_t norigins;
	/* Prefix lengths present, per family (bit len of word len / 64):
	 * xb_lpm_origin() tries only those (a world geo table has some 20
	 * IPv4 and 40 IPv6 lengths of the 33 and 129). */
	uint64_t lens4[1], lens6[3];
};

/* Unique FIB names: the new ruleset is built while the old one lives. */
static uint32_t build_counter;

struct xb_lpm_builder *
xb_lpm_builder_create(void)
{
	return calloc(1, sizeof(struct xb_lpm_builder));
}

void
xb_lpm_builder_free(struct xb_lpm_builder *b)
{
	if (b == NULL)
		return;
	free(b->e);
	free(b);
}

static void
mask_prefix(struct xb_prefix *p)
{
	unsigned int max = p->family == 4 ? 32 : 128;

	for (unsigned int bit = p->len; bit < max; bit++)
		p->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	if (p->family == 4)
		memset(p->addr + 4, 0, 12);
}

int
xb_lpm_builder_add(struct xb_lpm_builder *b, const struct xb_prefix *p,
		   uint32_t value)
{
	return xb_lpm_builder_add_origin(b, p, value, 0);
}

int
xb_lpm_builder_add_origin(struct xb_lpm_builder *b, const struct xb_prefix *p,
			  uint32_t value, uint32_t origin)
{
	struct lpm_entry *e;

	if (b == NULL || p == NULL || value > XB_LPM_MAX_VALUE)
		return -EINVAL;
	if (!((p->family == 4 && p->len <= 32) ||
	      (p->family == 6 && p->len <= 128)))
		return -EINVAL;
	if (b->n == UINT32_MAX)
		return -ENOMEM;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		struct lpm_entry *ne = realloc(b->e, cap * sizeof(*ne));

		if (ne == NULL)
			return -ENOMEM;
		b->e = ne;
		b->cap = cap;
	}
	e = &b->e[b->n];
	e->p = *p;
	mask_prefix(&e->p);
	e->value = value;
	e->seq = (uint32_t)b->n;
	e->origin = origin;
	if (origin != 0)
		b->origins = true;
	b->n++;
	return 0;
}

size_t
xb_lpm_builder_count(const struct xb_lpm_builder *b)
{
	return b == NULL ? 0 : b->n;
}

int
xb_lpm_builder_get(const struct xb_lpm_builder *b, size_t i,
		   struct xb_prefix *p, uint32_t *value)
{
	if (b == NULL || i >= b->n)
		return -ERANGE;
	*p = b->e[i].p;
	*value = b->e[i].value;
	return 0;
}

uint32_t
xb_lpm_builder_origin(const struct xb_lpm_builder *b, size_t i)
{
	return b == NULL || i >= b->n ? 0 : b->e[i].origin;
}

static bool
same_prefix(const struct xb_prefix *a, const struct xb_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, 16) == 0;
}

int
xb_lpm_builder_find(const struct xb_lpm_builder *b, const struct xb_prefix *p,
		    uint32_t *value)
{
	struct xb_prefix m = *p;

	mask_prefix(&m);
	for (size_t i = b->n; i-- > 0;) {
		if (same_prefix(&b->e[i].p, &m)) {
			*value = b->e[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

/* Order: family, length (short first: the order we add to the FIB), address,
 * then add order so that the last duplicate is the one kept. */
static int
cmp_entry(const void *pa, const void *pb)
{
	const struct lpm_entry *a = pa, *b = pb;
	int c = xb_prefix_cmp(&a->p, &b->p);

	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : (a->seq > b->seq ? 1 : 0);
}

/* --- trie tbl8 reservation replay (see the comment at the top) --- */

struct key_set {
	uint64_t *slots; /* 3 words per slot: hi, lo, tag (0 = empty) */
	size_t mask;
};

static int
key_set_init(struct key_set *s, size_t want)
{
	size_t n = 64;

	while (n < want * 2)
		n <<= 1;
	s->slots = calloc(n * 3, sizeof(uint64_t));
	s->mask = n - 1;
	return s->slots == NULL ? -ENOMEM : 0;
}

static uint64_t
key_hash(uint64_t hi, uint64_t lo, uint64_t tag)
{
	uint64_t h = hi * 0x9e3779b97f4a7c15ull ^ lo * 0xc2b2ae3d27d4eb4full ^
		     tag * 0x165667b19e3779f9ull;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

/* Insert (hi, lo, tag); tag != 0.  Returns true if it was already there. */
static bool
key_set_put(struct key_set *s, uint64_t hi, uint64_t lo, uint64_t tag,
	    bool insert)
{
	size_t i = (size_t)key_hash(hi, lo, tag) & s->mask;

	for (;;) {
		uint64_t *k = &s->slots[i * 3];

		if (k[2] == 0) {
			if (insert) {
				k[0] = hi;
				k[1] = lo;
				k[2] = tag;
			}
			return false;
		}
		if (k[0] == hi && k[1] == lo && k[2] == tag)
			return true;
		i = (i + 1) & s->mask;
	}
}

static void
addr_words(const uint8_t *a, unsigned int len, uint64_t *hi, uint64_t *lo)
{
	uint64_t h = 0, l = 0;

	for (int i = 0; i < 8; i++)
		h = h << 8 | a[i];
	for (int i = 8; i < 16; i++)
		l = l << 8 | a[i];
	if (len < 64) {
		h = len == 0 ? 0 : h & ~((1ull << (64 - len)) - 1);
		l = 0;
	} else if (len < 128) {
		l = len == 64 ? 0 : l & ~((1ull << (128 - len)) - 1);
	}
	*hi = h;
	*lo = l;
}

static unsigned int
ceil8(unsigned int d)
{
	return (d + 7) & ~7u;
}

/*
 * Replay the trie's reservations for the IPv6 entries e[0..n) (unique,
 * sorted short to long).  Conservative where the rule is unclear to us:
 * a prefix exactly on the block boundary is not counted as "already in the
 * block", which can only reserve more.
 */
static int
reserve_tbl8_v6(const struct lpm_entry *e, size_t n, uint64_t *out)
{
	struct key_set prefixes, blocks;
	bool has_len[129] = { false };
	uint64_t total = 0;
	size_t marks = 1;

	for (size_t i = 0; i < n; i++)
		if (e[i].p.len > 24)
			marks += (e[i].p.len - 24 + 7) / 8;
	if (key_set_init(&prefixes, n) < 0)
		return -ENOMEM;
	if (key_set_init(&blocks, marks) < 0) {
		free(prefixes.slots);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int d = e[i].p.len;
		uint64_t hi, lo;

		if (d > 24) {
			unsigned int b = d & ~7u;

			addr_words(e[i].p.addr, b, &hi, &lo);
			if (!key_set_put(&blocks, hi, lo, b + 1, false)) {
				unsigned int parent = 24;

				for (unsigned int l = d; l-- > 25;) {
					if (!has_len[l])
						continue;
					addr_words(e[i].p.addr, l, &hi, &lo);
					if (key_set_put(&prefixes, hi, lo, l + 1,
							false)) {
						parent = l;
						break;
					}
				}
				total += (ceil8(d) - ceil8(parent)) / 8;
			}
		}
		/* Mark the byte-aligned blocks strictly above this prefix. */
		for (unsigned int b = 24; b < d; b += 8) {
			addr_words(e[i].p.addr, b, &hi, &lo);
			key_set_put(&blocks, hi, lo, b + 1, true);
		}
		addr_words(e[i].p.addr, d, &hi, &lo);
		key_set_put(&prefixes, hi, lo, d + 1, true);
		has_len[d] = true;
	}
	free(prefixes.slots);
	free(blocks.slots);
	*out = total;
	return 0;
}

/*
 * Drop the prefixes that change no lookup: those whose value equals the
 * value of their longest covering prefix (or the default, when nothing
 * covers them).  e[0..n) is unique and sorted by family then length, so
 * every cover of an entry comes before it.  The aggregated world lists
 * plus the registry's own records repeat each other a lot; fewer routes
 * means fewer RIB nodes and tbl8 groups.  Returns the new count.
 */
struct val_slot {
	uint64_t hi, lo;
	uint32_t tag; /* family * 256 + len + 1; 0 = empty */
	uint32_t value;
};

static struct val_slot *
val_find(struct val_slot *t, size_t mask, uint64_t hi, uint64_t lo,
	 uint32_t tag)
{
	size_t i = (size_t)key_hash(hi, lo, tag) & mask;

	while (t[i].tag != 0 &&
	       !(t[i].tag == tag && t[i].hi == hi && t[i].lo == lo))
		i = (i + 1) & mask;
	return &t[i];
}

static long
drop_redundant(struct lpm_entry *e, size_t n, uint32_t default_value)
{
	bool has[2][129] = { { false } };
	struct val_slot *t;
	size_t cap = 64, kept = 0;

	while (cap < n * 2)
		cap <<= 1;
	t = calloc(cap, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct xb_prefix *p = &e[i].p;
		unsigned int f = p->family == 6;
		uint32_t cover = default_value;
		struct val_slot *s;
		uint64_t hi, lo;

		for (unsigned int l = p->len; l-- > 0;) {
			if (!has[f][l])
				continue;
			addr_words(p->addr, l, &hi, &lo);
			s = val_find(t, cap - 1, hi, lo,
				     p->family * 256u + l + 1);
			if (s->tag != 0) {
				cover = s->value;
				break;
			}
		}
		addr_words(p->addr, p->len, &hi, &lo);
		s = val_find(t, cap - 1, hi, lo, p->family * 256u + p->len + 1);
		s->hi = hi;
		s->lo = lo;
		s->tag = p->family * 256u + p->len + 1;
		s->value = e[i].value;
		has[f][p->len] = true;
		if (e[i].value != cover)
			e[kept++] = e[i];
	}
	free(t);
	return (long)kept;
}

static size_t
heap_used(int socket_id)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;

	if (socket_id != SOCKET_ID_ANY) {
		if (rte_malloc_get_socket_stats(socket_id, &st) == 0)
			return st.heap_allocsz_bytes;
		return 0;
	}
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

static uint32_t
ipv4_host(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	       (uint32_t)a[2] << 8 | a[3];
}

static int
build_v4(struct xb_lpm *l, const struct lpm_entry *e, size_t n,
	 uint32_t maxval, const char *fname, int socket_id,
	 struct xb_errors *errs)
{
	struct rte_fib_conf conf;
	uint64_t deep = 0;

	for (size_t i = 0; i < n; i++)
		deep += e[i].p.len > 24;
	memset(&conf, 0, sizeof(conf));
	conf.type = RTE_FIB_DIR24_8;
	conf.default_nh = l->default_value;
	conf.max_routes = (int)n + 16;
	conf.dir24_8.num_tbl8 = (uint32_t)deep + TBL8_SLACK;
	conf.dir24_8.nh_sz = (maxval <= NH2_MAX &&
			      conf.dir24_8.num_tbl8 <= NH2_MAX) ?
			     RTE_FIB_DIR24_8_2B : RTE_FIB_DIR24_8_4B;
	l->fib4 = rte_fib_create(fname, socket_id, &conf);
	if (l->fib4 == NULL) {
		xb_errors_add(errs, fname, 0,
			      "cannot create the IPv4 FIB (%u tbl8 groups): %s",
			      conf.dir24_8.num_tbl8, rte_strerror(rte_errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = rte_fib_add(l->fib4, ipv4_host(e[i].p.addr),
				     e[i].p.len, e[i].value);

		if (rc < 0) {
			char buf[64];

			xb_prefix_format(&e[i].p, buf, sizeof(buf));
			xb_errors_add(errs, fname, 0,
				      "cannot add %s to the IPv4 FIB: %s", buf,
				      strerror(-rc));
			rte_errno = -rc;
			return -1;
		}
	}
	return 0;
}

static int
build_v6(struct xb_lpm *l, const struct lpm_entry *e, size_t n,
	 uint32_t maxval, const char *fname, int socket_id,
	 struct xb_errors *errs)
{
	struct rte_fib6_conf conf;
	uint64_t groups;

	if (reserve_tbl8_v6(e, n, &groups) < 0) {
		xb_errors_add(errs, fname, 0, "out of memory");
		rte_errno = ENOMEM;
		return -1;
	}
	groups += TBL8_SLACK;
	if (groups > XB_LPM_MAX_VALUE) {
		xb_errors_add(errs, fname, 0,
			      "too many IPv6 prefixes (%" PRIu64 " tbl8 groups)",
			      groups);
		rte_errno = ENOSPC;
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	conf.type = RTE_FIB6_TRIE;
	conf.default_nh = l->default_value;
	conf.max_routes = (int)n + 16;
	conf.trie.num_tbl8 = (uint32_t)groups;
	conf.trie.nh_sz = (maxval <= NH2_MAX && groups <= NH2_MAX) ?
			  RTE_FIB6_TRIE_2B : RTE_FIB6_TRIE_4B;
	l->fib6 = rte_fib6_create(fname, socket_id, &conf);
	if (l->fib6 == NULL) {
		xb_errors_add(errs, fname, 0,
			      "cannot create the IPv6 FIB (%u tbl8 groups): %s",
			      conf.trie.num_tbl8, rte_strerror(rte_errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = rte_fib6_add(l->fib6, e[i].p.addr, e[i].p.len,
				      e[i].value);

		if (rc < 0) {
			char buf[64];

			xb_prefix_format(&e[i].p, buf, sizeof(buf));
			xb_errors_add(errs, fname, 0,
				      "cannot add %s to the IPv6 FIB: %s", buf,
				      strerror(-rc));
			rte_errno = -rc;
			return -1;
		}
	}
	return 0;
}

struct xb_lpm *
xb_lpm_build(const struct xb_lpm_builder *b, const char *name,
	     uint32_t default_value, int socket_id, struct xb_errors *errs)
{
	struct lpm_entry *e = NULL;
	struct xb_lpm *l;
	size_t n = 0, n4 = 0, before;
	uint32_t maxval = default_value, id;
	char fname[32];

	if (b == NULL || name == NULL || default_value > XB_LPM_MAX_VALUE) {
		xb_errors_add(errs, name ? name : "lpm", 0,
			      "invalid build arguments");
		rte_errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (b->n > 0)
		e = malloc(b->n * sizeof(*e));
	if (l == NULL || (b->n > 0 && e == NULL)) {
		free(l);
		free(e);
		xb_errors_add(errs, name, 0, "out of memory");
		rte_errno = ENOMEM;
		return NULL;
	}
	l->default_value = default_value;
	/* Sort a copy and keep the last of each run of equal prefixes. */
	if (b->n > 0)
		memcpy(e, b->e, b->n * sizeof(*e));
	if (b->n > 1)
		qsort(e, b->n, sizeof(*e), cmp_entry);
	for (size_t i = 0; i < b->n; i++) {
		if (i + 1 < b->n && same_prefix(&e[i].p, &e[i + 1].p))
			continue;
		e[n++] = e[i];
		if (e[i].value > maxval)
			maxval = e[i].value;
	}
	while (n4 < n && e[n4].p.family == 4)
		n4++;
	l->n4 = n4;
	if (b->origins && n > 0) {
		l->origins = malloc(n * sizeof(*l->origins));
		if (l->origins == NULL) {
			free(e);
			free(l);
			xb_errors_add(errs, name, 0, "out of memory");
			rte_errno = ENOMEM;
			return NULL;
		}
		memcpy(l->origins, e, n * sizeof(*e));
		l->norigins = n;
		for (size_t i = 0; i < n; i++) {
			unsigned int len = e[i].p.len;

			if (e[i].p.family == 4)
				l->lens4[0] |= 1ull << (len & 63);
			else
				l->lens6[len / 64] |= 1ull << (len % 64);
		}
	}
	l->n6 = n - n4;
	{
		long kept = drop_redundant(e, n, default_value);

		if (kept < 0) {
			free(e);
			free(l);
			xb_errors_add(errs, name, 0, "out of memory");
			rte_errno = ENOMEM;
			return NULL;
		}
		n = (size_t)kept;
	}
	for (n4 = 0; n4 < n && e[n4].p.family == 4;)
		n4++;
	l->routes4 = n4;
	l->routes6 = n - n4;

	/* DPDK object names are short (memzone/mempool names derive from
	 * them): keep 6 characters of the caller's name plus a counter. */
	id = __atomic_fetch_add(&build_counter, 1, __ATOMIC_RELAXED);
	before = heap_used(socket_id);
	if (n4 > 0) {
		snprintf(fname, sizeof(fname), "%.6s4_%" PRIu32, name, id);
		if (build_v4(l, e, n4, maxval, fname, socket_id, errs) < 0)
			goto fail;
	}
	if (n > n4) {
		snprintf(fname, sizeof(fname), "%.6s6_%" PRIu32, name, id);
		if (build_v6(l, e + n4, n - n4, maxval, fname, socket_id,
			     errs) < 0)
			goto fail;
	}
	l->memory = heap_used(socket_id) - before;
	free(e);
	return l;
fail:
	free(e);
	xb_lpm_free(l);
	return NULL;
}

void
xb_lpm_free(struct xb_lpm *l)
{
	if (l == NULL)
		return;
	if (l->fib4 != NULL)
		rte_fib_free(l->fib4);
	if (l->fib6 != NULL)
		rte_fib6_free(l->fib6);
	free(l->origins);
	free(l);
}

int
xb_lpm_origin(const struct xb_lpm *l, unsigned int family,
	      const uint8_t addr[16], struct xb_prefix *prefix,
	      uint32_t *value, uint32_t *origin)
{
	unsigned int max = family == 4 ? 32 : 128;

	if (l == NULL || l->origins == NULL || (family != 4 && family != 6))
		return -ENOENT;
	/* Longest first: the first length whose masked address is a prefix
	 * of the table is the longest match. */
	for (unsigned int len = max + 1; len-- > 0;) {
		struct lpm_entry key;
		size_t lo = 0, hi = l->norigins;
		const uint64_t *lens = family == 4 ? l->lens4 : l->lens6;

		/* IPv4 lengths 0..32 fit one word (32 itself: bit 32). */
		if (!(lens[len / 64] >> (len % 64) & 1))
			continue;

		memset(&key, 0, sizeof(key));
		key.p.family = (uint8_t)family;
		key.p.len = (uint8_t)len;
		memcpy(key.p.addr, addr, family == 4 ? 4 : 16);
		mask_prefix(&key.p);
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = xb_prefix_cmp(&l->origins[mid].p, &key.p);

			if (c == 0) {
				*prefix = l->origins[mid].p;
				*value = l->origins[mid].value;
				*origin = l->origins[mid].origin;
				return 0;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return -ENOENT;
}

void
xb_lpm_lookup4_bulk(const struct xb_lpm *l, const uint32_t *ips,
		    uint64_t *values, unsigned int n)
{
	if (l->fib4 == NULL) {
		for (unsigned int i = 0; i < n; i++)
			values[i] = l->default_value;
		return;
	}
	/* rte_fib_lookup_bulk only reads ips; its prototype lacks const. */
	rte_fib_lookup_bulk(l->fib4, (uint32_t *)(uintptr_t)ips, values,
			    (int)n);
}

void
xb_lpm_lookup6_bulk(const struct xb_lpm *l, const uint8_t (*ips)[16],
		    uint64_t *values, unsigned int n)
{
	if (l->fib6 == NULL) {
		for (unsigned int i = 0; i < n; i++)
			values[i] = l->default_value;
		return;
	}
	/* 22.11: rte_fib6_lookup_bulk(fib, uint8_t ips[][16], uint64_t *,
	 * int); it only reads ips. */
	rte_fib6_lookup_bulk(l->fib6,
			     (uint8_t (*)[RTE_FIB6_IPV6_ADDR_SIZE])(uintptr_t)ips,
			     values, (int)n);
}

size_t
xb_lpm_prefix_count(const struct xb_lpm *l, unsigned int family)
{
	return family == 4 ? l->n4 : (family == 6 ? l->n6 : 0);
}

size_t
xb_lpm_route_count(const struct xb_lpm *l, unsigned int family)
{
	return family == 4 ? l->routes4 : (family == 6 ? l->routes6 : 0);
}

size_t
xb_lpm_memory(const struct xb_lpm *l)
{
	return l->memory;
}

uint32_t
xb_lpm_default_value(const struct xb_lpm *l)
{
	return l->default_value;
}
