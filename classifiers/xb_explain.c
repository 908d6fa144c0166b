/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_explain.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xb_drop.h"

static const char *const step_names[XB_EXPLAIN_STEPS] = {
	"country", "tenant", "category", "approval", "policy", "qos", "tariff",
};

const char *
xb_explain_step_name(unsigned int step)
{
	return step < XB_EXPLAIN_STEPS ? step_names[step] : NULL;
}

/* Copy src (NULL: "") into dst, cut to size. */
static void
copy(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n > size - 1)
		n = size - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The row of table t at line: file and text into it (none when line 0). */
static void
name_row(const struct xb_ruleset *rs, enum xb_rule_table t, uint32_t line,
	 struct xb_explain_item *it)
{
	const struct xb_row_src *row;

	if (line == 0 || rs->rows[t] == NULL)
		return;
	copy(it->file, sizeof(it->file), rs->rows[t]->file);
	it->line = line;
	row = xb_rows_find(rs->rows[t], line);
	if (row != NULL)
		copy(it->match, sizeof(it->match), row->text);
}

static void
explain_country(const struct xb_ruleset *rs, const struct xb_explain_query *q,
		const struct xb_verdict *cls, struct xb_explain_item *it)
{
	const uint8_t *remote = cls->remote ? q->src : q->dst;
	struct xb_prefix pf;
	uint32_t value, origin;
	char buf[64];

	copy(it->value, sizeof(it->value),
	     xb_countries_code(rs->countries, cls->country));
	if (xb_lpm_origin(rs->geo, q->family, remote, &pf, &value, &origin) <
	    0) {
		copy(it->detail, sizeof(it->detail),
		     "no geo prefix covers the remote address: unknown (ZZ)");
		return;
	}
	xb_prefix_format(&pf, buf, sizeof(buf));
	copy(it->match, sizeof(it->match), buf);
	if ((origin >> 24) >= 1 && (origin >> 24) <= rs->ngeo) {
		copy(it->file, sizeof(it->file), rs->geo_file[(origin >> 24) - 1]);
		it->line = origin & 0xffffffu;
	}
	snprintf(it->detail, sizeof(it->detail), "remote end: the %s",
		 cls->remote ? "source" : "destination");
	/* The FIB answered the worker's lookup; the prefix list beside it
	 * must agree, or explain would name the wrong row. */
	if (value != cls->country)
		snprintf(it->detail, sizeof(it->detail),
			 "prefix list and FIB disagree (%u vs %u)", value,
			 cls->country);
}

static void
explain_tenant(const struct xb_ruleset *rs, const struct xb_explain_query *q,
	       const struct xb_verdict *cls, uint16_t tenant,
	       struct xb_explain_item *it)
{
	const struct xb_tenant *tn = xb_tenants_get(rs->tenants, tenant);

	copy(it->value, sizeof(it->value), tn != NULL ? tn->id : "unknown");
	if (q->tenant != NULL) {
		copy(it->detail, sizeof(it->detail), "given (--tenant)");
		return;
	}
	name_row(rs, XB_RULES_TENANT_PREFIXES, cls->tenant_line, it);
	if (cls->tenant_by_vlan)
		snprintf(it->detail, sizeof(it->detail), "VLAN %u", q->vlan);
	else if (cls->tenant_line != 0)
		copy(it->detail, sizeof(it->detail),
		     "prefix of the domestic end");
	else
		copy(it->detail, sizeof(it->detail),
		     "no tenant prefix or VLAN row: unknown");
}

int
xb_explain_run(const struct xb_ruleset *rs, const struct xb_explain_query *q,
	       struct xb_explain *out)
{
	struct xb_pkt_info pi;
	struct xb_verdict cls;
	struct xb_policy_verdict pv;
	struct xb_explain_item *it;
	uint16_t tenant, category;
	int name_cat = -1;
	unsigned int name_line = 0, band;
	const struct xb_tenant *tn;
	const char *cur;

	memset(out, 0, sizeof(*out));
	for (unsigned int s = 0; s < XB_EXPLAIN_STEPS; s++)
		out->steps[s].step = step_names[s];
	if (q->family != 4 && q->family != 6)
		return -EINVAL;
	/* The packet the worker would classify: the flow's first. */
	memset(&pi, 0, sizeof(pi));
	pi.family = q->family;
	pi.proto = q->proto;
	pi.vlan = q->vlan;
	pi.sport = q->sport;
	pi.dport = q->dport;
	memcpy(pi.src, q->src, 16);
	memcpy(pi.dst, q->dst, 16);
	xb_ruleset_classify(rs, &pi, false, XB_DIR_BY_HOME_NET, &cls);

	tenant = cls.tenant;
	if (q->tenant != NULL) {
		int t = xb_tenants_find(rs->tenants, q->tenant);

		if (t < 0) {
			snprintf(out->steps[XB_EXPLAIN_TENANT].detail,
				 XB_EXPLAIN_TEXT, "unknown tenant \"%s\"",
				 q->tenant);
			return -EINVAL;
		}
		tenant = (uint16_t)t;
	}
	explain_country(rs, q, &cls, &out->steps[XB_EXPLAIN_COUNTRY]);
	explain_tenant(rs, q, &cls, tenant, &out->steps[XB_EXPLAIN_TENANT]);

