/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /xbgw/ (see app/ops/OUTPUTS.md):
 *   /xbgw/stats[,country|category|tenant]   statistics
 *   /xbgw/flows[,N | ,key=value,...]         top flows by bytes, filtered
 *   /xbgw/ruleset                            active ruleset
 *   /xbgw/reload                             reload on the main lcore
 *   /xbgw/status, /xbgw/workers, /xbgw/ports, /xbgw/tenants,
 *   /xbgw/meters[,tenant=T]                  what xbgwctl shows
 *
 * The callbacks run on DPDK's telemetry threads.  They take the control
 * lock (xb_control.h) before reading the rulesets (active and retiring),
 * the name-keyed totals or the workers' snapshot buffers, so the main lcore
 * (which holds it to swap and reclaim rulesets) cannot free what they
 * read; per-worker counters are read with relaxed loads.
 * DPDK 22.11 telemetry nests containers one level deep and caps a reply
 * at 16 KiB and a dict at 256 entries, which shapes the replies below.
 * Names that come from the tables (tenants, categories) are values, never
 * dict keys: telemetry allows only [A-Za-z0-9_/] in a key, so "acme-pay"
 * would come out as "acme_pay".  Lists of them are arrays of dicts with
 * a "tenant" (or "country", "category") field.
 */
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "xb_app.h"
#include "xb_billing.h"
#include "xb_usage.h"
#include "xb_quota.h"
#include "xb_flowsnap.h"
#include "xb_control.h"
#include "xb_prefix.h"
#include "xb_rules.h"
#include "xb_stats.h"
#include "xb_tally.h"
#include "xb_unix_time.h"
#include "xb_telemetry.h"
#include "xb_policy.h"
#include "xb_tel_str.h"

#define LOCK_MS 5000
#define FLOWS_DEFAULT 10
#define FLOWS_MAX 32          /* keeps the reply under 16 KiB */
#define SNAP_TIMEOUT_MS 200   /* per worker */
#define RELOAD_TIMEOUT_MS 60000
/* Entries of an array of dicts: each takes about 60-200 bytes of JSON,
 * and a reply is 16 KiB at most. */
#define NAMED_MAX 160
#define METERS_MAX 64

static struct xb_app *tel_app;

/* A counter another thread writes (one writer): a relaxed load. */
static uint64_t
rd64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Telemetry names allow [A-Za-z0-9_/] only (and at most 63 bytes):
 * other characters become '_'. */
static void
tel_name(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < len && i < 63; i++) {
		char c = src[i];

		dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '_' || c == '/'
			 ? c
			 : '_';
	}
	dst[i] = '\0';
}

/* Append e to a list reply d: DPDK 22.11 arrays hold only arrays of
 * scalars, so a list of dicts is a dict keyed "0", "1", ... in order
 * (names stay values inside each entry). */
static int
list_add(struct rte_tel_data *d, struct rte_tel_data *e, unsigned int *n)
{
	char key[16];

	snprintf(key, sizeof(key), "%u", *n);
	if (rte_tel_data_add_dict_container(d, key, e, 0) < 0)
		return -1;
	(*n)++;
	return 0;
}

static void
live_tallies(struct xb_tally t[3])
{
	memset(t, 0, 3 * sizeof(*t));
	xb_tally_copy(&t[0], &tel_app->by_country);
	xb_tally_copy(&t[1], &tel_app->by_category);
	xb_tally_copy(&t[2], &tel_app->by_tenant);
	xb_rules_fold_live(tel_app, &t[0], &t[1], &t[2]);
}

