/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "xb_app.h"
#include "xb_billing.h"
#include "xb_control.h"
#include "xb_events.h"
#include "xb_flowlog.h"
#include "xb_flowsnap.h"
#include "xb_ipfix.h"
#include "xb_log.h"
#include "xb_prometheus.h"
#include "xb_rules.h"
#include "xb_telemetry.h"
#include "xb_telemetry_rules.h"
#include "xb_unix_time.h"
#include "xb_usage.h"

/* IPFIX observation domain of this exporter. */
#define XB_IPFIX_DOMAIN 1
/* Event lines other than start/stop/reload/quota are fdatasync'd within
 * this many ns (group commit on the main lcore). */
#define XB_EVENTS_SYNC_NS 100000000ull

_Static_assert(XB_CONFIG_KEY_MAX <= XB_EVENTS_KEY_MAX,
	       "a key the config accepts must fit the event log");

static struct {
	struct xb_events *events;
	struct xb_ipfix *ipfix;
	struct xb_prom *prom;
	uint64_t now_ns; /* for the drain callback */
	uint64_t last_sync_ns; /* event log group commit */
} ops;

void
xb_ops_event(const char *type, const struct xb_event_field *fields,
	     unsigned int n)
{
	if (ops.events != NULL &&
	    xb_events_emit(ops.events, type, xb_unix_ns(), fields, n) < 0)
		XB_LOG(ERR, "events: cannot write the event log\n");
}

/* Prometheus render callback (the server's render thread, never while a
 * client is being written to): the lock keeps rulesets and totals still;
 * a scrape during a long reload waits up to 5 s, then gets 503. */
static int
prom_render(void *ctx, FILE *out)
{
	if (xb_control_lock_timed(5000) < 0)
		return -1;
	xb_prom_write_metrics(ctx, out);
	xb_control_unlock();
	return 0;
}

int
xb_ops_start(struct xb_app *app, char *err, size_t errlen)
{
	const struct xb_config *cfg = &app->cfg;

	app->started_unix_ns = xb_unix_ns();
	app->last_reload_ok_unix_ns = app->started_unix_ns; /* ruleset 1 */

	if (cfg->events_file[0] != '\0') {
		unsigned char key[XB_CONFIG_KEY_MAX];
		size_t keylen = 0;
		const char *problem;
		struct xb_events_head anchor;
		char why[256];
		bool loose;
		struct xb_event_field f[7] = {
			XB_EV_STR("version", XBGW_VERSION),
			XB_EV_STR("config", cfg->path),
			XB_EV_U64("generation", app->generation),
			XB_EV_U64("workers", app->nworkers),
			XB_EV_BOOL("keyed", cfg->events_key[0] != '\0'),
		};
		unsigned int nf = 5;

		/* The key file was checked at config load; read it again
		 * here, as strictly, and keep it only inside the log. */
		if (cfg->events_key[0] != '\0' &&
		    xb_config_read_key(cfg->events_key, true, key, &keylen,
				       &loose, err, errlen) < 0)
			return -1;
		ops.events = xb_events_open(cfg->events_file,
					    keylen ? key : NULL, keylen, true,
					    err, errlen);
		explicit_bzero(key, sizeof(key));
		if (ops.events == NULL)
			return -1;
		problem = xb_events_resume_problem(ops.events);
		if (xb_events_resumed_seq(ops.events) > 0)
			XB_LOG(NOTICE,
				"events: %s continues after seq %" PRIu64 "\n",
				cfg->events_file,
				xb_events_resumed_seq(ops.events));
		if (problem != NULL) {
			XB_LOG(WARNING, "events: %s: %s\n",
				cfg->events_file, problem);
			f[nf++] = XB_EV_STR("resume_problem", problem);
		}
		/* The last run's usage checkpoint anchors the log: a log cut
		 * while xbgw was down shows here, before the next checkpoint
		 * replaces that anchor. */
		anchor.seq = xb_billing_events_anchor(app, anchor.hash);
		if (xb_events_check_resumed(ops.events, &anchor, why,
					    sizeof(why)) != 0) {
			XB_LOG(ERR, "events: %s: %s\n",
				cfg->events_file, why);
			f[nf++] = XB_EV_STR("anchor_problem", why);
		}
		xb_ops_event(XB_EVENT_START, f, nf);
		ops.last_sync_ns = xb_unix_ns();
		xb_ops_anchor_events(app);
	}
	if (cfg->ipfix_collector[0] != '\0') {
		ops.ipfix = xb_ipfix_open(cfg->ipfix_collector, XB_IPFIX_DOMAIN,
					  err, errlen);
		if (ops.ipfix == NULL)
			return -1;
	}
	if (cfg->prometheus_listen[0] != '\0') {
		ops.prom = xb_prom_start(cfg->prometheus_listen, NULL,
					 prom_render, app, err, errlen);
		if (ops.prom == NULL)
			return -1;
		XB_LOG(NOTICE, "prometheus: %s\n", xb_prom_url(ops.prom));
	}
	if (cfg->telemetry) {
		/* Workers are not running yet: plain stores suffice. */
		for (unsigned int i = 0; i < app->nworkers; i++) {
			app->workers[i]->snap =
				calloc(1, sizeof(struct xb_flowsnap));
			if (app->workers[i]->snap == NULL) {
				snprintf(err, errlen, "telemetry: out of memory");
				return -1;
			}
		}
		if (xb_telemetry_register(app) < 0 ||
		    xb_telemetry_rules_register() < 0) {
			snprintf(err, errlen,
				 "telemetry: cannot register the /xbgw/ commands");
			return -1;
		}
	}
	return 0;
}

