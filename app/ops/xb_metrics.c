/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbgw's Prometheus metrics (text exposition format 0.0.4).  The list,
 * with meanings, is in app/ops/OUTPUTS.md; keep the two in step.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "xb_app.h"
#include "xb_billing.h"
#include "xb_policy.h"
#include "xb_quota.h"
#include "xb_usage.h"
#include "xb_prometheus.h"
#include "xb_rules.h"
#include "xb_stats.h"
#include "xb_tally.h"
#include "xb_unix_time.h"
#include "xb_utf8.h"

static uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped per the exposition format (backslash, quote,
 * line feed), which also wants UTF-8: ill-formed bytes (a name from a
 * table file) become U+FFFD, the rule of every output (xb_utf8.h). */
static void
label_value(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		if (p[i] >= 0x80) {
			int k = xb_utf8_next(p + i, n - i, NULL);

			if (k < 0)
				fputs(XB_UTF8_REPLACEMENT, out);
			else
				fwrite(p + i, 1, (size_t)k, out);
			i += (size_t)(k < 0 ? -k : k);
			continue;
		}
		if (p[i] == '\\' || p[i] == '"')
			fputc('\\', out);
		if (p[i] == '\n')
			fputs("\\n", out);
		else
			fputc(p[i], out);
		i++;
	}
}

static void
sample1(FILE *out, const char *name, const char *label, const char *value,
	uint64_t v)
{
	fprintf(out, "%s{%s=\"", name, label);
	label_value(out, value);
	fprintf(out, "\"} %" PRIu64 "\n", v);
}

static void
tally_metrics(FILE *out, const struct xb_tally *t, const char *dim)
{
	char name[64], help[128];

	snprintf(name, sizeof(name), "xbgw_%s_packets_total", dim);
	snprintf(help, sizeof(help), "Packets received, by %s of their flow.",
		 dim);
	head(out, name, "counter", help);
	for (unsigned int i = 0; i < t->n; i++)
		sample1(out, name, dim, t->e[i].name, t->e[i].packets);
	snprintf(name, sizeof(name), "xbgw_%s_bytes_total", dim);
	snprintf(help, sizeof(help),
		 "Frame bytes received, by %s of their flow.", dim);
	head(out, name, "counter", help);
	for (unsigned int i = 0; i < t->n; i++)
		sample1(out, name, dim, t->e[i].name, t->e[i].bytes);
}

/* Usage and charges per month x tenant x country x category x band, from
 * the usage records (forwarded packets only).  Charges are in currency
 * units, as float samples of integer micro-units. */
static void
usage_sample(void *ctx, const struct xb_usage_rec *r)
{
	FILE *out = ((void **)ctx)[0];
	const char *which = ((void **)ctx)[1];
	char month[12];

	snprintf(month, sizeof(month), "%04u-%02u", r->month / 100 % 10000,
		 r->month % 100);
	fprintf(out, "xbgw_usage_%s{month=\"%s\",tenant=\"", which, month);
	label_value(out, r->tenant);
	fprintf(out, "\",country=\"%s\",category=\"", r->country);
	label_value(out, r->category);
	fputs("\",band=\"", out);
	label_value(out, r->band);
	if (which[0] == 'c')
		fprintf(out, "\",currency=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n",
			r->currency, r->charge_micros / 1000000,
			r->charge_micros % 1000000);
	else
		fprintf(out, "\"} %" PRIu64 "\n",
			which[0] == 'p' ? r->packets : r->bytes);
}

static void
usage_metrics(const struct xb_app *app, FILE *out)
{
	static const struct {
		const char *which, *help;
	} m[] = {
		{"packets_total", "Forwarded packets billed."},
		{"bytes_total", "Forwarded frame bytes billed."},
		{"charge_total", "Charges of the billed bytes, in currency units."},
	};

	for (unsigned int i = 0; i < RTE_DIM(m); i++) {
		char name[64];
		void *ctx[2] = {out, (void *)(uintptr_t)m[i].which};

		snprintf(name, sizeof(name), "xbgw_usage_%s", m[i].which);
		head(out, name, "counter", m[i].help);
		xb_billing_foreach(app, usage_sample, ctx);
	}
}

