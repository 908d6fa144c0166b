/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /xbgw/ (see app/ops/OUTPUTS.md):
 *   /xbgw/stats[,country|category|tenant]   statistics
 *   /xbgw/flows[,N]                          top N flows by bytes
 *   /xbgw/ruleset                            active ruleset
 *   /xbgw/reload                             reload on the main lcore
 *
 * The callbacks run on DPDK's telemetry threads.  They take the control
 * lock (xb_control.h) before reading the rulesets (active and retiring),
 * the name-keyed totals or the workers' snapshot buffers, so the main lcore
 * (which holds it to swap and reclaim rulesets) cannot free what they
 * read; per-worker counters are read with relaxed loads.
 * DPDK 22.11 telemetry nests containers one level deep and caps a reply
 * at 16 KiB and a dict at 256 entries, which shapes the replies below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "xb_app.h"
#include "xb_flowsnap.h"
#include "xb_control.h"
#include "xb_prefix.h"
#include "xb_rules.h"
#include "xb_stats.h"
#include "xb_tally.h"
#include "xb_telemetry.h"
#include "xb_utf8.h"

#define LOCK_MS 5000
#define FLOWS_DEFAULT 10
#define FLOWS_MAX 32          /* keeps the reply under 16 KiB */
#define SNAP_TIMEOUT_MS 200   /* per worker */
#define RELOAD_TIMEOUT_MS 60000

static struct xb_app *tel_app;

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

/* A string value: repaired to valid UTF-8 (xb_utf8.h, the rule of every
 * output) and truncated at a character boundary to what telemetry
 * holds, never failed.  DPDK's JSON writer escapes quotes, backslashes
 * and controls itself. */
static void
dict_str(struct rte_tel_data *d, const char *k, const char *v)
{
	char buf[RTE_TEL_MAX_STRING_LEN];

	xb_utf8_repair_str(buf, sizeof(buf), v);
	rte_tel_data_add_dict_string(d, k, buf);
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
	rte_tel_data_start_dict(d);
	if (only >= 0) {
		/* name -> {packets, bytes}, non-zero entries */
		unsigned int n = 0;

		for (unsigned int i = 0; i < t[only].n &&
					 n < RTE_TEL_MAX_DICT_ENTRIES; i++) {
			struct rte_tel_data *e;
			char k[64];

			if (t[only].e[i].packets == 0)
				continue;
			e = rte_tel_data_alloc();
			if (e == NULL)
				break;
			rte_tel_data_start_dict(e);
			rte_tel_data_add_dict_u64(e, "packets", t[only].e[i].packets);
			rte_tel_data_add_dict_u64(e, "bytes", t[only].e[i].bytes);
			tel_name(k, sizeof(k), t[only].e[i].name);
			rte_tel_data_add_dict_container(d, k, e, 0);
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
	for (int k = 0; k < 3; k++) {
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

static int
cmd_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct ranked all[RTE_MAX_LCORE > 64 ? 64 * FLOWS_MAX
						    : RTE_MAX_LCORE * FLOWS_MAX];
	unsigned int want = FLOWS_DEFAULT, n = 0, answered = 0;
	uint64_t live = 0;

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		char *end;
		unsigned long v = strtoul(params, &end, 10);

		if (*end != '\0' || v == 0 || v > FLOWS_MAX)
			return -EINVAL;
		want = (unsigned int)v;
	}
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

		if (wk->snap == NULL ||
		    xb_flowsnap_request(wk->snap, want, SNAP_TIMEOUT_MS) < 0)
			continue;
		answered++;
		live += wk->snap->live;
		for (unsigned int i = 0; i < wk->snap->n; i++)
			all[n++] = (struct ranked){&wk->snap->recs[i], wk->lcore_id};
	}
	qsort(all, n, sizeof(all[0]), by_bytes_desc);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", tel_app->nworkers);
	rte_tel_data_add_dict_u64(d, "workers_answered", answered);
	rte_tel_data_add_dict_u64(d, "flows_live", live);
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
		dict_str(f, "src", a);
		xb_addr_format(r->family, r->dst, a, sizeof(a));
		dict_str(f, "dst", a);
		rte_tel_data_add_dict_u64(f, "sport", r->sport);
		rte_tel_data_add_dict_u64(f, "dport", r->dport);
		dict_str(f, "country", r->country);
		dict_str(f, "category", r->category);
		dict_str(f, "tenant", r->tenant);
		dict_str(f, "action", r->action);
		dict_str(f, "name", r->name_source ? r->name : "");
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

int
xb_telemetry_register(struct xb_app *app)
{
	tel_app = app;
	if (rte_telemetry_register_cmd("/xbgw/stats", cmd_stats,
		"xbgw statistics: rx, tx, drop by reason, by country/category/tenant. Param: country|category|tenant") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/flows", cmd_flows,
		"Top flows by bytes with their verdicts. Param: N (1..32, default 10)") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/ruleset", cmd_ruleset,
		"Active ruleset: generation, load time, table sizes") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/reload", cmd_reload,
		"Reload the policy tables; returns ok or the errors") < 0 ||
	    xb_telemetry_cluster_register(app) < 0)
		return -1;
	return 0;
}