	/* Category: the rules' answer, then the name's, kept when stricter
	 * (the worker's apply_name). */
	category = cls.category;
	if (q->name != NULL && q->name[0] != '\0' && rs->domains != NULL) {
		struct xb_domains_scratch *s =
			xb_domains_scratch_alloc(rs->domains);

		if (s == NULL)
			return -ENOMEM;
		name_cat = xb_domains_match_line(rs->domains, s, q->name,
						 strlen(q->name), &name_line);
		xb_domains_scratch_free(s);
		if (name_cat >= 0)
			category = (uint16_t)xb_categories_stricter(
				rs->categories, category, (unsigned int)name_cat);
	}
	it = &out->steps[XB_EXPLAIN_CATEGORY];
	copy(it->value, sizeof(it->value),
	     xb_categories_id(rs->categories, category));
	if (name_cat >= 0 && category == (uint16_t)name_cat) {
		name_row(rs, XB_RULES_DOMAINS, name_line, it);
		snprintf(it->detail, sizeof(it->detail),
			 "name %s matches the pattern", q->name);
	} else if (category == cls.category && cls.category_line != 0) {
		name_row(rs, XB_RULES_CATEGORY_RULES, cls.category_line, it);
		snprintf(it->detail, sizeof(it->detail),
			 name_cat >= 0 ? "category rule, stricter than the name's %s"
				       : "category rule%s",
			 name_cat >= 0 ? xb_categories_id(rs->categories,
							  (unsigned int)name_cat)
				       : "");
	} else {
		snprintf(it->detail, sizeof(it->detail),
			 "%s (a hidden name would make it unnamed, two payloads for the same bytes evasive)",
			 q->name != NULL ? "no domain pattern or rule matches"
					 : "no rule matches, no name given");
	}

	/* Policy: the worker's xb_policy_decide. */
	xb_policy_decide(rs->policy, cls.country, category, tenant, q->now_ns,
			 &pv);
	it = &out->steps[XB_EXPLAIN_APPROVAL];
	if (xb_categories_list(rs->categories, category) == XB_LIST_NEGATIVE) {
		if (pv.approval_line != 0) {
			name_row(rs, XB_RULES_APPROVALS, pv.approval_line, it);
			copy(it->value, sizeof(it->value), "approved");
			copy(it->detail, sizeof(it->detail),
			     "negative list: this approval holds");
		} else {
			copy(it->value, sizeof(it->value), "none");
			copy(it->detail, sizeof(it->detail),
			     "none: negative list needs an approval");
		}
	} else {
		copy(it->detail, sizeof(it->detail),
		     "not on the negative list: no approval needed");
	}
	{
		const struct xb_policy_row *row =
			xb_policy_row(rs->policy, pv.row);
		uint32_t line = row != NULL ? row->line : 0;

		out->action = xb_action_name(pv.action);
		it = &out->steps[XB_EXPLAIN_POLICY];
		copy(it->value, sizeof(it->value), out->action);
		name_row(rs, XB_RULES_QOS, line, it);
		copy(it->detail, sizeof(it->detail),
		     pv.action == XB_ACT_NEGATIVE_LIST ?
			     "negative-list category without an approval" :
		     pv.action == XB_ACT_DENY ? "the row says deny" :
						"the row's action");
		it = &out->steps[XB_EXPLAIN_QOS];
		name_row(rs, XB_RULES_QOS, line, it);
		if (row != NULL) {
			char dscp[8];

			snprintf(it->value, sizeof(it->value), "tc %u", row->tc);
			if (row->dscp == XB_DSCP_KEEP)
				copy(dscp, sizeof(dscp), "kept");
			else
				snprintf(dscp, sizeof(dscp), "%u", row->dscp);
			if (row->metered)
				snprintf(it->detail, sizeof(it->detail),
					 "cir %u kbps, cbs %u B, pir %u kbps, pbs %u B, dscp %s",
					 row->cir_kbps, row->cbs_bytes,
					 row->pir_kbps, row->pbs_bytes, dscp);
			else
				snprintf(it->detail, sizeof(it->detail),
					 "unmetered, dscp %s", dscp);
		}
	}
	out->dscp = pv.dscp == XB_DSCP_KEEP ? -1 : pv.dscp;
	out->tc = pv.tc;
	switch (pv.action) {
	case XB_ACT_NEGATIVE_LIST:
		out->drop_reason = xb_drop_names[XB_DROP_NEGATIVE_LIST];
		break;
	case XB_ACT_DENY:
		out->drop_reason = xb_drop_names[XB_DROP_POLICY_DENY];
		break;
	default:
		out->drop_reason = NULL;
	}

	/* Tariff: the band in force at now, the row that prices it. */
	tn = xb_tenants_get(rs->tenants, tenant);
	band = xb_tariff_band(rs->tariff, q->now_ns);
	copy(out->band, sizeof(out->band), xb_tariff_band_name(rs->tariff, band));
	it = &out->steps[XB_EXPLAIN_TARIFF];
	cur = NULL;
	if (tn != NULL) {
		xb_tariff_price(rs->tariff, tn->class_id, cls.country, category,
				band, &out->price_micros_per_gb, &cur);
		name_row(rs, XB_RULES_TARIFFS,
			 xb_tariff_price_line(rs->tariff, tn->class_id,
					      cls.country, category, band),
			 it);
	}
	copy(out->currency, sizeof(out->currency),
	     cur != NULL ? cur : XB_TARIFF_NO_CURRENCY);
	snprintf(it->value, sizeof(it->value), "%s", out->band);
	snprintf(it->detail, sizeof(it->detail), "band %s, %llu.%06llu %s per GB",
		 out->band,
		 (unsigned long long)(out->price_micros_per_gb / 1000000),
		 (unsigned long long)(out->price_micros_per_gb % 1000000),
		 out->currency);

	copy(out->country, sizeof(out->country),
	     out->steps[XB_EXPLAIN_COUNTRY].value);
	copy(out->tenant, sizeof(out->tenant), out->steps[XB_EXPLAIN_TENANT].value);
	copy(out->category, sizeof(out->category),
	     out->steps[XB_EXPLAIN_CATEGORY].value);
	return 0;
}