static void
port_metrics(const struct xb_app *app, FILE *out)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} m[] = {
		{"xbgw_port_rx_packets_total", "Packets the port received (rte_eth_stats ipackets).",
		 offsetof(struct rte_eth_stats, ipackets)},
		{"xbgw_port_tx_packets_total", "Packets the port sent (opackets).",
		 offsetof(struct rte_eth_stats, opackets)},
		{"xbgw_port_rx_missed_total", "Packets the port dropped for lack of RX descriptors (imissed).",
		 offsetof(struct rte_eth_stats, imissed)},
		{"xbgw_port_rx_errors_total", "Erroneous received packets (ierrors).",
		 offsetof(struct rte_eth_stats, ierrors)},
		{"xbgw_port_tx_errors_total", "Failed transmitted packets (oerrors).",
		 offsetof(struct rte_eth_stats, oerrors)},
	};
	struct rte_eth_stats st[XB_MAX_PORTS];
	bool ok[XB_MAX_PORTS];
	unsigned int np = app->nports < XB_MAX_PORTS ? app->nports : XB_MAX_PORTS;

	for (unsigned int p = 0; p < np; p++)
		ok[p] = rte_eth_stats_get(app->ports[p].port, &st[p]) == 0;
	for (size_t k = 0; k < RTE_DIM(m); k++) {
		head(out, m[k].name, "counter", m[k].help);
		for (unsigned int p = 0; p < np; p++) {
			if (!ok[p])
				continue;
			fprintf(out, "%s{port=\"%u\",name=\"", m[k].name,
				app->ports[p].port);
			label_value(out, app->ports[p].name);
			fprintf(out, "\"} %" PRIu64 "\n",
				*(const uint64_t *)((const char *)&st[p] +
						    m[k].off));
		}
	}
}

/* Rule hit counters of the active ruleset (since it was loaded, so a
 * reload restarts them, which rate() takes as a counter reset): every row
 * of every rule table, unused rows at 0, and the rows per table. */
static void
rule_metrics(FILE *out)
{
	const struct xb_ruleset *rs = xb_rules_active();

	if (rs == NULL)
		return;
	head(out, "xbgw_rule_rows", "gauge",
	     "Rows of each rule table in the active ruleset.");
	for (unsigned int t = 0; t < XB_RULES_MAX; t++)
		sample1(out, "xbgw_rule_rows", "table", xb_rule_table_file(t),
			rs->rows[t] != NULL ? rs->rows[t]->n : 0);
	head(out, "xbgw_rule_hits_total", "counter",
	     "Flow decisions each table row made since the active ruleset was "
	     "loaded (classifications and re-evaluations, not packets).");
	for (unsigned int t = 0; t < XB_RULES_MAX; t++) {
		const struct xb_rows *rows = rs->rows[t];

		for (unsigned int i = 0; rows != NULL && i < rows->n; i++)
			fprintf(out,
				"xbgw_rule_hits_total{table=\"%s\",line=\"%" PRIu32
				"\"} %" PRIu64 "\n",
				xb_rule_table_file(t), rows->r[i].line,
				xb_ruleset_hits(rs, (enum xb_rule_table)t,
						rows->r[i].line));
	}
}

/* A gauge or counter sample with one label value and a double. */
static void
sample1f(FILE *out, const char *name, const char *label, const char *value,
	 double v)
{
	fprintf(out, "%s{%s=\"", name, label);
	label_value(out, value);
	fprintf(out, "\"} %.9g\n", v);
}

/* Quota limit, used and spent state per tenant of the active ruleset
 * (tenants with a quota only): the pool's snapshot (xb_quota_remaining),
 * which counts the slices workers hold as used. */
static void
quota_metrics(const struct xb_ruleset *rs, FILE *out)
{
	head(out, "xbgw_tenant_quota_bytes", "gauge",
	     "Monthly quota of the tenant (bytes; tenants with a quota).");
	for (unsigned int i = 0; i < rs->ntenants; i++) {
		const struct xb_tenant *t = xb_tenants_get(rs->tenants, i);

		if (t->quota_bytes > 0)
			sample1(out, "xbgw_tenant_quota_bytes", "tenant", t->id,
				t->quota_bytes);
	}
	head(out, "xbgw_tenant_quota_used_bytes", "gauge",
	     "Quota spent this month (bytes): the limit less the shared pool "
	     "left, so slices the workers hold count as spent.");
	for (unsigned int i = 0; i < rs->ntenants; i++) {
		const struct xb_tenant *t = xb_tenants_get(rs->tenants, i);
		uint64_t left;

		if (t->quota_bytes == 0 || rs->quota == NULL)
			continue;
		left = xb_quota_remaining(rs->quota, (uint16_t)i);
		if (left > t->quota_bytes)
			left = t->quota_bytes;
		sample1(out, "xbgw_tenant_quota_used_bytes", "tenant", t->id,
			t->quota_bytes - left);
	}
}

