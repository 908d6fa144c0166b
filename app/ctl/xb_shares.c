/* SPDX-License-Identifier: BSD-3-Clause */
/* Aggregate meter shares across gateways: see xb_shares.h, CLUSTER.md. */
#include "xb_shares.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_grant.h"
#include "xb_meter.h"
#include "xb_policy.h"
#include "xb_ruleset.h"
#include "xb_swap.h"
#include "xb_tenant.h"

#define PPM 1000000u
/* Replaced profile arrays waiting for their grace period: one per
 * rescale; workers pass a quiescent point every poll loop (microseconds)
 * and the main lcore rescales every period, so a handful is plenty.
 * When full, the rescale waits for the next pass. */
#define MAX_DEFERRED 16
/* Weight of a new demand sample (per period) in the moving average. */
#define DEMAND_WEIGHT 0.5

/* One meter, by name; kept across reloads. */
struct sh_meter {
	char key[XB_SHARES_KEY];
	uint32_t share;    /* granted (last answer); the floor before one */
	uint32_t applied;  /* what the live ruleset runs */
	uint32_t target;   /* what this gateway wants */
	uint64_t demand;   /* bytes/s, last sample */
	uint32_t others_n; /* other live gateways (last answer) */
	uint64_t others_sum;
	bool sent;         /* the row in PostgreSQL holds the values below */
	uint64_t sent_demand;
	uint32_t sent_target, sent_applied;
};

struct xb_shares {
	uint64_t period_ns;
	pthread_mutex_t mu;
	/* under mu (the thread's side) */
	struct sh_meter *m;
	unsigned int nm, cm;
	struct xb_shares_req *posted;
	uint64_t answers;         /* answers applied to m[] */
	struct xb_shares_stats st;
	/* main lcore only */
	const struct xb_ruleset *rs;  /* the ruleset map[] is for */
	uint32_t rs_generation;
	uint32_t *map;            /* policy meter instance -> m[] */
	uint64_t *last_tok;       /* its offered tokens at the last sample */
	uint32_t nmap;
	uint64_t applied_answers; /* answers the live ruleset runs */
	uint64_t last_sample_ns;
	struct {
		void *ptr;
		uint64_t token;
	} deferred[MAX_DEFERRED];
	unsigned int ndeferred;
};

struct xb_shares *
xb_shares_create(uint32_t period_ms)
{
	struct xb_shares *sh = calloc(1, sizeof(*sh));

	if (sh == NULL)
		return NULL;
	sh->period_ns = (uint64_t)(period_ms ? period_ms : 200) * 1000000ull;
	pthread_mutex_init(&sh->mu, NULL);
	return sh;
}

void
xb_shares_req_free(struct xb_shares_req *r)
{
	if (r == NULL)
		return;
	free(r->key);
	free(r->demand);
	free(r->target);
	free(r->applied);
	free(r->index);
	free(r);
}

void
xb_shares_free(struct xb_shares *sh)
{
	if (sh == NULL)
		return;
	for (unsigned int i = 0; i < sh->ndeferred; i++)
		free(sh->deferred[i].ptr);
	xb_shares_req_free(sh->posted);
	free(sh->m);
	free(sh->map);
	free(sh->last_tok);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
}

/* The slot of key (created with the floor share when missing); sh->mu
 * held.  -1 without memory. */
static int
slot_of(struct xb_shares *sh, const char *key)
{
	for (unsigned int i = 0; i < sh->nm; i++)
		if (strcmp(sh->m[i].key, key) == 0)
			return (int)i;
	if (sh->nm == sh->cm) {
		unsigned int cap = sh->cm ? 2 * sh->cm : 64;
		void *p = realloc(sh->m, cap * sizeof(*sh->m));

		if (p == NULL)
			return -1;
		sh->m = p;
		sh->cm = cap;
	}
	struct sh_meter *x = &sh->m[sh->nm];

	memset(x, 0, sizeof(*x));
	snprintf(x->key, sizeof(x->key), "%s", key);
	/* Before any answer: the floor of a gateway alone (the whole floor),
	 * so a gateway that cannot reach PostgreSQL still passes a little;
	 * the slack it may add is in CLUSTER.md's bound. */
	x->share = XB_SHARES_FLOOR_PPM;
	x->applied = XB_SHARES_FLOOR_PPM;
	x->target = XB_SHARES_FLOOR_PPM;
	return (int)sh->nm++;
}

