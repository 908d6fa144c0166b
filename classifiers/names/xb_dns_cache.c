/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared DNS answer cache (see xb_dns_cache.h for the contract).
 *
 * Layout of a partition: sets of 4 ways.  Each set has one 64-byte tag
 * line (per way: sequence count, tag, expiry) that a lookup reads in
 * every partition, and its 4 entries (key and name, 320 bytes each) that
 * a lookup reads only on a tag match.  The sequence count of a way
 * guards its tag line fields and its entry together.
 *
 * Memory order (the seqlock of DPDK's rte_seqlock and Linux's seqcount,
 * in C11): the writer makes the count odd (relaxed store), a release
 * fence, writes the fields, and makes the count even with a release
 * store; a reader loads the count (acquire), reads the fields, an acquire
 * fence, and loads the count again: equal and even means it read one
 * whole version.  The fields themselves are plain memory: a reader may
 * read them while they change (and then discards what it read); it never
 * trusts a length it read before the check, so a torn read stays inside
 * the entry.
 */
#include "xb_dns_cache.h"
#include "xb_siphash.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4
#define READ_TRIES 4 /* a way being rewritten: retries before giving up */

struct set_tags {
	_Atomic uint32_t seq[WAYS]; /* odd: being written */
	uint32_t tag[WAYS];         /* hash bits of the key, 0: empty */
	uint64_t expires_ns[WAYS];  /* live while now < expires_ns */
};
_Static_assert(sizeof(struct set_tags) == 64, "one tag line per set");

struct entry {
	uint64_t tenant;    /* xb_dns_cache_tenant_key() */
	uint64_t learnt_ns; /* newest wins across partitions; oldest evicted */
	uint8_t family;
	uint8_t addr[16];
	uint8_t name_len;
	char name[XB_NAME_MAX + 1];
} __attribute__((aligned(64)));

struct partition {
	struct xb_dns_cache_stats st; /* the writer's */
	struct set_tags *sets;
	struct entry *ent; /* WAYS per set */
} __attribute__((aligned(64)));

struct xb_dns_cache {
	unsigned int nwriters;
	uint32_t set_mask; /* sets per partition - 1 */
	struct xb_siphash_key key;
	struct partition part[];
};

/* Keyed hash (SipHash) of a key: without the secret, which never leaves
 * the process, the set of an address cannot be computed. */
static uint64_t
key_hash(const struct xb_dns_cache *c, uint64_t tenant, uint8_t family,
	 const uint8_t *addr)
{
	uint8_t b[8 + 1 + 16] = {0};

	memcpy(b, &tenant, 8);
	b[8] = family;
	memcpy(b + 9, addr, family == 6 ? 16 : 4);
	return xb_siphash13(&c->key, b, sizeof(b));
}

uint64_t
xb_dns_cache_tenant_key(const char *tenant_id)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)tenant_id; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

static bool
key_eq(const struct entry *e, uint64_t tenant, uint8_t family,
       const uint8_t *addr)
{
	return e->tenant == tenant && e->family == family &&
	       memcmp(e->addr, addr, family == 6 ? 16 : 4) == 0;
}

struct xb_dns_cache *
xb_dns_cache_create(unsigned int writers, unsigned int entries, uint64_t seed)
{
	struct xb_dns_cache *c;
	uint32_t sets = 1;

	if (writers == 0 || writers > XB_DNS_CACHE_MAX_WRITERS || entries == 0 ||
	    entries > (1u << 24))
		return NULL;
	while (sets * WAYS < entries)
		sets <<= 1;
	c = calloc(1, sizeof(*c) + writers * sizeof(c->part[0]));
	if (c == NULL)
		return NULL;
	c->nwriters = writers;
	c->set_mask = sets - 1;
	xb_siphash_key_from_seed(&c->key, seed);
	for (unsigned int p = 0; p < writers; p++) {
		struct partition *P = &c->part[p];

		P->sets = aligned_alloc(64, sets * sizeof(*P->sets));
		P->ent = aligned_alloc(64, (size_t)sets * WAYS * sizeof(*P->ent));
		if (P->sets == NULL || P->ent == NULL) {
			xb_dns_cache_free(c);
			return NULL;
		}
		memset(P->sets, 0, sets * sizeof(*P->sets));
		memset(P->ent, 0, (size_t)sets * WAYS * sizeof(*P->ent));
	}
	return c;
}

void
xb_dns_cache_free(struct xb_dns_cache *c)
{
	if (c == NULL)
		return;
	for (unsigned int p = 0; p < c->nwriters; p++) {
		free(c->part[p].sets);
		free(c->part[p].ent);
	}
	free(c);
}

