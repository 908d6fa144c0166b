/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /xbgw/explain and /xbgw/rules (xb_telemetry_rules.h).
 *
 * DPDK 22.11 telemetry nests containers one level deep, holds only simple
 * values in arrays, allows [A-Za-z0-9_/] in keys and 127 bytes in a
 * string, and caps a reply at 16 KiB and a dict at 256 entries.  Hence:
 * explain is flat (one dict per step under the step's name, the order in
 * "steps"), a null of `xbgw --explain --json` is a key left out, and rules
 * come a page of one table at a time.
 */
#include "xb_telemetry_rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_telemetry.h>

#include "xb_control.h"
#include "xb_explain.h"
#include "xb_rules.h"
#include "xb_tel_str.h"

#define LOCK_MS 5000
/* A request's parameters: DPDK's whole request is at most 1024 bytes. */
#define REQUEST_MAX 1024

/* A string value, repaired to valid UTF-8 and cut at a character
 * boundary to what telemetry holds; "" or NULL leaves the key out (the
 * JSON document's null). */
static void
put_str(struct rte_tel_data *d, const char *k, const char *v)
{
	if (v != NULL && v[0] != '\0')
		xb_tel_dict_str(d, k, v);
}

static void
put_error(struct rte_tel_data *d, const char *why)
{
	rte_tel_data_start_dict(d);
	put_str(d, "error", why);
}

static struct rte_tel_data *
explain_flow(const struct xb_explain_query *q)
{
	struct rte_tel_data *f = rte_tel_data_alloc();
	char a[INET6_ADDRSTRLEN];
	int af = q->family == 4 ? AF_INET : AF_INET6;

	if (f == NULL)
		return NULL;
	rte_tel_data_start_dict(f);
	rte_tel_data_add_dict_u64(f, "proto", q->proto);
	inet_ntop(af, q->src, a, sizeof(a));
	put_str(f, "src", a);
	inet_ntop(af, q->dst, a, sizeof(a));
	put_str(f, "dst", a);
	rte_tel_data_add_dict_u64(f, "sport", q->sport);
	rte_tel_data_add_dict_u64(f, "dport", q->dport);
	put_str(f, "name", q->name);
	if (q->vlan != 0)
		rte_tel_data_add_dict_u64(f, "vlan", q->vlan);
	return f;
}

static struct rte_tel_data *
explain_step(const struct xb_explain_item *it)
{
	struct rte_tel_data *s = rte_tel_data_alloc();

	if (s == NULL)
		return NULL;
	rte_tel_data_start_dict(s);
	put_str(s, "step", it->step);
	put_str(s, "value", it->value);
	put_str(s, "file", it->file);
	if (it->line != 0)
		rte_tel_data_add_dict_u64(s, "line", it->line);
	put_str(s, "match", it->match);
	put_str(s, "detail", it->detail);
	return s;
}

static struct rte_tel_data *
explain_verdict(const struct xb_explain *e)
{
	struct rte_tel_data *v = rte_tel_data_alloc();
	char price[32];

	if (v == NULL)
		return NULL;
	rte_tel_data_start_dict(v);
	put_str(v, "action", e->action);
	put_str(v, "drop_reason", e->drop_reason);
	if (e->dscp >= 0)
		rte_tel_data_add_dict_u64(v, "dscp", (uint64_t)e->dscp);
	rte_tel_data_add_dict_u64(v, "tc", e->tc);
	put_str(v, "band", e->band);
	/* DPDK 22.11 telemetry has no floating point: the decimal as text
	 * (as --explain --json writes it) and the exact micros. */
	snprintf(price, sizeof(price), "%llu.%06llu",
		 (unsigned long long)(e->price_micros_per_gb / 1000000),
		 (unsigned long long)(e->price_micros_per_gb % 1000000));
	put_str(v, "price_per_gb", price);
	rte_tel_data_add_dict_u64(v, "price_micros_per_gb",
				  e->price_micros_per_gb);
	put_str(v, "currency", e->currency);
	put_str(v, "country", e->country);
	put_str(v, "tenant", e->tenant);
	put_str(v, "category", e->category);
	return v;
}

/* Add c under key k of d, or free it when d takes no more. */
static void
put_container(struct rte_tel_data *d, const char *k, struct rte_tel_data *c)
{
	if (c != NULL && rte_tel_data_add_dict_container(d, k, c, 0) < 0)
		rte_tel_data_free(c);
}