/* A name -> u64 dict of the non-zero entries of one tally column. */
static struct rte_tel_data *
tally_dict(const struct xb_tally *t, bool bytes)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	unsigned int n = 0;

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < t->n && n < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		char k[64];

		if (t->e[i].packets == 0)
			continue;
		tel_name(k, sizeof(k), t->e[i].name);
		rte_tel_data_add_dict_u64(d, k,
					  bytes ? t->e[i].bytes : t->e[i].packets);
		n++;
	}
	return d;
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int listed = 0;
	static const char *const dims[3] = {"country", "category", "tenant"};
	struct xb_counters s;
	struct xb_tally t[3];
	struct rte_tel_data *drop;
	uint64_t dsum = 0;
	int only = -1;

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		for (int k = 0; k < 3; k++)
			if (strcmp(params, dims[k]) == 0)
				only = k;
		if (only < 0)
			return -EINVAL;
	}
	if (xb_control_lock_timed(LOCK_MS) < 0)
		return -EBUSY;
	if (xb_control_stopped()) {
		xb_control_unlock();
		return -ESHUTDOWN;
	}
	xb_stats_sum(tel_app, &s);
	live_tallies(t);
	if (only < 0)
		rte_tel_data_start_dict(d);
	if (only >= 0) {
		/* [{dim: name, packets, bytes}], non-zero entries: names are
		 * values, never keys (they would be renamed). */
		unsigned int n = 0;

		rte_tel_data_start_dict(d);
		for (unsigned int i = 0; i < t[only].n && n < NAMED_MAX; i++) {
			struct rte_tel_data *e;

			if (t[only].e[i].packets == 0)
				continue;
			e = rte_tel_data_alloc();
			if (e == NULL)
				break;
			rte_tel_data_start_dict(e);
			xb_tel_dict_str(e, dims[only], t[only].e[i].name);
			rte_tel_data_add_dict_u64(e, "packets", t[only].e[i].packets);
			rte_tel_data_add_dict_u64(e, "bytes", t[only].e[i].bytes);
			if (list_add(d, e, &listed) < 0) {
				rte_tel_data_free(e);
				break;
			}
			n++;
		}
		goto out;
	}
	rte_tel_data_add_dict_u64(d, "rx", s.rx_pkts);
	rte_tel_data_add_dict_u64(d, "tx", s.tx_pkts);
	drop = rte_tel_data_alloc();
	if (drop != NULL) {
		rte_tel_data_start_dict(drop);
		for (unsigned int i = 0; i < XB_DROP_MAX; i++) {
			rte_tel_data_add_dict_u64(drop, xb_drop_names[i], s.drop[i]);
			dsum += s.drop[i];
		}
		rte_tel_data_add_dict_container(d, "drop", drop, 0);
	}
	rte_tel_data_add_dict_u64(d, "drop_total", dsum);
	rte_tel_data_add_dict_u64(d, "not_ip", s.not_ip);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s.tx_bytes);
	rte_tel_data_add_dict_u64(d, "flows_new", s.flows_new);
	rte_tel_data_add_dict_u64(d, "generation", tel_app->generation);
	rte_tel_data_add_dict_u64(d, "reloads_ok", tel_app->reloads_ok);
	rte_tel_data_add_dict_u64(d, "reloads_failed", tel_app->reloads_failed);
	{
		struct rte_tel_data *ap = rte_tel_data_alloc();
		struct rte_tel_data *ab = rte_tel_data_alloc();

		if (ap != NULL && ab != NULL) {
			rte_tel_data_start_dict(ap);
			rte_tel_data_start_dict(ab);
			for (unsigned int a = 0; a < XB_ACT_MAX; a++) {
				rte_tel_data_add_dict_u64(ap, xb_action_name(a),
							  s.by_action_pkts[a]);
				rte_tel_data_add_dict_u64(ab, xb_action_name(a),
							  s.by_action_bytes[a]);
			}
			rte_tel_data_add_dict_container(d, "by_action_packets", ap, 0);
			rte_tel_data_add_dict_container(d, "by_action_bytes", ab, 0);
		} else {
			rte_tel_data_free(ap);
			rte_tel_data_free(ab);
		}
	}
	/* Country codes (two letters) are valid keys as they are; category
	 * and tenant names are not, so they are only in the per-dimension
	 * replies (/xbgw/stats,category|tenant), as values. */
	for (int k = 0; k < 1; k++) {
		char key[40];
		struct rte_tel_data *c;

		snprintf(key, sizeof(key), "by_%s_packets", dims[k]);
		c = tally_dict(&t[k], false);
		if (c != NULL)
			rte_tel_data_add_dict_container(d, key, c, 0);
		snprintf(key, sizeof(key), "by_%s_bytes", dims[k]);
		c = tally_dict(&t[k], true);
		if (c != NULL)
			rte_tel_data_add_dict_container(d, key, c, 0);
	}
out:
	xb_control_unlock();
	for (int k = 0; k < 3; k++)
		xb_tally_free(&t[k]);
	return 0;
}

