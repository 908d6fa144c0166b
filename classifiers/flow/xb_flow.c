/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table: bucketised hash with 16-bit signatures, bucket pairs
 * for overflow, a free stack of entry indices, bounded eviction by class
 * (a FIFO of new entries finds the oldest half-open one) and an embedded
 * memory of evicted flows.  See FLOWTABLE.md for the design and xb_flow.h
 * for the contract.
 *
 * Thread safety: none; one owner thread per table.
 */
#include "xb_flow.h"
#include "xb_flow_alloc.h"

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>

/* Candidates examined when the entry pool is empty. */
#define XB_FLOW_EVICT_WINDOW 8
/* Upper bound on that scan when candidates are pinned. */
#define XB_FLOW_EVICT_SCAN_MAX 256
/* Records of the new-entry FIFO examined per eviction (each record is
 * pushed once per flow lifetime, so this is amortised O(1) per insert). */
#define XB_FLOW_PROBATION_POPS 32
/* Default memory of evicted flows: one record per this many entries. */
#define XB_FLOW_MEMORY_RATIO 8

/* Eviction order of the classes: lower goes first. */
static const uint8_t class_rank[XB_FLOW_CLASS_MAX] = {
	[XB_FLOW_CLASS_HALF_OPEN] = 0,
	[XB_FLOW_CLASS_IDLE] = 0,
	[XB_FLOW_CLASS_UNANSWERED] = 1,
	[XB_FLOW_CLASS_ESTABLISHED] = 2,
};
/* Highest rank a newcomer may evict: any, or (PROBATION) below
 * established. */
#define XB_FLOW_RANK_ANY 2
#define XB_FLOW_RANK_PROBATION 1

const char *const xb_flow_class_names[XB_FLOW_CLASS_MAX] = {
	[XB_FLOW_CLASS_HALF_OPEN] = "half_open",
	[XB_FLOW_CLASS_IDLE] = "idle",
	[XB_FLOW_CLASS_UNANSWERED] = "unanswered",
	[XB_FLOW_CLASS_ESTABLISHED] = "established",
};

struct xb_flow_table {
	/* hot: read per lookup (xb_flow.h's inline lookup) */
	struct xb_flow_table_head h;
	/* miss / aging path */
	uint32_t *free_stack;
	uint32_t free_top;   /* entries on the free stack */
	uint32_t capacity;
	uint32_t n_buckets;
	uint32_t expire_hand; /* next bucket xb_flow_expire examines */
	uint32_t evict_hand;  /* next entry the pool-empty eviction examines */
	/* FIFO of entry indices in insertion order (one record per flow
	 * lifetime; records of entries since answered, freed or reused are
	 * skipped when popped): the oldest half-open entry in O(1). */
	uint32_t *probation;
	uint32_t prob_mask, prob_head, prob_tail;
	char *names;
	struct xb_flowmem *memory; /* evicted flows, or NULL */
	struct xb_flow_timeouts to;
	uint64_t evict_idle_ns;
	uint64_t inserts, evictions, evictions_bucket, expired_idle;
	uint64_t expired_closed, flushed, insert_failed, insert_refused;
	uint64_t evictions_by_class[XB_FLOW_CLASS_MAX];
	size_t memory_bytes;
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *alloc_arg;
};

/* The inline lookup of xb_flow.h sees the table through its head. */
_Static_assert(offsetof(struct xb_flow_table, h) == 0,
	       "the head is the table's first member");

/* ------------------------------------------------------------ helpers */

static inline unsigned int
empty_slots(const struct xb_flow_bucket *b)
{
	return xb_flow_sig_match(b, 0);
}

static inline bool
pinned(const struct xb_flow_table *t, const struct xb_flow *f)
{
	return f->burst == t->h.burst;
}

/* Unlink slot s of bucket b and return its entry to the free stack. */
static void
slot_remove(struct xb_flow_table *t, uint32_t b, unsigned int s)
{
	struct xb_flow_bucket *bk = &t->h.buckets[b];
	uint32_t idx = bk->idx[s];

	if (bk->spilled & (1u << s)) {
		bk->spilled &= (uint8_t)~(1u << s);
		t->h.buckets[b ^ 1].spill_out--;
	}
	bk->sig[s] = 0;
	bk->idx[s] = 0;
	/* Family 0 marks a free entry for the FIFO's stale records. */
	t->h.entries[idx].key.family = 0;
	t->free_stack[t->free_top++] = idx;
}

