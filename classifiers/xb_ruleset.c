/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_ruleset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "xb_geo.h"

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* The default domestic side: RFC 1918 and RFC 4193 (tenant prefixes are
 * added by the caller of this list). */
static const char *const default_home_net[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
};

/*
 * One FIB answers both "is this address domestic?" and "whose is it?":
 * the value of every prefix carries XB_LOCAL_HOME when the prefix lies in
 * home_net, and the tenant of the longest tenant prefix covering it.  As
 * prefixes are either nested or disjoint, the longest match then gives
 * both answers right for every address.
 */
/* The local LPM's row bits of the i-th tenant prefix (ordinal i + 1). */
static uint32_t
local_row(size_t i)
{
	return i + 1 > XB_LOCAL_ROW_MAX ? 0
					: (uint32_t)(i + 1) << XB_LOCAL_ROW_SHIFT;
}

static int
build_local(struct xb_ruleset *rs, const struct xb_ruleset_params *p,
	    struct xb_lpm_builder *tenant_pfx, struct xb_errors *errs)
{
	struct xb_lpm_builder *b = xb_lpm_builder_create();
	struct xb_prefix home[XB_RULESET_MAX_GEO * 8];
	unsigned int nhome = 0;
	size_t nt = xb_lpm_builder_count(tenant_pfx);
	int rc = -1;

	if (b == NULL)
		return -1;
	if (p->home_net != NULL) {
		for (unsigned int i = 0; i < p->nhome_net && nhome < RTE_DIM(home); i++)
			home[nhome++] = p->home_net[i];
	} else {
		for (unsigned int i = 0; i < RTE_DIM(default_home_net); i++) {
			const char *why;

			xb_prefix_parse(default_home_net[i], &home[nhome++], &why);
		}
	}
	/* Tenant prefix ordinals (1-based) name their lines. */
	rs->tenant_pfx_line = calloc(nt + 1, sizeof(*rs->tenant_pfx_line));
	if (rs->tenant_pfx_line == NULL) {
		xb_lpm_builder_free(b);
		return -1;
	}
	for (size_t i = 0; i < nt; i++)
		rs->tenant_pfx_line[i + 1] = xb_lpm_builder_origin(tenant_pfx, i);
	/* Tenant prefixes: home if inside home_net, or always by default. */
	for (size_t i = 0; i < nt; i++) {
		struct xb_prefix pf;
		uint32_t tenant;
		bool is_home = p->home_net == NULL;

		xb_lpm_builder_get(tenant_pfx, i, &pf, &tenant);
		tenant |= local_row(i);
		for (unsigned int h = 0; h < nhome && !is_home; h++)
			if (home[h].family == pf.family && home[h].len <= pf.len &&
			    xb_prefix_contains(&home[h], pf.addr))
				is_home = true;
		xb_lpm_builder_add(b, &pf, tenant | (is_home ? XB_LOCAL_HOME : 0));
	}
	/* home_net prefixes: home, tenant of the longest tenant prefix that
	 * covers the whole home prefix. */
	for (unsigned int h = 0; h < nhome; h++) {
		uint32_t tenant = XB_TENANT_UNKNOWN;
		unsigned int best = 0;
		bool found = false;

		for (size_t i = 0; i < nt; i++) {
			struct xb_prefix pf;
			uint32_t t;

			xb_lpm_builder_get(tenant_pfx, i, &pf, &t);
			if (pf.family == home[h].family && pf.len <= home[h].len &&
			    (!found || pf.len >= best) &&
			    xb_prefix_contains(&pf, home[h].addr)) {
				tenant = t | local_row(i);
				best = pf.len;
				found = true;
			}
		}
		/* An identical tenant prefix already carries the right value. */
		uint32_t existing;
		if (xb_lpm_builder_find(b, &home[h], &existing) == 0)
			continue;
		xb_lpm_builder_add(b, &home[h], tenant | XB_LOCAL_HOME);
	}
	rs->local = xb_lpm_build(b, "xbgw_local", XB_TENANT_UNKNOWN, p->socket_id,
				 errs);
	rc = rs->local == NULL ? -1 : 0;
	xb_lpm_builder_free(b);
	return rc;
}

static void *
meter_zalloc(size_t size, size_t align, void *arg)
{
	return rte_zmalloc_socket("xbgw_meters", size, (unsigned int)align,
				  (int)(intptr_t)arg);
}

static void
meter_free(void *ptr, void *arg)
{
	(void)arg;
	rte_free(ptr);
}

