/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two-rate three-colour marker (RFC 2698, colour-blind) whose rates hold
 * for the aggregate of all worker cores.  See METER.md for the design and
 * its error bound.
 *
 * Units: rates in kbit/s (1000 bit/s) of Ethernet frame bytes, bursts in
 * bytes, time in nanoseconds passed in by the caller (wall or capture
 * clock).  Internally a token is one micro-bit (10^-6 bit), so that a rate
 * of R kbit/s is exactly R tokens per nanosecond and all arithmetic is in
 * exact integers: no rounding of rates at all.
 *
 * A meter set holds n_instances meters and n_workers per-worker caches.
 * With one worker, every instance is an exact RFC 2698 meter.  With more,
 * workers take grants of tokens from shared buckets (one CAS per grant,
 * never per packet) and spend them locally.
 *
 * Reload: a new ruleset creates a new set, whose meters start full (as
 * RFC 2698 says for a new meter); the old set is freed after the grace
 * period.  State is not carried over.
 */
#ifndef XB_METER_H
#define XB_METER_H

#include <stddef.h>
#include <stdint.h>

enum xb_color {
	XB_GREEN = 0,
	XB_YELLOW = 1,
	XB_RED = 2,
};

#define XB_METER_NONE UINT32_MAX         /* "no meter" instance id */
#define XB_METER_KBPS_MAX 1000000000u    /* 1 Tbit/s */
#define XB_METER_BURST_MAX 4000000000u   /* bytes per bucket */
#define XB_METER_UBIT_PER_BYTE 8000000ull /* tokens (micro-bits) per byte */
#define XB_METER_GRANT_MIN 1518u         /* bytes: one full-size frame */

/*
 * A converted profile: build it with xb_meter_profile_init() (once, at
 * ruleset build), never fill it by hand.
 */
struct xb_meter_profile {
	uint32_t cir_kbps;   /* = tokens per ns of the committed bucket */
	uint32_t pir_kbps;   /* = tokens per ns of the peak bucket */
	uint64_t cbs_tok;    /* committed bucket depth, tokens */
	uint64_t pbs_tok;    /* peak bucket depth, tokens */
	uint64_t cfill_ns;   /* time to fill the empty committed bucket */
	uint64_t pfill_ns;   /* time to fill the empty peak bucket */
	uint64_t cgrant_ns;  /* committed tokens per grant, as time */
	uint64_t pgrant_ns;  /* peak tokens per grant, as time */
};

/*
 * Convert (cir kbit/s, cbs bytes, pir kbit/s, pbs bytes) into a profile.
 * Requires 1 <= cir <= pir <= XB_METER_KBPS_MAX and 1 <= cbs, pbs <=
 * XB_METER_BURST_MAX.  Returns 0, or -EINVAL (p untouched).  Any thread.
 */
int xb_meter_profile_init(struct xb_meter_profile *p, uint32_t cir_kbps,
			  uint32_t cbs_bytes, uint32_t pir_kbps,
			  uint32_t pbs_bytes);

/* Optional allocator (e.g. rte_zmalloc_socket on the worker's socket). */
struct xb_meter_alloc {
	/* Zeroed memory of size bytes aligned to align (a power of two). */
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*free)(void *ptr, void *arg);
	void *arg;
};

/* Per (worker, instance) cache; private, exposed for the inline path. */
struct xb_meter_local {
	uint64_t tok_p;   /* peak tokens held by this worker */
	uint64_t tok_c;   /* committed tokens held by this worker */
	uint64_t retry_p; /* grant mode: no peak grant before this time;
			   * exact mode: time of the last refill */
	uint64_t retry_c; /* grant mode: no committed grant before this time */
	/* Demand seen by this worker, tokens, counted on the slow path only
	 * (the inline fast path stays as it is): peak tokens taken from the
	 * shared bucket (grant mode) or charged (exact mode), plus red
	 * packets.  Wraps; read with xb_meter_offered_tok(). */
	uint64_t offered_tok;
};

struct xb_meter_shared;

/* Private, exposed only for the inline xb_meter_color(). */
struct xb_meter_set {
	uint32_t n_instances;
	uint32_t n_workers;
	uint32_t grant_mode; /* 0: exact single-worker RFC 2698 */
	uint32_t pad_;
	struct xb_meter_local **local;  /* [worker][instance] */
	struct xb_meter_shared *shared; /* [instance], cache-line each */
	/* [instance], immutable; replaced as a whole by
	 * xb_meter_set_rescale() (release store), read by workers with an
	 * acquire load once per slow-path call. */
	struct xb_meter_profile *prof;
	struct xb_meter_profile *base;  /* [instance] as built (share 1) */
	struct xb_meter_alloc alloc;
};

