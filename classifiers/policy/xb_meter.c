/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trTCM (RFC 2698, colour-blind) with aggregate rates across workers.
 * Design and error bound: METER.md.
 */
#include "xb_meter.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64
/* A clock that steps back by more than this restarts a bucket (full) or
 * drops a pending retry time instead of stalling for the step. */
#define STEP_BACK_NS 1000000000ull
/* Longest wait between grant attempts of a worker that got too few
 * tokens; also the longest "retry" time honoured (a larger one means the
 * clock stepped back). */
#define RETRY_MAX_NS 1000000000ull
/* Grant target: about 100 us of tokens at the bucket's rate. */
#define GRANT_WINDOW_NS 100000ull
/* Shared bucket times carry this bias so that "empty at now - fill" is
 * never below zero, whatever clock the caller uses (capture clocks may
 * start at 0). */
#define TIME_BIAS (1ull << 62)

/*
 * Shared state of one instance: each bucket as the (biased) time at which
 * it would have been empty.  tokens(t) = min(fill, t - empty) x rate.
 * One 64-bit word per bucket, so a grant is one CAS.  One cache line per
 * instance: workers metering different instances never share a line.
 */
struct xb_meter_shared {
	uint64_t empty_p;
	uint64_t empty_c;
} __attribute__((aligned(CACHE_LINE)));

static uint64_t
div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static uint64_t
grant_ns(uint64_t depth_bytes, uint32_t kbps)
{
	/* Bytes accrued in GRANT_WINDOW_NS: kbps tokens/ns x window / 8e6. */
	uint64_t g = (uint64_t)kbps * GRANT_WINDOW_NS / XB_METER_UBIT_PER_BYTE;

	if (g > depth_bytes / 8)
		g = depth_bytes / 8;
	if (g < XB_METER_GRANT_MIN)
		g = XB_METER_GRANT_MIN;
	if (g > depth_bytes)
		g = depth_bytes;
	return div_ceil(g * XB_METER_UBIT_PER_BYTE, kbps);
}

int
xb_meter_profile_init(struct xb_meter_profile *p, uint32_t cir_kbps,
		      uint32_t cbs_bytes, uint32_t pir_kbps, uint32_t pbs_bytes)
{
	if (p == NULL || cir_kbps == 0 || pir_kbps < cir_kbps ||
	    pir_kbps > XB_METER_KBPS_MAX || cbs_bytes == 0 ||
	    pbs_bytes == 0 || cbs_bytes > XB_METER_BURST_MAX ||
	    pbs_bytes > XB_METER_BURST_MAX)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->cir_kbps = cir_kbps;
	p->pir_kbps = pir_kbps;
	p->cbs_tok = (uint64_t)cbs_bytes * XB_METER_UBIT_PER_BYTE;
	p->pbs_tok = (uint64_t)pbs_bytes * XB_METER_UBIT_PER_BYTE;
	/* Rounded up: a full bucket in the time domain may hold up to one
	 * nanosecond of extra tokens (< rate tokens, under 1 byte at
	 * 8 Gbit/s); the exact mode caps at the byte depth anyway. */
	p->cfill_ns = div_ceil(p->cbs_tok, cir_kbps);
	p->pfill_ns = div_ceil(p->pbs_tok, pir_kbps);
	p->cgrant_ns = grant_ns(cbs_bytes, cir_kbps);
	p->pgrant_ns = grant_ns(pbs_bytes, pir_kbps);
	return 0;
}

