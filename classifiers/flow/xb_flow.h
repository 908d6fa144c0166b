/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table.
 *
 * One table per worker lcore, never shared: symmetric RSS sends both
 * directions of a connection to the same worker, and the canonical key
 * (endpoint 0 = the lower (address, port) pair) makes both directions find
 * the same entry.  Entries cache the caller's verdict (struct
 * xb_flow_verdict: country, tenant, category, policy action, DSCP, meter),
 * the ruleset generation it was computed under, per-direction counters,
 * timestamps and TCP state bits.
 *
 * The table is bounded: capacity entries are allocated up front (from a
 * caller-given allocator, so the app can use hugepages and tests calloc) and
 * never grow.  A full table evicts, counts it and calls the end callback;
 * it never scans more than a fixed number of entries.  Eviction takes
 * half-open, closed and idle entries first, then unanswered ones, then the
 * oldest; established flows last, and never for a newcomer that has shown
 * nothing yet (a bare SYN: xb_flow_insert_ex, XB_FLOW_INSERT_PROBATION).
 *
 * Outsiders cannot steer it: buckets come from a keyed hash (SipHash-1-3
 * under a secret drawn when the table is made, xb_flow_hash.h), so flows
 * that collide cannot be computed offline; and the table embeds a memory
 * of evicted flows (xb_flowmem.h) whose owner saves what it knew of a flow
 * it had to give up (xb_flow_remember) and gets it back when the flow is
 * seen again (xb_flow_recall).  Design, memory figures and the caller's
 * burst pattern: classifiers/flow/FLOWTABLE.md.
 *
 * Time is passed in (nanoseconds, any monotonic origin), so the table is
 * pure C, needs no EAL and tests drive aging without sleeping.
 *
 * Thread safety: none by design.  A table belongs to the one worker lcore
 * that created it (or to a test); every function must be called by that
 * thread only.  xb_flow_key_from_pkt() and xb_flow_key_hash() (with the
 * table's hash key, which never changes) are reentrant.
 */
#ifndef XB_FLOW_H
#define XB_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "xb_flow_key.h"
#include "xb_flowmem.h"

/* ------------------------------------------------------------- entries */

#define XB_FLOW_NO_SLOT UINT32_MAX

/* tcp_state bits; "dir" as in xb_flow_key_from_pkt. */
#define XB_FLOW_TCP_SYN0 0x01 /* SYN seen from endpoint 0 */
#define XB_FLOW_TCP_SYN1 0x02
#define XB_FLOW_TCP_FIN0 0x04 /* FIN seen from endpoint 0 */
#define XB_FLOW_TCP_FIN1 0x08
#define XB_FLOW_TCP_RST 0x10  /* RST seen (either direction) */
/* Any packet seen from endpoint 0 / 1, every protocol: a flow with both
 * is answered (established), which eviction protects. */
#define XB_FLOW_SEEN0 0x20
#define XB_FLOW_SEEN1 0x40
#define XB_FLOW_SEEN_BOTH (XB_FLOW_SEEN0 | XB_FLOW_SEEN1)
#define XB_FLOW_TCP_FIN_BOTH (XB_FLOW_TCP_FIN0 | XB_FLOW_TCP_FIN1)

/* TCP header flag bits as the parser gives them (pi->tcp_flags). */
#define XB_TCP_FLAG_FIN 0x01
#define XB_TCP_FLAG_SYN 0x02
#define XB_TCP_FLAG_RST 0x04
#define XB_TCP_FLAG_ACK 0x10

/* A connection is closed after FIN both ways, or after an RST. */
static inline int
xb_flow_tcp_closed(uint8_t tcp_state)
{
	return (tcp_state & XB_FLOW_TCP_RST) ||
	       (tcp_state & XB_FLOW_TCP_FIN_BOTH) == XB_FLOW_TCP_FIN_BOTH;
}

/*
 * A flow's verdict, as the caller caches it in the entry: the indexes its
 * classification gave (country, tenant, category) and what enforcing the
 * policy takes per packet (action, DSCP, meter, how long the decision
 * holds), plus the count of interim records sent.  Plain integers whose
 * meaning is the caller's (the worker's: classifiers/policy): the table
 * zeroes the verdict when it makes or restarts an entry and never reads
 * it.  24 bytes across the entry's two lines (see struct xb_flow): the
 * indexes, action and DSCP end line 0, the rest starts line 1.
 */
struct xb_flow_verdict {
	uint16_t country;  /* indexes into the ruleset's tables */
	uint16_t tenant;
	uint16_t category;
	uint8_t action;    /* the policy's action */
	uint8_t dscp;      /* DSCP to write, or the caller's "keep" value */
	/* line 1 */
	uint32_t meter;    /* meter instance, or the caller's "none" value */
	uint32_t interims; /* interim records sent (active timeout) */
	uint64_t valid_until_ns; /* decide again at this time (ns) */
};

_Static_assert(sizeof(struct xb_flow_verdict) == 24,
	       "xb_flow_verdict is 24 bytes");

/*
 * One flow: 128 bytes, two cache lines, 128-byte aligned so the adjacent-
 * line prefetcher fetches the pair together.  Line 0 is what the lookup
 * compares and a hit reads first (key, generation, the verdict's indexes,
 * action and DSCP) plus everything the table's own aging and eviction
 * decisions read (last_ns, tcp_state, burst), so those scans touch one
 * line per entry.  Line 1 holds the rest of the verdict (meter, interim
 * count, valid-until), the counters a hit increments (a 40-byte key leaves
 * no room for them in line 0; lookup_bulk prefetches both lines) and the
 * fields the miss/name path uses.  The table owns key, last_ns, first_ns
 * and burst; everything else is the caller's (zero after insert).
 */
struct xb_flow {
	/* line 0 */
	struct xb_flow_key key;
	uint64_t last_ns;     /* last packet time, ns */
	uint32_t generation;  /* ruleset generation of the verdict, 0 = none */
	uint8_t remote;       /* which endpoint (0/1) is the remote one */
	uint8_t tcp_state;    /* XB_FLOW_TCP_* and XB_FLOW_SEEN* bits */
	uint8_t burst;        /* table-owned: burst epoch that last pinned it */
	uint8_t spare_;       /* free */
	struct xb_flow_verdict verdict; /* the caller's, opaque here; its
					 * first 8 bytes on line 0 */
	/* line 1, from verdict.meter */
	uint64_t first_ns;    /* first packet, ns */
	uint64_t packets[2];  /* per direction (dir of xb_flow_key_from_pkt) */
	uint64_t bytes[2];    /* frame bytes per direction */
	uint8_t drops_lo[4];  /* the caller's: low bits of its per-flow
			       * drop counts, beside the counters a packet
			       * writes anyway (the rest of its per-flow
			       * state is in the side array: xb_flow_ext) */
	uint8_t init_dir;     /* direction of the first packet seen */
	uint8_t name_state;   /* owned by the name extractor */
	uint8_t name_source;  /* owned by the name extractor */
	uint8_t flags;        /* caller-defined flags */
} __attribute__((aligned(128)));

_Static_assert(sizeof(struct xb_flow) == 128, "xb_flow is 128 bytes");
/* Line 0: what the lookup, the aging and a hit's first reads need. */
_Static_assert(offsetof(struct xb_flow, last_ns) < 64 &&
	       offsetof(struct xb_flow, burst) < 64 &&
	       offsetof(struct xb_flow, tcp_state) < 64 &&
	       offsetof(struct xb_flow, generation) < 64,
	       "key, last_ns, generation, tcp_state and burst on line 0");
_Static_assert(offsetof(struct xb_flow, verdict) +
			       offsetof(struct xb_flow_verdict, meter) == 64,
	       "the verdict's indexes, action and DSCP end line 0");
_Static_assert(offsetof(struct xb_flow, first_ns) >= 64,
	       "line 1: first_ns and the counters");

/*
 * Per-packet update: counters of direction dir, last_ns, TCP state bits from
 * the packet's TCP flags (0 for non-TCP) and the direction's SEEN bit,
 * init_dir on the first packet.
 * bytes: frame bytes.  now_ns: the burst's time.
 * Thread safety: owner lcore only.  Per packet; no allocation.
 */
static inline void
xb_flow_touch(struct xb_flow *f, uint8_t dir, uint32_t bytes,
	      uint8_t tcp_flags, uint64_t now_ns)
{
	uint8_t syn = (tcp_flags >> 1) & 1, fin = tcp_flags & 1;
	uint8_t rst = (tcp_flags >> 2) & 1;

	dir &= 1;
	if (__builtin_expect((f->packets[0] | f->packets[1]) == 0, 0))
		f->init_dir = dir;
	f->packets[dir]++;
	f->bytes[dir] += bytes;
	f->last_ns = now_ns;
	f->tcp_state |= (uint8_t)((syn << dir) | (fin << (2 + dir)) |
				  (rst << 4) | (XB_FLOW_SEEN0 << dir));
}

/*
 * The time part of xb_flow_touch() alone: last_ns = now_ns.  For callers
 * that look a whole burst up before touching its packets: later packets
 * of the burst then see the flow as active, not idle since its previous
 * burst.  Owner lcore only.
 */
static inline void
xb_flow_seen(struct xb_flow *f, uint64_t now_ns)
{
	f->last_ns = now_ns;
}

/* --------------------------------------------------------------- table */

struct xb_flow_table;

/* Idle timeouts, ns.  A zero field in params takes the default. */
struct xb_flow_timeouts {
	uint64_t tcp_ns;        /* open TCP connection */
	uint64_t tcp_closed_ns; /* after FIN both ways or RST */
	uint64_t udp_ns;
	uint64_t other_ns;      /* ICMP, SCTP, GRE, ... */
};

#define XB_FLOW_NS_PER_S 1000000000ull
#define XB_FLOW_TCP_TIMEOUT_DEFAULT (300 * XB_FLOW_NS_PER_S)
#define XB_FLOW_TCP_CLOSED_TIMEOUT_DEFAULT (10 * XB_FLOW_NS_PER_S)
#define XB_FLOW_UDP_TIMEOUT_DEFAULT (60 * XB_FLOW_NS_PER_S)
#define XB_FLOW_OTHER_TIMEOUT_DEFAULT (30 * XB_FLOW_NS_PER_S)

/* Largest capacity accepted (entry indices and memory sizes stay sane). */
#define XB_FLOW_CAPACITY_MAX (1u << 27)

/* The side array beside each entry (never read on a hit): the flow's name
 * (XB_FLOW_NAME_MAX bytes, NUL included), then XB_FLOW_EXT_BYTES of the
 * caller's per-flow state (the name extractor's, and the table lines and
 * drops that explain the verdict: app/dp/xb_verdict.h). */
#define XB_FLOW_SIDE_BYTES 168
#define XB_FLOW_EXT_BYTES 56
#define XB_FLOW_NAME_MAX (XB_FLOW_SIDE_BYTES - XB_FLOW_EXT_BYTES)

/* A remembered name holds any flow name. */
_Static_assert(XB_FLOWMEM_NAME_MAX >= XB_FLOW_NAME_MAX,
	       "the memory of evicted flows keeps whole names");

/* Largest n for xb_flow_lookup_bulk. */
#define XB_FLOW_BULK_MAX 64

/* A flow quiet for this long counts as idle for eviction (ns). */
#define XB_FLOW_EVICT_IDLE_DEFAULT (10 * XB_FLOW_NS_PER_S)
/* memory_entries: no memory of evicted flows. */
#define XB_FLOW_MEMORY_NONE UINT32_MAX

struct xb_flow_table_params {
	uint32_t capacity;                /* max live flows, 1..CAPACITY_MAX */
	struct xb_flow_timeouts timeouts; /* zero fields: defaults */
	/* The hash's secret key; NULL: a fresh one from getrandom() (the
	 * data path's choice; tests pass a fixed one to be repeatable). */
	const struct xb_siphash_key *hash_key;
	/* Records of the evicted-flow memory: 0 = capacity / 8 (at least
	 * XB_FLOWMEM_MIN_ENTRIES), XB_FLOW_MEMORY_NONE = no memory. */
	uint32_t memory_entries;
	uint64_t evict_idle_ns;           /* 0: XB_FLOW_EVICT_IDLE_DEFAULT */
	/* Zeroed memory of size bytes aligned to align (a power of two, at
	 * most 128), or NULL.  Both NULL: aligned_alloc + memset.  E.g. a
	 * wrapper of rte_zmalloc_socket() on the worker's NUMA node. */
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *alloc_arg;
};

enum xb_flow_end_reason {
	XB_FLOW_END_IDLE,    /* no packet for the protocol's idle timeout */
	XB_FLOW_END_CLOSED,  /* FIN both ways or RST, then tcp_closed_ns */
	XB_FLOW_END_EVICTED, /* table (or bucket pair) full: room for a new one */
	XB_FLOW_END_FLUSH,   /* xb_flow_flush (exit) */
};

/* Called once per ended flow, before its entry is reused; f (and its name)
 * are valid only during the call.  Must not call back into the table. */
typedef void (*xb_flow_end_fn)(void *ctx, struct xb_flow *f,
			       enum xb_flow_end_reason why);

/*
 * Create a table.  Allocates everything up front (see FLOWTABLE.md for the
 * bytes per flow; xb_flow_table_stats().memory_bytes gives the total).
 * Returns NULL and sets errno: EINVAL (capacity 0 or above CAPACITY_MAX,
 * memory_entries above XB_FLOWMEM_MAX_ENTRIES, only one of zalloc/free
 * given), ENOMEM, or getrandom()'s error when no secret could be drawn
 * (the table never falls back to a predictable hash).
 * Thread safety: any thread; the table then belongs to one thread.
 */
struct xb_flow_table *xb_flow_table_create(const struct xb_flow_table_params *p);

/* Free a table (without calling end callbacks: flush first).  NULL ok.
 * Owner thread only, once no one uses the table. */
void xb_flow_table_free(struct xb_flow_table *t);

/*
 * Start a new burst: entries pinned by the previous burst become evictable
 * again.  xb_flow_lookup_bulk() calls this itself; call it only when the
 * burst uses xb_flow_lookup() alone.  Owner lcore only.
 */
void xb_flow_burst_begin(struct xb_flow_table *t);

/*
 * Bulk lookup of n <= XB_FLOW_BULK_MAX keys with their hashes
 * (xb_flow_key_hash under xb_flow_table_hash_key(t)): out[i] = the entry or NULL.  (A larger n is a caller
 * bug: only the first XB_FLOW_BULK_MAX keys are looked up and written.)  Starts a new burst, and
 * pins every entry found: until the next burst, xb_flow_insert() will not
 * evict it, so the pointers in out[] stay valid while the caller inserts the
 * burst's misses.  Prefetches buckets for all n, then candidate entries,
 * then compares.  Counts lookups and hits.
 * Thread safety: owner lcore only.  Per burst; no allocation.
 */
void xb_flow_lookup_bulk(struct xb_flow_table *t,
			 const struct xb_flow_key *keys,
			 const uint32_t *hashes, unsigned int n,
			 struct xb_flow **out);

/* Single lookup: xb_flow_lookup(), inline, below. */

/*
 * What an entry is to eviction, at a time (xb_flow_class()), in the order
 * eviction takes them: half-open and idle first, then unanswered, then
 * established.
 */
enum xb_flow_class {
	XB_FLOW_CLASS_HALF_OPEN,   /* TCP seen from one side only (a SYN, or
				    * anything, never answered) */
	XB_FLOW_CLASS_IDLE,        /* quiet for evict_idle_ns, or a closed
				    * TCP connection */
	XB_FLOW_CLASS_UNANSWERED,  /* not TCP, seen from one side only */
	XB_FLOW_CLASS_ESTABLISHED, /* packets from both sides */
	XB_FLOW_CLASS_MAX
};

/* Names of the classes ("half_open", "idle", "unanswered",
 * "established"), for counters. */
extern const char *const xb_flow_class_names[XB_FLOW_CLASS_MAX];

/* The class of live entry f at now_ns.  Reads line 0 only.  Owner
 * lcore. */
enum xb_flow_class xb_flow_class(const struct xb_flow_table *t,
				 const struct xb_flow *f, uint64_t now_ns);

/* Flags of xb_flow_insert_ex(). */
/* The newcomer has shown nothing a connection shows (a bare TCP SYN, the
 * packet of a SYN flood): it may take the room of half-open, idle and
 * unanswered entries only, never an established flow's.  Without such
 * room it gets no entry (NULL, counted insert_refused). */
#define XB_FLOW_INSERT_PROBATION 0x1u

/*
 * Insert a new flow after a miss.  If the key is already present (two
 * packets of one new flow in the same burst both missed) that entry is
 * returned and nothing is created: the caller tells a fresh entry by
 * generation == 0 / no packets yet.  Otherwise the new entry has its key,
 * first_ns = last_ns = now_ns, an empty name and zeroed caller state
 * (xb_flow_ext), everything else zero; it is pinned for the current burst.
 *
 * When room is short it evicts exactly one flow (end_fn(EVICTED) first),
 * preferring by class (xb_flow_class at now_ns), then the least recent
 * last_ns: among the 16 slots of the key's bucket pair when both buckets
 * are full; otherwise, when all capacity entries are live, the oldest
 * half-open or unanswered entry (a FIFO of new entries in insertion
 * order, skipping those answered since), else the best of a bounded
 * window (8 unpinned entries, up to 256 scanned when many are pinned)
 * taken round-robin over the entry array.  Evictions are counted by the
 * victim's class.
 *
 * Returns NULL when every candidate is pinned by the current burst
 * (capacity, or one bucket pair's 16 slots, smaller than the burst's
 * distinct flows; counted insert_failed), or, with PROBATION, when the
 * only candidates are established (insert_refused).  The caller then
 * handles the packet without flow state.
 * Thread safety: owner lcore only.  Per new flow; bounded work, no allocation.
 */
struct xb_flow *xb_flow_insert_ex(struct xb_flow_table *t,
				  const struct xb_flow_key *key, uint32_t hash,
				  uint64_t now_ns, unsigned int flags,
				  xb_flow_end_fn end_fn, void *ctx);

/* xb_flow_insert_ex() without flags: any entry may give way. */
struct xb_flow *xb_flow_insert(struct xb_flow_table *t,
			       const struct xb_flow_key *key, uint32_t hash,
			       uint64_t now_ns, xb_flow_end_fn end_fn,
			       void *ctx);

/*
 * Memory of evicted flows.  xb_flow_remember(): from the end callback of
 * an EVICTED flow f, keep rec (what the caller knew of it) at now_ns;
 * false when the table has no memory, or f is a closed TCP connection
 * (the next connection of its 5-tuple is a new one, with a new name).
 * xb_flow_recall(): for a new entry of key k (hash: its hash under the
 * table's key), the record kept for k, if it was kept no longer ago than
 * the flow's idle timeout (a flow that had stayed would have been alive
 * still); the record is removed.  Both bounded (one set of 4), no
 * allocation; owner lcore only.
 */
bool xb_flow_remember(struct xb_flow_table *t, const struct xb_flow *f,
		      uint64_t now_ns, const struct xb_flowmem_rec *rec);
bool xb_flow_recall(struct xb_flow_table *t, const struct xb_flow_key *k,
		    uint32_t hash, uint64_t now_ns, struct xb_flowmem_rec *out);

/*
 * Incremental aging: examine up to max_buckets buckets (8 slots each) from a
 * clock hand; end (end_fn then free) flows idle for at least their timeout:
 * tcp_closed_ns for a closed TCP connection (reason CLOSED), else tcp_ns /
 * udp_ns / other_ns (reason IDLE).  Entries pinned by the current burst are
 * skipped.  Call once per loop iteration; a full sweep takes
 * buckets / max_buckets calls (FLOWTABLE.md).  Returns flows ended.
 * Thread safety: owner lcore only.  Bounded work, no allocation.
 */
/*
 * A flow found by a lookup but idle for longer than its timeout (the sweep
 * had not reached it yet) has ended: report it to end_fn (idle or closed)
 * and restart the entry in place as a new flow of the same key, with
 * generation 0.  Returns true when it did.  Call right after the lookup,
 * before touching the flow.
 */
static inline bool xb_flow_restart_if_idle(struct xb_flow_table *t,
					   struct xb_flow *f, uint64_t now_ns,
					   xb_flow_end_fn end_fn, void *ctx);
/* Whether f has been idle for its timeout at now_ns, i.e. whether
 * xb_flow_restart_if_idle() would end it; changes nothing.  Inline, below.
 * Owner lcore only. */
static inline bool xb_flow_idle(const struct xb_flow_table *t,
				const struct xb_flow *f, uint64_t now_ns);
bool xb_flow_idle_slow(const struct xb_flow_table *t, const struct xb_flow *f,
		       uint64_t now_ns);
/* The out-of-line part of xb_flow_restart_if_idle(), for flows idle at
 * least the shortest timeout. */
bool xb_flow_restart_if_idle_slow(struct xb_flow_table *t, struct xb_flow *f,
				  uint64_t now_ns, xb_flow_end_fn end_fn,
				  void *ctx);

/* Called for each live flow the sweep looks at and keeps (not ended); it
 * may update the flow's caller-owned fields, not the table. */
typedef void (*xb_flow_live_fn)(void *ctx, struct xb_flow *f, uint64_t now_ns);

/* xb_flow_expire() that also shows every flow it keeps to live_fn (NULL:
 * none): the worker's active timeout (interim records of long flows)
 * rides on the same bounded sweep. */
unsigned int xb_flow_sweep(struct xb_flow_table *t, uint64_t now_ns,
			   unsigned int max_buckets, xb_flow_end_fn end_fn,
			   xb_flow_live_fn live_fn, void *ctx);
unsigned int xb_flow_expire(struct xb_flow_table *t, uint64_t now_ns,
			    unsigned int max_buckets, xb_flow_end_fn end_fn,
			    void *ctx);

/* End every live flow (end_fn(FLUSH) for each, exactly once).  At exit.
 * Owner lcore only. */
void xb_flow_flush(struct xb_flow_table *t, xb_flow_end_fn end_fn, void *ctx);

/* Call fn for each live flow, in table order, without ending or changing
 * it.  fn must not call back into the table.  Owner lcore only. */
void xb_flow_foreach(struct xb_flow_table *t,
		     void (*fn)(void *ctx, const struct xb_flow *f), void *ctx);

struct xb_flow_table_stats {
	uint64_t inserts;        /* flows created */
	uint64_t evictions;      /* flows ended for room (all causes) */
	uint64_t evictions_bucket; /* of which because a bucket pair was full */
	/* the same by the victim's class (xb_flow_class) */
	uint64_t evictions_by_class[XB_FLOW_CLASS_MAX];
	uint64_t insert_refused; /* PROBATION newcomer, only established
				  * candidates: no entry */
	/* memory of evicted flows (zero without one) */
	uint64_t remembered;     /* records kept */
	uint64_t recalled;       /* records given back to a new entry */
	uint64_t memory_replaced; /* records lost to newer ones */
	uint64_t memory_expired; /* records found too old */
	uint32_t memory_live;
	uint32_t memory_entries;
	uint64_t expired_idle;
	uint64_t expired_closed;
	uint64_t flushed;
	uint64_t insert_failed;  /* every candidate pinned: no entry */
	uint64_t lookups;        /* keys looked up */
	uint64_t hits;
	uint32_t in_use;
	uint32_t capacity;
	uint32_t buckets;
	size_t memory_bytes;     /* everything the table allocated */
};
/* Invariant: inserts == in_use + evictions + expired_idle + expired_closed
 * + flushed. */

/* Snapshot of the table's counters.  Owner lcore (the control plane asks the
 * worker; the fields are plain, unsynchronised). */
void xb_flow_table_stats(const struct xb_flow_table *t,
			 struct xb_flow_table_stats *st);

/* The name side array: XB_FLOW_NAME_MAX bytes (NUL included) beside each
 * entry, empty after insert; written by the name extractor, read by the flow
 * log.  Kept out of the entry so hits never touch it.  Owner lcore only. */
char *xb_flow_name(struct xb_flow_table *t, const struct xb_flow *f);

/* XB_FLOW_EXT_BYTES of the caller's state beside the name, 8-byte
 * aligned, zeroed on insert and restart; out of the entry, like the name,
 * for state that only the first packets of a flow need (the name
 * extractor's).  Owner lcore only. */
void *xb_flow_ext(struct xb_flow_table *t, const struct xb_flow *f);

/* Bytes a table of this capacity allocates with the default memory of
 * evicted flows (for sizing hugepage pools); 0 for an invalid capacity.
 * Reentrant. */
size_t xb_flow_table_memory(uint32_t capacity);

/* -------------------------------------------------------- inline lookup */

/*
 * The per-packet lookup is inline so that the worker can spread it over its
 * per-packet loop: xb_flow_prefetch_bucket() as soon as a packet's hash is
 * known, xb_flow_prefetch_candidate() a few packets ahead, xb_flow_lookup()
 * when the packet's turn comes.  Each memory access is then in flight while
 * other packets are worked on, instead of all of them waiting in one bulk
 * call.  The layout below is public for that reason only: callers use the
 * functions, never the fields.
 */
#define XB_FLOW_BUCKET_SLOTS 8

/*
 * One cache line: 8 slots of (16-bit signature, 32-bit entry index).
 * sig 0 marks an empty slot (real signatures are never 0), so the SIMD
 * signature compare skips empty slots for free.  Buckets b and b ^ 1 form a
 * pair: when a key's home bucket is full it may live in the partner
 * ("spilled"); the home bucket counts its spilled keys so lookups read the
 * partner only when that count is non-zero.
 */
struct xb_flow_bucket {
	uint16_t sig[XB_FLOW_BUCKET_SLOTS];
	uint32_t idx[XB_FLOW_BUCKET_SLOTS];
	uint8_t spilled;   /* bit s: slot s holds a key whose home is b ^ 1 */
	uint8_t spill_out; /* keys of this bucket stored in b ^ 1 */
	uint8_t pad[14];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct xb_flow_bucket) == 64, "bucket is one line");