struct ranked {
	const struct xb_flow_record *r;
	unsigned int lcore;
};

static int
by_bytes_desc(const void *a, const void *b)
{
	const struct xb_flow_record *x = ((const struct ranked *)a)->r;
	const struct xb_flow_record *y = ((const struct ranked *)b)->r;
	uint64_t bx = x->bytes[0] + x->bytes[1], by = y->bytes[0] + y->bytes[1];

	return bx < by ? 1 : bx > by ? -1 : 0;
}

/* Copy a filter value; -EINVAL when it does not fit. */
static int
filter_str(char *dst, size_t len, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

/*
 * /xbgw/flows parameters: "N" (the old form: top N), or a comma-separated
 * list of key=value among top=N, tenant=, country=, category=, action=,
 * ip= (either endpoint) and name= (a substring of the flow's name, e.g. a
 * domain suffix).  The workers apply the filter before they rank, so the
 * top N are the top N of the matching flows.
 */
static int
flows_params(const char *params, unsigned int *want,
	     struct xb_flowsnap_filter *f)
{
	char buf[512], *save = NULL, *kv;

	memset(f, 0, sizeof(*f));
	if (params == NULL || params[0] == '\0')
		return 0;
	if (strlen(params) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, params);
	for (kv = strtok_r(buf, ",", &save); kv != NULL;
	     kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		int rc = 0;

		if (v == NULL) {
			char *end;
			unsigned long n = strtoul(kv, &end, 10);

			if (*end != '\0' || n == 0 || n > FLOWS_MAX)
				return -EINVAL;
			*want = (unsigned int)n;
			continue;
		}
		*v++ = '\0';
		if (strcmp(kv, "top") == 0) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);

			if (*end != '\0' || n == 0 || n > FLOWS_MAX)
				return -EINVAL;
			*want = (unsigned int)n;
		} else if (strcmp(kv, "tenant") == 0) {
			rc = filter_str(f->tenant, sizeof(f->tenant), v);
		} else if (strcmp(kv, "country") == 0) {
			rc = filter_str(f->country, sizeof(f->country), v);
		} else if (strcmp(kv, "category") == 0) {
			rc = filter_str(f->category, sizeof(f->category), v);
		} else if (strcmp(kv, "action") == 0) {
			rc = filter_str(f->action, sizeof(f->action), v);
		} else if (strcmp(kv, "name") == 0) {
			rc = filter_str(f->name, sizeof(f->name), v);
		} else if (strcmp(kv, "ip") == 0) {
			struct xb_prefix pfx;
			const char *why;

			if (xb_prefix_parse(v, &pfx, &why) < 0 ||
			    pfx.len != (pfx.family == 4 ? 32 : 128))
				return -EINVAL;
			f->has_ip = 1;
			f->family = pfx.family;
			memcpy(f->ip, pfx.addr, 16);
		} else {
			return -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
cmd_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct ranked all[RTE_MAX_LCORE > 64 ? 64 * FLOWS_MAX
						    : RTE_MAX_LCORE * FLOWS_MAX];
	static struct xb_flowsnap_filter filter; /* under the control lock */
	unsigned int want = FLOWS_DEFAULT, n = 0, answered = 0;
	uint64_t live = 0, matched = 0;
	struct xb_flowsnap_filter flt;

	(void)cmd;
	if (flows_params(params, &want, &flt) < 0)
		return -EINVAL;
	if (xb_control_lock_timed(LOCK_MS) < 0)
		return -EBUSY;
	if (xb_control_stopped()) {
		xb_control_unlock();
		return -ESHUTDOWN;
	}
	/* The lock also serialises snapshot requests (one writer per
	 * buffer, see xb_flowsnap.h). */
	for (unsigned int w = 0; w < tel_app->nworkers && w < 64; w++) {
		struct xb_worker *wk = tel_app->workers[w];

		filter = flt;
		if (wk->snap == NULL ||
		    xb_flowsnap_request(wk->snap, want, &filter,
					SNAP_TIMEOUT_MS) < 0)
			continue;
		answered++;
		live += wk->snap->live;
		matched += wk->snap->matched;
		for (unsigned int i = 0; i < wk->snap->n; i++)
			all[n++] = (struct ranked){&wk->snap->recs[i], wk->lcore_id};
	}
	qsort(all, n, sizeof(all[0]), by_bytes_desc);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", tel_app->nworkers);
	rte_tel_data_add_dict_u64(d, "workers_answered", answered);
	rte_tel_data_add_dict_u64(d, "flows_live", live);
	rte_tel_data_add_dict_u64(d, "flows_matched", matched);
	for (unsigned int i = 0; i < n && i < want; i++) {
		const struct xb_flow_record *r = all[i].r;
		struct rte_tel_data *f = rte_tel_data_alloc();
		char a[48], key[16];

		if (f == NULL)
			break;
		rte_tel_data_start_dict(f);
		rte_tel_data_add_dict_u64(f, "lcore", all[i].lcore);
		rte_tel_data_add_dict_u64(f, "proto", r->proto);
		xb_addr_format(r->family, r->src, a, sizeof(a));
		xb_tel_dict_str(f, "src", a);
		xb_addr_format(r->family, r->dst, a, sizeof(a));
		xb_tel_dict_str(f, "dst", a);
		rte_tel_data_add_dict_u64(f, "sport", r->sport);
		rte_tel_data_add_dict_u64(f, "dport", r->dport);
		xb_tel_dict_str(f, "country", r->country);
		xb_tel_dict_str(f, "category", r->category);
		xb_tel_dict_str(f, "tenant", r->tenant);
		xb_tel_dict_str(f, "action", r->action);
		xb_tel_dict_str(f, "name", r->name_source ? r->name : "");
		rte_tel_data_add_dict_u64(f, "vlan", r->vlan);
		rte_tel_data_add_dict_u64(f, "packets", r->packets[0] + r->packets[1]);
		rte_tel_data_add_dict_u64(f, "bytes", r->bytes[0] + r->bytes[1]);
		rte_tel_data_add_dict_u64(f, "bytes_fwd", r->bytes[0]);
		rte_tel_data_add_dict_u64(f, "bytes_rev", r->bytes[1]);
		rte_tel_data_add_dict_u64(f, "first_ns", r->first_ns);
		rte_tel_data_add_dict_u64(f, "last_ns", r->last_ns);
		snprintf(key, sizeof(key), "%u", i + 1);
		rte_tel_data_add_dict_container(d, key, f, 0);
	}
	xb_control_unlock();
	return 0;
}

static int
cmd_ruleset(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct xb_ruleset *rs;

	(void)cmd;
	(void)params;
	if (xb_control_lock_timed(LOCK_MS) < 0)
		return -EBUSY;
	rs = xb_control_stopped() ? NULL : xb_rules_active();
	if (rs == NULL) {
		xb_control_unlock();
		return -ESHUTDOWN;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation", rs->generation);
	rte_tel_data_add_dict_u64(d, "loaded_unix_ns", rs->loaded_unix_ns);
	rte_tel_data_add_dict_u64(d, "build_ns", rs->build_ns);
	rte_tel_data_add_dict_u64(d, "countries", rs->ncountries);
	rte_tel_data_add_dict_u64(d, "tenants", rs->ntenants);
	rte_tel_data_add_dict_u64(d, "categories", rs->ncategories);
	rte_tel_data_add_dict_u64(d, "domains",
				  rs->domains ? xb_domains_count(rs->domains) : 0);
	rte_tel_data_add_dict_u64(d, "category_rules",
				  rs->catrules ? xb_catrules_count(rs->catrules) : 0);
	rte_tel_data_add_dict_u64(d, "geo_prefixes_v4",
				  rs->geo ? xb_lpm_prefix_count(rs->geo, 4) : 0);
	rte_tel_data_add_dict_u64(d, "geo_prefixes_v6",
				  rs->geo ? xb_lpm_prefix_count(rs->geo, 6) : 0);
	rte_tel_data_add_dict_u64(d, "domains_memory_bytes",
				  rs->domains ? xb_domains_memory(rs->domains) : 0);
	rte_tel_data_add_dict_u64(d, "category_rules_memory_bytes",
				  rs->catrules ? xb_catrules_memory(rs->catrules) : 0);
	rte_tel_data_add_dict_u64(d, "reloads_ok", tel_app->reloads_ok);
	rte_tel_data_add_dict_u64(d, "reloads_failed", tel_app->reloads_failed);
	xb_control_unlock();
	return 0;
}

static int
cmd_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static char text[4096];
	uint32_t gen = 0;
	int rc;

	(void)cmd;
	(void)params;
	/* text is static: reload requests are serialised inside. */
	rc = xb_control_request_reload(RELOAD_TIMEOUT_MS, text, sizeof(text), &gen);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result",
				     rc == 0 ? "ok" : rc == -ETIMEDOUT ? "timeout"
								      : "failed");
	rte_tel_data_add_dict_u64(d, "generation", gen);
	if (rc != 0) {
		struct rte_tel_data *errs = rte_tel_data_alloc();
		char *save = NULL, *line;
		unsigned int n = 0;

		if (errs == NULL)
			return 0;
		rte_tel_data_start_array(errs, RTE_TEL_STRING_VAL);
		for (line = strtok_r(text, "\n", &save); line != NULL && n < 64;
		     line = strtok_r(NULL, "\n", &save), n++) {
			char buf[RTE_TEL_MAX_STRING_LEN];

			snprintf(buf, sizeof(buf), "%s", line);
			rte_tel_data_add_array_string(errs, buf);
		}
		rte_tel_data_add_dict_container(d, "errors", errs, 0);
	}
	return 0;
}