bool
xb_ops_want_flow_records(const struct xb_app *app)
{
	return app->cfg.ipfix_collector[0] != '\0';
}

/*
 * Interim records (active timeout) carry a long flow's counts so far; IPFIX
 * wants deltas.  What each such flow has had exported is kept here, keyed
 * by worker, 5-tuple, VLAN and start time, until its final record:
 * open addressing, linear probing, deletion by backward shift.  A flow that
 * finds the table full is not exported early: its final record then still
 * carries everything (nothing is lost or counted twice).
 */
#define EXPORTED_SLOTS (1u << 16)

struct exported {
	uint64_t hash; /* 0 = free */
	struct xb_flow_record key; /* identity fields only are compared */
	uint64_t packets[2], bytes[2];
};

static struct exported *exported;

static uint64_t
rec_hash(const struct xb_flow_record *r)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *parts[] = {r->src, r->dst};

	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[k][i]) * 1099511628211ull;
	h = (h ^ ((uint64_t)r->sport << 16 | r->dport)) * 1099511628211ull;
	h = (h ^ ((uint64_t)r->proto << 32 | (uint64_t)r->vlan << 16 |
		  r->worker)) * 1099511628211ull;
	h = (h ^ r->first_ns) * 1099511628211ull;
	return h | 1;
}

static bool
same_flow(const struct xb_flow_record *a, const struct xb_flow_record *b)
{
	return a->proto == b->proto && a->sport == b->sport &&
	       a->dport == b->dport && a->vlan == b->vlan &&
	       a->worker == b->worker && a->first_ns == b->first_ns &&
	       memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

static struct exported *
exported_find(const struct xb_flow_record *r, uint64_t h, bool add)
{
	if (exported == NULL)
		exported = calloc(EXPORTED_SLOTS, sizeof(*exported));
	if (exported == NULL)
		return NULL;
	for (uint32_t n = 0, i = (uint32_t)h & (EXPORTED_SLOTS - 1);
	     n < EXPORTED_SLOTS; n++, i = (i + 1) & (EXPORTED_SLOTS - 1)) {
		struct exported *e = &exported[i];

		if (e->hash == h && same_flow(&e->key, r))
			return e;
		if (e->hash == 0) {
			if (!add || n > EXPORTED_SLOTS / 2)
				return NULL; /* keep probes short */
			e->hash = h;
			e->key = *r;
			return e;
		}
	}
	return NULL;
}

static void
exported_remove(struct exported *e)
{
	uint32_t i = (uint32_t)(e - exported), j = i;

	e->hash = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & (EXPORTED_SLOTS - 1);
		if (exported[j].hash == 0)
			return;
		home = (uint32_t)exported[j].hash & (EXPORTED_SLOTS - 1);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			exported[i] = exported[j];
			exported[j].hash = 0;
			i = j;
		}
	}
}

