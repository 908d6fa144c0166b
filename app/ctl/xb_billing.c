/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_billing.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_log.h>

#include "xb_app.h"
#include "xb_log.h"
#include "xb_usage.h"

struct xb_billing_snap {
	const struct xb_ruleset *rs;
	struct xb_pkt_bytes *snap[XB_RULESET_MAX_WORKERS][2];
};

struct xb_billing {
	struct xb_usage *usage;
	uint32_t months[XB_BILLING_MAX_MONTHS]; /* opened in the table */
	unsigned int nmonths;
	/* The current month: the latest the clock in use, the workers' month
	 * slots and the records on disk have reached; only moves forward.
	 * The previous month stays open (usage at the boundary, a restart);
	 * every earlier one is closed (with the capture clock once no worker
	 * counts in it any more) and never reopened: what comes in for it
	 * is billed here. */
	uint32_t current;
	uint64_t late_packets, late_bytes; /* billed here for a closed month */
	uint32_t late_logged[8];          /* months whose late traffic was
					   * reported (once per month) */
	unsigned int nlate_logged;
	uint32_t open_failed;             /* last month whose open failure was
					   * reported (once per month) */
	struct xb_billing_snap snaps[2]; /* the active ruleset, a retiring one */
	uint64_t crossings;
	/* Records of months already closed, for this run's statistics. */
	struct xb_usage_rec *archive;
	unsigned int narchive, carchive;
};

static uint32_t
month_prev(uint32_t m)
{
	return m % 100 == 1 ? (m / 100 - 1) * 100 + 12 : m - 1;
}

static uint32_t
month_after(uint32_t m)
{
	return m % 100 == 12 ? (m / 100 + 1) * 100 + 1 : m + 1;
}

static bool
month_is_open(const struct xb_billing *b, uint32_t m)
{
	for (unsigned int i = 0; i < b->nmonths; i++)
		if (b->months[i] == m)
			return true;
	return false;
}

/* Close open month i: its file is written one last time, marked closed,
 * and its records move to the archive. */
static void
close_month(struct xb_app *app, unsigned int i)
{
	struct xb_billing *b = app->billing;
	uint32_t m = b->months[i];
	struct xb_errors errs;
	unsigned int n = xb_usage_count(b->usage, m);

	if (b->narchive + n > b->carchive) {
		unsigned int cap = (b->narchive + n) * 2;
		void *a = realloc(b->archive, cap * sizeof(*b->archive));

		if (a != NULL) {
			b->archive = a;
			b->carchive = cap;
		}
	}
	for (unsigned int k = 0; k < n && b->narchive < b->carchive; k++)
		b->archive[b->narchive++] = *xb_usage_get(b->usage, m, k);
	xb_errors_init(&errs);
	if (xb_usage_close(b->usage, m, &errs) < 0)
		xb_errors_print(&errs, stderr);
	else
		XB_LOG(NOTICE, "usage of %u closed\n", m);
	xb_errors_free(&errs);
	b->months[i] = b->months[--b->nmonths];
}

/* Does a worker still count in month m (a slot tagged m that is not
 * closing-and-acknowledged), in a ruleset billing folds?  A worker that
 * has received packets but tagged no slot yet may be about to count in
 * any month: its clock (which the billing follows) is set when a packet
 * is looked up, its first slot when the packet is billed, a few packets
 * later. */
static bool
month_active(const struct xb_app *app, uint32_t m)
{
	const struct xb_billing *b = app->billing;

	for (int i = 0; i < 2; i++) {
		const struct xb_ruleset *rs = b->snaps[i].rs;

		for (unsigned int w = 0; rs != NULL && w < app->nworkers; w++) {
			struct xb_usage_slots *u =
				(struct xb_usage_slots *)&rs->counters[w].usage;

			if (atomic_load_explicit(&u->month[0],
						 memory_order_acquire) == 0 &&
			    atomic_load_explicit(&u->month[1],
						 memory_order_acquire) == 0 &&
			    __atomic_load_n(&app->workers[w]->c.rx_pkts,
					    __ATOMIC_RELAXED) > 0)
				return true;

			for (int k = 0; k < 2; k++)
				if (atomic_load_explicit(&u->month[k],
							 memory_order_acquire) == m &&
				    !(atomic_load_explicit(&u->closing[k],
							   memory_order_acquire) == m &&
				      atomic_load_explicit(&u->ack[k],
							   memory_order_acquire) == m))
					return true;
		}
	}
	return false;
}