/* The name of policy meter instance i of rs: "tenant:qos line". */
static int
meter_key(const struct xb_ruleset *rs, uint32_t i, char key[XB_SHARES_KEY])
{
	uint16_t tenant, row;
	const struct xb_policy_row *r;

	if (xb_policy_meter_owner(rs->policy, i, &tenant, &row) < 0 ||
	    (r = xb_policy_row(rs->policy, row)) == NULL)
		return -1;
	snprintf(key, XB_SHARES_KEY, "%s:%u",
		 xb_tenants_get(rs->tenants, tenant)->id, r->line);
	return 0;
}

/* map[] for rs: its policy meters' slots and demand baselines. */
static int
map_ruleset(struct xb_shares *sh, const struct xb_ruleset *rs)
{
	uint32_t n = rs->meters != NULL ? rs->throttle_meter_base : 0;
	uint32_t *map = calloc(n ? n : 1, sizeof(*map));
	uint64_t *tok = calloc(n ? n : 1, sizeof(*tok));

	if (map == NULL || tok == NULL)
		goto fail;
	pthread_mutex_lock(&sh->mu);
	for (uint32_t i = 0; i < n; i++) {
		char key[XB_SHARES_KEY];
		int k;

		if (meter_key(rs, i, key) < 0 || (k = slot_of(sh, key)) < 0) {
			pthread_mutex_unlock(&sh->mu);
			goto fail;
		}
		map[i] = (uint32_t)k;
		tok[i] = xb_meter_offered_tok(rs->meters, i);
	}
	pthread_mutex_unlock(&sh->mu);
	free(sh->map);
	free(sh->last_tok);
	sh->map = map;
	sh->last_tok = tok;
	sh->nmap = n;
	sh->rs = rs;
	sh->rs_generation = rs->generation;
	return 0;
fail:
	free(map);
	free(tok);
	return -1;
}

/* Run the shares of m[] on rs's meters.  published: workers may hold
 * the array it replaces (freed after the grace period of swap), else it
 * is freed at once.  Returns 0, or -1 (nothing changed: no memory, or
 * too many arrays still waiting). */
static int
apply(struct xb_shares *sh, struct xb_ruleset *rs, struct xb_swap *swap)
{
	uint32_t n = rs->meters != NULL ? rs->meters->n_instances : 0;
	uint32_t *ppm;
	void *old = NULL;

	if (n == 0)
		return 0;
	if (swap != NULL && sh->ndeferred == MAX_DEFERRED)
		return -1;
	if ((ppm = malloc(n * sizeof(*ppm))) == NULL)
		return -1;
	pthread_mutex_lock(&sh->mu);
	for (uint32_t i = 0; i < n; i++)
		ppm[i] = i < sh->nmap ? sh->m[sh->map[i]].share : PPM;
	pthread_mutex_unlock(&sh->mu);
	if (xb_meter_set_rescale(rs->meters, ppm, &old) < 0) {
		free(ppm);
		return -1;
	}
	pthread_mutex_lock(&sh->mu);
	for (uint32_t i = 0; i < sh->nmap; i++)
		sh->m[sh->map[i]].applied = ppm[i];
	sh->st.rescales++;
	pthread_mutex_unlock(&sh->mu);
	free(ppm);
	if (old != NULL && swap != NULL) {
		/* Token after the release store: a worker quiescent past it
		 * loads the new array from then on. */
		sh->deferred[sh->ndeferred].ptr = old;
		sh->deferred[sh->ndeferred].token = xb_swap_token(swap);
		sh->ndeferred++;
	} else {
		free(old); /* not published: no reader */
	}
	return 0;
}

void
xb_shares_prepare(struct xb_shares *sh, struct xb_ruleset *rs)
{
	if (sh == NULL || rs == NULL || map_ruleset(sh, rs) < 0)
		return;
	apply(sh, rs, NULL);
	/* Answers so far are in what it runs. */
	pthread_mutex_lock(&sh->mu);
	sh->applied_answers = sh->answers;
	pthread_mutex_unlock(&sh->mu);
}