static void
fan_out(void *ctx, const struct xb_flow_record *rec)
{
	struct xb_app *app = ctx;
	struct xb_flow_record d;
	struct exported *e;
	uint64_t h;

	if (!rec->interim && app->flow_log != NULL) {
		/* The main lcore reclaims rulesets: the active one is safe
		 * to read here; a record of another generation names no
		 * country line. */
		const struct xb_ruleset *rs = xb_rules_active();

		if (rs != NULL && rs->generation != rec->generation)
			rs = NULL;
		xb_flowlog_write(app->flow_log, rec, rs); /* ended flows */
	}
	if (ops.ipfix == NULL)
		return;
	h = rec_hash(rec);
	e = exported_find(rec, h, rec->interim);
	if (e == NULL) {
		if (!rec->interim)
			xb_ipfix_add(ops.ipfix, rec, ops.now_ns);
		return;
	}
	d = *rec;
	for (int k = 0; k < 2; k++) {
		d.packets[k] -= e->packets[k];
		d.bytes[k] -= e->bytes[k];
		e->packets[k] = rec->packets[k];
		e->bytes[k] = rec->bytes[k];
	}
	/* An interim record of a flow that sent nothing since the last one
	 * says nothing: skip it. */
	if (!rec->interim || d.packets[0] != 0 || d.packets[1] != 0)
		xb_ipfix_add(ops.ipfix, &d, ops.now_ns);
	if (!rec->interim)
		exported_remove(e);
}

unsigned int
xb_ops_drain_flows(struct xb_app *app, struct xb_flowrec_ring *r)
{
	if (r == NULL)
		return 0;
	ops.now_ns = xb_unix_ns();
	return xb_flowrec_drain_each(r, fan_out, app);
}

void
xb_ops_poll(struct xb_app *app)
{
	uint64_t now = xb_unix_ns();

	(void)app;
	if (ops.ipfix != NULL)
		xb_ipfix_tick(ops.ipfix, now);
	/* Group commit: unsynced event lines reach the disk within
	 * XB_EVENTS_SYNC_NS (start, stop, reload and quota lines were
	 * synced when written). */
	if (ops.events != NULL && now - ops.last_sync_ns >= XB_EVENTS_SYNC_NS) {
		if (xb_events_unsynced(ops.events) &&
		    xb_events_sync(ops.events, NULL) < 0)
			XB_LOG(ERR, "events: cannot sync the event log\n");
		ops.last_sync_ns = now;
	}
}

void
xb_ops_anchor_events(struct xb_app *app)
{
	struct xb_events_head h;

	if (ops.events == NULL)
		return;
	if (xb_events_publish_head(ops.events, &h) < 0)
		XB_LOG(ERR, "events: cannot sync the event log\n");
	/* Only durable lines are ever anchored. */
	xb_billing_set_events_anchor(app, h.seq, h.hash);
}

void
xb_ops_reload_begin(struct xb_app *app)
{
	(void)app;
	xb_control_reload_serve();
	xb_control_lock();
}

