/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_flowsnap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xb_flow.h"
#include "xb_ruleset.h"

/* A filter resolved to the indexes of the worker's ruleset; -1: any,
 * -2: a name this ruleset does not have (matches nothing). */
struct resolved {
	int tenant, country, category, action;
	const struct xb_flowsnap_filter *f;
	const struct xb_ruleset *rs;
	struct xb_flow_table *t;
	bool by_index; /* some of the four above is set */
};

struct top {
	const struct xb_flow *f[XB_FLOWSNAP_MAX];
	uint64_t bytes[XB_FLOWSNAP_MAX];
	unsigned int n, want;
	uint32_t live, matched;
	struct resolved r;
};

static int
resolve_one(const char *want, int found)
{
	if (want[0] == '\0')
		return -1;
	return found < 0 ? -2 : found;
}

static int
action_find(const char *name)
{
	for (unsigned int a = 0; a < XB_ACT_MAX; a++)
		if (strcmp(xb_action_name(a), name) == 0)
			return (int)a;
	return -1;
}

static void
resolve(struct resolved *r, const struct xb_flowsnap_filter *f,
	const struct xb_ruleset *rs, struct xb_flow_table *t)
{
	r->f = f;
	r->rs = rs;
	r->t = t;
	r->tenant = r->country = r->category = r->action = -1;
	if (rs != NULL) {
		r->tenant = resolve_one(f->tenant,
					xb_tenants_find(rs->tenants, f->tenant));
		r->country = resolve_one(f->country,
					 xb_countries_find(rs->countries,
							   f->country));
		r->category = resolve_one(f->category,
					  xb_categories_find(rs->categories,
							     f->category));
	} else if (f->tenant[0] || f->country[0] || f->category[0]) {
		r->tenant = -2;
	}
	r->action = resolve_one(f->action, action_find(f->action));
	r->by_index = r->tenant != -1 || r->country != -1 ||
		      r->category != -1 || r->action != -1;
}

/* Between bursts, once per flow of a snapshot: index compares first, the
 * name (a string search) last. */
static bool
passes(const struct resolved *r, const struct xb_flow *f)
{
	const struct xb_flowsnap_filter *q = r->f;
	const struct xb_flow_verdict *v = &f->verdict;

	if (r->by_index) {
		if (r->rs == NULL || f->generation != r->rs->generation)
			return false;
		if ((r->tenant != -1 && r->tenant != v->tenant) ||
		    (r->country != -1 && r->country != v->country) ||
		    (r->category != -1 && r->category != v->category) ||
		    (r->action != -1 && r->action != v->action))
			return false;
	}
	if (q->has_ip) {
		size_t n = q->family == 4 ? 4 : 16;

		if (f->key.family != q->family ||
		    (memcmp(f->key.addr[0], q->ip, n) != 0 &&
		     memcmp(f->key.addr[1], q->ip, n) != 0))
			return false;
	}
	if (q->name[0] != '\0') {
		const char *name;

		if (f->name_source == XB_NAME_SRC_NONE)
			return false;
		name = xb_flow_name(r->t, f);
		if (name == NULL || strcasestr(name, q->name) == NULL)
			return false;
	}
	return true;
}

/* Keep the `want` largest flows by bytes, sorted descending. */
static void
consider(void *ctx, const struct xb_flow *f)
{
	struct top *t = ctx;
	uint64_t b = f->bytes[0] + f->bytes[1];
	unsigned int i;

	t->live++;
	if (!passes(&t->r, f))
		return;
	t->matched++;
	if (t->n == t->want && b <= t->bytes[t->n - 1])
		return;
	i = t->n < t->want ? t->n++ : t->n - 1;
	while (i > 0 && t->bytes[i - 1] < b) {
		t->f[i] = t->f[i - 1];
		t->bytes[i] = t->bytes[i - 1];
		i--;
	}
	t->f[i] = f;
	t->bytes[i] = b;
}


void
xb_flowsnap_take(struct xb_flowsnap *s, struct xb_flow_table *t,
		 const struct xb_ruleset *rs, uint32_t req)
{
	struct top top = {.want = s->want};

	if (top.want > XB_FLOWSNAP_MAX)
		top.want = XB_FLOWSNAP_MAX;
	resolve(&top.r, &s->filter, rs, t);
	if (top.want > 0 && t != NULL)
		xb_flow_foreach(t, consider, &top);
	for (unsigned int i = 0; i < top.n; i++) {
		xb_flow_record_fill(&s->recs[i], t, top.f[i], rs);
		s->recs[i].interim = 1; /* the flow goes on */
	}
	s->n = top.n;
	s->live = top.live;
	s->matched = top.matched;
	atomic_store_explicit(&s->done, req, memory_order_release);
}

int
xb_flowsnap_request(struct xb_flowsnap *s, unsigned int n,
		    const struct xb_flowsnap_filter *f, unsigned int timeout_ms)
{
	struct timespec ts = {.tv_nsec = 1000000};
	uint32_t r;

	s->want = n;
	if (f != NULL)
		s->filter = *f;
	else
		memset(&s->filter, 0, sizeof(s->filter));
	r = atomic_load_explicit(&s->req, memory_order_relaxed) + 1;
	atomic_store_explicit(&s->req, r, memory_order_release);
	for (unsigned int waited = 0; waited <= timeout_ms; waited++) {
		if (atomic_load_explicit(&s->done, memory_order_acquire) == r)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}