/* Reclaim replaced arrays whose grace period is over (tokens grow along
 * the list: the oldest is due first). */
static void
reclaim(struct xb_shares *sh, struct xb_swap *swap)
{
	unsigned int done = 0;

	while (done < sh->ndeferred &&
	       xb_swap_token_done(swap, sh->deferred[done].token))
		free(sh->deferred[done++].ptr);
	if (done == 0)
		return;
	sh->ndeferred -= done;
	memmove(&sh->deferred[0], &sh->deferred[done],
		sh->ndeferred * sizeof(sh->deferred[0]));
	pthread_mutex_lock(&sh->mu);
	sh->st.freed += done;
	pthread_mutex_unlock(&sh->mu);
}

/* Slots sorted by key (qsort_r's context: the meters). */
static int
slot_cmp(const void *a, const void *b, void *meters)
{
	const struct sh_meter *m = meters;

	return strcmp(m[*(const uint32_t *)a].key, m[*(const uint32_t *)b].key);
}

/* Must the meter's row be sent: never sent, a published value moved
 * enough, or a share granted below the target (ask again: another
 * gateway may have given back meanwhile)? */
static bool
changed(const struct sh_meter *x)
{
	uint64_t d = x->demand, s = x->sent_demand;
	uint64_t diff = d > s ? d - s : s - d;

	return !x->sent || x->target != x->sent_target ||
	       x->applied != x->sent_applied || x->share < x->target ||
	       diff > s / 8 + 1000;
}

/* Sample demand over the last period, recompute targets, post the
 * meters whose row must change; sh->mu held. */
static void
sample_and_post(struct xb_shares *sh, const struct xb_ruleset *rs,
		uint64_t dt_ns)
{
	struct xb_shares_req *r;
	uint32_t *order;
	unsigned int n = 0;

	for (uint32_t i = 0; i < sh->nmap; i++) {
		struct sh_meter *x = &sh->m[sh->map[i]];
		uint64_t tok = xb_meter_offered_tok(rs->meters, i);
		uint64_t d[XB_SHARES_MAX_GATEWAYS] = {0};
		unsigned int ng = x->others_n + 1;

		/* dt_ns 0: the first round, no demand seen yet. */
		if (dt_ns > 0) {
			/* Tokens wrap: the difference is right modulo 2^64. */
			double now_d = (double)(tok - sh->last_tok[i]) /
				       XB_METER_UBIT_PER_BYTE * 1e9 /
				       (double)dt_ns;
			/* Demand beyond the row's peak rate is no more
			 * demand: two gateways both driven past it split it
			 * evenly, however unevenly they are overloaded (a
			 * replay's or a link's jitter does not move the
			 * shares). */
			double cap = (double)rs->meters->base[i].pir_kbps *
				     1000 / 8;

			if (now_d > cap)
				now_d = cap;
			/* Smoothed over a few periods: one quiet period does
			 * not give the share away. */
			x->demand = (uint64_t)(DEMAND_WEIGHT * now_d +
					       (1 - DEMAND_WEIGHT) *
						       (double)x->demand);
			sh->last_tok[i] = tok;
		}
		if (ng > XB_SHARES_MAX_GATEWAYS)
			ng = XB_SHARES_MAX_GATEWAYS;
		d[0] = x->demand;
		if (ng > 1)
			d[1] = x->others_sum;
		x->target = (uint32_t)(xb_grant_share(d, ng, 0,
					(double)XB_SHARES_FLOOR_PPM / PPM / ng) *
				       PPM);
		if (x->target > PPM)
			x->target = PPM;
		n += changed(x);
	}
	if (n == 0 || sh->posted != NULL)
		return; /* nothing new, or the last one not taken yet */
	r = calloc(1, sizeof(*r));
	order = calloc(n, sizeof(*order));
	if (r == NULL || order == NULL ||
	    (r->key = calloc(n, sizeof(*r->key))) == NULL ||
	    (r->demand = calloc(n, sizeof(*r->demand))) == NULL ||
	    (r->target = calloc(n, sizeof(*r->target))) == NULL ||
	    (r->applied = calloc(n, sizeof(*r->applied))) == NULL ||
	    (r->index = calloc(n, sizeof(*r->index))) == NULL) {
		xb_shares_req_free(r);
		free(order);
		return; /* the next period tries again */
	}
	for (uint32_t i = 0, k = 0; i < sh->nmap; i++)
		if (changed(&sh->m[sh->map[i]]))
			order[k++] = sh->map[i];
	/* Sorted by key: every gateway locks the meters' rows in one order
	 * (no deadlock between two gateways' transactions). */
	qsort_r(order, n, sizeof(*order), slot_cmp, sh->m);
	for (unsigned int j = 0; j < n; j++) {
		struct sh_meter *x = &sh->m[order[j]];

		memcpy(r->key[j], x->key, XB_SHARES_KEY);
		r->demand[j] = x->demand;
		r->target[j] = x->target;
		r->applied[j] = x->applied;
		r->index[j] = order[j];
		x->sent = true;
		x->sent_demand = x->demand;
		x->sent_target = x->target;
		x->sent_applied = x->applied;
	}
	r->n = n;
	free(order);
	sh->posted = r;
}