/* Close every open month before the previous one (the previous month
 * stays open for the usage it still gets at the boundary, and resumes
 * after a restart); with the capture clock, not while a worker still
 * counts in it (the clock can be a burst ahead of the billing), unless
 * all (the workers are stopped). */
static void
close_past_months(struct xb_app *app, bool all)
{
	struct xb_billing *b = app->billing;

	for (unsigned int i = 0; i < b->nmonths;) {
		uint32_t m = b->months[i];

		if (m < month_prev(b->current) &&
		    (all || !app->opt.clock_capture || !month_active(app, m)))
			close_month(app, i);
		else
			i++;
	}
}

uint64_t
xb_billing_now(const struct xb_app *app)
{
	struct timespec ts;
	uint64_t now = 0;

	if (!app->opt.clock_capture) {
		clock_gettime(CLOCK_REALTIME, &ts);
		return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	for (unsigned int i = 0; i < app->nworkers; i++) {
		uint64_t t = __atomic_load_n(&app->workers[i]->now_ns,
					     __ATOMIC_RELAXED);
		if (t > now)
			now = t;
	}
	return now ? now : app->cap.first_ns;
}

static int
open_month(struct xb_app *app, uint32_t month)
{
	struct xb_billing *b = app->billing;
	struct xb_errors errs;
	int rc;

	if (month_is_open(b, month))
		return 0;
	if (b->nmonths == XB_BILLING_MAX_MONTHS)
		return -ENOSPC;
	xb_errors_init(&errs);
	rc = xb_usage_open(b->usage, month, &errs);
	if (rc == -EROFS) {
		xb_errors_free(&errs);
		return rc; /* closed in an earlier run: never reopened */
	}
	if (xb_errors_count(&errs) > 0 && b->open_failed != month) {
		XB_LOG(WARNING, "usage records of %u:\n", month);
		xb_errors_print(&errs, stderr);
	}
	xb_errors_free(&errs);
	if (rc < 0) {
		if (b->open_failed != month)
			XB_LOG(ERR, "usage records of %u cannot be resumed: %s; usage of that month is not recorded\n",
				month, strerror(-rc));
		b->open_failed = month;
		return rc;
	}
	if (rc == XB_USAGE_RESUMED || rc == XB_USAGE_FROM_PREV)
		XB_LOG(NOTICE, "usage of %u resumed from %s\n", month,
			rc == XB_USAGE_RESUMED ? "the records"
					       : "the previous checkpoint");
	b->months[b->nmonths++] = month;
	return 0;
}

/* Move the current month forward to m (never back). */
static void
advance(struct xb_billing *b, uint32_t m)
{
	if (m > b->current)
		b->current = m;
}

/* Open the current month; one a previous run closed moves it on. */
static int
open_current(struct xb_app *app)
{
	struct xb_billing *b = app->billing;
	int rc;

	if (b->current == 0)
		return -ENOENT;
	while ((rc = open_month(app, b->current)) == -EROFS)
		b->current = month_after(b->current);
	return rc;
}

/* The month that gets what a worker counted for month m: m itself when it
 * is open or can be (any month no run has closed: the previous one at the
 * boundary, or an older one a capture's clock counted in before the
 * billing first saw it), else (a closed month) the current one; 0 when
 * that cannot be opened.  A month opened here is closed again by
 * close_past_months once no worker counts in it. */
static uint32_t
bill_month(struct xb_app *app, uint32_t m)
{
	struct xb_billing *b = app->billing;

	if (month_is_open(b, m))
		return m;
	advance(b, m);
	if (m != b->current && open_month(app, m) == 0)
		return m;
	if (open_current(app) < 0)
		return 0;
	return b->current;
}

static void
report_late(struct xb_billing *b, uint32_t stamped, uint64_t packets,
	    uint64_t bytes)
{
	b->late_packets += packets;
	b->late_bytes += bytes;
	for (unsigned int i = 0; i < b->nlate_logged && i < RTE_DIM(b->late_logged);
	     i++)
		if (b->late_logged[i] == stamped)
			return;
	b->late_logged[b->nlate_logged++ % RTE_DIM(b->late_logged)] = stamped;
	XB_LOG(WARNING, "usage of %u came after the month was closed: billed in %u (late; see usage_late in the statistics)\n",
		stamped, b->current);
}

void
xb_billing_late(const struct xb_app *app, uint64_t *packets, uint64_t *bytes)
{
	*packets = app->billing ? app->billing->late_packets : 0;
	*bytes = app->billing ? app->billing->late_bytes : 0;
}

uint64_t
xb_billing_tenant_bytes(const struct xb_app *app, uint32_t month,
			const char *tenant)
{
	if (app->billing == NULL || !xb_usage_is_open(app->billing->usage, month))
		return 0;
	return xb_usage_tenant_bytes(app->billing->usage, month, tenant);
}

uint32_t
xb_billing_current(const struct xb_app *app)
{
	return app->billing ? app->billing->current : 0;
}

void
xb_billing_settle(struct xb_app *app)
{
	if (app->billing != NULL)
		close_past_months(app, true);
}

int
xb_billing_init(struct xb_app *app, struct xb_errors *errs)
{
	struct xb_billing *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		xb_errors_add(errs, "billing", 0, "out of memory");
		return -1;
	}
	b->usage = xb_usage_create(app->cfg.state_dir[0] ? app->cfg.state_dir
							 : NULL);
	if (b->usage == NULL) {
		xb_errors_add(errs, app->cfg.state_dir, 0,
			      "cannot use the state directory: %s",
			      strerror(errno));
		free(b);
		return -1;
	}
	/* A restart starts at the latest month on record: a month before
	 * it is over, and not reopened. */
	b->current = xb_usage_latest_month(b->usage);
	app->billing = b;
	return 0;
}