static inline bool
entry_free(const struct xb_flow *f)
{
	return f->key.family == 0;
}

/* Find the slot holding entry idx (for a key whose hash is known). */
static bool
slot_of(const struct xb_flow_table *t, uint32_t hash, uint32_t idx,
	uint32_t *bucket, unsigned int *slot)
{
	uint32_t b = hash & t->h.bucket_mask;
	uint16_t sig = xb_flow_sig_of(hash);
	unsigned int pass, s;

	for (pass = 0; pass < 2; pass++, b ^= 1) {
		const struct xb_flow_bucket *bk = &t->h.buckets[b];
		unsigned int m = xb_flow_sig_match(bk, sig);

		if (pass == 1)
			m &= bk->spilled;
		for (s = 0; s < XB_FLOW_BUCKET_SLOTS; s++) {
			if ((m & (1u << s)) && bk->idx[s] == idx) {
				*bucket = b;
				*slot = s;
				return true;
			}
		}
	}
	return false;
}

static inline void
end_flow(xb_flow_end_fn end_fn, void *ctx, struct xb_flow *f,
	 enum xb_flow_end_reason why)
{
	if (end_fn != NULL)
		end_fn(ctx, f, why);
}

static uint64_t
timeout_of(const struct xb_flow_table *t, const struct xb_flow *f,
	   bool *closed)
{
	*closed = false;
	switch (f->key.proto) {
	case XB_FLOW_PROTO_TCP:
		if (xb_flow_tcp_closed(f->tcp_state)) {
			*closed = true;
			return t->to.tcp_closed_ns;
		}
		return t->to.tcp_ns;
	case XB_FLOW_PROTO_UDP:
		return t->to.udp_ns;
	default:
		return t->to.other_ns;
	}
}

enum xb_flow_class
xb_flow_class(const struct xb_flow_table *t, const struct xb_flow *f,
	      uint64_t now_ns)
{
	bool tcp = f->key.proto == XB_FLOW_PROTO_TCP;

	if (tcp && xb_flow_tcp_closed(f->tcp_state))
		return XB_FLOW_CLASS_IDLE;
	if ((f->tcp_state & XB_FLOW_SEEN_BOTH) != XB_FLOW_SEEN_BOTH && tcp)
		return XB_FLOW_CLASS_HALF_OPEN;
	if (now_ns >= f->last_ns && now_ns - f->last_ns >= t->evict_idle_ns)
		return XB_FLOW_CLASS_IDLE;
	if ((f->tcp_state & XB_FLOW_SEEN_BOTH) != XB_FLOW_SEEN_BOTH)
		return XB_FLOW_CLASS_UNANSWERED;
	return XB_FLOW_CLASS_ESTABLISHED;
}

/* A new flow lifetime in entry idx: its record in the FIFO.  When the
 * FIFO is full its oldest record goes (the most likely to be stale). */
static inline void
probation_push(struct xb_flow_table *t, uint32_t idx)
{
	if (t->prob_head - t->prob_tail > t->prob_mask)
		t->prob_tail++;
	t->probation[t->prob_head++ & t->prob_mask] = idx;
}

/* ------------------------------------------------------ create / free */

static uint32_t
next_pow2_u32(uint32_t v)
{
	v--;
	v |= v >> 1;
	v |= v >> 2;
	v |= v >> 4;
	v |= v >> 8;
	v |= v >> 16;
	return v + 1;
}

/* Two slots per entry (load <= 50%), at least one bucket pair. */
static uint32_t
buckets_for(uint32_t capacity)
{
	uint64_t slots = (uint64_t)capacity * 2;
	uint32_t n = (uint32_t)((slots + XB_FLOW_BUCKET_SLOTS - 1) /
				XB_FLOW_BUCKET_SLOTS);

	if (n < 2)
		n = 2;
	return next_pow2_u32(n);
}

/* The FIFO of new entries: a power of two of at least capacity records. */
static uint32_t
probation_size(uint32_t capacity)
{
	return next_pow2_u32(capacity < 2 ? 2 : capacity);
}

static uint32_t
default_memory_entries(uint32_t capacity)
{
	uint32_t e = capacity / XB_FLOW_MEMORY_RATIO;

	return e < XB_FLOWMEM_MIN_ENTRIES ? XB_FLOWMEM_MIN_ENTRIES : e;
}

