/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory of evicted flows (xb_flowmem.h): 4-way sets of (tag, sequence)
 * in one array, the records in another.
 *
 * Thread safety: none; one owner thread.
 */
#include "xb_flowmem.h"
#include "xb_flow_alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One record: 192 bytes, three cache lines. */
struct xb_flowmem_entry {
	struct xb_flow_key key;
	uint64_t saved_ns;
	struct xb_flowmem_rec rec;
	uint8_t pad_[8];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct xb_flowmem_entry) == 192,
	       "a remembered flow is three cache lines");

/* A set's tags: 0 marks an empty way (real tags are never 0); seq orders
 * saves, the smallest (wrapping) is the oldest. */
struct xb_flowmem_set {
	uint32_t tag[XB_FLOWMEM_WAYS];
	uint32_t seq[XB_FLOWMEM_WAYS];
};

_Static_assert(sizeof(struct xb_flowmem_set) == 32, "two sets per line");

struct xb_flowmem {
	struct xb_flowmem_set *sets;
	struct xb_flowmem_entry *entries;
	uint32_t set_mask;
	unsigned int set_shift; /* 32 - log2(sets) */
	uint32_t seq;           /* next save's sequence number */
	uint32_t live;
	uint32_t entries_n;
	uint64_t saved, replaced, taken, expired;
	size_t memory_bytes;
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *alloc_arg;
};

static uint32_t
round_entries(uint32_t n)
{
	uint32_t e = XB_FLOWMEM_MIN_ENTRIES;

	while (e < n)
		e <<= 1;
	return e;
}

size_t
xb_flowmem_memory(uint32_t entries)
{
	uint32_t e;

	if (entries == 0 || entries > XB_FLOWMEM_MAX_ENTRIES)
		return 0;
	e = round_entries(entries);
	return xb_flow_round_up(sizeof(struct xb_flowmem), 64) +
	       xb_flow_round_up((size_t)e / XB_FLOWMEM_WAYS *
				sizeof(struct xb_flowmem_set), 64) +
	       (size_t)e * sizeof(struct xb_flowmem_entry);
}

