/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics of [cluster] (app/ctl/CLUSTER.md), listed in
 * app/ops/OUTPUTS.md.  Written only when the gateway runs with a
 * [cluster] section.  Caller: xb_prom_write_metrics(), under the control
 * lock (which keeps app->cluster alive: main.c clears it under the lock
 * before stopping it).
 */
#include <inttypes.h>
#include <stdio.h>

#include "xb_app.h"
#include "xb_cluster.h"
#include "xb_prometheus.h"
#include "xb_shares.h"
#include "xb_utf8.h"

static void
head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A tenant id as a label value: escaped per the exposition format,
 * ill-formed UTF-8 replaced (the rule of every output). */
static void
tenant_label(FILE *out, const char *s)
{
	char buf[96];

	xb_utf8_repair_str(buf, sizeof(buf), s);
	for (const char *p = buf; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', out);
		if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
}

void
xb_prom_write_cluster(const struct xb_app *app, FILE *out)
{
	struct xb_cluster_status st;
	struct xb_cluster_view *v;

	if (app->cluster == NULL)
		return;
	xb_cluster_status(app->cluster, &st);
	v = xb_cluster_snapshot(app->cluster);
	head(out, "xbgw_cluster_reachable", "gauge",
	     "1 while PostgreSQL answers, 0 during an outage (tenants follow on_unreachable).");
	fprintf(out, "xbgw_cluster_reachable %d\n", st.reachable ? 1 : 0);
	head(out, "xbgw_cluster_unreachable_total", "counter",
	     "Outages: transitions to unreachable.");
	fprintf(out, "xbgw_cluster_unreachable_total %" PRIu64 "\n", st.outages);
	head(out, "xbgw_cluster_epoch", "gauge",
	     "This process's epoch (a new one per start; 0 before first contact).");
	fprintf(out, "xbgw_cluster_epoch %" PRIu64 "\n", st.epoch);
	head(out, "xbgw_cluster_gateways", "gauge",
	     "Gateways in the cluster (xb_gateways rows).");
	fprintf(out, "xbgw_cluster_gateways %u\n", st.gateways);
	head(out, "xbgw_cluster_ruleset_mismatch", "gauge",
	     "1 while a live gateway runs tables with another SHA-256.");
	fprintf(out, "xbgw_cluster_ruleset_mismatch %d\n", st.mismatch ? 1 : 0);
	head(out, "xbgw_cluster_grants_total", "counter",
	     "Grant answers received from PostgreSQL.");
	fprintf(out, "xbgw_cluster_grants_total %" PRIu64 "\n", st.grants);
	head(out, "xbgw_cluster_granted_bytes_total", "counter",
	     "Bytes granted to this process and applied to its quota pools.");
	fprintf(out, "xbgw_cluster_granted_bytes_total %" PRIu64 "\n",
		st.granted_bytes);
	head(out, "xbgw_cluster_allowance_bytes_total", "counter",
	     "Bytes given under on_unreachable continue:<bytes> during outages.");
	fprintf(out, "xbgw_cluster_allowance_bytes_total %" PRIu64 "\n",
		st.allowance_bytes);
	head(out, "xbgw_cluster_errors_total", "counter",
	     "PostgreSQL round trips that failed.");
	fprintf(out, "xbgw_cluster_errors_total %" PRIu64 "\n", st.errors);
	head(out, "xbgw_cluster_grant_rtt_seconds", "gauge",
	     "Round trip of the last grant.");
	fprintf(out, "xbgw_cluster_grant_rtt_seconds %.6f\n",
		(double)st.rtt_us / 1e6);
	head(out, "xbgw_cluster_ledger_checkpoints_total", "counter",
	     "Usage checkpoints shipped to the ledger (one transaction each).");
	fprintf(out, "xbgw_cluster_ledger_checkpoints_total %" PRIu64 "\n",
		st.ledger_shipments);
	head(out, "xbgw_cluster_ledger_rows_total", "counter",
	     "Ledger rows upserted (records that changed since the last shipment).");
	fprintf(out, "xbgw_cluster_ledger_rows_total %" PRIu64 "\n",
		st.ledger_rows);
	head(out, "xbgw_cluster_ledger_lag_seconds", "gauge",
	     "Age of the oldest usage checkpoint not yet in the ledger (0: none).");
	fprintf(out, "xbgw_cluster_ledger_lag_seconds %.3f\n",
		(double)st.ledger_lag_ns / 1e9);
	{
		struct xb_shares_stats ss;

		xb_shares_stats(xb_cluster_shares(app->cluster), &ss);
		head(out, "xbgw_cluster_meter_share_rounds_total", "counter",
		     "Aggregate meter share rounds answered by PostgreSQL.");
		fprintf(out, "xbgw_cluster_meter_share_rounds_total %" PRIu64 "\n",
			ss.answers);
		head(out, "xbgw_cluster_meter_rescales_total", "counter",
		     "Times the live ruleset's meters were set to new shares.");
		fprintf(out, "xbgw_cluster_meter_rescales_total %" PRIu64 "\n",
			ss.rescales);
	}
	if (v == NULL)
		return;
	head(out, "xbgw_cluster_reserved_bytes", "gauge",
	     "Bytes this gateway holds of a tenant's pool in the month in force, not yet used.");
	for (unsigned int i = 0; i < v->ntenants; i++) {
		fputs("xbgw_cluster_reserved_bytes{tenant=\"", out);
		tenant_label(out, v->tenants[i].tenant);
		fprintf(out, "\"} %" PRIu64 "\n", v->tenants[i].reserved_here);
	}
	head(out, "xbgw_cluster_pool_left_bytes", "gauge",
	     "A tenant's cluster pool left in the month in force, as last answered.");
	for (unsigned int i = 0; i < v->ntenants; i++) {
		if (v->tenants[i].pool_left == UINT64_MAX)
			continue;
		fputs("xbgw_cluster_pool_left_bytes{tenant=\"", out);
		tenant_label(out, v->tenants[i].tenant);
		fprintf(out, "\"} %" PRIu64 "\n", v->tenants[i].pool_left);
	}
	xb_cluster_view_free(v);
}