static int
cmd_explain(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[REQUEST_MAX], why[256];
	struct xb_explain_query q;
	struct xb_explain *e;
	const struct xb_ruleset *rs;
	const char *hhmm;
	struct rte_tel_data *steps;
	struct timespec ts;
	uint32_t gen;
	int rc;

	(void)cmd;
	if (params == NULL || strlen(params) >= sizeof(buf)) {
		put_error(d, "expected PROTO,SRC,DST,SPORT,DPORT[,name=N][,vlan=V][,tenant=T][,time=HH:MM]");
		return 0;
	}
	memcpy(buf, params, strlen(params) + 1);
	if (xb_explain_parse_request(buf, &q, &hhmm, why, sizeof(why)) < 0) {
		put_error(d, why);
		return 0;
	}
	/* Big (the steps' texts): off the telemetry thread's stack. */
	e = malloc(sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &ts);
	q.now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (xb_control_lock_timed(LOCK_MS) < 0) {
		free(e);
		return -EBUSY;
	}
	rs = xb_control_stopped() ? NULL : xb_rules_active();
	if (rs == NULL) {
		xb_control_unlock();
		free(e);
		return -ESHUTDOWN;
	}
	gen = rs->generation;
	rc = 0;
	if (hhmm != NULL && xb_explain_parse_time(hhmm, rs->utc_offset_s,
						  q.now_ns, &q.now_ns) < 0) {
		snprintf(why, sizeof(why), "time=%.16s (expected HH:MM)", hhmm);
		rc = -EINVAL;
	} else {
		rc = xb_explain_run(rs, &q, e);
		if (rc == -EINVAL)
			snprintf(why, sizeof(why), "%s",
				 e->steps[XB_EXPLAIN_TENANT].detail);
	}
	xb_control_unlock();
	if (rc < 0) {
		if (rc == -ENOMEM) {
			free(e);
			return rc;
		}
		put_error(d, why);
		free(e);
		return 0;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation", gen);
	put_container(d, "flow", explain_flow(&q));
	steps = rte_tel_data_alloc();
	if (steps != NULL)
		rte_tel_data_start_array(steps, RTE_TEL_STRING_VAL);
	for (unsigned int s = 0; s < XB_EXPLAIN_STEPS; s++) {
		put_container(d, e->steps[s].step, explain_step(&e->steps[s]));
		if (steps != NULL)
			rte_tel_data_add_array_string(steps, e->steps[s].step);
	}
	put_container(d, "verdict", explain_verdict(e));
	put_container(d, "steps", steps);
	free(e);
	return 0;
}

int
xb_rules_table_parse(const char *s)
{
	for (unsigned int t = 0; t < XB_RULES_MAX; t++)
		if (strcmp(s, xb_rule_table_key(t)) == 0 ||
		    strcmp(s, xb_rule_table_file(t)) == 0)
			return (int)t;
	return -1;
}

/* Bytes a string takes in DPDK's JSON once cut to what telemetry holds,
 * escaped at worst (\uXXXX for a control byte). */
static size_t
json_string_cost(const char *s)
{
	size_t n = 2;

	for (size_t i = 0; s[i] != '\0' && i < RTE_TEL_MAX_STRING_LEN - 1; i++)
		n += s[i] == '"' || s[i] == '\\' ? 2 :
		     (unsigned char)s[i] < 0x20 ? 6 : 1;
	return n;
}

unsigned int
xb_rules_page_rows(const struct xb_rows *rows, unsigned int offset)
{
	/* The page's own keys, and per row "r_NN":{"line":N,"hits":N,
	 * "text":} at their widest. */
	size_t used = 200 + strlen(rows->file) * 6;
	unsigned int n = 0;

	while (offset + n < rows->n && n < XB_RULES_PAGE_ROWS) {
		size_t cost = 70 + json_string_cost(rows->r[offset + n].text);

		if (used + cost > XB_RULES_PAGE_BUDGET)
			break;
		used += cost;
		n++;
	}
	/* Never an empty page while rows remain: one row always fits. */
	return n == 0 && offset < rows->n ? 1 : n;
}

/* Hits of table t: total over its rows, rows with a hit, and the
 * decisions no row made (line 0). */
static void
table_hits(const struct xb_ruleset *rs, enum xb_rule_table t,
	   uint64_t *total, uint64_t *used, uint64_t *none)
{
	const struct xb_rows *rows = rs->rows[t];

	*total = *used = 0;
	*none = xb_ruleset_hits(rs, t, 0);
	for (unsigned int i = 0; rows != NULL && i < rows->n; i++) {
		uint64_t h = xb_ruleset_hits(rs, t, rows->r[i].line);

		*total += h;
		*used += h != 0;
	}
}

static void
rules_summary(const struct xb_ruleset *rs, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation", rs->generation);
	for (unsigned int t = 0; t < XB_RULES_MAX; t++) {
		struct rte_tel_data *s = rte_tel_data_alloc();
		uint64_t total, used, none;

		if (s == NULL)
			break;
		table_hits(rs, t, &total, &used, &none);
		rte_tel_data_start_dict(s);
		put_str(s, "table", xb_rule_table_file(t));
		put_str(s, "file", rs->rows[t] != NULL ? rs->rows[t]->file : NULL);
		rte_tel_data_add_dict_u64(s, "rows",
					  rs->rows[t] != NULL ? rs->rows[t]->n : 0);
		rte_tel_data_add_dict_u64(s, "used", used);
		rte_tel_data_add_dict_u64(s, "hits", total);
		rte_tel_data_add_dict_u64(s, "none", none);
		put_container(d, xb_rule_table_key(t), s);
	}
}

static void
rules_page(const struct xb_ruleset *rs, enum xb_rule_table t,
	   unsigned int offset, struct rte_tel_data *d)
{
	const struct xb_rows *rows = rs->rows[t];
	unsigned int n = rows != NULL && offset < rows->n ?
				 xb_rules_page_rows(rows, offset) : 0;
	unsigned int nrows = rows != NULL ? rows->n : 0;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation", rs->generation);
	put_str(d, "table", xb_rule_table_file(t));
	put_str(d, "file", rows != NULL ? rows->file : NULL);
	rte_tel_data_add_dict_u64(d, "rows", nrows);
	rte_tel_data_add_dict_u64(d, "offset", offset);
	rte_tel_data_add_dict_u64(d, "next",
				  offset + n < nrows ? offset + n : 0);
	for (unsigned int i = 0; i < n; i++) {
		const struct xb_row_src *r = &rows->r[offset + i];
		struct rte_tel_data *row = rte_tel_data_alloc();
		char key[16];

		if (row == NULL)
			break;
		rte_tel_data_start_dict(row);
		rte_tel_data_add_dict_u64(row, "line", r->line);
		rte_tel_data_add_dict_u64(row, "hits",
					  xb_ruleset_hits(rs, t, r->line));
		put_str(row, "text", r->text);
		snprintf(key, sizeof(key), "r_%u", i + 1);
		put_container(d, key, row);
	}
}

static int
cmd_rules(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct xb_ruleset *rs;
	unsigned int offset = 0;
	int t = -1;

	(void)cmd;
	if (params != NULL && params[0] != '\0') {
		char buf[64], *comma;

		if (strlen(params) >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, params, strlen(params) + 1);
		comma = strchr(buf, ',');
		if (comma != NULL) {
			char *end;
			unsigned long v;

			*comma = '\0';
			if (comma[1] < '0' || comma[1] > '9')
				return -EINVAL;
			v = strtoul(comma + 1, &end, 10);
			if (*end != '\0' || v > UINT32_MAX)
				return -EINVAL;
			offset = (unsigned int)v;
		}
		t = xb_rules_table_parse(buf);
		if (t < 0)
			return -EINVAL;
	}
	if (xb_control_lock_timed(LOCK_MS) < 0)
		return -EBUSY;
	rs = xb_control_stopped() ? NULL : xb_rules_active();
	if (rs == NULL) {
		xb_control_unlock();
		return -ESHUTDOWN;
	}
	if (t < 0)
		rules_summary(rs, d);
	else
		rules_page(rs, (enum xb_rule_table)t, offset, d);
	xb_control_unlock();
	return 0;
}

int
xb_telemetry_rules_register(void)
{
	/* Help texts: shorter than RTE_TEL_MAX_STRING_LEN, or DPDK refuses
	 * the command. */
	if (rte_telemetry_register_cmd("/xbgw/explain", cmd_explain,
		"A flow's verdict, each step's table line. Params: PROTO,SRC,DST,SPORT,DPORT[,name=][,vlan=][,tenant=][,time=HH:MM]") < 0 ||
	    rte_telemetry_register_cmd("/xbgw/rules", cmd_rules,
		"Rule hit counters: per table, or one table's rows. Params: [TABLE[,OFFSET]]") < 0)
		return -1;
	return 0;
}