/* Take the control lock for a reader; -EBUSY / -ESHUTDOWN to return. */
static int
reader_lock(void)
{
	if (xb_control_lock_timed(LOCK_MS) < 0)
		return -EBUSY;
	if (xb_control_stopped()) {
		xb_control_unlock();
		return -ESHUTDOWN;
	}
	return 0;
}

static const char *
reload_result_name(int r)
{
	return r > 0 ? "ok" : r < 0 ? "failed" : "none";
}

/* /xbgw/status: what `xbgwctl status` prints. */
static int
cmd_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct xb_ruleset *rs;
	struct xb_counters s;
	uint64_t dsum = 0, now = xb_unix_ns();
	int rc;

	(void)cmd;
	(void)params;
	rc = reader_lock();
	if (rc < 0)
		return rc;
	rs = xb_rules_active();
	xb_stats_sum(tel_app, &s);
	for (unsigned int i = 0; i < XB_DROP_MAX; i++)
		dsum += s.drop[i];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", XBGW_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_u64(d, "pid", (uint64_t)getpid());
	rte_tel_data_add_dict_string(d, "mode",
				     tel_app->replay != NULL ? "replay" : "live");
	xb_tel_dict_str(d, "config", tel_app->cfg.path);
	rte_tel_data_add_dict_u64(d, "started_unix_ns", tel_app->started_unix_ns);
	rte_tel_data_add_dict_u64(d, "uptime_ns",
				  now > tel_app->started_unix_ns
					  ? now - tel_app->started_unix_ns
					  : 0);
	rte_tel_data_add_dict_u64(d, "generation", tel_app->generation);
	if (rs != NULL)
		rte_tel_data_add_dict_u64(d, "ruleset_loaded_unix_ns",
					  rs->loaded_unix_ns);
	rte_tel_data_add_dict_u64(d, "workers", tel_app->nworkers);
	rte_tel_data_add_dict_u64(d, "ports", tel_app->nports);
	rte_tel_data_add_dict_u64(d, "rx", s.rx_pkts);
	rte_tel_data_add_dict_u64(d, "tx", s.tx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s.tx_bytes);
	rte_tel_data_add_dict_u64(d, "drop_total", dsum);
	rte_tel_data_add_dict_u64(d, "flows_new", s.flows_new);
	rte_tel_data_add_dict_u64(d, "reloads_ok", tel_app->reloads_ok);
	rte_tel_data_add_dict_u64(d, "reloads_failed", tel_app->reloads_failed);
	rte_tel_data_add_dict_string(d, "last_reload_result",
				     reload_result_name(tel_app->last_reload_result));
	rte_tel_data_add_dict_u64(d, "last_reload_unix_ns",
				  tel_app->last_reload_unix_ns);
	rte_tel_data_add_dict_u64(d, "last_reload_ok_unix_ns",
				  tel_app->last_reload_ok_unix_ns);
	rte_tel_data_add_dict_u64(d, "last_reload_errors",
				  tel_app->last_reload_errors);
	rte_tel_data_add_dict_u64(d, "usage_month", xb_billing_current(tel_app));
	xb_control_unlock();
	return 0;
}