void
xb_dns_cache_put(struct xb_dns_cache *c, unsigned int writer, uint64_t tenant,
		 uint8_t family, const uint8_t *addr, const struct xb_name *name,
		 uint32_t ttl_s, uint64_t now_ns)
{
	if (writer >= c->nwriters || (family != 4 && family != 6) ||
	    name->len == 0 || name->len > XB_NAME_MAX)
		return;

	struct partition *P = &c->part[writer];
	uint64_t h = key_hash(c, tenant, family, addr);
	uint32_t set = (uint32_t)h & c->set_mask;
	uint32_t tag = (uint32_t)(h >> 32) | 1u;
	struct set_tags *T = &P->sets[set];
	struct entry *E = &P->ent[(size_t)set * WAYS];
	int way = -1;

	/* The writer reads its own partition: no other thread writes it. */
	for (int i = 0; i < WAYS && way < 0; i++)
		if (T->tag[i] == tag && key_eq(&E[i], tenant, family, addr))
			way = i;
	for (int i = 0; i < WAYS && way < 0; i++)
		if (T->tag[i] == 0 || T->expires_ns[i] <= now_ns)
			way = i;
	if (way < 0) {
		way = 0;
		for (int i = 1; i < WAYS; i++)
			if (E[i].learnt_ns < E[way].learnt_ns)
				way = i;
		P->st.evicted++;
	}
	if (ttl_s < XB_NAME_CACHE_TTL_MIN)
		ttl_s = XB_NAME_CACHE_TTL_MIN;
	if (ttl_s > XB_NAME_CACHE_TTL_MAX)
		ttl_s = XB_NAME_CACHE_TTL_MAX;

	_Atomic uint32_t *seq = &T->seq[way];
	uint32_t s = atomic_load_explicit(seq, memory_order_relaxed);
	struct entry *e = &E[way];

	atomic_store_explicit(seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	T->tag[way] = tag;
	T->expires_ns[way] = now_ns + (uint64_t)ttl_s * 1000000000ull;
	e->tenant = tenant;
	e->learnt_ns = now_ns;
	e->family = family;
	memset(e->addr, 0, sizeof(e->addr));
	memcpy(e->addr, addr, family == 6 ? 16 : 4);
	e->name_len = name->len;
	memcpy(e->name, name->str, name->len);
	e->name[name->len] = '\0';
	atomic_store_explicit(seq, s + 2, memory_order_release);
	P->st.learnt++;
}

/* What one way holds for the key, read under its sequence count: 1 (a
 * live match: *name and *learnt filled), 0 (no match), -1 (the writer
 * kept changing it). */
static int
read_way(const struct set_tags *T, const struct entry *e, int way,
	 uint32_t tag, uint64_t tenant, uint8_t family, const uint8_t *addr,
	 uint64_t now_ns, struct xb_name *name, uint64_t *learnt)
{
	for (int tries = 0; tries < READ_TRIES; tries++) {
		uint32_t s = atomic_load_explicit(&T->seq[way],
						  memory_order_acquire);
		bool match;

		if (s & 1)
			continue;
		match = T->tag[way] == tag && T->expires_ns[way] > now_ns &&
			key_eq(e, tenant, family, addr);
		if (match) {
			uint8_t n = e->name_len;

			if (n > XB_NAME_MAX) /* torn: the check below fails */
				n = XB_NAME_MAX;
			memcpy(name->str, e->name, n);
			name->str[n] = '\0';
			name->len = n;
			*learnt = e->learnt_ns;
		}
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&T->seq[way], memory_order_relaxed) != s)
			continue;
		return match && name->len > 0;
	}
	return -1;
}

bool
xb_dns_cache_lookup(const struct xb_dns_cache *c, uint64_t tenant,
		    uint8_t family, const uint8_t *addr, uint64_t now_ns,
		    struct xb_name *out)
{
	if (family != 4 && family != 6)
		return false;

	uint64_t h = key_hash(c, tenant, family, addr);
	uint32_t set = (uint32_t)h & c->set_mask;
	uint32_t tag = (uint32_t)(h >> 32) | 1u;
	uint64_t best = 0;
	bool found = false;
	struct xb_name cand;

	/* One tag line per partition: fetch them all before comparing. */
	for (unsigned int p = 0; p < c->nwriters; p++)
		__builtin_prefetch(&c->part[p].sets[set]);
	for (unsigned int p = 0; p < c->nwriters; p++) {
		const struct set_tags *T = &c->part[p].sets[set];
		const struct entry *E = &c->part[p].ent[(size_t)set * WAYS];

		for (int i = 0; i < WAYS; i++) {
			uint64_t learnt = 0;

			if (read_way(T, &E[i], i, tag, tenant, family, addr,
				     now_ns, &cand, &learnt) != 1)
				continue;
			if (!found || learnt > best) {
				memcpy(out->str, cand.str, cand.len + 1u);
				out->len = cand.len;
				out->source = XB_NAME_SRC_DNS_CACHE;
				best = learnt;
				found = true;
			}
		}
	}
	return found;
}

void
xb_dns_cache_stats_add(const struct xb_dns_cache *c, unsigned int writer,
		       struct xb_dns_cache_stats *st)
{
	if (writer >= c->nwriters)
		return;
	st->learnt += __atomic_load_n(&c->part[writer].st.learnt,
				      __ATOMIC_RELAXED);
	st->evicted += __atomic_load_n(&c->part[writer].st.evicted,
				       __ATOMIC_RELAXED);
}