void
xb_shares_poll(struct xb_shares *sh, struct xb_ruleset *rs,
	       struct xb_swap *swap, uint64_t now_ns)
{
	bool fresh;

	if (sh == NULL || rs == NULL)
		return;
	reclaim(sh, swap);
	if ((sh->rs != rs || sh->rs_generation != rs->generation) &&
	    map_ruleset(sh, rs) < 0)
		return;
	pthread_mutex_lock(&sh->mu);
	fresh = false;
	if (sh->answers != sh->applied_answers) {
		/* Only a share that moved is worth a new array. */
		for (uint32_t i = 0; i < sh->nmap && !fresh; i++)
			fresh = sh->m[sh->map[i]].share !=
				sh->m[sh->map[i]].applied;
		if (!fresh)
			sh->applied_answers = sh->answers;
	}
	pthread_mutex_unlock(&sh->mu);
	if (fresh && apply(sh, rs, swap) == 0) {
		pthread_mutex_lock(&sh->mu);
		sh->applied_answers = sh->answers;
		pthread_mutex_unlock(&sh->mu);
	}
	/* The first round at once, without demand (a gateway alone then
	 * gets the whole rate before its traffic starts), then one per
	 * period. */
	if (sh->last_sample_ns != 0 &&
	    now_ns - sh->last_sample_ns < sh->period_ns)
		return;
	pthread_mutex_lock(&sh->mu);
	sample_and_post(sh, rs,
			sh->last_sample_ns ? now_ns - sh->last_sample_ns : 0);
	pthread_mutex_unlock(&sh->mu);
	sh->last_sample_ns = now_ns;
}

struct xb_shares_req *
xb_shares_take(struct xb_shares *sh)
{
	struct xb_shares_req *r;

	pthread_mutex_lock(&sh->mu);
	r = sh->posted;
	sh->posted = NULL;
	pthread_mutex_unlock(&sh->mu);
	return r;
}

void
xb_shares_answer(struct xb_shares *sh, const struct xb_shares_req *r,
		 const uint32_t *granted, const uint32_t *others_n,
		 const uint64_t *others_sum)
{
	pthread_mutex_lock(&sh->mu);
	for (unsigned int j = 0; j < r->n; j++) {
		struct sh_meter *x = &sh->m[r->index[j]];

		x->share = granted[j] < PPM ? granted[j] : PPM;
		x->others_n = others_n[j];
		x->others_sum = others_sum[j];
	}
	sh->answers++;
	sh->st.answers++;
	pthread_mutex_unlock(&sh->mu);
}

void
xb_shares_failed(struct xb_shares *sh)
{
	pthread_mutex_lock(&sh->mu);
	for (unsigned int i = 0; i < sh->nm; i++)
		sh->m[i].sent = false;
	pthread_mutex_unlock(&sh->mu);
}

void
xb_shares_stats(struct xb_shares *sh, struct xb_shares_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (sh == NULL)
		return;
	pthread_mutex_lock(&sh->mu);
	*st = sh->st;
	pthread_mutex_unlock(&sh->mu);
	/* ndeferred is the main lcore's; a stale read is fine here */
	st->waiting = __atomic_load_n(&sh->ndeferred, __ATOMIC_RELAXED);
}