/* /xbgw/workers: an array, one dict per worker, with the TSC rate so a
 * client turns cycles into time and two samples into rates. */
static int
cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int listed = 0;
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < tel_app->nworkers && i < NAMED_MAX; i++) {
		const struct xb_counters *c = &tel_app->workers[i]->c;
		struct rte_tel_data *e = rte_tel_data_alloc();
		uint64_t drops = 0;

		if (e == NULL)
			break;
		for (unsigned int k = 0; k < XB_DROP_MAX; k++)
			drops += rd64(&c->drop[k]);
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "worker", i);
		rte_tel_data_add_dict_u64(e, "lcore", tel_app->workers[i]->lcore_id);
		rte_tel_data_add_dict_u64(e, "rx", rd64(&c->rx_pkts));
		rte_tel_data_add_dict_u64(e, "tx", rd64(&c->tx_pkts));
		rte_tel_data_add_dict_u64(e, "rx_bytes", rd64(&c->rx_bytes));
		rte_tel_data_add_dict_u64(e, "tx_bytes", rd64(&c->tx_bytes));
		rte_tel_data_add_dict_u64(e, "drops", drops);
		rte_tel_data_add_dict_u64(e, "busy_cycles", rd64(&c->busy_cycles));
		rte_tel_data_add_dict_u64(e, "busy_bursts", rd64(&c->busy_bursts));
		rte_tel_data_add_dict_u64(e, "polls", rd64(&c->polls));
		rte_tel_data_add_dict_u64(e, "flows_new", rd64(&c->flows_new));
		rte_tel_data_add_dict_u64(e, "tsc_hz", tel_app->tsc_hz);
		rte_tel_data_add_dict_u64(e, "tsc", rte_rdtsc());
		if (list_add(d, e, &listed) < 0) {
			rte_tel_data_free(e);
			break;
		}
	}
	return 0;
}