void
xb_ops_reload_end(struct xb_app *app, int rc, const struct xb_errors *errs)
{
	unsigned int nerr = errs != NULL ? errs->stored : 0;
	char text[4096];

	/* Still under the control lock: telemetry and Prometheus read
	 * these with it held. */
	app->last_reload_unix_ns = xb_unix_ns();
	app->last_reload_result = rc == 0 ? 1 : -1;
	app->last_reload_errors =
		errs != NULL && rc != 0 ? xb_errors_count(errs) : 0;
	if (rc == 0)
		app->last_reload_ok_unix_ns = app->last_reload_unix_ns;
	xb_control_unlock();
	xb_ops_event(XB_EVENT_RELOAD,
		     (struct xb_event_field[]){
			     XB_EV_STR("result", rc == 0 ? "ok" : "failed"),
			     XB_EV_U64("generation", app->generation),
			     XB_EV_STR("trigger", xb_control_reload_asked()
							  ? "telemetry"
							  : "signal"),
			     XB_EV_U64("error_count",
				       errs != NULL ? xb_errors_count(errs) : 0),
			     XB_EV_STRV("errors",
					(const char *const *)(errs != NULL ? errs->msgs
									   : NULL),
					rc == 0 ? 0 : nerr),
		     },
		     5);
	if (rc == 0)
		snprintf(text, sizeof(text), "generation %u active",
			 app->generation);
	else if (errs != NULL)
		xb_errors_join(errs, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "failed");
	xb_control_reload_answer(rc, app->generation, text);
}

void
xb_ops_stop(struct xb_app *app)
{
	if (ops.ipfix != NULL) {
		struct xb_ipfix_stats st;

		xb_ipfix_flush(ops.ipfix, xb_unix_ns());
		xb_ipfix_get_stats(ops.ipfix, &st);
		XB_LOG(INFO, "ipfix: %lu flows, %lu records in %lu messages, %lu send errors\n",
			(unsigned long)st.flows, (unsigned long)st.data_records,
			(unsigned long)st.messages, (unsigned long)st.send_errors);
		xb_ipfix_close(ops.ipfix);
		free(exported);
		exported = NULL;
		ops.ipfix = NULL;
	}
	xb_prom_stop(ops.prom);
	ops.prom = NULL;
	if (ops.events != NULL) {
		struct xb_errors errs;

		xb_ops_event(XB_EVENT_STOP,
			     (struct xb_event_field[]){
				     XB_EV_U64("generation", app->generation),
				     XB_EV_U64("reloads_ok", app->reloads_ok),
				     XB_EV_U64("reloads_failed",
					       app->reloads_failed),
			     },
			     3);
		/* The last checkpoint anchors the stop line too, so a log
		 * cut anywhere after a clean stop fails verification. */
		xb_ops_anchor_events(app);
		xb_errors_init(&errs);
		if (xb_billing_checkpoint(app, &errs) < 0) {
			XB_LOG(ERR, "usage checkpoint failed:\n");
			xb_errors_print(&errs, stderr);
		}
		xb_errors_free(&errs);
		xb_events_close(ops.events);
		ops.events = NULL;
	}
	/* Telemetry commands stay registered (DPDK has no unregister) but
	 * find no snapshot buffers and the lock keeps them off freed data:
	 * the caller frees workers only after this. */
	xb_control_lock();
	xb_control_set_stopped();
	for (unsigned int i = 0; i < app->nworkers; i++) {
		free(app->workers[i]->snap);
		app->workers[i]->snap = NULL;
	}
	xb_control_unlock();
}

/* One --events-anchor: "SEQ:HASH", or a usage record file holding a
 * "# events" line.  Returns 0, or the exit code. */