static void
snap_free(struct xb_billing_snap *s)
{
	for (unsigned int w = 0; w < XB_RULESET_MAX_WORKERS; w++)
		for (int k = 0; k < 2; k++)
			free(s->snap[w][k]);
	memset(s, 0, sizeof(*s));
}

void
xb_billing_free(struct xb_app *app)
{
	struct xb_billing *b = app->billing;

	if (b == NULL)
		return;
	for (int i = 0; i < 2; i++)
		snap_free(&b->snaps[i]);
	xb_usage_free(b->usage);
	free(b->archive);
	free(b);
	app->billing = NULL;
}

static struct xb_billing_snap *
find_snap(struct xb_billing *b, const struct xb_ruleset *rs)
{
	for (int i = 0; i < 2; i++)
		if (b->snaps[i].rs == rs)
			return &b->snaps[i];
	return NULL;
}

/* Used bytes of every tenant of rs in month, from the records. */
static int
begin_quota_period(struct xb_app *app, const struct xb_ruleset *rs,
		   uint32_t month)
{
	uint64_t *used = calloc(rs->ntenants, sizeof(*used));
	int rc;

	if (used == NULL)
		return -1;
	for (unsigned int t = 0; t < rs->ntenants; t++) {
		const struct xb_tenant *x = xb_tenants_get(rs->tenants, t);

		used[t] = xb_usage_tenant_bytes(app->billing->usage, month, x->id);
		/* Cluster: the pool is what this gateway holds of the
		 * cluster's pool (granted minus used since), passed as
		 * quota - held (xb_quota.h). */
		if (app->quota_held != NULL) {
			uint64_t held = app->quota_held(app, x->id, month,
							used[t]);

			used[t] = x->quota_bytes > held ? x->quota_bytes - held
							: 0;
		}
	}
	rc = xb_quota_begin_period(rs->quota, month, used);
	free(used);
	return rc;
}

int
xb_billing_attach(struct xb_app *app, struct xb_ruleset *rs,
		  const struct xb_ruleset *running, uint64_t now_ns)
{
	struct xb_billing *b = app->billing;
	struct xb_billing_snap *s = find_snap(b, NULL);
	uint32_t month = xb_month_of(now_ns, rs->utc_offset_s);

	if (s == NULL)
		return -1;
	if (app->quota_held != NULL && xb_quota_set_cluster(rs->quota) < 0)
		return -1;
	s->rs = rs;
	for (unsigned int w = 0; w < app->nworkers; w++)
		for (int k = 0; k < 2; k++) {
			s->snap[w][k] = calloc(rs->nusage, sizeof(struct xb_pkt_bytes));
			if (s->snap[w][k] == NULL) {
				snap_free(s);
				return -1;
			}
		}
	/* Bring the records up to date, so the new quotas start from all
	 * the usage known now; what the running ruleset counts between
	 * this fold and the swap (a few ms) is the only lag. */
	if (running != NULL)
		xb_billing_fold(app, running, true);
	advance(b, month);
	open_current(app);
	return begin_quota_period(app, rs, b->current);
}