/* /xbgw/ports: an array, one dict per port, from rte_eth_stats_get. */
static int
cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int listed = 0;
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned int p = 0; p < tel_app->nports && p < XB_MAX_PORTS; p++) {
		const struct xb_port_info *pi = &tel_app->ports[p];
		struct rte_eth_stats st;
		struct rte_tel_data *e;

		if (rte_eth_stats_get(pi->port, &st) != 0)
			continue;
		e = rte_tel_data_alloc();
		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "port", pi->port);
		xb_tel_dict_str(e, "name", pi->name);
		xb_tel_dict_str(e, "driver", pi->driver);
		rte_tel_data_add_dict_u64(e, "rx_queues", pi->rx_queues);
		rte_tel_data_add_dict_u64(e, "tx_queues", pi->tx_queues);
		rte_tel_data_add_dict_u64(e, "rx", st.ipackets);
		rte_tel_data_add_dict_u64(e, "tx", st.opackets);
		rte_tel_data_add_dict_u64(e, "rx_bytes", st.ibytes);
		rte_tel_data_add_dict_u64(e, "tx_bytes", st.obytes);
		rte_tel_data_add_dict_u64(e, "rx_missed", st.imissed);
		rte_tel_data_add_dict_u64(e, "rx_errors", st.ierrors);
		rte_tel_data_add_dict_u64(e, "tx_errors", st.oerrors);
		rte_tel_data_add_dict_u64(e, "rx_nombuf", st.rx_nombuf);
		if (list_add(d, e, &listed) < 0) {
			rte_tel_data_free(e);
			break;
		}
	}
	return 0;
}

/* Usage of one tenant in one month, from the billing records. */
struct tenant_usage {
	uint32_t month;
	const char *tenant;
	uint64_t packets, bytes, charge_micros;
	char currency[4];
	bool mixed; /* charges in more than one currency */
};

static void
usage_add(void *ctx, const struct xb_usage_rec *r)
{
	struct tenant_usage *u = ctx;

	if (r->month != u->month || strcmp(r->tenant, u->tenant) != 0)
		return;
	u->packets += r->packets;
	u->bytes += r->bytes;
	u->charge_micros += r->charge_micros;
	if (r->charge_micros == 0)
		return;
	if (u->currency[0] == '\0')
		memcpy(u->currency, r->currency, sizeof(u->currency));
	else if (strcmp(u->currency, r->currency) != 0)
		u->mixed = true;
}