/* Meter colours per meter instance of the active ruleset (since it was
 * loaded), summed over the workers' own counters; instances that never
 * coloured a packet are left out. */
static void
meter_metrics(const struct xb_ruleset *rs, FILE *out)
{
	static const char *const colour[3] = {"green", "yellow", "red"};

	for (int which = 0; which < 2; which++) {
		const char *name = which == 0 ? "xbgw_meter_packets_total"
					      : "xbgw_meter_bytes_total";

		head(out, name, "counter",
		     which == 0
			     ? "Packets each meter (tenant x qos.csv line, or the tenant's over_quota throttle) coloured, by colour, since the ruleset was loaded."
			     : "Frame bytes each meter coloured, by colour, since the ruleset was loaded.");
		for (uint32_t m = 0; rs->meters != NULL &&
				     m < rs->meters->n_instances; m++) {
			struct xb_pkt_bytes sum[3] = {{0}};
			uint16_t tenant = 0, row = 0;
			char line[32];

			for (unsigned int w = 0; w < rs->nworkers; w++)
				for (int c = 0; c < 3; c++) {
					sum[c].packets += rd(&rs->counters[w].meter_colors[m][c].packets);
					sum[c].bytes += rd(&rs->counters[w].meter_colors[m][c].bytes);
				}
			if (sum[0].packets + sum[1].packets + sum[2].packets == 0)
				continue;
			if (m >= rs->throttle_meter_base) {
				tenant = (uint16_t)(m - rs->throttle_meter_base);
				snprintf(line, sizeof(line), "over_quota");
			} else if (xb_policy_meter_owner(rs->policy, m, &tenant,
							 &row) == 0 &&
				   xb_policy_row(rs->policy, row) != NULL) {
				snprintf(line, sizeof(line), "%u",
					 xb_policy_row(rs->policy, row)->line);
			} else {
				continue;
			}
			if (tenant >= rs->ntenants)
				continue;
			for (int c = 0; c < 3; c++) {
				fprintf(out, "%s{tenant=\"", name);
				label_value(out, xb_tenants_get(rs->tenants, tenant)->id);
				fprintf(out, "\",line=\"%s\",color=\"%s\"} %" PRIu64 "\n",
					line, colour[c],
					which == 0 ? sum[c].packets : sum[c].bytes);
			}
		}
	}
}

/* What an operator's dashboard and alerts need beyond the totals: build,
 * start and reload times, counts by action, live flows, worker polls,
 * quotas and meters. */