/*
 * Meter instances: the policy's (tenant x metered qos row) instances, then
 * one per tenant for its over_quota throttle rate.  Meters start full in
 * every new ruleset (a reload resets their buckets).
 */
static int
build_meters(struct xb_ruleset *rs, const struct xb_ruleset_params *p,
	     struct xb_errors *errs)
{
	uint32_t npol = xb_policy_meter_count(rs->policy);
	uint32_t n = npol + rs->ntenants;
	struct xb_meter_profile *prof = calloc(n, sizeof(*prof));
	struct xb_meter_alloc alloc = {meter_zalloc, meter_free,
				       (void *)(intptr_t)p->socket_id};

	if (prof == NULL) {
		xb_errors_add(errs, "ruleset", 0, "out of memory");
		return -1;
	}
	if (npol > 0)
		memcpy(prof, xb_policy_meter_profiles(rs->policy),
		       npol * sizeof(*prof));
	rs->throttle_meter_base = npol;
	for (unsigned int t = 0; t < rs->ntenants; t++) {
		const struct xb_tenant *tn = xb_tenants_get(rs->tenants, t);
		uint32_t kbps = tn->over_quota == XB_OVER_QUOTA_THROTTLE
					? tn->throttle_kbps
					: 1;
		/* Bursts of 100 ms at the throttle rate, at least one
		 * jumbo frame. */
		uint64_t burst = (uint64_t)kbps * 1000 / 8 / 10;

		if (burst < 9216)
			burst = 9216;
		if (burst > XB_METER_BURST_MAX)
			burst = XB_METER_BURST_MAX;
		xb_meter_profile_init(&prof[npol + t], kbps, (uint32_t)burst,
				      kbps, (uint32_t)burst);
	}
	rs->meters = xb_meter_set_create(n, prof,
					 p->nworkers ? p->nworkers : 1, &alloc);
	free(prof);
	if (rs->meters == NULL) {
		xb_errors_add(errs, "ruleset", 0, "cannot create the meters");
		return -1;
	}
	return 0;
}

static void *
zcalloc(size_t n, size_t size, int socket)
{
	return rte_zmalloc_socket("xbgw_counters", n * size, RTE_CACHE_LINE_SIZE,
				  socket);
}

static const char *const rule_table_keys[] = {
#define XB_RULE_TABLE_KEY(e, key, file) key,
	XB_RULE_TABLES(XB_RULE_TABLE_KEY)
#undef XB_RULE_TABLE_KEY
};

static const char *const rule_table_files[] = {
#define XB_RULE_TABLE_FILE(e, key, file) file,
	XB_RULE_TABLES(XB_RULE_TABLE_FILE)
#undef XB_RULE_TABLE_FILE
};

const char *
xb_rule_table_key(unsigned int t)
{
	return t < XB_RULES_MAX ? rule_table_keys[t] : NULL;
}

const char *
xb_rule_table_file(unsigned int t)
{
	return t < XB_RULES_MAX ? rule_table_files[t] : NULL;
}

/* Row lists of the configured rule tables and the geo sources' paths,
 * before the loaders fill them. */
static int
make_rows(struct xb_ruleset *rs, const struct xb_ruleset_params *p,
	  struct xb_errors *errs)
{
	const char *path[XB_RULES_MAX] = {
		[XB_RULES_QOS] = p->qos,
		[XB_RULES_DOMAINS] = p->domains,
		[XB_RULES_CATEGORY_RULES] = p->category_rules,
		[XB_RULES_APPROVALS] = p->approvals,
		[XB_RULES_TARIFFS] = p->tariffs,
		[XB_RULES_TENANT_PREFIXES] = p->tenant_prefixes,
	};

	for (unsigned int t = 0; t < XB_RULES_MAX; t++) {
		if (!set(path[t]))
			continue;
		rs->rows[t] = xb_rows_create(path[t]);
		if (rs->rows[t] == NULL)
			goto oom;
	}
	for (unsigned int g = 0; g < p->ngeo && g < XB_RULESET_MAX_GEO; g++) {
		rs->geo_file[g] = strdup(p->geo[g]);
		if (rs->geo_file[g] == NULL)
			goto oom;
		rs->ngeo = g + 1;
	}
	return 0;
oom:
	xb_errors_add(errs, "ruleset", 0, "out of memory");
	return -1;
}