static void
over_quota_text(const struct xb_tenant *t, char *buf, size_t len)
{
	if (t->over_quota == XB_OVER_QUOTA_THROTTLE)
		snprintf(buf, len, "throttle:%u", t->throttle_kbps);
	else
		snprintf(buf, len, "%s",
			 t->over_quota == XB_OVER_QUOTA_BLOCK ? "block" : "notify");
}

/*
 * /xbgw/tenants: an array, one dict per tenant of the active ruleset:
 * this month's billed usage and charge (from the usage records, as folded
 * by the main loop about every second) and the quota: limit, left (the
 * shared pool not yet handed out to the workers) and used (limit - left,
 * which counts the slices workers hold as used: at most one slice per
 * worker ahead of the billed bytes), and whether it is spent.
 */
static int
cmd_tenants(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int listed = 0;
	const struct xb_ruleset *rs;
	uint32_t month;
	int rc;

	(void)cmd;
	(void)params;
	rc = reader_lock();
	if (rc < 0)
		return rc;
	rs = xb_rules_active();
	month = xb_billing_current(tel_app);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; rs != NULL && i < rs->ntenants && i < NAMED_MAX;
	     i++) {
		const struct xb_tenant *t = xb_tenants_get(rs->tenants, i);
		struct tenant_usage u = {.month = month, .tenant = t->id};
		struct rte_tel_data *e = rte_tel_data_alloc();
		uint64_t left = UINT64_MAX;
		char oq[32], charge[48];

		if (e == NULL)
			break;
		xb_billing_foreach(tel_app, usage_add, &u);
		if (t->quota_bytes > 0 && rs->quota != NULL)
			left = xb_quota_remaining(rs->quota, (uint16_t)i);
		if (left > t->quota_bytes)
			left = t->quota_bytes;
		over_quota_text(t, oq, sizeof(oq));
		snprintf(charge, sizeof(charge), "%" PRIu64 ".%06" PRIu64,
			 u.charge_micros / 1000000, u.charge_micros % 1000000);
		rte_tel_data_start_dict(e);
		xb_tel_dict_str(e, "tenant", t->id);
		xb_tel_dict_str(e, "name", t->name);
		xb_tel_dict_str(e, "class", xb_tenants_class_name(rs->tenants, t->class_id));
		rte_tel_data_add_dict_u64(e, "month", month);
		rte_tel_data_add_dict_u64(e, "usage_packets", u.packets);
		rte_tel_data_add_dict_u64(e, "usage_bytes", u.bytes);
		rte_tel_data_add_dict_string(e, "charge", charge);
		rte_tel_data_add_dict_u64(e, "charge_micros", u.charge_micros);
		rte_tel_data_add_dict_string(e, "currency",
					     u.mixed ? "mixed" : u.currency);
		rte_tel_data_add_dict_u64(e, "quota_bytes", t->quota_bytes);
		if (t->quota_bytes > 0) {
			rte_tel_data_add_dict_u64(e, "quota_left_bytes", left);
			rte_tel_data_add_dict_u64(e, "quota_used_bytes",
						  t->quota_bytes - left);
		}
		rte_tel_data_add_dict_string(e, "over_quota",
					     t->quota_bytes > 0 && left == 0
						     ? "yes" : "no");
		rte_tel_data_add_dict_string(e, "over_quota_action", oq);
		if (list_add(d, e, &listed) < 0) {
			rte_tel_data_free(e);
			break;
		}
	}
	xb_control_unlock();
	return 0;
}

/*
 * /xbgw/meters[,tenant=T]: an array, one dict per meter instance that has
 * coloured a packet since the active ruleset was loaded (summed over the
 * workers' own counters): tenant, the qos.csv row (line and text) or
 * "over_quota" for a tenant's throttle meter, then packets and bytes by
 * colour.  At most METERS_MAX entries (16 KiB), the busiest first is not
 * promised: filter by tenant when there are more.
 */