/* The first member of struct xb_flow_table: what a lookup reads. */
struct xb_flow_table_head {
	struct xb_flow_bucket *buckets;
	struct xb_flow *entries;
	uint32_t bucket_mask;
	uint8_t burst;       /* current burst epoch (pins), never 0 */
	uint64_t lookups;
	uint64_t hits;
	uint64_t min_timeout_ns; /* the shortest idle timeout */
	/* The keyed hash's key: callers hash packets with it
	 * (xb_flow_table_hash_key) before they look them up. */
	struct xb_siphash_key hkey;
};

static inline const struct xb_flow_table_head *
xb_flow_head_c(const struct xb_flow_table *t)
{
	return (const struct xb_flow_table_head *)(const void *)t;
}

/* The key every hash given to this table must be computed with
 * (xb_flow_key_from_pkt_hash, xb_flow_key_hash).  Constant for the
 * table's life; any thread may read it once the table is made. */
static inline const struct xb_siphash_key *
xb_flow_table_hash_key(const struct xb_flow_table *t)
{
	return &xb_flow_head_c(t)->hkey;
}

static inline uint16_t
xb_flow_sig_of(uint32_t hash)
{
	uint16_t s = (uint16_t)(hash >> 16);

	return s ? s : 1;
}

/* Bit s set when slot s holds signature sig. */
static inline unsigned int
xb_flow_sig_match(const struct xb_flow_bucket *b, uint16_t sig)
{
#if defined(__SSE2__)
	__m128i v = _mm_load_si128((const __m128i *)(const void *)b->sig);
	/* The signature broadcast from a 32-bit pair: from a 16-bit value gcc
	 * may spill it and reload it wider, a store-forwarding stall. */
	__m128i eq = _mm_cmpeq_epi16(
		v, _mm_set1_epi32((int)((uint32_t)sig * 0x10001u)));

	/* 16-bit lanes of 0 / -1 packed to bytes (saturation keeps them),
	 * then one mask bit per slot. */
	return (unsigned int)_mm_movemask_epi8(
		_mm_packs_epi16(eq, _mm_setzero_si128()));
#else
	unsigned int m = 0, s;

	for (s = 0; s < XB_FLOW_BUCKET_SLOTS; s++)
		m |= (unsigned int)(b->sig[s] == sig) << s;
	return m;
#endif
}