int
xb_ruleset_country_origin(const struct xb_ruleset *rs, unsigned int family,
			  const uint8_t addr[16], const char **file,
			  uint32_t *line)
{
	struct xb_prefix pf;
	uint32_t value, origin;

	if (xb_lpm_origin(rs->geo, family, addr, &pf, &value, &origin) < 0 ||
	    (origin >> 24) < 1 || (origin >> 24) > rs->ngeo)
		return -ENOENT;
	/* A geo origin: source index + 1 in the top byte, the line below. */
	*file = rs->geo_file[(origin >> 24) - 1];
	*line = origin & 0xffffffu;
	return 0;
}

uint64_t
xb_ruleset_hits(const struct xb_ruleset *rs, enum xb_rule_table t,
		uint32_t line)
{
	uint64_t sum = 0;

	if (t >= XB_RULES_MAX || rs->rows[t] == NULL ||
	    line > rs->rows[t]->max_line)
		return 0;
	for (unsigned int w = 0; w < rs->nworkers && w < XB_RULESET_MAX_WORKERS;
	     w++) {
		const volatile uint64_t *h = rs->counters[w].rule_hits[t];

		if (h != NULL)
			sum += h[line];
	}
	return sum;
}

struct xb_ruleset *
xb_ruleset_build(const struct xb_ruleset_params *p, struct xb_errors *errs)
{
	unsigned int before = xb_errors_count(errs);
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	struct xb_lpm_builder *geo_b = NULL, *tenant_b = NULL;
	struct xb_ruleset *rs;

	rs = calloc(1, sizeof(*rs));
	if (rs == NULL) {
		xb_errors_add(errs, "ruleset", 0, "out of memory");
		return NULL;
	}
	rs->generation = p->generation;
	rs->nworkers = p->nworkers;

	/* Tables that others refer to come first; a table that cannot load
	 * stops the tables that depend on it (their errors would only echo
	 * the first). */
	if (!set(p->countries))
		xb_errors_add(errs, "[tables] countries", 0, "not configured");
	else
		rs->countries = xb_countries_load(XB_TABLE_FILE(p->countries),
						  errs);
	if (!set(p->tenants))
		xb_errors_add(errs, "[tables] tenants", 0, "not configured");
	else
		rs->tenants = xb_tenants_load(XB_TABLE_FILE(p->tenants), errs);
	if (!set(p->categories))
		xb_errors_add(errs, "[tables] categories", 0, "not configured");
	else
		rs->categories = xb_categories_load(
			XB_TABLE_FILE(p->categories), errs);

	geo_b = xb_lpm_builder_create();
	tenant_b = xb_lpm_builder_create();
	if (geo_b == NULL || tenant_b == NULL) {
		xb_errors_add(errs, "ruleset", 0, "out of memory");
		goto out;
	}
	if (rs->countries != NULL) {
		struct xb_geo_stats st;

		memset(&st, 0, sizeof(st));
		if (p->ngeo == 0)
			xb_errors_add(errs, "[tables] geo", 0, "not configured");
		for (unsigned int i = 0; i < p->ngeo; i++) {
			/* Source i + 1 tags its prefixes: explain names the
			 * file and line of a country. */
			const struct xb_table_src src = {
				.name = p->geo[i], .source = i + 1 };

			xb_geo_load(&src, rs->countries, geo_b, &st, errs);
		}
		rs->geo_stats.prefixes_v4 = st.prefixes_v4;
		rs->geo_stats.prefixes_v6 = st.prefixes_v6;
		rs->geo_stats.skipped_country = st.skipped_country;
	}
	if (make_rows(rs, p, errs) < 0)
		goto out;
	if (rs->tenants != NULL && set(p->tenant_prefixes))
		xb_tenant_prefixes_load_lines(
			XB_TABLE_FILE_ROWS(p->tenant_prefixes,
					   rs->rows[XB_RULES_TENANT_PREFIXES]),
			rs->tenants, tenant_b, rs->vlan_tenant, rs->vlan_line,
			errs);
	if (rs->categories != NULL) {
		if (set(p->domains))
			rs->domains = xb_domains_load(
				XB_TABLE_FILE_ROWS(p->domains,
						   rs->rows[XB_RULES_DOMAINS]),
				rs->categories, errs);
		if (set(p->category_rules))
			rs->catrules = xb_catrules_load(
				XB_TABLE_FILE_ROWS(
					p->category_rules,
					rs->rows[XB_RULES_CATEGORY_RULES]),
				rs->categories, p->socket_id, errs);
	}
	if (rs->countries != NULL && rs->categories != NULL &&
	    rs->tenants != NULL) {
		if (!set(p->qos))
			xb_errors_add(errs, "[tables] qos", 0, "not configured");
		else
			rs->policy = xb_policy_load(
				XB_TABLE_FILE_ROWS(p->qos,
						   rs->rows[XB_RULES_QOS]),
				p->approvals ?
					XB_TABLE_FILE_ROWS(
						p->approvals,
						rs->rows[XB_RULES_APPROVALS]) :
					NULL,
				rs->countries, rs->categories, rs->tenants,
				errs);
		if (!set(p->bands) || !set(p->tariffs))
			xb_errors_add(errs, "[tables] bands/tariffs", 0,
				      "not configured");
		else
			rs->tariff = xb_tariff_load(
				XB_TABLE_FILE(p->bands),
				XB_TABLE_FILE_ROWS(p->tariffs,
						   rs->rows[XB_RULES_TARIFFS]),
						    p->utc_offset_s,
						    rs->countries,
						    rs->categories, rs->tenants,
						    errs);
	}
	if (xb_errors_count(errs) != before)
		goto out;
	rs->utc_offset_s = p->utc_offset_s;

	rs->ncountries = xb_countries_count(rs->countries);
	rs->ntenants = xb_tenants_count(rs->tenants);
	rs->ncategories = xb_categories_count(rs->categories);
	rs->nbands = xb_tariff_band_count(rs->tariff);
	rs->nusage = (size_t)rs->ntenants * rs->ncountries * rs->ncategories *
		     rs->nbands;
	if (rs->nusage > XB_RULESET_MAX_USAGE_CELLS) {
		xb_errors_add(errs, p->tariffs, 0,
			      "tenants x countries x categories x bands = %zu usage cells (expected at most %u)",
			      rs->nusage, XB_RULESET_MAX_USAGE_CELLS);
		goto out;
	}
	rs->geo = xb_lpm_build(geo_b, "xbgw_geo", XB_COUNTRY_UNKNOWN,
			       p->socket_id, errs);
	if (rs->geo == NULL || build_local(rs, p, tenant_b, errs) < 0)
		goto out;
	if (build_meters(rs, p, errs) < 0)
		goto out;
	rs->quota = xb_quota_create(rs->tenants, p->nworkers ? p->nworkers : 1,
				    XB_QUOTA_SLICE_BYTES);
	if (rs->quota == NULL) {
		xb_errors_add(errs, p->tenants, 0, "cannot set up quotas");
		goto out;
	}
	for (unsigned int w = 0; w < p->nworkers && w < XB_RULESET_MAX_WORKERS;
	     w++) {
		struct xb_ruleset_counters *c = &rs->counters[w];

		if (rs->domains != NULL) {
			rs->scratch[w] = xb_domains_scratch_alloc(rs->domains);
			if (rs->scratch[w] == NULL) {
				xb_errors_add(errs, p->domains, 0,
					      "cannot allocate Hyperscan scratch");
				goto out;
			}
		}
		c->by_country = zcalloc(rs->ncountries, sizeof(*c->by_country),
					p->socket_id);
		c->by_category = zcalloc(rs->ncategories,
					 sizeof(*c->by_category), p->socket_id);
		c->by_tenant = zcalloc(rs->ntenants, sizeof(*c->by_tenant),
				       p->socket_id);
		c->usage.cells[0] = zcalloc(rs->nusage, sizeof(struct xb_pkt_bytes),
					    p->socket_id);
		c->usage.cells[1] = zcalloc(rs->nusage, sizeof(struct xb_pkt_bytes),
					    p->socket_id);
		bool hits_ok = true;

		/* A new generation's hit counters start from zero. */
		for (unsigned int t = 0; t < XB_RULES_MAX; t++) {
			if (rs->rows[t] == NULL)
				continue;
			c->rule_hits[t] = zcalloc(rs->rows[t]->max_line + 1,
						  sizeof(uint64_t),
						  p->socket_id);
			hits_ok = hits_ok && c->rule_hits[t] != NULL;
		}
		c->meter_colors = zcalloc(rs->meters->n_instances + 1,
					  sizeof(*c->meter_colors), p->socket_id);
		if (!hits_ok || c->by_country == NULL || c->by_category == NULL ||
		    c->by_tenant == NULL || c->usage.cells[0] == NULL ||
		    c->usage.cells[1] == NULL || c->meter_colors == NULL) {
			xb_errors_add(errs, "ruleset", 0,
				      "out of memory for counters");
			goto out;
		}
	}
out:
	xb_lpm_builder_free(geo_b);
	xb_lpm_builder_free(tenant_b);
	if (xb_errors_count(errs) != before) {
		xb_ruleset_free(rs);
		return NULL;
	}
	rs->loaded_unix_ns = clock_ns(CLOCK_REALTIME);
	rs->build_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	return rs;
}