static int
cmd_meters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int listed = 0;
	const struct xb_ruleset *rs;
	const char *only = NULL;
	unsigned int n = 0;
	int rc;

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		if (strncmp(params, "tenant=", 7) != 0 || params[7] == '\0')
			return -EINVAL;
		only = params + 7;
	}
	rc = reader_lock();
	if (rc < 0)
		return rc;
	rs = xb_rules_active();
	rte_tel_data_start_dict(d);
	for (uint32_t m = 0; rs != NULL && rs->meters != NULL &&
			     m < rs->meters->n_instances && n < METERS_MAX;
	     m++) {
		static const char *const colour[3] = {"green", "yellow", "red"};
		struct xb_pkt_bytes sum[3] = {{0}};
		struct rte_tel_data *e;
		uint16_t tenant = 0, row = 0;
		bool throttle = m >= rs->throttle_meter_base;
		char key[24], text[160];

		for (unsigned int w = 0; w < rs->nworkers; w++)
			for (int c = 0; c < 3; c++) {
				const struct xb_pkt_bytes *pb =
					&rs->counters[w].meter_colors[m][c];

				sum[c].packets += rd64(&pb->packets);
				sum[c].bytes += rd64(&pb->bytes);
			}
		if (sum[0].packets + sum[1].packets + sum[2].packets == 0)
			continue;
		if (throttle)
			tenant = (uint16_t)(m - rs->throttle_meter_base);
		else if (xb_policy_meter_owner(rs->policy, m, &tenant, &row) < 0)
			continue;
		if (tenant >= rs->ntenants)
			continue;
		if (only != NULL &&
		    strcmp(only, xb_tenants_get(rs->tenants, tenant)->id) != 0)
			continue;
		e = rte_tel_data_alloc();
		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "meter", m);
		xb_tel_dict_str(e, "tenant", xb_tenants_get(rs->tenants, tenant)->id);
		if (throttle) {
			const struct xb_tenant *t = xb_tenants_get(rs->tenants, tenant);

			rte_tel_data_add_dict_string(e, "row", "over_quota");
			rte_tel_data_add_dict_u64(e, "line", 0);
			snprintf(text, sizeof(text), "throttle:%u", t->throttle_kbps);
			xb_tel_dict_str(e, "text", text);
		} else {
			const struct xb_policy_row *pr = xb_policy_row(rs->policy, row);

			rte_tel_data_add_dict_string(e, "row", "qos");
			rte_tel_data_add_dict_u64(e, "line", pr != NULL ? pr->line : 0);
			if (xb_policy_row_describe(rs->policy, row, text,
						   sizeof(text)) < 0)
				text[0] = '\0';
			xb_tel_dict_str(e, "text", text);
		}
		for (int c = 0; c < 3; c++) {
			snprintf(key, sizeof(key), "%s_packets", colour[c]);
			rte_tel_data_add_dict_u64(e, key, sum[c].packets);
			snprintf(key, sizeof(key), "%s_bytes", colour[c]);
			rte_tel_data_add_dict_u64(e, key, sum[c].bytes);
		}
		if (list_add(d, e, &listed) < 0) {
			rte_tel_data_free(e);
			break;
		}
		n++;
	}
	xb_control_unlock();
	return 0;
}

int
xb_telemetry_register(struct xb_app *app)
{
	tel_app = app;
	if (rte_telemetry_register_cmd("/xbgw/stats", cmd_stats,
		"xbgw statistics: rx, tx, drop by reason, by country/category/tenant. Param: country|category|tenant") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/flows", cmd_flows,
		"Top flows by bytes with their verdicts. Params: N, or top=N,tenant=,country=,category=,action=,ip=,name=") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/ruleset", cmd_ruleset,
		"Active ruleset: generation, load time, table sizes") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/reload", cmd_reload,
		"Reload the policy tables; returns ok or the errors") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/status", cmd_status,
		"Version, uptime, ruleset generation, totals, last reload") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/workers", cmd_workers,
		"Per worker: rx, tx, drops, busy cycles, polls, TSC rate") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/ports", cmd_ports,
		"Per port: rx, tx, missed, errors, queues") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/tenants", cmd_tenants,
		"Per tenant: this month's usage and charge, quota used and left") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/meters", cmd_meters,
		"Per meter (tenant x qos row): packets and bytes by colour. Param: tenant=T") < 0 ||
	    xb_telemetry_cluster_register(app) < 0)
		return -1;
	return 0;
}
