/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table: bucketised hash with 16-bit signatures, bucket pairs
 * for overflow, a free stack of entry indices and bounded eviction.  See
 * FLOWTABLE.md for the design and xb_flow.h for the contract.
 *
 * Thread safety: none; one owner thread per table.
 */
#include "xb_flow.h"

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>

/* Candidates examined when the entry pool is empty. */
#define XB_FLOW_EVICT_WINDOW 8
/* Upper bound on that scan when candidates are pinned. */
#define XB_FLOW_EVICT_SCAN_MAX 256

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
	char *names;
	struct xb_flow_timeouts to;
	uint64_t inserts, evictions, evictions_bucket, expired_idle;
	uint64_t expired_closed, flushed, insert_failed;
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
	t->free_stack[t->free_top++] = idx;
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

static size_t
round_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

size_t
xb_flow_table_memory(uint32_t capacity)
{
	if (capacity == 0 || capacity > XB_FLOW_CAPACITY_MAX)
		return 0;
	return round_up(sizeof(struct xb_flow_table), 64) +
	       (size_t)buckets_for(capacity) * sizeof(struct xb_flow_bucket) +
	       (size_t)capacity * sizeof(struct xb_flow) +
	       (size_t)capacity * XB_FLOW_SIDE_BYTES +
	       round_up((size_t)capacity * sizeof(uint32_t), 64);
}

/* A new flow's side array entry: empty name, zeroed caller state. */
static inline void
side_clear(struct xb_flow_table *t, uint32_t idx)
{
	char *side = t->names + (size_t)idx * XB_FLOW_SIDE_BYTES;

	side[0] = '\0';
	memset(side + XB_FLOW_NAME_MAX, 0, XB_FLOW_EXT_BYTES);
}

static void *
default_zalloc(size_t size, size_t align, void *arg)
{
	void *p;

	(void)arg;
	p = aligned_alloc(align, round_up(size, align));
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static void
default_free(void *p, void *arg)
{
	(void)arg;
	free(p);
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
	    (p->zalloc == NULL) != (p->free == NULL)) {
		errno = EINVAL;
		return NULL;
	}
	za = p->zalloc ? p->zalloc : default_zalloc;
	fr = p->free ? p->free : default_free;

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
	t->free_stack = za(round_up((size_t)p->capacity * sizeof(uint32_t),
				    64), 64, p->alloc_arg);
	if (t->h.buckets == NULL || t->h.entries == NULL || t->names == NULL ||
	    t->free_stack == NULL) {
		xb_flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->memory_bytes = xb_flow_table_memory(p->capacity);

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

/*
 * Both buckets of the pair are full: end the oldest unpinned entry of the
 * 16 slots.  Returns false when all 16 are pinned.
 */
static bool
evict_in_pair(struct xb_flow_table *t, uint32_t b, xb_flow_end_fn end_fn,
	      void *ctx)
{
	uint32_t vb = 0, pass_b = b;
	unsigned int vs = 0, s, pass;
	uint64_t oldest = UINT64_MAX;
	bool found = false;

	for (pass = 0; pass < 2; pass++, pass_b ^= 1) {
		const struct xb_flow_bucket *bk = &t->h.buckets[pass_b];

		for (s = 0; s < XB_FLOW_BUCKET_SLOTS; s++) {
			const struct xb_flow *f = &t->h.entries[bk->idx[s]];

			if (bk->sig[s] == 0 || pinned(t, f))
				continue;
			if (!found || f->last_ns < oldest) {
				oldest = f->last_ns;
				vb = pass_b;
				vs = s;
				found = true;
			}
		}
	}
	if (!found)
		return false;
	end_flow(end_fn, ctx, &t->h.entries[t->h.buckets[vb].idx[vs]],
		 XB_FLOW_END_EVICTED);
	slot_remove(t, vb, vs);
	t->evictions++;
	t->evictions_bucket++;
	return true;
}

/*
 * Every entry is live: end the oldest unpinned one of a window taken
 * round-robin over the entry array (an LRU approximation with bounded
 * work).  Returns false when no unpinned entry was found within the scan
 * bound.
 */
static bool
evict_from_pool(struct xb_flow_table *t, xb_flow_end_fn end_fn, void *ctx)
{
	uint32_t scan_max = t->capacity < XB_FLOW_EVICT_SCAN_MAX ?
				    t->capacity : XB_FLOW_EVICT_SCAN_MAX;
	uint32_t victim = 0, hand = t->evict_hand, i, vb;
	uint64_t oldest = UINT64_MAX;
	unsigned int seen = 0, vs;
	bool found = false;

	for (i = 0; i < scan_max; i++) {
		const struct xb_flow *f = &t->h.entries[hand];

		if (!pinned(t, f)) {
			if (!found || f->last_ns < oldest) {
				oldest = f->last_ns;
				victim = hand;
				found = true;
			}
			if (++seen >= XB_FLOW_EVICT_WINDOW) {
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
	if (!found)
		return false;
	if (!slot_of(t, xb_flow_key_hash(&t->h.entries[victim].key), victim,
		     &vb, &vs))
		return false; /* cannot happen: every entry is live here */
	end_flow(end_fn, ctx, &t->h.entries[victim], XB_FLOW_END_EVICTED);
	slot_remove(t, vb, vs);
	t->evictions++;
	return true;
}

struct xb_flow *
xb_flow_insert(struct xb_flow_table *t, const struct xb_flow_key *key,
	       uint32_t hash, uint64_t now_ns, xb_flow_end_fn end_fn,
	       void *ctx)
{
	uint32_t b = hash & t->h.bucket_mask, sb, idx;
	uint16_t sig = xb_flow_sig_of(hash);
	struct xb_flow_bucket *bk;
	struct xb_flow *f;
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
		if (!evict_in_pair(t, b, end_fn, ctx)) {
			t->insert_failed++;
			return NULL;
		}
		sb = b;
		m = empty_slots(&t->h.buckets[b]);
		if (m == 0) {
			sb = b ^ 1;
			m = empty_slots(&t->h.buckets[sb]);
		}
	}
	/* An entry: the free stack, else evict from the pool.  (The slot
	 * chosen above stays free: eviction only empties slots.) */
	if (t->free_top == 0 && !evict_from_pool(t, end_fn, ctx)) {
		t->insert_failed++;
		return NULL;
	}
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
	f->name_slot = XB_FLOW_NO_SLOT;
	f->burst = t->h.burst;
	side_clear(t, idx);
	t->inserts++;
	return f;
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
	f->name_slot = XB_FLOW_NO_SLOT;
	f->burst = pin;
	side_clear(t, idx);
	t->inserts++;
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