void
xb_ruleset_free(struct xb_ruleset *rs)
{
	if (rs == NULL)
		return;
	for (unsigned int w = 0; w < XB_RULESET_MAX_WORKERS; w++) {
		xb_domains_scratch_free(rs->scratch[w]);
		rte_free(rs->counters[w].by_country);
		rte_free(rs->counters[w].by_category);
		rte_free(rs->counters[w].by_tenant);
		rte_free(rs->counters[w].usage.cells[0]);
		rte_free(rs->counters[w].usage.cells[1]);
		for (unsigned int t = 0; t < XB_RULES_MAX; t++)
			rte_free(rs->counters[w].rule_hits[t]);
		rte_free(rs->counters[w].meter_colors);
	}
	for (unsigned int t = 0; t < XB_RULES_MAX; t++)
		xb_rows_free(rs->rows[t]);
	for (unsigned int g = 0; g < XB_RULESET_MAX_GEO; g++)
		free(rs->geo_file[g]);
	free(rs->tenant_pfx_line);
	xb_meter_set_free(rs->meters);
	xb_quota_free(rs->quota);
	xb_policy_free(rs->policy);
	xb_tariff_free(rs->tariff);
	xb_lpm_free(rs->geo);
	xb_lpm_free(rs->local);
	xb_domains_free(rs->domains);
	xb_catrules_free(rs->catrules);
	xb_categories_free(rs->categories);
	xb_tenants_free(rs->tenants);
	xb_countries_free(rs->countries);
	free(rs);
}