static void
operator_metrics(const struct xb_app *app, const struct xb_counters *s,
		 FILE *out)
{
	const struct xb_ruleset *rs = xb_rules_active();
	uint64_t cap = 0;

	head(out, "xbgw_build_info", "gauge",
	     "Always 1; the labels say which xbgw and DPDK run.");
	fputs("xbgw_build_info{version=\"", out);
	label_value(out, XBGW_VERSION);
	fputs("\",dpdk=\"", out);
	label_value(out, rte_version());
	fputs("\"} 1\n", out);
	head(out, "xbgw_start_time_seconds", "gauge",
	     "When this xbgw started (unix time, seconds).");
	fprintf(out, "xbgw_start_time_seconds %.3f\n",
		(double)app->started_unix_ns / 1e9);
	head(out, "xbgw_reload_last_success_timestamp_seconds", "gauge",
	     "When the active ruleset was loaded: the last successful reload, or the start (unix time).");
	fprintf(out, "xbgw_reload_last_success_timestamp_seconds %.3f\n",
		(double)app->last_reload_ok_unix_ns / 1e9);
	head(out, "xbgw_reload_last_result", "gauge",
	     "Result of the last reload: 1 ok (or none yet), 0 failed.");
	fprintf(out, "xbgw_reload_last_result %d\n",
		app->last_reload_result < 0 ? 0 : 1);

	head(out, "xbgw_action_packets_total", "counter",
	     "Packets received, by the action of their flow's verdict (channel, public, audit, deny, negative_list).");
	for (unsigned int a = 0; a < XB_ACT_MAX; a++)
		sample1(out, "xbgw_action_packets_total", "action",
			xb_action_name(a), s->by_action_pkts[a]);
	head(out, "xbgw_action_bytes_total", "counter",
	     "Frame bytes received, by the action of their flow's verdict.");
	for (unsigned int a = 0; a < XB_ACT_MAX; a++)
		sample1(out, "xbgw_action_bytes_total", "action",
			xb_action_name(a), s->by_action_bytes[a]);

	head(out, "xbgw_flows_live", "gauge",
	     "Flows in a worker's flow table (as of its last aging pass, about every 100 ms).");
	for (unsigned int i = 0; i < app->nworkers; i++) {
		char lc[16];
		uint64_t v = rd(&app->workers[i]->c.flows_live);

		snprintf(lc, sizeof(lc), "%u", app->workers[i]->lcore_id);
		sample1(out, "xbgw_flows_live", "lcore", lc, v);
		cap += rd(&app->workers[i]->c.flows_capacity);
	}
	head(out, "xbgw_flows_capacity", "gauge",
	     "Flow entries of all workers' flow tables together.");
	fprintf(out, "xbgw_flows_capacity %" PRIu64 "\n", cap);

	head(out, "xbgw_worker_tx_packets_total", "counter",
	     "Packets forwarded per worker lcore.");
	for (unsigned int i = 0; i < app->nworkers; i++)
		fprintf(out, "xbgw_worker_tx_packets_total{lcore=\"%u\"} %" PRIu64 "\n",
			app->workers[i]->lcore_id, rd(&app->workers[i]->c.tx_pkts));
	head(out, "xbgw_worker_polls_total", "counter",
	     "Poll loops per worker lcore: stuck while the worker is stalled.");
	for (unsigned int i = 0; i < app->nworkers; i++)
		fprintf(out, "xbgw_worker_polls_total{lcore=\"%u\"} %" PRIu64 "\n",
			app->workers[i]->lcore_id, rd(&app->workers[i]->c.polls));
	head(out, "xbgw_worker_busy_ratio", "gauge",
	     "Share of a worker's TSC cycles spent on non-empty bursts since the start (use rate(xbgw_worker_busy_cycles_total) / xbgw_tsc_hz for a recent ratio).");
	for (unsigned int i = 0; i < app->nworkers; i++) {
		char lc[16];
		double up = (double)(xb_unix_ns() - app->started_unix_ns) / 1e9;
		double busy = app->tsc_hz > 0 && up > 0
				      ? (double)rd(&app->workers[i]->c.busy_cycles) /
						(double)app->tsc_hz / up
				      : 0;

		snprintf(lc, sizeof(lc), "%u", app->workers[i]->lcore_id);
		sample1f(out, "xbgw_worker_busy_ratio", "lcore", lc,
			 busy > 1 ? 1 : busy);
	}

	if (rs != NULL) {
		quota_metrics(rs, out);
		meter_metrics(rs, out);
	}
}