static inline void
xb_flow_prefetch_entry(const struct xb_flow *f)
{
	/* both lines, for write: a hit updates last_ns and the counters */
	__builtin_prefetch(f, 1, 3);
	__builtin_prefetch((const char *)f + 64, 1, 3);
}

/* Entry for key among the slots of bk whose bit is set in cand, or NULL. */
static inline struct xb_flow *
xb_flow_match_in(const struct xb_flow_table_head *h,
		 const struct xb_flow_bucket *bk, unsigned int cand,
		 const struct xb_flow_key *key)
{
	while (cand) {
		unsigned int s = (unsigned int)__builtin_ctz(cand);
		struct xb_flow *f = &h->entries[bk->idx[s]];

		if (xb_flow_key_eq(&f->key, key))
			return f;
		cand &= cand - 1;
	}
	return NULL;
}

/* Full lookup in home bucket b, then in the partner if b spilled. */
static inline struct xb_flow *
xb_flow_find(const struct xb_flow_table_head *h, const struct xb_flow_key *key,
	     uint32_t b, uint16_t sig)
{
	const struct xb_flow_bucket *bk = &h->buckets[b];
	struct xb_flow *f = xb_flow_match_in(h, bk, xb_flow_sig_match(bk, sig),
					     key);

	if (f == NULL && bk->spill_out) {
		const struct xb_flow_bucket *pb = &h->buckets[b ^ 1];

		f = xb_flow_match_in(h, pb, xb_flow_sig_match(pb, sig) &
					     pb->spilled, key);
	}
	return f;
}

