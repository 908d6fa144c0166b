/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_flowsnap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xb_flow.h"
#include "xb_ruleset.h"

struct top {
	const struct xb_flow *f[XB_FLOWSNAP_MAX];
	uint64_t bytes[XB_FLOWSNAP_MAX];
	unsigned int n, want;
	uint32_t live;
};

/* Keep the `want` largest flows by bytes, sorted descending. */
static void
consider(void *ctx, const struct xb_flow *f)
{
	struct top *t = ctx;
	uint64_t b = f->bytes[0] + f->bytes[1];
	unsigned int i;

	t->live++;
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

static void
fill(struct xb_flow_record *r, struct xb_flow_table *t,
     const struct xb_flow *f, const struct xb_ruleset *rs)
{
	uint8_t s = f->init_dir;
	bool current = rs != NULL && f->generation == rs->generation;

	memset(r, 0, sizeof(*r));
	r->family = f->key.family;
	r->proto = f->key.proto;
	r->vlan = f->key.vlan;
	memcpy(r->src, f->key.addr[s], 16);
	memcpy(r->dst, f->key.addr[s ^ 1], 16);
	r->sport = f->key.port[s];
	r->dport = f->key.port[s ^ 1];
	/* A verdict of an older generation indexes tables that are gone;
	 * the flow's next packet redoes it. */
	snprintf(r->country, sizeof(r->country), "%s",
		 current ? xb_countries_code(rs->countries, f->country) : "?");
	snprintf(r->category, sizeof(r->category), "%s",
		 current ? xb_categories_id(rs->categories, f->category) : "?");
	snprintf(r->tenant, sizeof(r->tenant), "%s",
		 current ? xb_tenants_get(rs->tenants, f->tenant)->id : "?");
	/* Same placeholder as the worker's flow log until policy lands. */
	snprintf(r->action, sizeof(r->action), "%s", "channel");
	r->name_source = f->name_source;
	if (f->name_source != XB_NAME_SRC_NONE)
		snprintf(r->name, sizeof(r->name), "%s", xb_flow_name(t, f));
	r->packets[0] = f->packets[s];
	r->packets[1] = f->packets[s ^ 1];
	r->bytes[0] = f->bytes[s];
	r->bytes[1] = f->bytes[s ^ 1];
	r->first_ns = f->first_ns;
	r->last_ns = f->last_ns;
	r->interim = 1; /* the flow goes on */
}

void
xb_flowsnap_take(struct xb_flowsnap *s, struct xb_flow_table *t,
		 const struct xb_ruleset *rs, uint32_t req)
{
	struct top top = {.want = s->want};

	if (top.want > XB_FLOWSNAP_MAX)
		top.want = XB_FLOWSNAP_MAX;
	if (top.want > 0 && t != NULL)
		xb_flow_foreach(t, consider, &top);
	for (unsigned int i = 0; i < top.n; i++)
		fill(&s->recs[i], t, top.f[i], rs);
	s->n = top.n;
	s->live = top.live;
	atomic_store_explicit(&s->done, req, memory_order_release);
}

int
xb_flowsnap_request(struct xb_flowsnap *s, unsigned int n,
		    unsigned int timeout_ms)
{
	struct timespec ts = {.tv_nsec = 1000000};
	uint32_t r;

	s->want = n;
	r = atomic_load_explicit(&s->req, memory_order_relaxed) + 1;
	atomic_store_explicit(&s->req, r, memory_order_release);
	for (unsigned int waited = 0; waited <= timeout_ms; waited++) {
		if (atomic_load_explicit(&s->done, memory_order_acquire) == r)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}
