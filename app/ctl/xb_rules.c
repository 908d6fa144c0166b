/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_rules.h"

#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "xb_app.h"
#include "xb_billing.h"
#include "xb_tally.h"

struct xb_swap xb_rules_swap;

static const char *
path_or_null(const char *s)
{
	return s[0] ? s : NULL;
}

static void
params_from_config(const struct xb_config *cfg, unsigned int nworkers,
		   uint32_t gen, struct xb_ruleset_params *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned int i = 0; i < cfg->ngeo && i < XB_RULESET_MAX_GEO; i++)
		p->geo[p->ngeo++] = cfg->geo[i];
	p->countries = path_or_null(cfg->table[XB_TABLE_COUNTRIES]);
	p->tenants = path_or_null(cfg->table[XB_TABLE_TENANTS]);
	p->tenant_prefixes = path_or_null(cfg->table[XB_TABLE_TENANT_PREFIXES]);
	p->categories = path_or_null(cfg->table[XB_TABLE_CATEGORIES]);
	p->approvals = path_or_null(cfg->table[XB_TABLE_APPROVALS]);
	p->category_rules = path_or_null(cfg->table[XB_TABLE_CATEGORY_RULES]);
	p->domains = path_or_null(cfg->table[XB_TABLE_DOMAINS]);
	p->qos = path_or_null(cfg->table[XB_TABLE_QOS]);
	p->tariffs = path_or_null(cfg->table[XB_TABLE_TARIFFS]);
	p->bands = path_or_null(cfg->table[XB_TABLE_BANDS]);
	if (cfg->home_net_set) {
		p->home_net = cfg->home_net;
		p->nhome_net = cfg->nhome_net;
	}
	p->utc_offset_s = cfg->utc_offset_s;
	p->nworkers = nworkers;
	p->socket_id = (int)rte_socket_id();
	p->generation = gen;
}

/* Shared by --check-config and live loads: the same builder, so a config
 * that checks OK loads OK. */
int
xb_app_check_tables(const struct xb_config *cfg, struct xb_errors *errs)
{
	struct xb_ruleset_params p;
	struct xb_ruleset *rs;

	params_from_config(cfg, 1, 1, &p);
	rs = xb_ruleset_build(&p, errs);
	xb_ruleset_free(rs);
	return rs != NULL ? 0 : -1;
}

int
xb_app_config(const char *path, struct xb_config *cfg,
	      enum xb_config_mode mode, struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);

	xb_config_load(path, cfg, errs);
	if (!cfg->read)
		return -1; /* nothing to go on */
	xb_config_check_env(cfg, mode, errs);
	/* The tables whose paths parsed, whatever else was wrong, so that
	 * one pass reports every error.  A start whose config is clean
	 * builds them once, live (xb_rules_start), with this same builder. */
	if (mode == XB_CONFIG_CHECK || xb_errors_count(errs) != before)
		xb_app_check_tables(cfg, errs);
	return xb_errors_count(errs) == before ? 0 : -1;
}

struct xb_ruleset *
xb_rules_build(const struct xb_app *app, uint32_t gen, struct xb_errors *errs)
{
	struct xb_ruleset_params p;

	params_from_config(&app->cfg, app->nworkers, gen, &p);
	return xb_ruleset_build(&p, errs);
}

void
xb_rules_fold(const struct xb_ruleset *rs, unsigned int nworkers,
	      struct xb_tally *country, struct xb_tally *category,
	      struct xb_tally *tenant)
{
	for (unsigned int w = 0; w < nworkers && w < XB_RULESET_MAX_WORKERS;
	     w++) {
		const struct xb_ruleset_counters *c = &rs->counters[w];

		for (unsigned int i = 0; i < rs->ncountries; i++)
			xb_tally_add(country, xb_countries_code(rs->countries, i),
				     __atomic_load_n(&c->by_country[i].packets,
						     __ATOMIC_RELAXED),
				     __atomic_load_n(&c->by_country[i].bytes,
						     __ATOMIC_RELAXED));
		for (unsigned int i = 0; i < rs->ncategories; i++)
			xb_tally_add(category,
				     xb_categories_id(rs->categories, i),
				     __atomic_load_n(&c->by_category[i].packets,
						     __ATOMIC_RELAXED),
				     __atomic_load_n(&c->by_category[i].bytes,
						     __ATOMIC_RELAXED));
		for (unsigned int i = 0; i < rs->ntenants; i++)
			xb_tally_add(tenant, xb_tenants_get(rs->tenants, i)->id,
				     __atomic_load_n(&c->by_tenant[i].packets,
						     __ATOMIC_RELAXED),
				     __atomic_load_n(&c->by_tenant[i].bytes,
						     __ATOMIC_RELAXED));
	}
}

int
xb_rules_start(struct xb_app *app, struct xb_errors *errs)
{
	struct xb_ruleset *rs;

	rs = xb_rules_build(app, 1, errs);
	if (rs == NULL)
		return -1;
	if (xb_billing_attach(app, rs, NULL, xb_billing_now(app)) < 0) {
		xb_errors_add(errs, "billing", 0, "cannot start the quota period");
		xb_ruleset_free(rs);
		return -1;
	}
	if (app->meters_prepare != NULL)
		app->meters_prepare(app, rs);
	if (xb_swap_init(&xb_rules_swap, app->nworkers, rs) < 0) {
		xb_errors_add(errs, "rcu", 0, "cannot set up RCU");
		xb_billing_detach(app, rs);
		xb_ruleset_free(rs);
		return -1;
	}
	app->generation = 1;
	return 0;
}