static int
load_anchor(const char *arg, struct xb_events_head *h)
{
	struct xb_errors errs;
	const char *p = arg;
	int rc;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p != arg && *p == ':') {
		if (xb_events_parse_anchor(arg, h) == 0)
			return 0;
		fprintf(stderr,
			"xbgw: --events-anchor: got \"%s\", expected SEQ:HASH (seq >= 1, 64 hex digits) or a usage record file\n",
			arg);
		return XB_EXIT_USAGE;
	}
	xb_errors_init(&errs);
	rc = xb_usage_read_anchor(arg, &h->seq, h->hash, &errs);
	if (rc == -ENOENT && access(arg, R_OK) == 0) {
		fprintf(stderr,
			"xbgw: %s: no \"# events SEQ HASH\" line (a usage file written without an event log, or by an older xbgw)\n",
			arg);
	} else if (rc == -EBADMSG) {
		fprintf(stderr, "xbgw: the anchor file cannot be trusted:\n");
		xb_errors_print(&errs, stderr);
	} else if (rc < 0) {
		fprintf(stderr, "xbgw: %s: %s\n", arg, strerror(-rc));
	}
	xb_errors_free(&errs);
	return rc < 0 ? XB_EXIT_RUNTIME : 0;
}

int
xb_ops_verify_events(const char *path, const char *key_file,
		     const char *const *anchor_args, unsigned int nanchors)
{
	struct xb_events_head anchors[XB_OPS_MAX_ANCHORS];
	unsigned char key[XB_CONFIG_KEY_MAX];
	struct xb_events_check c = {0};
	struct xb_events_report r;
	char why[PATH_MAX + 256];
	int rc;

	if (nanchors > XB_OPS_MAX_ANCHORS)
		nanchors = XB_OPS_MAX_ANCHORS;
	for (unsigned int i = 0; i < nanchors; i++) {
		rc = load_anchor(anchor_args[i], &anchors[i]);
		if (rc != 0)
			return rc;
	}
	c.anchors = anchors;
	c.nanchors = nanchors;
	if (key_file != NULL) {
		bool loose;

		if (xb_config_read_key(key_file, false, key, &c.keylen, &loose,
				       why, sizeof(why)) < 0) {
			fprintf(stderr, "xbgw: --events-key %s\n", why);
			return XB_EXIT_RUNTIME;
		}
		if (loose)
			fprintf(stderr, "xbgw: warning: %s\n", why);
		c.key = key;
	}
	rc = xb_events_check(path, &c, &r);
	explicit_bzero(key, sizeof(key));
	if (rc < 0) {
		fprintf(stderr, "xbgw: %s: %s\n", path, strerror(-rc));
		return XB_EXIT_RUNTIME;
	}
	if (rc == 1) {
		printf("%s:%" PRIu64 ": %s\n", path, r.bad_line, r.why);
		return 1;
	}
	printf("%s: OK (hash chain intact, %" PRIu64 " line%s", path, r.lines,
	       r.lines == 1 ? "" : "s");
	if (r.first_seq != 0)
		printf(", seq %" PRIu64 "..%" PRIu64, r.first_seq, r.lines);
	if (r.first_keyed != 0)
		printf(", hmac verified on lines %" PRIu64 "..%" PRIu64,
		       r.first_keyed, r.lines);
	for (unsigned int i = 0; i < nanchors; i++)
		printf(", anchor %" PRIu64 ":%.12s... reached", anchors[i].seq,
		       anchors[i].hash);
	printf(")\n");
	if (r.lines > 0 && r.first_seq > 1)
		printf("note: lines 1..%" PRIu64 " predate \"seq\" and \"hmac\"\n",
		       r.first_seq - 1);
	else if (r.first_keyed > 1)
		printf("note: lines 1..%" PRIu64 " carry no hmac (written before the key was set); the first keyed line's \"prev\" covers them\n",
		       r.first_keyed - 1);
	if (key_file == NULL && nanchors == 0)
		printf("note: without --events-key or --events-anchor, a log rewritten with recomputed hashes, or cut at its end, passes too\n");
	else if (nanchors == 0)
		printf("note: without --events-anchor, lines cut off the end of the log cannot be seen (last line: seq %" PRIu64 "%s)\n",
		       r.head.seq, r.ends_with_stop ? ", a stop event" : "");
	return 0;
}
