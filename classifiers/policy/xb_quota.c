/* SPDX-License-Identifier: BSD-3-Clause */
/* Quota slices: see QUOTA.md for the scheme and the proofs. */
#include "xb_quota.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xb_tenant.h"

#define CACHE_LINE 64

/* A tenant's shared pool in one period, alone on its cache line so that
 * refills of different tenants do not contend. */
struct pool {
	uint64_t remaining; /* bytes not yet granted; CAS by workers */
	uint8_t crossed;    /* set (relaxed store) by a worker that found the
			     * quota spent; read by the control plane */
	/* Cluster mode only (CLUSTER.md in app/ctl), written by the control
	 * plane: spent = the cluster pool has nothing left, so an empty
	 * pool here is the end of the quota, not a wait for the next grant;
	 * grants counts grants that arrived after spent was cleared, so a
	 * worker's sticky exhausted bit is dropped when more quota came. */
	uint8_t spent;
	uint32_t grants;
} __attribute__((aligned(CACHE_LINE)));

/* One of the two period buffers. */
struct period {
	uint32_t month;
	struct pool *pools;   /* [ntenants] */
	uint8_t *reported;    /* [ntenants], control plane only */
};

/* A worker's slice of one tenant: written by that worker only. */
struct slice {
	uint64_t bytes;    /* granted to this worker, not yet consumed */
	uint8_t exhausted; /* the pool was empty when this worker needed more */
	uint32_t exhausted_at; /* cluster mode: pool->grants when exhausted */
};

struct worker {
	uint32_t gen;      /* period generation this worker uses */
	uint32_t ack;      /* == gen, read by the control plane */
	struct slice *slices; /* [ntenants] */
} __attribute__((aligned(CACHE_LINE)));

struct xb_quota {
	uint32_t gen;      /* current period: periods[gen & 1]; release-
			    * stored by the control plane */
	unsigned int nworkers;
	unsigned int ntenants;
	uint64_t slice_max;
	bool cluster;      /* pools filled by xb_quota_grant(), not quota */
	uint64_t *quota;   /* [ntenants] bytes, 0 = unlimited */
	struct period periods[2];
	struct worker *workers; /* [nworkers] */
};