/*
 * Create a set of n_instances meters, instance i with profiles[i], usable
 * by workers 0..n_workers-1; every meter starts full.  alloc may be NULL
 * (libc).  Returns NULL on bad arguments (n_workers 0, more than 1024
 * workers, profiles NULL with n_instances > 0) or allocation failure.
 * Memory: 128 bytes per instance plus 40 bytes per (worker, instance).
 * Control plane only.
 */
struct xb_meter_set *xb_meter_set_create(uint32_t n_instances,
					 const struct xb_meter_profile *profiles,
					 uint32_t n_workers,
					 const struct xb_meter_alloc *alloc);

/* Free a set no worker uses any more.  NULL is fine.  Control plane. */
void xb_meter_set_free(struct xb_meter_set *s);

/* Slow path of xb_meter_color(); call that instead. */
enum xb_color xb_meter_color_slow(struct xb_meter_set *s, uint32_t worker,
				  uint32_t instance, uint64_t now_ns,
				  uint32_t bytes);

/*
 * Colour one packet of `bytes` frame bytes at time now_ns (ns, the
 * caller's clock, below 2^62) on meter `instance`, as worker `worker`, and charge the
 * buckets (green charges both, yellow the peak bucket, red neither).
 * An instance or worker out of range gives red (fail closed).
 * Thread safety: each worker index is used by one thread at a time;
 * different workers may run concurrently.  No allocation, no lock; in
 * grant mode an atomic only once per grant.
 */
static inline enum xb_color
xb_meter_color(struct xb_meter_set *s, uint32_t worker, uint32_t instance,
	       uint64_t now_ns, uint32_t bytes)
{
	if (__builtin_expect(s->grant_mode && worker < s->n_workers &&
			     instance < s->n_instances, 1)) {
		struct xb_meter_local *l = &s->local[worker][instance];
		uint64_t need = (uint64_t)bytes * XB_METER_UBIT_PER_BYTE;

		if (__builtin_expect(l->tok_p >= need && l->tok_c >= need,
				     1)) {
			l->tok_p -= need;
			l->tok_c -= need;
			return XB_GREEN;
		}
	}
	return xb_meter_color_slow(s, worker, instance, now_ns, bytes);
}

/*
 * Aggregate meters across gateways (app/ctl/CLUSTER.md): out = base with
 * its rates times share_ppm / 10^6 (at least 1 kbit/s each) and its
 * bucket depths scaled alike, so the fill times, grant times and thus the
 * meaning of the shared buckets' "empty" times stay the same: a gateway
 * running share s of a row holds s of its tokens.  share_ppm 0 counts as
 * 1, above 10^6 as 10^6.  Any thread.
 */
void xb_meter_profile_scale(const struct xb_meter_profile *base,
			    uint32_t share_ppm, struct xb_meter_profile *out);

/*
 * Replace every instance's profile by its built profile scaled by
 * share_ppm[instance] (xb_meter_profile_scale), in one release store of a
 * new immutable array: a worker sees the old or the new array, never a
 * mix, and takes no lock.  Tokens already in worker caches are kept
 * (bounded by one grant each, as METER.md says).  *old gets the array
 * replaced when the caller must free it (free(), after every worker has
 * passed a quiescent point: a grace period), else NULL.  Returns 0, or
 * -ENOMEM (nothing changed).  Control plane (one thread per set).
 */
int xb_meter_set_rescale(struct xb_meter_set *s, const uint32_t *share_ppm,
			 void **old);

/*
 * Demand on meter instance, summed over workers, in tokens (micro-bits;
 * XB_METER_UBIT_PER_BYTE per byte), a counter that wraps modulo 2^64:
 * take differences.  It counts what the meter was offered: the bytes it
 * passed (in grant mode as the peak tokens workers took from the shared
 * bucket, so ahead by at most one grant per worker) plus the bytes it
 * coloured red.  For cluster shares (app/ctl/CLUSTER.md), where a
 * gateway's demand must not shrink with its share.  Control plane, any
 * time (relaxed loads of counters one worker each writes); 0 for an
 * instance out of range.
 */
uint64_t xb_meter_offered_tok(const struct xb_meter_set *s, uint32_t instance);

/*
 * Burst form: colour n packets of one worker, all at now_ns; colors[i]
 * gets an enum xb_color.  Instances XB_METER_NONE are unmetered and get
 * green without touching any meter.  Returns n.  Same thread rules.
 */
uint16_t xb_meter_color_burst(struct xb_meter_set *s, uint32_t worker,
			      const uint32_t *instances,
			      const uint32_t *bytes, uint16_t n,
			      uint64_t now_ns, uint8_t *colors);

#endif /* XB_METER_H */