/* Start loading the bucket line of hash.  Per packet, as early as its hash
 * is known; never faults.  Owner lcore only. */
static inline void
xb_flow_prefetch_bucket(const struct xb_flow_table *t, uint32_t hash)
{
	const struct xb_flow_table_head *h = xb_flow_head_c(t);

	__builtin_prefetch(&h->buckets[hash & h->bucket_mask], 0, 3);
}

/* Start loading the entry the hash's signature points at (the first
 * candidate of the home bucket), both lines.  Reads the bucket line: call
 * it some time after xb_flow_prefetch_bucket().  Owner lcore only. */
static inline void
xb_flow_prefetch_candidate(const struct xb_flow_table *t, uint32_t hash)
{
	const struct xb_flow_table_head *h = xb_flow_head_c(t);
	const struct xb_flow_bucket *bk = &h->buckets[hash & h->bucket_mask];
	unsigned int m = xb_flow_sig_match(bk, xb_flow_sig_of(hash));

	if (m)
		xb_flow_prefetch_entry(&h->entries[bk->idx[__builtin_ctz(m)]]);
}

/*
 * Single lookup of key (hash = xb_flow_key_hash(xb_flow_table_hash_key(t),
 * key)): the entry or NULL.
 * Pins the entry found for the current burst (see xb_flow_lookup_bulk) and
 * counts the lookup.  Callers that look up a burst one packet at a time
 * call xb_flow_burst_begin() once per burst first.
 * Thread safety: owner lcore only.  Per packet; no allocation.
 */
