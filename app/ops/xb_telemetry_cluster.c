/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /xbgw/cluster[,tenants=OFFSET]: this gateway's view of the cluster
 * ([cluster], app/ctl/CLUSTER.md), for xbgwctl cluster and operators.
 *
 * Shape (DPDK 22.11 telemetry nests containers one level deep, caps a
 * dict at 256 entries and a reply at 16 KiB): a top dict of scalars
 * (this gateway, reachability, counters), then one dict per gateway
 * under gw_1, gw_2, ... (at most GW_MAX) and one per tenant under
 * tenant_<n>, n counted from 1 over all tenants, a page of at most
 * TENANTS_PAGE from OFFSET; tenants_next is the OFFSET of the next page
 * (0: none).  Names are values (a "tenant" field), never keys, so
 * telemetry does not rewrite them.
 *
 * Runs on DPDK's telemetry threads: the control lock keeps app->cluster
 * from being freed while it is read (main.c clears it under the lock).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "xb_app.h"
#include "xb_cluster.h"
#include "xb_control.h"
#include "xb_shares.h"
#include "xb_telemetry.h"
#include "xb_tel_str.h"

#define LOCK_MS 5000
#define GW_MAX 16          /* ~250 bytes each */
#define TENANTS_PAGE 48    /* ~130 bytes each: the reply stays < 16 KiB */

static struct xb_app *cl_app;

/* "tenants=N" (or "" / NULL: 0); -1 when malformed. */
static long
tenants_offset(const char *params)
{
	char *end;
	unsigned long v;

	if (params == NULL || params[0] == '\0')
		return 0;
	if (strncmp(params, "tenants=", 8) != 0 || params[8] == '\0')
		return -1;
	v = strtoul(params + 8, &end, 10);
	if (*end != '\0' || v > 1000000)
		return -1;
	return (long)v;
}

static int
cmd_cluster(const char *cmd, const char *params, struct rte_tel_data *d)
{
	long off = tenants_offset(params);
	struct xb_cluster_status st;
	struct xb_cluster_view *v;

	(void)cmd;
	if (off < 0)
		return -EINVAL;
	if (xb_control_lock_timed(LOCK_MS) < 0)
		return -EBUSY;
	if (cl_app->cluster == NULL) {
		xb_control_unlock();
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_int(d, "enabled", 0);
		return 0;
	}
	xb_cluster_status(cl_app->cluster, &st);
	v = xb_cluster_snapshot(cl_app->cluster);
	xb_control_unlock();
	if (v == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "enabled", 1);
	xb_tel_dict_str(d, "gateway", v->gateway);
	rte_tel_data_add_dict_u64(d, "epoch", v->epoch);
	rte_tel_data_add_dict_int(d, "reachable", v->reachable);
	xb_tel_dict_str(d, "dsn_host", v->dsn_host);
	xb_tel_dict_str(d, "ruleset_sha256", v->ruleset_sha256);
	rte_tel_data_add_dict_u64(d, "generation", v->generation);
	rte_tel_data_add_dict_int(d, "mismatch", st.mismatch);
	rte_tel_data_add_dict_u64(d, "gateways", v->ngws);
	rte_tel_data_add_dict_u64(d, "outages", st.outages);
	rte_tel_data_add_dict_u64(d, "grants", st.grants);
	rte_tel_data_add_dict_u64(d, "granted_bytes", st.granted_bytes);
	rte_tel_data_add_dict_u64(d, "allowance_bytes", st.allowance_bytes);
	rte_tel_data_add_dict_u64(d, "ledger_rows", st.ledger_rows);
	rte_tel_data_add_dict_u64(d, "ledger_seq", st.ledger_seq);
	rte_tel_data_add_dict_u64(d, "ledger_pending", st.ledger_pending);
	rte_tel_data_add_dict_u64(d, "errors", st.errors);
	rte_tel_data_add_dict_u64(d, "rtt_us", st.rtt_us);
	{
		/* Aggregate meter shares (app/ctl/xb_shares.h). */
		struct xb_shares_stats ss;

		xb_shares_stats(xb_cluster_shares(cl_app->cluster), &ss);
		rte_tel_data_add_dict_u64(d, "share_answers", ss.answers);
		rte_tel_data_add_dict_u64(d, "share_rescales", ss.rescales);
		rte_tel_data_add_dict_u64(d, "share_arrays_freed", ss.freed);
		rte_tel_data_add_dict_u64(d, "share_arrays_waiting", ss.waiting);
	}
	for (unsigned int i = 0; i < v->ngws && i < GW_MAX; i++) {
		const struct xb_cluster_gw_info *g = &v->gws[i];
		struct rte_tel_data *e = rte_tel_data_alloc();
		char key[16];

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		xb_tel_dict_str(e, "gateway", g->gateway);
		rte_tel_data_add_dict_u64(e, "epoch", g->epoch);
		xb_tel_dict_str(e, "ruleset_sha256", g->ruleset_sha256);
		rte_tel_data_add_dict_u64(e, "generation", g->generation);
		rte_tel_data_add_dict_u64(e, "last_seen", g->last_seen);
		rte_tel_data_add_dict_u64(e, "reservations_bytes",
					  g->reservations_bytes);
		rte_tel_data_add_dict_u64(e, "last_checkpoint",
					  g->last_checkpoint);
		rte_tel_data_add_dict_int(e, "mismatch",
					  strcmp(g->ruleset_sha256,
						 v->ruleset_sha256) != 0);
		snprintf(key, sizeof(key), "gw_%u", i + 1);
		rte_tel_data_add_dict_container(d, key, e, 0);
	}
	rte_tel_data_add_dict_u64(d, "tenants", v->ntenants);
	rte_tel_data_add_dict_u64(d, "tenants_offset", (uint64_t)off);
	rte_tel_data_add_dict_u64(d, "tenants_next",
				  (uint64_t)off + TENANTS_PAGE < v->ntenants
					  ? (uint64_t)off + TENANTS_PAGE
					  : 0);
	for (unsigned int i = (unsigned int)off;
	     i < v->ntenants && i < (unsigned int)off + TENANTS_PAGE; i++) {
		const struct xb_cluster_tenant_info *t = &v->tenants[i];
		struct rte_tel_data *e = rte_tel_data_alloc();
		char key[24];

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		xb_tel_dict_str(e, "tenant", t->tenant);
		rte_tel_data_add_dict_u64(e, "month", t->month);
		/* unknown (no answer yet this month): -1 */
		if (t->pool_left == UINT64_MAX)
			rte_tel_data_add_dict_int(e, "pool_left", -1);
		else
			rte_tel_data_add_dict_u64(e, "pool_left", t->pool_left);
		rte_tel_data_add_dict_u64(e, "reserved_here", t->reserved_here);
		snprintf(key, sizeof(key), "tenant_%u", i + 1);
		rte_tel_data_add_dict_container(d, key, e, 0);
	}
	xb_cluster_view_free(v);
	return 0;
}

int
xb_telemetry_cluster_register(struct xb_app *app)
{
	cl_app = app;
	return rte_telemetry_register_cmd("/xbgw/cluster", cmd_cluster,
		/* help: at most 127 bytes (RTE_TEL_MAX_STRING_LEN) */
		"Cluster view: this gateway, gateways gw_N, tenant pools tenant_N. Param: tenants=OFFSET (pages of 48)");
}