void
xb_billing_detach(struct xb_app *app, const struct xb_ruleset *rs)
{
	struct xb_billing_snap *s = find_snap(app->billing, rs);

	if (s != NULL)
		snap_free(s);
}

static void
fold_cells(struct xb_app *app, const struct xb_ruleset *rs, uint32_t stamped,
	   uint32_t month, const struct xb_pkt_bytes *cells,
	   struct xb_pkt_bytes *snap)
{
	struct xb_usage *u = app->billing->usage;
	unsigned int nb = rs->nbands, ncat = rs->ncategories,
		     ncc = rs->ncountries;

	for (size_t i = 0; i < rs->nusage; i++) {
		uint64_t p = __atomic_load_n(&cells[i].packets, __ATOMIC_RELAXED);
		uint64_t by = __atomic_load_n(&cells[i].bytes, __ATOMIC_RELAXED);
		uint64_t dp, db, price = 0;
		const char *currency = "XXX";
		const struct xb_tenant *t;
		unsigned int band, cat, cc, tenant;

		if (p == snap[i].packets)
			continue;
		dp = p - snap[i].packets;
		db = by - snap[i].bytes;
		snap[i].packets = p;
		snap[i].bytes = by;
		band = (unsigned int)(i % nb);
		cat = (unsigned int)(i / nb % ncat);
		cc = (unsigned int)(i / nb / ncat % ncc);
		tenant = (unsigned int)(i / nb / ncat / ncc);
		t = xb_tenants_get(rs->tenants, tenant);
		xb_tariff_price(rs->tariff, t->class_id, (uint16_t)cc,
				(uint16_t)cat, band, &price, &currency);
		xb_usage_add(u, month, t->id, xb_countries_code(rs->countries, cc),
			     xb_categories_id(rs->categories, cat),
			     xb_tariff_band_name(rs->tariff, band), price,
			     currency, dp, db);
		if (month != stamped)
			report_late(app->billing, stamped, dp, db);
	}
}

void
xb_billing_fold(struct xb_app *app, const struct xb_ruleset *rs, bool live)
{
	struct xb_billing *b = app->billing;
	struct xb_billing_snap *s;
	uint32_t now_month;
	uint16_t crossed[64];
	unsigned int n;

	if (b == NULL || rs == NULL || (s = find_snap(b, rs)) == NULL)
		return;
	/* The current month follows the clock in use and what the workers
	 * count. */
	now_month = xb_month_of(xb_billing_now(app), rs->utc_offset_s);
	advance(b, now_month);
	for (unsigned int w = 0; w < app->nworkers; w++) {
		struct xb_usage_slots *u =
			(struct xb_usage_slots *)&rs->counters[w].usage;

		for (int k = 0; k < 2; k++)
			advance(b, atomic_load_explicit(&u->month[k],
							memory_order_acquire));
	}
	for (unsigned int w = 0; w < app->nworkers; w++) {
		struct xb_usage_slots *u =
			(struct xb_usage_slots *)&rs->counters[w].usage;

		for (int k = 0; k < 2; k++) {
			/* Closing mark first: everything the worker counted
			 * before setting it is visible to the reads below. */
			uint32_t closing = atomic_load_explicit(
				&u->closing[k], memory_order_acquire);
			uint32_t m = atomic_load_explicit(&u->month[k],
							  memory_order_acquire);
			uint32_t to;

			if (m == 0)
				continue;
			/* Folded after its closing mark already: what the
			 * cells gain from now on is the next month's, once
			 * the worker has tagged the slot with it. */
			if (closing == m &&
			    atomic_load_explicit(&u->ack[k],
						 memory_order_relaxed) == m)
				continue;
			if ((to = bill_month(app, m)) == 0)
				continue;
			fold_cells(app, rs, m, to, u->cells[k], s->snap[w][k]);
			if (closing == m)
				atomic_store_explicit(&u->ack[k], m,
						      memory_order_release);
		}
	}
	close_past_months(app, false);
	/* Quota periods follow the current month. */
	if (live && b->current > xb_quota_month(rs->quota) &&
	    open_current(app) == 0 &&
	    begin_quota_period(app, rs, b->current) == 0)
		XB_LOG(NOTICE, "quota period %u begins\n",
			b->current);
	while ((n = xb_quota_poll_crossed(rs->quota, crossed,
					  RTE_DIM(crossed))) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			const struct xb_tenant *t =
				xb_tenants_get(rs->tenants, crossed[i]);

			b->crossings++;
			XB_LOG(NOTICE, "tenant %s reached its monthly quota of %" PRIu64
				" bytes: %s\n",
				t->id, t->quota_bytes,
				t->over_quota == XB_OVER_QUOTA_BLOCK ? "blocked"
				: t->over_quota == XB_OVER_QUOTA_THROTTLE
					? "throttled"
					: "notified");
			if (app->on_quota_crossed != NULL)
				app->on_quota_crossed(
					app, t,
					xb_tenants_line(rs->tenants, crossed[i]),
					xb_quota_month(rs->quota));
		}
	}
}

