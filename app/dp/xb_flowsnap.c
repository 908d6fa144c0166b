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


void
xb_flowsnap_take(struct xb_flowsnap *s, struct xb_flow_table *t,
		 const struct xb_ruleset *rs, uint32_t req)
{
	struct top top = {.want = s->want};

	if (top.want > XB_FLOWSNAP_MAX)
		top.want = XB_FLOWSNAP_MAX;
	if (top.want > 0 && t != NULL)
		xb_flow_foreach(t, consider, &top);
	for (unsigned int i = 0; i < top.n; i++) {
		xb_flow_record_fill(&s->recs[i], t, top.f[i], rs);
		s->recs[i].interim = 1; /* the flow goes on */
	}
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