/* The table without its memory of evicted flows. */
static size_t
table_memory(uint32_t capacity)
{
	return xb_flow_round_up(sizeof(struct xb_flow_table), 64) +
	       (size_t)buckets_for(capacity) * sizeof(struct xb_flow_bucket) +
	       (size_t)capacity * sizeof(struct xb_flow) +
	       (size_t)capacity * XB_FLOW_SIDE_BYTES +
	       xb_flow_round_up((size_t)capacity * sizeof(uint32_t), 64) +
	       xb_flow_round_up((size_t)probation_size(capacity) * sizeof(uint32_t),
			64);
}

size_t
xb_flow_table_memory(uint32_t capacity)
{
	if (capacity == 0 || capacity > XB_FLOW_CAPACITY_MAX)
		return 0;
	return table_memory(capacity) +
	       xb_flowmem_memory(default_memory_entries(capacity));
}

/* A new flow's side array entry: empty name, zeroed caller state. */
static inline void
side_clear(struct xb_flow_table *t, uint32_t idx)
{
	char *side = t->names + (size_t)idx * XB_FLOW_SIDE_BYTES;

	side[0] = '\0';
	memset(side + XB_FLOW_NAME_MAX, 0, XB_FLOW_EXT_BYTES);
}

struct xb_flow_table *
xb_flow_table_create(const struct xb_flow_table_params *p)
{
	void *(*za)(size_t, size_t, void *);
	void (*fr)(void *, void *);
	struct xb_flow_table *t;
	uint32_t i, nb;

	if (p == NULL || p->capacity == 0 ||
	    p->capacity > XB_FLOW_CAPACITY_MAX ||
	    (p->memory_entries > XB_FLOWMEM_MAX_ENTRIES &&
	     p->memory_entries != XB_FLOW_MEMORY_NONE) ||
	    (p->zalloc == NULL) != (p->free == NULL)) {
		errno = EINVAL;
		return NULL;
	}
	za = p->zalloc ? p->zalloc : xb_flow_default_zalloc;
	fr = p->free ? p->free : xb_flow_default_free;

	t = za(sizeof(*t), 64, p->alloc_arg);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->zalloc = za;
	t->free = fr;
	t->alloc_arg = p->alloc_arg;
	t->capacity = p->capacity;
	nb = buckets_for(p->capacity);
	t->n_buckets = nb;
	t->h.bucket_mask = nb - 1;
	t->h.buckets = za((size_t)nb * sizeof(struct xb_flow_bucket), 128,
			p->alloc_arg);
	t->h.entries = za((size_t)p->capacity * sizeof(struct xb_flow), 128,
			p->alloc_arg);
	t->names = za((size_t)p->capacity * XB_FLOW_SIDE_BYTES, 64,
		      p->alloc_arg);
	t->free_stack = za(xb_flow_round_up((size_t)p->capacity * sizeof(uint32_t),
				    64), 64, p->alloc_arg);
	t->prob_mask = probation_size(p->capacity) - 1;
	t->probation = za(xb_flow_round_up(((size_t)t->prob_mask + 1) *
					   sizeof(uint32_t), 64),
			  64, p->alloc_arg);
	if (p->memory_entries != XB_FLOW_MEMORY_NONE) {
		struct xb_flowmem_params mp = {
			.entries = p->memory_entries ? p->memory_entries :
				   default_memory_entries(p->capacity),
			.zalloc = za,
			.free = fr,
			.alloc_arg = p->alloc_arg,
		};

		t->memory = xb_flowmem_create(&mp);
	}
	if (t->h.buckets == NULL || t->h.entries == NULL || t->names == NULL ||
	    t->free_stack == NULL || t->probation == NULL ||
	    (p->memory_entries != XB_FLOW_MEMORY_NONE && t->memory == NULL)) {
		xb_flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	if (p->hash_key != NULL) {
		t->h.hkey = *p->hash_key;
	} else {
		int rc = xb_siphash_key_random(&t->h.hkey);

		if (rc < 0) {
			xb_flow_table_free(t);
			errno = -rc;
			return NULL;
		}
	}
	t->memory_bytes = table_memory(p->capacity);
	if (t->memory != NULL) {
		struct xb_flowmem_stats ms;

		xb_flowmem_stats(t->memory, &ms);
		t->memory_bytes += ms.memory_bytes;
	}

	/* Pop order 0, 1, 2, ...: a young table fills the entry array from
	 * the front, which keeps small working sets dense. */
	for (i = 0; i < p->capacity; i++)
		t->free_stack[i] = p->capacity - 1 - i;
	t->free_top = p->capacity;

	t->to.tcp_ns = p->timeouts.tcp_ns ? p->timeouts.tcp_ns :
					    XB_FLOW_TCP_TIMEOUT_DEFAULT;
	t->to.tcp_closed_ns = p->timeouts.tcp_closed_ns ?
		p->timeouts.tcp_closed_ns : XB_FLOW_TCP_CLOSED_TIMEOUT_DEFAULT;
	t->to.udp_ns = p->timeouts.udp_ns ? p->timeouts.udp_ns :
					    XB_FLOW_UDP_TIMEOUT_DEFAULT;
	t->to.other_ns = p->timeouts.other_ns ? p->timeouts.other_ns :
						XB_FLOW_OTHER_TIMEOUT_DEFAULT;
	t->evict_idle_ns = p->evict_idle_ns ? p->evict_idle_ns :
					      XB_FLOW_EVICT_IDLE_DEFAULT;
	t->h.min_timeout_ns = t->to.tcp_ns;
	if (t->to.tcp_closed_ns < t->h.min_timeout_ns)
		t->h.min_timeout_ns = t->to.tcp_closed_ns;
	if (t->to.udp_ns < t->h.min_timeout_ns)
		t->h.min_timeout_ns = t->to.udp_ns;
	if (t->to.other_ns < t->h.min_timeout_ns)
		t->h.min_timeout_ns = t->to.other_ns;
	/* Entries start with burst 0: epoch 1 pins nothing. */
	t->h.burst = 1;
	return t;
}

void
xb_flow_table_free(struct xb_flow_table *t)
{
	void (*fr)(void *, void *);
	void *arg;

	if (t == NULL)
		return;
	fr = t->free;
	arg = t->alloc_arg;
	if (t->h.buckets)
		fr(t->h.buckets, arg);
	if (t->h.entries)
		fr(t->h.entries, arg);
	if (t->names)
		fr(t->names, arg);
	if (t->free_stack)
		fr(t->free_stack, arg);
	if (t->probation)
		fr(t->probation, arg);
	xb_flowmem_free(t->memory);
	fr(t, arg);
}

/* ------------------------------------------------------------ lookup */

void
xb_flow_burst_begin(struct xb_flow_table *t)
{
	/* 8-bit epoch (it lives in the entry's first line): an entry last
	 * pinned exactly k * 255 bursts ago looks pinned for one burst, which
	 * only delays its eviction or expiry.  0 is skipped: entries start at
	 * 0, so a new table pins nothing. */
	if (++t->h.burst == 0)
		t->h.burst = 1;
}

void
xb_flow_lookup_bulk(struct xb_flow_table *t, const struct xb_flow_key *keys,
		    const uint32_t *hashes, unsigned int n,
		    struct xb_flow **out)
{
	uint32_t bidx[XB_FLOW_BULK_MAX];
	uint8_t cand[XB_FLOW_BULK_MAX];
	unsigned int i, hits = 0;

	if (n > XB_FLOW_BULK_MAX)
		n = XB_FLOW_BULK_MAX;
	xb_flow_burst_begin(t);

	/* Stage 1: every bucket line in flight at once. */
	for (i = 0; i < n; i++) {
		bidx[i] = hashes[i] & t->h.bucket_mask;
		__builtin_prefetch(&t->h.buckets[bidx[i]], 0, 3);
	}
	/* Stage 2: signatures, then the first candidate entry of each. */
	for (i = 0; i < n; i++) {
		const struct xb_flow_bucket *bk = &t->h.buckets[bidx[i]];
		unsigned int m = xb_flow_sig_match(bk, xb_flow_sig_of(hashes[i]));

		cand[i] = (uint8_t)m;
		if (m)
			xb_flow_prefetch_entry(&t->h.entries[bk->idx[__builtin_ctz(m)]]);
	}
	/* Stage 3: full key compares (and the rare spilled lookups). */
	for (i = 0; i < n; i++) {
		const struct xb_flow_bucket *bk = &t->h.buckets[bidx[i]];
		struct xb_flow *f = xb_flow_match_in(&t->h, bk, cand[i], &keys[i]);

		if (f == NULL && bk->spill_out) {
			const struct xb_flow_bucket *pb =
				&t->h.buckets[bidx[i] ^ 1];

			f = xb_flow_match_in(&t->h, pb, xb_flow_sig_match(pb, xb_flow_sig_of(hashes[i])) &
					 pb->spilled, &keys[i]);
		}
		if (f != NULL) {
			f->burst = t->h.burst;
			hits++;
		}
		out[i] = f;
	}
	t->h.lookups += n;
	t->h.hits += hits;
}

/* ------------------------------------------------------------ insert */

/* End entry f (in slot s of bucket b) to make room, counted by class. */
static void
evict(struct xb_flow_table *t, uint32_t b, unsigned int s,
      enum xb_flow_class cls, xb_flow_end_fn end_fn, void *ctx)
{
	end_flow(end_fn, ctx, &t->h.entries[t->h.buckets[b].idx[s]],
		 XB_FLOW_END_EVICTED);
	slot_remove(t, b, s);
	t->evictions++;
	t->evictions_by_class[cls]++;
}

/*
 * Both buckets of the pair are full: end the unpinned entry of the 16
 * slots of lowest class rank (at most max_rank), the least recent among
 * equals.  Returns false when there is none: all pinned (*refused false)
 * or, of the unpinned ones, none of rank max_rank or below (*refused
 * true).
 */
static bool
evict_in_pair(struct xb_flow_table *t, uint32_t b, uint64_t now_ns,
	      unsigned int max_rank, xb_flow_end_fn end_fn, void *ctx,
	      bool *refused)
{
	uint32_t vb = 0, pass_b = b;
	unsigned int vs = 0, s, pass, best_rank = UINT32_MAX;
	enum xb_flow_class vcls = XB_FLOW_CLASS_ESTABLISHED;
	uint64_t oldest = UINT64_MAX;
	bool unpinned = false;

	for (pass = 0; pass < 2; pass++, pass_b ^= 1) {
		const struct xb_flow_bucket *bk = &t->h.buckets[pass_b];

		for (s = 0; s < XB_FLOW_BUCKET_SLOTS; s++) {
			const struct xb_flow *f = &t->h.entries[bk->idx[s]];
			enum xb_flow_class c;
			unsigned int r;

			if (bk->sig[s] == 0 || pinned(t, f))
				continue;
			unpinned = true;
			c = xb_flow_class(t, f, now_ns);
			r = class_rank[c];
			if (r > max_rank)
				continue;
			if (r < best_rank ||
			    (r == best_rank && f->last_ns < oldest)) {
				best_rank = r;
				oldest = f->last_ns;
				vb = pass_b;
				vs = s;
				vcls = c;
			}
		}
	}
	if (best_rank == UINT32_MAX) {
		*refused = unpinned;
		return false;
	}
	evict(t, vb, vs, vcls, end_fn, ctx);
	t->evictions_bucket++;
	return true;
}

/* Bucket and slot of live entry idx (its key hashed again). */
static bool
slot_of_entry(const struct xb_flow_table *t, uint32_t idx, uint32_t *b,
	      unsigned int *s)
{
	return slot_of(t, xb_flow_key_hash(&t->h.hkey, &t->h.entries[idx].key),
		       idx, b, s);
}

/*
 * The oldest new entry still half-open (or otherwise below established)
 * from the FIFO, or XB_FLOW_NO_SLOT.  Records of entries freed, answered
 * (graduated) or pinned by this burst are dropped as they come out:
 * a pinned one is in use right now, and the window scan may still find
 * it later.
 */
static uint32_t
probation_victim(struct xb_flow_table *t, uint64_t now_ns,
		 enum xb_flow_class *cls)
{
	for (unsigned int n = 0;
	     n < XB_FLOW_PROBATION_POPS && t->prob_tail != t->prob_head; n++) {
		uint32_t idx = t->probation[t->prob_tail++ & t->prob_mask];
		const struct xb_flow *f = &t->h.entries[idx];

		if (entry_free(f) || pinned(t, f))
			continue;
		*cls = xb_flow_class(t, f, now_ns);
		if (class_rank[*cls] <= XB_FLOW_RANK_PROBATION)
			return idx;
	}
	return XB_FLOW_NO_SLOT;
}

/*
 * Every entry is live: end the oldest half-open entry the FIFO knows,
 * else the best (lowest class rank at most max_rank, then least recent)
 * unpinned entry of a window taken round-robin over the entry array (an
 * LRU approximation with bounded work).  Returns false when no candidate
 * was found within the bounds; *refused when unpinned candidates were
 * seen but all of too high a rank.
 */
static bool
evict_from_pool(struct xb_flow_table *t, uint64_t now_ns,
		unsigned int max_rank, xb_flow_end_fn end_fn, void *ctx,
		bool *refused)
{
	uint32_t scan_max = t->capacity < XB_FLOW_EVICT_SCAN_MAX ?
				    t->capacity : XB_FLOW_EVICT_SCAN_MAX;
	uint32_t victim, hand = t->evict_hand, i, vb;
	enum xb_flow_class vcls = XB_FLOW_CLASS_ESTABLISHED;
	unsigned int seen = 0, vs, best_rank = UINT32_MAX;
	uint64_t oldest = UINT64_MAX;

	victim = probation_victim(t, now_ns, &vcls);
	if (victim != XB_FLOW_NO_SLOT)
		goto found;
	for (i = 0; i < scan_max; i++) {
		const struct xb_flow *f = &t->h.entries[hand];

		if (!pinned(t, f)) {
			enum xb_flow_class c = xb_flow_class(t, f, now_ns);
			unsigned int r = class_rank[c];

			seen++;
			if (r <= max_rank &&
			    (r < best_rank ||
			     (r == best_rank && f->last_ns < oldest))) {
				best_rank = r;
				oldest = f->last_ns;
				victim = hand;
				vcls = c;
			}
			if (seen >= XB_FLOW_EVICT_WINDOW) {
				hand = hand + 1 == t->capacity ? 0 : hand + 1;
				break;
			}
		}
		hand = hand + 1 == t->capacity ? 0 : hand + 1;
	}
	t->evict_hand = hand;
	/* The next eviction's window is contiguous: start fetching it. */
	for (i = 0; i < XB_FLOW_EVICT_WINDOW; i++) {
		__builtin_prefetch(&t->h.entries[hand], 0, 3);
		hand = hand + 1 == t->capacity ? 0 : hand + 1;
	}
	if (victim == XB_FLOW_NO_SLOT) {
		*refused = seen > 0;
		return false;
	}
found:
	if (!slot_of_entry(t, victim, &vb, &vs))
		return false; /* cannot happen: every entry is live here */
	evict(t, vb, vs, vcls, end_fn, ctx);
	return true;
}

/* Count a newcomer that got no entry. */
static struct xb_flow *
no_entry(struct xb_flow_table *t, bool refused)
{
	if (refused)
		t->insert_refused++;
	else
		t->insert_failed++;
	return NULL;
}

struct xb_flow *
xb_flow_insert_ex(struct xb_flow_table *t, const struct xb_flow_key *key,
		  uint32_t hash, uint64_t now_ns, unsigned int flags,
		  xb_flow_end_fn end_fn, void *ctx)
{
	uint32_t b = hash & t->h.bucket_mask, sb, idx;
	uint16_t sig = xb_flow_sig_of(hash);
	unsigned int max_rank = (flags & XB_FLOW_INSERT_PROBATION) ?
					XB_FLOW_RANK_PROBATION :
					XB_FLOW_RANK_ANY;
	struct xb_flow_bucket *bk;
	struct xb_flow *f;
	bool refused = false;
	unsigned int m, s;

	/* Duplicate prevention: a second miss of the same new flow in one
	 * burst finds the entry the first one created. */
	f = xb_flow_find(&t->h, key, b, sig);
	if (f != NULL) {
		f->burst = t->h.burst;
		return f;
	}

	/* A slot: home bucket, else partner (spill), else evict in the pair. */
	sb = b;
	m = empty_slots(&t->h.buckets[b]);
	if (m == 0) {
		sb = b ^ 1;
		m = empty_slots(&t->h.buckets[sb]);
	}
	if (m == 0) {
		if (!evict_in_pair(t, b, now_ns, max_rank, end_fn, ctx,
				   &refused))
			return no_entry(t, refused);
		sb = b;
		m = empty_slots(&t->h.buckets[b]);
		if (m == 0) {
			sb = b ^ 1;
			m = empty_slots(&t->h.buckets[sb]);
		}
	}
	/* An entry: the free stack, else evict from the pool.  (The slot
	 * chosen above stays free: eviction only empties slots.) */
	if (t->free_top == 0 &&
	    !evict_from_pool(t, now_ns, max_rank, end_fn, ctx, &refused))
		return no_entry(t, refused);
	idx = t->free_stack[--t->free_top];

	s = (unsigned int)__builtin_ctz(m);
	bk = &t->h.buckets[sb];
	bk->sig[s] = sig;
	bk->idx[s] = idx;
	if (sb != b) {
		bk->spilled |= (uint8_t)(1u << s);
		t->h.buckets[b].spill_out++;
	}

	f = &t->h.entries[idx];
	memset(f, 0, sizeof(*f));
	f->key = *key;
	f->first_ns = now_ns;
	f->last_ns = now_ns;
	f->burst = t->h.burst;
	side_clear(t, idx);
	t->inserts++;
	probation_push(t, idx);
	return f;
}

struct xb_flow *
xb_flow_insert(struct xb_flow_table *t, const struct xb_flow_key *key,
	       uint32_t hash, uint64_t now_ns, xb_flow_end_fn end_fn,
	       void *ctx)
{
	return xb_flow_insert_ex(t, key, hash, now_ns, 0, end_fn, ctx);
}

/* ------------------------------------------------------------ memory */

bool
xb_flow_remember(struct xb_flow_table *t, const struct xb_flow *f,
		 uint64_t now_ns, const struct xb_flowmem_rec *rec)
{
	if (t->memory == NULL ||
	    (f->key.proto == XB_FLOW_PROTO_TCP &&
	     xb_flow_tcp_closed(f->tcp_state)))
		return false;
	xb_flowmem_save(t->memory, &f->key,
			xb_flow_key_hash(&t->h.hkey, &f->key), now_ns, rec);
	return true;
}

bool
xb_flow_recall(struct xb_flow_table *t, const struct xb_flow_key *k,
	       uint32_t hash, uint64_t now_ns, struct xb_flowmem_rec *out)
{
	uint64_t max_age;

	if (t->memory == NULL || xb_flowmem_empty(t->memory))
		return false;
	switch (k->proto) {
	case XB_FLOW_PROTO_TCP:
		max_age = t->to.tcp_ns;
		break;
	case XB_FLOW_PROTO_UDP:
		max_age = t->to.udp_ns;
		break;
	default:
		max_age = t->to.other_ns;
		break;
	}
	return xb_flowmem_take(t->memory, k, hash, now_ns, max_age, out);
}

/* ------------------------------------------------------------- aging */

bool
xb_flow_idle_slow(const struct xb_flow_table *t, const struct xb_flow *f,
		  uint64_t now_ns)
{
	bool closed;

	return now_ns >= f->last_ns &&
	       now_ns - f->last_ns >= timeout_of(t, f, &closed);
}

bool
xb_flow_restart_if_idle_slow(struct xb_flow_table *t, struct xb_flow *f,
			uint64_t now_ns, xb_flow_end_fn end_fn, void *ctx)
{
	struct xb_flow_key key;
	uint32_t idx;
	uint8_t pin;
	bool closed;

	if (now_ns < f->last_ns ||
	    now_ns - f->last_ns < timeout_of(t, f, &closed))
		return false;
	/* The old flow ended when it went idle: report it, then the same
	 * entry (same key, same slot, still pinned for this burst) starts
	 * afresh, so other packets of the burst that found it stay right. */
	end_flow(end_fn, ctx, f, closed ? XB_FLOW_END_CLOSED : XB_FLOW_END_IDLE);
	if (closed)
		t->expired_closed++;
	else
		t->expired_idle++;
	key = f->key;
	pin = f->burst;
	idx = (uint32_t)(f - t->h.entries);
	memset(f, 0, sizeof(*f));
	f->key = key;
	f->first_ns = now_ns;
	f->last_ns = now_ns;
	f->burst = pin;
	side_clear(t, idx);
	t->inserts++;
	probation_push(t, idx);
	return true;
}

unsigned int
xb_flow_expire(struct xb_flow_table *t, uint64_t now_ns,
	       unsigned int max_buckets, xb_flow_end_fn end_fn, void *ctx)
{
	return xb_flow_sweep(t, now_ns, max_buckets, end_fn, NULL, ctx);
}

unsigned int
xb_flow_sweep(struct xb_flow_table *t, uint64_t now_ns,
	      unsigned int max_buckets, xb_flow_end_fn end_fn,
	      xb_flow_live_fn live_fn, void *ctx)
{
	unsigned int ended = 0, i, s;
	uint32_t b = t->expire_hand;

	if (max_buckets > t->n_buckets)
		max_buckets = t->n_buckets;
	for (i = 0; i < max_buckets; i++) {
		struct xb_flow_bucket *bk = &t->h.buckets[b];
		unsigned int live = ~empty_slots(bk) & 0xffu;

		while (live) {
			struct xb_flow *f;
			uint64_t to;
			bool closed;

			s = (unsigned int)__builtin_ctz(live);
			live &= live - 1;
			f = &t->h.entries[bk->idx[s]];
			if (pinned(t, f) || now_ns < f->last_ns) {
				/* Not to be ended now, but alive: a pinned
				 * entry is only protected from reuse. */
				if (live_fn != NULL)
					live_fn(ctx, f, now_ns);
				continue;
			}
			to = timeout_of(t, f, &closed);
			if (now_ns - f->last_ns < to) {
				if (live_fn != NULL)
					live_fn(ctx, f, now_ns);
				continue;
			}
			end_flow(end_fn, ctx, f, closed ? XB_FLOW_END_CLOSED :
							  XB_FLOW_END_IDLE);
			slot_remove(t, b, s);
			if (closed)
				t->expired_closed++;
			else
				t->expired_idle++;
			ended++;
		}
		b = (b + 1) & t->h.bucket_mask;
	}
	t->expire_hand = b;
	return ended;
}

void
xb_flow_flush(struct xb_flow_table *t, xb_flow_end_fn end_fn, void *ctx)
{
	uint32_t b;
	unsigned int s;

	for (b = 0; b < t->n_buckets; b++) {
		struct xb_flow_bucket *bk = &t->h.buckets[b];

		for (s = 0; s < XB_FLOW_BUCKET_SLOTS; s++) {
			if (bk->sig[s] == 0)
				continue;
			end_flow(end_fn, ctx, &t->h.entries[bk->idx[s]],
				 XB_FLOW_END_FLUSH);
			slot_remove(t, b, s);
			t->flushed++;
		}
	}
}

void
xb_flow_foreach(struct xb_flow_table *t,
		void (*fn)(void *ctx, const struct xb_flow *f), void *ctx)
{
	uint32_t b;
	unsigned int s;

	for (b = 0; b < t->n_buckets; b++) {
		const struct xb_flow_bucket *bk = &t->h.buckets[b];

		for (s = 0; s < XB_FLOW_BUCKET_SLOTS; s++)
			if (bk->sig[s] != 0)
				fn(ctx, &t->h.entries[bk->idx[s]]);
	}
}

/* ------------------------------------------------------------- misc */

void
xb_flow_table_stats(const struct xb_flow_table *t,
		    struct xb_flow_table_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->inserts = t->inserts;
	st->evictions = t->evictions;
	st->evictions_bucket = t->evictions_bucket;
	st->expired_idle = t->expired_idle;
	st->expired_closed = t->expired_closed;
	st->flushed = t->flushed;
	st->insert_failed = t->insert_failed;
	st->insert_refused = t->insert_refused;
	for (unsigned int c = 0; c < XB_FLOW_CLASS_MAX; c++)
		st->evictions_by_class[c] = t->evictions_by_class[c];
	if (t->memory != NULL) {
		struct xb_flowmem_stats ms;

		xb_flowmem_stats(t->memory, &ms);
		st->remembered = ms.saved;
		st->recalled = ms.taken;
		st->memory_replaced = ms.replaced;
		st->memory_expired = ms.expired;
		st->memory_live = ms.live;
		st->memory_entries = ms.entries;
	}
	st->lookups = t->h.lookups;
	st->hits = t->h.hits;
	st->in_use = t->capacity - t->free_top;
	st->capacity = t->capacity;
	st->buckets = t->n_buckets;
	st->memory_bytes = t->memory_bytes;
}

char *
xb_flow_name(struct xb_flow_table *t, const struct xb_flow *f)
{
	size_t idx = (size_t)(f - t->h.entries);

	return t->names + idx * XB_FLOW_SIDE_BYTES;
}

void *
xb_flow_ext(struct xb_flow_table *t, const struct xb_flow *f)
{
	return xb_flow_name(t, f) + XB_FLOW_NAME_MAX;
}