/* LPM lookups of a batch: IPv4 and IPv6 addresses gathered apart, one
 * bulk call per family.  addrs[i] is 16 bytes in network order (IPv4 in the
 * first 4); values[i] gets the value.  (The arrays are the caller's
 * scratch, hence not const: a const one makes gcc 12 see reads of what n
 * leaves unwritten.) */
static void
lookup_mixed(const struct xb_lpm *l, const uint8_t **addrs, uint8_t *family,
	     unsigned int n, uint32_t *values)
{
	uint32_t ip4[XB_RULESET_BULK_MAX * 2];
	uint8_t ip6[XB_RULESET_BULK_MAX * 2][16];
	uint64_t v4[XB_RULESET_BULK_MAX * 2], v6[XB_RULESET_BULK_MAX * 2];
	uint16_t at4[XB_RULESET_BULK_MAX * 2], at6[XB_RULESET_BULK_MAX * 2];
	unsigned int n4 = 0, n6 = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (family[i] == 4) {
			uint32_t ip;

			memcpy(&ip, addrs[i], 4);
			ip4[n4] = rte_be_to_cpu_32(ip);
			at4[n4++] = (uint16_t)i;
		} else {
			memcpy(ip6[n6], addrs[i], 16);
			at6[n6++] = (uint16_t)i;
		}
	}
	if (n4 > 0)
		xb_lpm_lookup4_bulk(l, ip4, v4, n4);
	if (n6 > 0)
		xb_lpm_lookup6_bulk(l, (const uint8_t (*)[16])ip6, v6, n6);
	for (unsigned int k = 0; k < n4; k++)
		values[at4[k]] = (uint32_t)v4[k];
	for (unsigned int k = 0; k < n6; k++)
		values[at6[k]] = (uint32_t)v6[k];
}

