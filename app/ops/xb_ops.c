/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_ops.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_log.h>

#include "xb_app.h"
#include "xb_control.h"
#include "xb_events.h"
#include "xb_flowlog.h"
#include "xb_flowsnap.h"
#include "xb_ipfix.h"
#include "xb_log.h"
#include "xb_prometheus.h"
#include "xb_telemetry.h"

/* IPFIX observation domain of this exporter. */
#define XB_IPFIX_DOMAIN 1

static struct {
	struct xb_events *events;
	struct xb_ipfix *ipfix;
	struct xb_prom *prom;
	uint64_t now_ns; /* for the drain callback */
} ops;

uint64_t
xb_ops_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
xb_ops_event(const char *type, const struct xb_event_field *fields,
	     unsigned int n)
{
	if (ops.events != NULL &&
	    xb_events_emit(ops.events, type, xb_ops_unix_ns(), fields, n) < 0)
		XB_LOG(ERR, "events: cannot write the event log\n");
}

/* Prometheus render callback (server thread): the lock keeps rulesets
 * and totals still; a scrape during a long reload waits up to 5 s, then
 * gets 503. */
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

	if (cfg->events_file[0] != '\0') {
		ops.events = xb_events_open(cfg->events_file, true, err, errlen);
		if (ops.events == NULL)
			return -1;
		xb_ops_event(XB_EVENT_START,
			     (struct xb_event_field[]){
				     XB_EV_STR("version", XBGW_VERSION),
				     XB_EV_STR("config", cfg->path),
				     XB_EV_U64("generation", app->generation),
				     XB_EV_U64("workers", app->nworkers),
			     },
			     4);
	}
	if (cfg->ipfix_collector[0] != '\0') {
		ops.ipfix = xb_ipfix_open(cfg->ipfix_collector, XB_IPFIX_DOMAIN,
					  err, errlen);
		if (ops.ipfix == NULL)
			return -1;
	}
	if (cfg->prometheus_listen[0] != '\0') {
		ops.prom = xb_prom_start(cfg->prometheus_listen, prom_render, app,
					 err, errlen);
		if (ops.prom == NULL)
			return -1;
		XB_LOG(NOTICE, "prometheus: http://%s/metrics (port %u)\n",
			cfg->prometheus_listen, xb_prom_port(ops.prom));
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
		if (xb_telemetry_register(app) < 0) {
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

	if (!rec->interim && app->flow_log != NULL)
		xb_flowlog_write(app->flow_log, rec); /* the log: ended flows */
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
	ops.now_ns = xb_ops_unix_ns();
	return xb_flowrec_drain_each(r, fan_out, app);
}

void
xb_ops_poll(struct xb_app *app)
{
	(void)app;
	if (ops.ipfix != NULL)
		xb_ipfix_tick(ops.ipfix, xb_ops_unix_ns());
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

		xb_ipfix_flush(ops.ipfix, xb_ops_unix_ns());
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
		xb_ops_event(XB_EVENT_STOP,
			     (struct xb_event_field[]){
				     XB_EV_U64("generation", app->generation),
				     XB_EV_U64("reloads_ok", app->reloads_ok),
				     XB_EV_U64("reloads_failed",
					       app->reloads_failed),
			     },
			     3);
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

int
xb_ops_verify_events(const char *path)
{
	unsigned int bad = 0;
	int rc = xb_events_verify(path, &bad);

	if (rc == 0) {
		printf("%s: OK (hash chain intact)\n", path);
		return 0;
	}
	if (rc == 1) {
		printf("%s:%u: hash chain broken (\"prev\" is not the SHA-256 of line %u): the log was changed at or before this line\n",
		       path, bad, bad - 1);
		return 1;
	}
	fprintf(stderr, "xbgw: %s: %s\n", path, strerror(-rc));
	return 3;
}