void
xb_billing_set_events_anchor(struct xb_app *app, uint64_t seq,
			     const char *hash)
{
	if (app->billing != NULL)
		xb_usage_set_anchor(app->billing->usage, seq, hash);
}

uint64_t
xb_billing_events_anchor(const struct xb_app *app, char hash[65])
{
	return app->billing != NULL
		       ? xb_usage_anchor_of_files(app->billing->usage, hash)
		       : 0;
}

int
xb_billing_checkpoint(struct xb_app *app, struct xb_errors *errs)
{
	return app->billing ? xb_usage_checkpoint(app->billing->usage, errs) : 0;
}

void
xb_billing_foreach(const struct xb_app *app,
		   void (*fn)(void *ctx, const struct xb_usage_rec *r), void *ctx)
{
	const struct xb_billing *b = app->billing;

	for (unsigned int i = 0; b != NULL && i < b->narchive; i++)
		fn(ctx, &b->archive[i]);
	for (unsigned int mi = 0; b != NULL && mi < b->nmonths; mi++) {
		uint32_t m = b->months[mi];
		unsigned int n = xb_usage_count(b->usage, m);

		for (unsigned int i = 0; i < n; i++)
			fn(ctx, xb_usage_get(b->usage, m, i));
	}
}

struct tenant_sum {
	struct {
		char tenant[XB_USAGE_ID_MAX + 1];
		char currency[4];
		uint64_t packets, bytes, charge;
	} e[256];
	unsigned int n;
};

static void
sum_tenant(void *ctx, const struct xb_usage_rec *r)
{
	struct tenant_sum *s = ctx;
	unsigned int k;

	for (k = 0; k < s->n; k++)
		if (strcmp(s->e[k].tenant, r->tenant) == 0 &&
		    strcmp(s->e[k].currency, r->currency) == 0)
			break;
	if (k == s->n) {
		if (s->n == RTE_DIM(s->e))
			return;
		memset(&s->e[k], 0, sizeof(s->e[k]));
		snprintf(s->e[k].tenant, sizeof(s->e[k].tenant), "%s", r->tenant);
		snprintf(s->e[k].currency, sizeof(s->e[k].currency), "%s",
			 r->currency);
		s->n++;
	}
	s->e[k].packets += r->packets;
	s->e[k].bytes += r->bytes;
	s->e[k].charge += r->charge_micros;
}

void
xb_billing_report(const struct xb_app *app, FILE *f)
{
	struct tenant_sum *s = calloc(1, sizeof(*s));

	if (app->billing == NULL || s == NULL) {
		free(s);
		return;
	}
	xb_billing_foreach(app, sum_tenant, s);
	fprintf(f, "usage by tenant (forwarded packets only)\n");
	for (unsigned int k = 0; k < s->n; k++)
		fprintf(f, "  %-16s %12" PRIu64 " pkts %15" PRIu64
			   " bytes  charge %" PRIu64 ".%06" PRIu64 " %s\n",
			s->e[k].tenant, s->e[k].packets, s->e[k].bytes,
			s->e[k].charge / 1000000, s->e[k].charge % 1000000,
			s->e[k].currency);
	if (app->billing->crossings)
		fprintf(f, "  quota crossings: %" PRIu64 "\n",
			app->billing->crossings);
	free(s);
}