/* What follows a ruleset's grace period, when no worker can count into
 * it any more: its last usage fold, billing forgets it, its counters join
 * the name-keyed totals, free.  Control lock held (readers sum the totals
 * and the retiring rulesets: never both, never neither). */
static void
retire(void *obj, void *ctx)
{
	struct xb_app *app = ctx;
	struct xb_ruleset *old = obj;

	xb_billing_fold(app, old, false);
	xb_billing_detach(app, old);
	xb_rules_fold(old, app->nworkers, &app->by_country, &app->by_category,
		      &app->by_tenant);
	xb_ruleset_free(old);
}

unsigned int
xb_rules_retiring(void)
{
	return xb_swap_retiring(&xb_rules_swap);
}

bool
xb_rules_reclaim_due(void)
{
	return xb_swap_reclaim_due(&xb_rules_swap);
}

unsigned int
xb_rules_reclaim(struct xb_app *app)
{
	struct xb_ruleset *old;

	while ((old = xb_swap_reclaim(&xb_rules_swap)) != NULL)
		retire(old, app);
	return xb_swap_retiring(&xb_rules_swap);
}

void
xb_rules_billing_fold(struct xb_app *app)
{
	for (unsigned int i = 0; i < xb_swap_retiring(&xb_rules_swap); i++)
		xb_billing_fold(app, xb_swap_retiring_get(&xb_rules_swap, i),
				false);
	xb_billing_fold(app, xb_rules_active(), true);
}

void
xb_rules_fold_live(const struct xb_app *app, struct xb_tally *country,
		   struct xb_tally *category, struct xb_tally *tenant)
{
	const struct xb_ruleset *rs;

	for (unsigned int i = 0; i < xb_swap_retiring(&xb_rules_swap); i++)
		xb_rules_fold(xb_swap_retiring_get(&xb_rules_swap, i),
			      app->nworkers, country, category, tenant);
	rs = xb_rules_active();
	if (rs != NULL)
		xb_rules_fold(rs, app->nworkers, country, category, tenant);
}

int
xb_rules_reload(struct xb_app *app, struct xb_errors *errs)
{
	struct xb_config cfg;
	struct xb_ruleset *rs, *old;
	struct xb_config saved = app->cfg;

	/* One ruleset retires at a time (xb_rules.h says why): billing keeps
	 * snapshots for the active ruleset and one retiring.  The main loop
	 * waits for the reclaim before it calls this; here only a guard. */
	if (xb_swap_retiring(&xb_rules_swap) > 0) {
		xb_errors_add(errs, "reload", 0,
			      "the previous ruleset is still retiring");
		return -1;
	}
	/* The tables (and their paths) may change; ports and lcores cannot
	 * change under a running data plane and are kept. */
	if (xb_config_load(app->opt.config, &cfg, errs) < 0)
		return -1;
	memcpy(app->cfg.geo, cfg.geo, sizeof(cfg.geo));
	app->cfg.ngeo = cfg.ngeo;
	memcpy(app->cfg.table, cfg.table, sizeof(cfg.table));
	memcpy(app->cfg.home_net, cfg.home_net, sizeof(cfg.home_net));
	app->cfg.nhome_net = cfg.nhome_net;
	app->cfg.home_net_set = cfg.home_net_set;
	app->cfg.utc_offset_s = cfg.utc_offset_s;
	rs = xb_rules_build(app, app->generation + 1, errs);
	if (rs == NULL) {
		app->cfg = saved;
		return -1;
	}
	old = xb_rules_active();
	if (xb_billing_attach(app, rs, old, xb_billing_now(app)) < 0) {
		xb_errors_add(errs, "billing", 0, "cannot start the quota period");
		goto fail;
	}
	if (app->meters_prepare != NULL)
		app->meters_prepare(app, rs);
	if (xb_swap_publish(&xb_rules_swap, rs) < 0) { /* not after the guard */
		xb_errors_add(errs, "rcu", 0, "too many rulesets retiring");
		goto fail;
	}
	/* Published; old retires.  Workers may hold it until each reports
	 * quiescence (the end of its poll loop); meanwhile the main loop's
	 * periodic work keeps folding its usage (a worker at a month switch
	 * may wait for that fold) and reclaims it once its grace period is
	 * over (xb_rules_reclaim: last fold, detach, totals, free). */
	app->generation++;
	app->reloads_ok++;
	return 0;
fail:
	xb_billing_detach(app, rs);
	xb_ruleset_free(rs);
	app->cfg = saved;
	return -1;
}

void
xb_rules_stop(struct xb_app *app)
{
	/* Workers are offline: every grace period is over. */
	struct xb_ruleset *rs = xb_swap_fini(&xb_rules_swap, retire, app);

	if (rs != NULL) {
		xb_billing_fold(app, rs, true);
		xb_billing_detach(app, rs);
		xb_rules_fold(rs, app->nworkers, &app->by_country,
			      &app->by_category, &app->by_tenant);
		xb_ruleset_free(rs);
	}
}