struct xb_flowmem *
xb_flowmem_create(const struct xb_flowmem_params *p)
{
	void *(*za)(size_t, size_t, void *);
	void (*fr)(void *, void *);
	struct xb_flowmem *m;
	uint32_t e, nsets;
	unsigned int bits = 0;

	if (p == NULL || p->entries == 0 ||
	    p->entries > XB_FLOWMEM_MAX_ENTRIES ||
	    (p->zalloc == NULL) != (p->free == NULL)) {
		errno = EINVAL;
		return NULL;
	}
	za = p->zalloc ? p->zalloc : xb_flow_default_zalloc;
	fr = p->free ? p->free : xb_flow_default_free;
	m = za(sizeof(*m), 64, p->alloc_arg);
	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	m->zalloc = za;
	m->free = fr;
	m->alloc_arg = p->alloc_arg;
	e = round_entries(p->entries);
	nsets = e / XB_FLOWMEM_WAYS;
	while ((1u << bits) < nsets)
		bits++;
	m->entries_n = e;
	m->set_mask = nsets - 1;
	m->set_shift = 32 - bits; /* bits >= 4: MIN_ENTRIES / WAYS sets */
	m->sets = za(xb_flow_round_up((size_t)nsets * sizeof(struct xb_flowmem_set),
			      64), 64, p->alloc_arg);
	m->entries = za((size_t)e * sizeof(struct xb_flowmem_entry), 64,
			p->alloc_arg);
	if (m->sets == NULL || m->entries == NULL) {
		xb_flowmem_free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->memory_bytes = xb_flowmem_memory(p->entries);
	return m;
}

void
xb_flowmem_free(struct xb_flowmem *m)
{
	if (m == NULL)
		return;
	if (m->sets != NULL)
		m->free(m->sets, m->alloc_arg);
	if (m->entries != NULL)
		m->free(m->entries, m->alloc_arg);
	m->free(m, m->alloc_arg);
}

/*
 * The set of a hash: its top bits after a multiplicative mix.  The flow
 * table picks buckets with the hash's low bits, so flows that share a
 * bucket pair (the ones that evict each other) still spread over the
 * memory's sets.
 */
static inline uint32_t
set_of(const struct xb_flowmem *m, uint32_t hash)
{
	return ((hash * 0x9e3779b1u) >> m->set_shift) & m->set_mask;
}

static inline uint32_t
tag_of(uint32_t hash)
{
	return hash ? hash : 1;
}

static inline bool
key_eq(const struct xb_flow_key *a, const struct xb_flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Way of set s holding key k (tag t), or -1. */
static int
find_way(const struct xb_flowmem *m, uint32_t s, uint32_t t,
	 const struct xb_flow_key *k)
{
	const struct xb_flowmem_set *set = &m->sets[s];

	for (int w = 0; w < XB_FLOWMEM_WAYS; w++)
		if (set->tag[w] == t &&
		    key_eq(&m->entries[s * XB_FLOWMEM_WAYS + (uint32_t)w].key,
			   k))
			return w;
	return -1;
}

void
xb_flowmem_save(struct xb_flowmem *m, const struct xb_flow_key *k,
		uint32_t hash, uint64_t now_ns,
		const struct xb_flowmem_rec *rec)
{
	uint32_t s = set_of(m, hash), t = tag_of(hash);
	struct xb_flowmem_set *set = &m->sets[s];
	struct xb_flowmem_entry *e;
	int w = find_way(m, s, t, k);

	if (w < 0) {
		/* An empty way, else the oldest save (sequence numbers
		 * compared as distances from the next one, so they wrap). */
		uint32_t oldest_age = 0;

		for (int i = 0; i < XB_FLOWMEM_WAYS; i++) {
			uint32_t age = m->seq - set->seq[i];

			if (set->tag[i] == 0) {
				w = i;
				break;
			}
			if (w < 0 || age > oldest_age) {
				w = i;
				oldest_age = age;
			}
		}
		if (set->tag[w] != 0)
			m->replaced++;
		else
			m->live++;
	}
	e = &m->entries[s * XB_FLOWMEM_WAYS + (uint32_t)w];
	e->key = *k;
	e->saved_ns = now_ns;
	e->rec = *rec;
	e->rec.name[XB_FLOWMEM_NAME_MAX - 1] = '\0';
	set->tag[w] = t;
	set->seq[w] = m->seq++;
	m->saved++;
}

bool
xb_flowmem_take(struct xb_flowmem *m, const struct xb_flow_key *k,
		uint32_t hash, uint64_t now_ns, uint64_t max_age_ns,
		struct xb_flowmem_rec *out)
{
	uint32_t s = set_of(m, hash);
	const struct xb_flowmem_entry *e;
	int w;

	if (m->live == 0)
		return false;
	w = find_way(m, s, tag_of(hash), k);
	if (w < 0)
		return false;
	e = &m->entries[s * XB_FLOWMEM_WAYS + (uint32_t)w];
	m->sets[s].tag[w] = 0;
	m->live--;
	if (now_ns > e->saved_ns && now_ns - e->saved_ns > max_age_ns) {
		m->expired++;
		return false;
	}
	*out = e->rec;
	m->taken++;
	return true;
}

bool
xb_flowmem_empty(const struct xb_flowmem *m)
{
	return m->live == 0;
}

void
xb_flowmem_stats(const struct xb_flowmem *m, struct xb_flowmem_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->saved = m->saved;
	st->replaced = m->replaced;
	st->taken = m->taken;
	st->expired = m->expired;
	st->live = m->live;
	st->entries = m->entries_n;
	st->memory_bytes = m->memory_bytes;
}