static inline struct xb_flow *
xb_flow_lookup(struct xb_flow_table *t, const struct xb_flow_key *key,
	       uint32_t hash)
{
	struct xb_flow_table_head *h = (struct xb_flow_table_head *)(void *)t;
	struct xb_flow *f = xb_flow_find(h, key, hash & h->bucket_mask,
					 xb_flow_sig_of(hash));

	h->lookups++;
	if (f != NULL) {
		f->burst = h->burst;
		h->hits++;
	}
	return f;
}

static inline bool
xb_flow_idle(const struct xb_flow_table *t, const struct xb_flow *f,
	     uint64_t now_ns)
{
	if (__builtin_expect(now_ns - f->last_ns < xb_flow_head_c(t)->min_timeout_ns, 1))
		return false;
	return xb_flow_idle_slow(t, f, now_ns);
}

/* See the declaration above: the common case (active within the shortest
 * timeout; a clock that went back wraps into the slow path, which knows)
 * costs one compare. */
static inline bool
xb_flow_restart_if_idle(struct xb_flow_table *t, struct xb_flow *f,
			uint64_t now_ns, xb_flow_end_fn end_fn, void *ctx)
{
	if (__builtin_expect(!xb_flow_idle(t, f, now_ns), 1))
		return false;
	return xb_flow_restart_if_idle_slow(t, f, now_ns, end_fn, ctx);
}

#endif /* XB_FLOW_H */