static void *
zalloc_aligned(size_t n)
{
	void *p = NULL;

	n = (n + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	if (n == 0)
		n = CACHE_LINE;
	if (posix_memalign(&p, CACHE_LINE, n) != 0)
		return NULL;
	memset(p, 0, n);
	return p;
}

void
xb_quota_free(struct xb_quota *q)
{
	if (q == NULL)
		return;
	for (unsigned int i = 0; i < 2; i++) {
		free(q->periods[i].pools);
		free(q->periods[i].reported);
	}
	if (q->workers != NULL)
		for (unsigned int w = 0; w < q->nworkers; w++)
			free(q->workers[w].slices);
	free(q->workers);
	free(q->quota);
	free(q);
}

/* Fill the period buffer p for a new period (no worker reads it). */
static void
period_fill(struct xb_quota *q, struct period *p, uint32_t month,
	    const uint64_t *used)
{
	p->month = month;
	for (unsigned int t = 0; t < q->ntenants; t++) {
		uint64_t u = used ? used[t] : 0;
		uint64_t rem = q->quota[t] > u ? q->quota[t] - u : 0;
		/* In cluster mode an empty pool is "nothing held yet": only
		 * the cluster says when the quota is spent. */
		bool spent = !q->cluster && q->quota[t] != 0 && rem == 0;

		__atomic_store_n(&p->pools[t].remaining, rem, __ATOMIC_RELAXED);
		__atomic_store_n(&p->pools[t].crossed, spent, __ATOMIC_RELAXED);
		__atomic_store_n(&p->pools[t].spent, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&p->pools[t].grants, 0, __ATOMIC_RELAXED);
		p->reported[t] = spent;
	}
}

struct xb_quota *
xb_quota_create_bytes(const uint64_t *quota_bytes, unsigned int ntenants,
		      unsigned int nworkers, uint64_t slice_max)
{
	struct xb_quota *q;

	if ((quota_bytes == NULL && ntenants > 0) || ntenants > 65536 ||
	    nworkers == 0 || nworkers > XB_QUOTA_WORKERS_MAX)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->nworkers = nworkers;
	q->ntenants = ntenants;
	q->slice_max = slice_max ? slice_max : XB_QUOTA_SLICE_DEFAULT;
	q->quota = calloc(ntenants ? ntenants : 1, sizeof(uint64_t));
	q->workers = zalloc_aligned(nworkers * sizeof(struct worker));
	if (q->quota == NULL || q->workers == NULL)
		goto fail;
	if (ntenants > 0)
		memcpy(q->quota, quota_bytes, ntenants * sizeof(uint64_t));
	for (unsigned int i = 0; i < 2; i++) {
		q->periods[i].pools =
			zalloc_aligned(ntenants * sizeof(struct pool));
		q->periods[i].reported = calloc(ntenants ? ntenants : 1, 1);
		if (!q->periods[i].pools || !q->periods[i].reported)
			goto fail;
	}
	for (unsigned int w = 0; w < nworkers; w++) {
		q->workers[w].slices =
			zalloc_aligned(ntenants * sizeof(struct slice));
		if (q->workers[w].slices == NULL)
			goto fail;
		q->workers[w].gen = 1;
		q->workers[w].ack = 1;
	}
	q->gen = 1;
	period_fill(q, &q->periods[1], 0, NULL);
	return q;
fail:
	xb_quota_free(q);
	return NULL;
}

struct xb_quota *
xb_quota_create(const struct xb_tenants *t, unsigned int nworkers,
		uint64_t slice_max)
{
	struct xb_quota *q;
	uint64_t *quota;
	unsigned int n;

	if (t == NULL)
		return NULL;
	n = xb_tenants_count(t);
	quota = calloc(n ? n : 1, sizeof(uint64_t));
	if (quota == NULL)
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		quota[i] = xb_tenants_get(t, i)->quota_bytes;
	q = xb_quota_create_bytes(quota, n, nworkers, slice_max);
	free(quota);
	return q;
}

int
xb_quota_begin_period(struct xb_quota *q, uint32_t yyyymm,
		      const uint64_t *used_bytes)
{
	uint32_t g = q->gen;

	/* The new period reuses the buffer of period g - 1: every worker
	 * must have moved on to period g (acknowledged it) first. */
	for (unsigned int w = 0; w < q->nworkers; w++)
		if (__atomic_load_n(&q->workers[w].ack, __ATOMIC_ACQUIRE) != g)
			return -EBUSY;
	period_fill(q, &q->periods[(g + 1) & 1], yyyymm, used_bytes);
	/* Publish: a worker that sees g + 1 sees the filled buffer. */
	__atomic_store_n(&q->gen, g + 1, __ATOMIC_RELEASE);
	return 0;
}

int
xb_quota_set_cluster(struct xb_quota *q)
{
	if (q->gen != 1 || q->periods[1].month != 0)
		return -EBUSY;
	q->cluster = true;
	period_fill(q, &q->periods[1], 0, q->quota); /* nothing held */
	return 0;
}

bool
xb_quota_is_cluster(const struct xb_quota *q)
{
	return q->cluster;
}

int
xb_quota_grant(struct xb_quota *q, uint16_t tenant, uint64_t bytes)
{
	struct pool *pool;

	if (!q->cluster || tenant >= q->ntenants || q->quota[tenant] == 0)
		return -EINVAL;
	pool = &q->periods[q->gen & 1].pools[tenant];
	if (bytes == 0)
		return 0;
	__atomic_fetch_add(&pool->remaining, bytes, __ATOMIC_RELAXED);
	/* After the bytes: a worker that sees the new count finds them. */
	__atomic_fetch_add(&pool->grants, 1, __ATOMIC_RELEASE);
	return 0;
}

int
xb_quota_set_spent(struct xb_quota *q, uint16_t tenant, bool spent)
{
	struct period *p;

	if (!q->cluster || tenant >= q->ntenants || q->quota[tenant] == 0)
		return -EINVAL;
	p = &q->periods[q->gen & 1];
	if (!spent && __atomic_load_n(&p->pools[tenant].spent, __ATOMIC_RELAXED)) {
		/* More quota after the end (a raised quota): the crossing
		 * may be reported again, and exhausted workers retry. */
		p->reported[tenant] = 0;
		__atomic_store_n(&p->pools[tenant].crossed, 0, __ATOMIC_RELAXED);
		__atomic_fetch_add(&p->pools[tenant].grants, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&p->pools[tenant].spent, spent, __ATOMIC_RELEASE);
	return 0;
}

uint32_t
xb_quota_month(const struct xb_quota *q)
{
	return q->periods[q->gen & 1].month;
}

unsigned int
xb_quota_poll_crossed(struct xb_quota *q, uint16_t *tenants, unsigned int max)
{
	struct period *p = &q->periods[q->gen & 1];
	unsigned int n = 0;

	for (unsigned int t = 0; t < q->ntenants && n < max; t++) {
		if (p->reported[t] ||
		    !__atomic_load_n(&p->pools[t].crossed, __ATOMIC_RELAXED))
			continue;
		p->reported[t] = 1;
		tenants[n++] = (uint16_t)t;
	}
	return n;
}

uint64_t
xb_quota_remaining(const struct xb_quota *q, uint16_t tenant)
{
	if (tenant >= q->ntenants || q->quota[tenant] == 0)
		return UINT64_MAX;
	return __atomic_load_n(&q->periods[q->gen & 1].pools[tenant].remaining,
			       __ATOMIC_RELAXED);
}

void
xb_quota_sync(struct xb_quota *q, unsigned int worker)
{
	struct worker *w = &q->workers[worker];
	uint32_t g = __atomic_load_n(&q->gen, __ATOMIC_ACQUIRE);

	if (g == w->gen)
		return;
	/* Slices of the old period are worthless in the new one. */
	memset(w->slices, 0, q->ntenants * sizeof(struct slice));
	w->gen = g;
	__atomic_store_n(&w->ack, g, __ATOMIC_RELEASE);
}

/*
 * Slow path: the worker's slice does not cover the packet.  Take a grant
 * from the shared pool: a fraction of what is left (so that slices shrink
 * as the pool runs dry and little sits idle in other workers' slices), at
 * most slice_max, at least what this packet still needs.
 */
static bool __attribute__((noinline))
refill(struct xb_quota *q, struct worker *w, uint16_t tenant, uint32_t bytes)
{
	struct pool *pool = &q->periods[w->gen & 1].pools[tenant];
	struct slice *s = &w->slices[tenant];
	uint64_t need = bytes - s->bytes;
	uint64_t r = __atomic_load_n(&pool->remaining, __ATOMIC_RELAXED);

	while (r > 0) {
		uint64_t want = r / (2u * q->nworkers);
		uint64_t take;

		if (want > q->slice_max)
			want = q->slice_max;
		if (want < need)
			want = need;
		take = want < r ? want : r;
		if (__atomic_compare_exchange_n(&pool->remaining, &r, r - take,
						true, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			s->bytes += take;
			break;
		}
		/* r was reloaded by the failed CAS */
	}
	if (s->bytes >= bytes) {
		s->bytes -= bytes;
		return true;
	}
	/* Cluster mode: an empty pool is the end only once the cluster pool
	 * is spent; until then the packet waits for the next grant (refused
	 * now, no waiting on the network here; its bytes stay in the slice). */
	if (q->cluster) {
		uint32_t g = __atomic_load_n(&pool->grants, __ATOMIC_ACQUIRE);

		if (!__atomic_load_n(&pool->spent, __ATOMIC_ACQUIRE))
			return false;
		s->exhausted_at = g;
	}
	/* The pool is empty and the slice does not cover this packet: the
	 * quota is spent.  Tell the control plane (once per worker), and let
	 * this one packet through if some quota was still ours: it is this
	 * worker's single overshoot. */
	s->exhausted = 1;
	__atomic_store_n(&pool->crossed, 1, __ATOMIC_RELAXED);
	if (s->bytes > 0) {
		s->bytes = 0;
		return true;
	}
	return false;
}

bool
xb_quota_consume(struct xb_quota *q, unsigned int worker, uint16_t tenant,
		 uint32_t bytes)
{
	struct worker *w = &q->workers[worker];
	struct slice *s;

	if (tenant >= q->ntenants || q->quota[tenant] == 0)
		return true;
	s = &w->slices[tenant];
	if (s->bytes >= bytes) {
		s->bytes -= bytes;
		return true;
	}
	if (s->exhausted) {
		/* Sticky, except in cluster mode once a later grant came. */
		if (!q->cluster ||
		    __atomic_load_n(&q->periods[w->gen & 1].pools[tenant].grants,
				    __ATOMIC_ACQUIRE) == s->exhausted_at)
			return false;
		s->exhausted = 0;
	}
	return refill(q, w, tenant, bytes);
}