void
xb_ruleset_classify_bulk(const struct xb_ruleset *rs,
			 const struct xb_pkt_info *const *pis,
			 const bool *reply, const uint8_t *roles,
			 unsigned int n, struct xb_verdict *out)
{
	const uint8_t *addrs[XB_RULESET_BULK_MAX * 2];
	uint8_t fam[XB_RULESET_BULK_MAX * 2];
	uint32_t local[XB_RULESET_BULK_MAX * 2], country[XB_RULESET_BULK_MAX];
	struct xb_pkt_info fwd[XB_RULESET_BULK_MAX];
	const struct xb_pkt_info *pp[XB_RULESET_BULK_MAX];
	uint16_t cat[XB_RULESET_BULK_MAX];
	uint32_t cat_line[XB_RULESET_BULK_MAX];

	if (n == 0)
		return;
	if (n > XB_RULESET_BULK_MAX)
		n = XB_RULESET_BULK_MAX;
	/* Which ends are domestic: both addresses of every packet at once. */
	for (unsigned int i = 0; i < n; i++) {
		addrs[2 * i] = pis[i]->src;
		addrs[2 * i + 1] = pis[i]->dst;
		fam[2 * i] = fam[2 * i + 1] = pis[i]->family;
	}
	lookup_mixed(rs->local, addrs, fam, 2 * n, local);

	/* Which end is foreign: the port's role on live ports; in replay the
	 * end outside home_net, the destination when neither or both are. */
	for (unsigned int i = 0; i < n; i++) {
		uint32_t src_local = local[2 * i], dst_local = local[2 * i + 1];
		uint32_t home_side;
		uint16_t tenant;

		switch ((enum xb_role_hint)roles[i]) {
		case XB_DIR_FROM_INSIDE:
			out[i].remote = 0;
			break;
		case XB_DIR_FROM_OUTSIDE:
			out[i].remote = 1;
			break;
		default:
			out[i].remote = (dst_local & XB_LOCAL_HOME) &&
					!(src_local & XB_LOCAL_HOME);
			break;
		}
		addrs[i] = out[i].remote ? pis[i]->src : pis[i]->dst;
		fam[i] = pis[i]->family;
		home_side = out[i].remote ? dst_local : src_local;
		/* Tenant: the VLAN when mapped, else the domestic end's
		 * prefix. */
		tenant = pis[i]->vlan ? rs->vlan_tenant[pis[i]->vlan & 0xfff] : 0;
		out[i].tenant_by_vlan = tenant != XB_TENANT_UNKNOWN;
		if (tenant == XB_TENANT_UNKNOWN) {
			tenant = (uint16_t)(home_side & XB_LOCAL_TENANT_MASK);
			out[i].tenant_line = rs->tenant_pfx_line[
				(home_side >> XB_LOCAL_ROW_SHIFT) &
				XB_LOCAL_ROW_MAX];
		} else {
			out[i].tenant_line =
				rs->vlan_line[pis[i]->vlan & 0xfff];
		}
		out[i].tenant = tenant;
		/* The 5-tuple rules see each flow from its initiator. */
		pp[i] = pis[i];
		if (reply[i]) {
			fwd[i] = *pis[i];
			memcpy(fwd[i].src, pis[i]->dst, sizeof(fwd[i].src));
			memcpy(fwd[i].dst, pis[i]->src, sizeof(fwd[i].dst));
			fwd[i].sport = pis[i]->dport;
			fwd[i].dport = pis[i]->sport;
			pp[i] = &fwd[i];
		}
	}
	/* The remote ends' countries, then the category rules: one call each. */
	lookup_mixed(rs->geo, addrs, fam, n, country);
	if (rs->catrules != NULL)
		xb_catrules_classify_lines(rs->catrules, pp, n, cat, cat_line);
	for (unsigned int i = 0; i < n; i++) {
		out[i].country = (uint16_t)country[i];
		out[i].category = rs->catrules != NULL ? cat[i]
						       : XB_CATEGORY_UNCLASSIFIED;
		out[i].category_line = rs->catrules != NULL ? cat_line[i] : 0;
	}
}

void
xb_ruleset_classify(const struct xb_ruleset *rs, const struct xb_pkt_info *pi,
		    bool reply, enum xb_role_hint role, struct xb_verdict *out)
{
	uint8_t r = (uint8_t)role;

	xb_ruleset_classify_bulk(rs, &pi, &reply, &r, 1, out);
}

int
xb_ruleset_match_name(const struct xb_ruleset *rs, unsigned int worker,
		      const char *name, size_t len)
{
	if (rs->domains == NULL || worker >= XB_RULESET_MAX_WORKERS)
		return -1;
	return xb_domains_match(rs->domains, rs->scratch[worker], name, len);
}

int
xb_ruleset_match_name_line(const struct xb_ruleset *rs, unsigned int worker,
			   const char *name, size_t len, unsigned int *line)
{
	if (rs->domains == NULL || worker >= XB_RULESET_MAX_WORKERS)
		return -1;
	return xb_domains_match_line(rs->domains, rs->scratch[worker], name,
				     len, line);
}