static void *
libc_zalloc(size_t size, size_t align, void *arg)
{
	void *p;

	(void)arg;
	if (size == 0)
		size = align;
	size = (size + align - 1) & ~(align - 1);
	p = aligned_alloc(align, size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static void
libc_free(void *ptr, void *arg)
{
	(void)arg;
	free(ptr);
}

struct xb_meter_set *
xb_meter_set_create(uint32_t n_instances,
		    const struct xb_meter_profile *profiles, uint32_t n_workers,
		    const struct xb_meter_alloc *alloc)
{
	struct xb_meter_alloc a = { libc_zalloc, libc_free, NULL };
	struct xb_meter_set *s;

	if (n_workers == 0 || n_workers > 1024 ||
	    (profiles == NULL && n_instances > 0))
		return NULL;
	if (alloc != NULL) {
		if (alloc->zalloc == NULL || alloc->free == NULL)
			return NULL;
		a = *alloc;
	}
	s = a.zalloc(sizeof(*s), CACHE_LINE, a.arg);
	if (s == NULL)
		return NULL;
	s->alloc = a;
	s->n_instances = n_instances;
	s->n_workers = n_workers;
	s->grant_mode = n_workers > 1;
	s->local = a.zalloc(sizeof(*s->local) * n_workers, CACHE_LINE, a.arg);
	s->shared = a.zalloc(sizeof(*s->shared) * (n_instances + 1),
			     CACHE_LINE, a.arg);
	s->prof = a.zalloc(sizeof(*s->prof) * (n_instances + 1), CACHE_LINE,
			   a.arg);
	if (s->local == NULL || s->shared == NULL || s->prof == NULL)
		goto fail;
	if (n_instances > 0)
		memcpy(s->prof, profiles, sizeof(*s->prof) * n_instances);
	s->base = s->prof;
	for (uint32_t w = 0; w < n_workers; w++) {
		/* One block per worker: no worker writes a line another
		 * worker writes. */
		s->local[w] = a.zalloc(sizeof(struct xb_meter_local) *
					       (n_instances + 1),
				       CACHE_LINE, a.arg);
		if (s->local[w] == NULL)
			goto fail;
	}
	for (uint32_t i = 0; i < n_instances; i++) {
		/* Every meter starts full.  Shared buckets: empty time 0 is
		 * far enough before any biased time.  Exact mode: the one
		 * worker's cache is the bucket. */
		s->shared[i].empty_p = 0;
		s->shared[i].empty_c = 0;
		if (!s->grant_mode) {
			s->local[0][i].tok_p = s->prof[i].pbs_tok;
			s->local[0][i].tok_c = s->prof[i].cbs_tok;
		}
	}
	return s;
fail:
	xb_meter_set_free(s);
	return NULL;
}

void
xb_meter_set_free(struct xb_meter_set *s)
{
	if (s == NULL)
		return;
	if (s->local != NULL)
		for (uint32_t w = 0; w < s->n_workers; w++)
			if (s->local[w] != NULL)
				s->alloc.free(s->local[w], s->alloc.arg);
	if (s->local != NULL)
		s->alloc.free(s->local, s->alloc.arg);
	if (s->shared != NULL)
		s->alloc.free(s->shared, s->alloc.arg);
	if (s->prof != NULL && s->prof != s->base)
		free(s->prof); /* a rescaled array (libc) */
	if (s->base != NULL)
		s->alloc.free(s->base, s->alloc.arg);
	s->alloc.free(s, s->alloc.arg);
}

/*
 * Take up to want_ns worth of tokens (as time) from a shared bucket whose
 * full depth is fill_ns; returns the time taken (0: empty).  Lock-free:
 * one CAS, retried only when another worker took a grant meanwhile.
 */
static uint64_t
shared_take(uint64_t *empty, uint64_t now_ns, uint64_t fill_ns,
	    uint64_t want_ns)
{
	uint64_t t = now_ns + TIME_BIAS;
	uint64_t e = __atomic_load_n(empty, __ATOMIC_RELAXED);

	for (;;) {
		uint64_t lo = t - fill_ns, base, avail, d;

		if (e > t) {
			if (e - t <= STEP_BACK_NS)
				return 0; /* taken up to a later clock */
			base = lo;        /* clock stepped back: full */
		} else {
			base = e > lo ? e : lo;
		}
		avail = t - base;
		if (avail == 0)
			return 0;
		d = avail < want_ns ? avail : want_ns;
		if (__atomic_compare_exchange_n(empty, &e, base + d, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return d;
	}
}

/* Time until `missing` tokens accrue at kbps, capped at RETRY_MAX_NS. */
static uint64_t
retry_after(uint64_t missing, uint32_t kbps)
{
	uint64_t d = div_ceil(missing, kbps);

	return d < RETRY_MAX_NS ? d : RETRY_MAX_NS;
}

/* May this worker ask the shared bucket now? */
static bool
may_retry(uint64_t retry_at, uint64_t now_ns)
{
	return now_ns >= retry_at || retry_at - now_ns > RETRY_MAX_NS;
}

/* A packet the peak bucket can take (tok_p >= need): yellow charges the
 * peak bucket alone, green both (RFC 2698). */
static enum xb_color
charge(struct xb_meter_local *l, uint64_t need)
{
	if (l->tok_c < need) {
		l->tok_p -= need;
		return XB_YELLOW;
	}
	l->tok_p -= need;
	l->tok_c -= need;
	return XB_GREEN;
}

static enum xb_color
color_grant(struct xb_meter_set *s, uint32_t worker, uint32_t instance,
	    uint64_t now_ns, uint64_t need)
{
	struct xb_meter_local *l = &s->local[worker][instance];
	const struct xb_meter_profile *p =
		&__atomic_load_n(&s->prof, __ATOMIC_ACQUIRE)[instance];
	struct xb_meter_shared *sh = &s->shared[instance];

	bool fresh_p = false;

	if (l->tok_p < need) {
		if (may_retry(l->retry_p, now_ns)) {
			uint64_t d = shared_take(&sh->empty_p, now_ns,
						 p->pfill_ns, p->pgrant_ns);

			l->tok_p += d * p->pir_kbps;
			l->offered_tok += d * p->pir_kbps;
			fresh_p = d > 0;
			if (l->tok_p < need)
				l->retry_p = now_ns +
					retry_after(need - l->tok_p,
						    p->pir_kbps);
		}
		if (l->tok_p < need) {
			l->offered_tok += need;
			return XB_RED;
		}
	}
	if (l->tok_c < need) {
		/* Right after a peak grant, ask for committed tokens too,
		 * whatever the retry time: caches then drain both shared
		 * buckets at the same pace, and committed tokens do not
		 * overflow the shared bucket while peak tokens are short. */
		if (fresh_p || may_retry(l->retry_c, now_ns)) {
			uint64_t d = shared_take(&sh->empty_c, now_ns,
						 p->cfill_ns, p->cgrant_ns);

			l->tok_c += d * p->cir_kbps;
			if (l->tok_c < need)
				l->retry_c = now_ns +
					retry_after(need - l->tok_c,
						    p->cir_kbps);
		}
	}
	return charge(l, need);
}

/* Exact RFC 2698 for the single-worker case: the cache is the bucket. */
static enum xb_color
color_exact(struct xb_meter_set *s, uint32_t instance, uint64_t now_ns,
	    uint64_t need)
{
	struct xb_meter_local *l = &s->local[0][instance];
	const struct xb_meter_profile *p =
		&__atomic_load_n(&s->prof, __ATOMIC_ACQUIRE)[instance];
	uint64_t last = l->retry_p;

	if (now_ns > last) {
		uint64_t el = now_ns - last;
		uint64_t ap = (el < p->pfill_ns ? el : p->pfill_ns) *
			      p->pir_kbps;
		uint64_t ac = (el < p->cfill_ns ? el : p->cfill_ns) *
			      p->cir_kbps;

		l->tok_p = l->tok_p + ap < p->pbs_tok ? l->tok_p + ap :
							  p->pbs_tok;
		l->tok_c = l->tok_c + ac < p->cbs_tok ? l->tok_c + ac :
							  p->cbs_tok;
		l->retry_p = now_ns;
	} else if (last - now_ns > STEP_BACK_NS) {
		l->retry_p = now_ns; /* clock stepped back: resume from now */
	}
	l->offered_tok += need;
	if (l->tok_p < need)
		return XB_RED;
	return charge(l, need);
}

enum xb_color
xb_meter_color_slow(struct xb_meter_set *s, uint32_t worker,
		    uint32_t instance, uint64_t now_ns, uint32_t bytes)
{
	uint64_t need = (uint64_t)bytes * XB_METER_UBIT_PER_BYTE;

	if (worker >= s->n_workers || instance >= s->n_instances)
		return XB_RED;
	if (s->grant_mode)
		return color_grant(s, worker, instance, now_ns, need);
	return color_exact(s, instance, now_ns, need);
}

void
xb_meter_profile_scale(const struct xb_meter_profile *base,
		       uint32_t share_ppm, struct xb_meter_profile *out)
{
	uint64_t cir, pir;

	if (share_ppm == 0)
		share_ppm = 1;
	if (share_ppm > 1000000)
		share_ppm = 1000000;
	*out = *base;
	cir = (uint64_t)base->cir_kbps * share_ppm / 1000000;
	pir = (uint64_t)base->pir_kbps * share_ppm / 1000000;
	out->cir_kbps = cir > 0 ? (uint32_t)cir : 1;
	out->pir_kbps = pir > out->cir_kbps ? (uint32_t)pir : out->cir_kbps;
	/* Same fill times: depth = fill x rate (never above the built depth
	 * since the rate is not). */
	out->cbs_tok = base->cfill_ns * out->cir_kbps;
	out->pbs_tok = base->pfill_ns * out->pir_kbps;
	if (out->cbs_tok > base->cbs_tok)
		out->cbs_tok = base->cbs_tok;
	if (out->pbs_tok > base->pbs_tok)
		out->pbs_tok = base->pbs_tok;
}

int
xb_meter_set_rescale(struct xb_meter_set *s, const uint32_t *share_ppm,
		     void **old)
{
	struct xb_meter_profile *next, *prev;

	*old = NULL;
	next = libc_zalloc(sizeof(*next) * (s->n_instances + 1), CACHE_LINE,
			   NULL);
	if (next == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->n_instances; i++)
		xb_meter_profile_scale(&s->base[i], share_ppm[i], &next[i]);
	prev = s->prof;
	/* Filled before published: a worker that loads next sees it whole. */
	__atomic_store_n(&s->prof, next, __ATOMIC_RELEASE);
	if (prev != s->base)
		*old = prev;
	return 0;
}

uint64_t
xb_meter_offered_tok(const struct xb_meter_set *s, uint32_t instance)
{
	uint64_t sum = 0;

	if (instance >= s->n_instances)
		return 0;
	for (uint32_t w = 0; w < s->n_workers; w++)
		sum += __atomic_load_n(&s->local[w][instance].offered_tok,
				       __ATOMIC_RELAXED);
	return sum;
}

uint16_t
xb_meter_color_burst(struct xb_meter_set *s, uint32_t worker,
		     const uint32_t *instances, const uint32_t *bytes,
		     uint16_t n, uint64_t now_ns, uint8_t *colors)
{
	for (uint16_t i = 0; i < n; i++)
		colors[i] = instances[i] == XB_METER_NONE ?
			XB_GREEN :
			(uint8_t)xb_meter_color(s, worker, instances[i],
						now_ns, bytes[i]);
	return n;
}