void
xb_prom_write_metrics(const struct xb_app *app, FILE *out)
{
	struct xb_counters s;
	struct xb_tally t[3] = {0};
	static const char *const dims[3] = {"country", "category", "tenant"};

	xb_stats_sum(app, &s);
	head(out, "xbgw_packets_total", "counter",
	     "Packets received (rx) and forwarded (tx) by the workers.");
	fprintf(out, "xbgw_packets_total{direction=\"rx\"} %" PRIu64 "\n",
		s.rx_pkts);
	fprintf(out, "xbgw_packets_total{direction=\"tx\"} %" PRIu64 "\n",
		s.tx_pkts);
	head(out, "xbgw_bytes_total", "counter",
	     "Frame bytes received (rx) and forwarded (tx).");
	fprintf(out, "xbgw_bytes_total{direction=\"rx\"} %" PRIu64 "\n",
		s.rx_bytes);
	fprintf(out, "xbgw_bytes_total{direction=\"tx\"} %" PRIu64 "\n",
		s.tx_bytes);
	head(out, "xbgw_drops_total", "counter",
	     "Packets dropped, by reason (rx = tx + sum of drops).");
	for (unsigned int i = 0; i < XB_DROP_MAX; i++)
		sample1(out, "xbgw_drops_total", "reason", xb_drop_names[i],
			s.drop[i]);
	head(out, "xbgw_not_ip_packets_total", "counter",
	     "Non-IP frames forwarded untouched (ARP, LLDP, ...).");
	fprintf(out, "xbgw_not_ip_packets_total %" PRIu64 "\n", s.not_ip);
	head(out, "xbgw_flows_total", "counter",
	     "Flows created in the workers' flow tables.");
	fprintf(out, "xbgw_flows_total %" PRIu64 "\n", s.flows_new);
	head(out, "xbgw_flow_evictions_total", "counter",
	     "Flows ended to make room in a flow table, by the class of the "
	     "flow evicted (half_open, idle, unanswered, established).");
	for (unsigned int k = 0; k < XB_FLOW_CLASS_MAX; k++)
		sample1(out, "xbgw_flow_evictions_total", "class",
			xb_flow_class_names[k], s.flows_evicted[k]);
	head(out, "xbgw_flow_refused_total", "counter",
	     "Bare SYNs given no flow entry: every candidate was established.");
	fprintf(out, "xbgw_flow_refused_total %" PRIu64 "\n", s.flows_refused);
	head(out, "xbgw_flow_memory_total", "counter",
	     "Memory of evicted flows: flows remembered, restored to a new "
	     "entry, forgotten (replaced or too old).");
	fprintf(out, "xbgw_flow_memory_total{event=\"remembered\"} %" PRIu64 "\n",
		s.flows_remembered);
	fprintf(out, "xbgw_flow_memory_total{event=\"restored\"} %" PRIu64 "\n",
		s.flows_restored);
	fprintf(out, "xbgw_flow_memory_total{event=\"forgotten\"} %" PRIu64 "\n",
		s.flows_forgotten);
	head(out, "xbgw_flowlog_lost_total", "counter",
	     "Flow records lost because a worker's ring was full.");
	fprintf(out, "xbgw_flowlog_lost_total %" PRIu64 "\n", s.flowlog_lost);

	/* Reclaimed rulesets' totals plus the live counters of the retiring
	 * and active ones; the caller keeps them alive (see the header). */
	xb_tally_copy(&t[0], &app->by_country);
	xb_tally_copy(&t[1], &app->by_category);
	xb_tally_copy(&t[2], &app->by_tenant);
	xb_rules_fold_live(app, &t[0], &t[1], &t[2]);
	for (int k = 0; k < 3; k++) {
		tally_metrics(out, &t[k], dims[k]);
		xb_tally_free(&t[k]);
	}

	head(out, "xbgw_ruleset_generation", "gauge",
	     "Generation of the active ruleset (1 at start, +1 per successful reload).");
	fprintf(out, "xbgw_ruleset_generation %" PRIu32 "\n",
		__atomic_load_n(&app->generation, __ATOMIC_RELAXED));
	head(out, "xbgw_reloads_total", "counter", "Ruleset reloads by result.");
	fprintf(out, "xbgw_reloads_total{result=\"ok\"} %" PRIu64 "\n",
		rd(&app->reloads_ok));
	fprintf(out, "xbgw_reloads_total{result=\"failed\"} %" PRIu64 "\n",
		rd(&app->reloads_failed));

	head(out, "xbgw_worker_packets_total", "counter",
	     "Packets received per worker lcore.");
	for (unsigned int i = 0; i < app->nworkers; i++)
		fprintf(out, "xbgw_worker_packets_total{lcore=\"%u\"} %" PRIu64 "\n",
			app->workers[i]->lcore_id,
			rd(&app->workers[i]->c.rx_pkts));
	head(out, "xbgw_worker_busy_cycles_total", "counter",
	     "TSC cycles a worker lcore spent on non-empty bursts.");
	for (unsigned int i = 0; i < app->nworkers; i++)
		fprintf(out,
			"xbgw_worker_busy_cycles_total{lcore=\"%u\"} %" PRIu64 "\n",
			app->workers[i]->lcore_id,
			rd(&app->workers[i]->c.busy_cycles));
	head(out, "xbgw_tsc_hz", "gauge",
	     "TSC frequency (to turn busy cycles into seconds).");
	fprintf(out, "xbgw_tsc_hz %" PRIu64 "\n", app->tsc_hz);

	port_metrics(app, out);
	usage_metrics(app, out);
	operator_metrics(app, &s, out);
	rule_metrics(out);
	xb_prom_write_cluster(app, out);
}
