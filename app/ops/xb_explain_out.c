/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_explain_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xb_json.h"

static void
str_or_null(struct xb_json *j, const char *key, const char *s)
{
	if (s == NULL || s[0] == '\0')
		xb_json_null(j, key);
	else
		xb_json_str(j, key, s);
}

static void
format_addr(uint8_t family, const uint8_t *a, char *buf, size_t size)
{
	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)size);
}

void
xb_explain_print_json(FILE *f, const struct xb_explain_query *q,
		      const struct xb_explain *e)
{
	struct xb_json j;
	char buf[64];

	xb_json_init(&j, f, false);
	xb_json_object_begin(&j, NULL);
	xb_json_object_begin(&j, "flow");
	xb_json_u64(&j, "proto", q->proto);
	format_addr(q->family, q->src, buf, sizeof(buf));
	xb_json_str(&j, "src", buf);
	format_addr(q->family, q->dst, buf, sizeof(buf));
	xb_json_str(&j, "dst", buf);
	xb_json_u64(&j, "sport", q->sport);
	xb_json_u64(&j, "dport", q->dport);
	str_or_null(&j, "name", q->name);
	if (q->vlan != 0)
		xb_json_u64(&j, "vlan", q->vlan);
	else
		xb_json_null(&j, "vlan");
	xb_json_object_end(&j);
	xb_json_array_begin(&j, "steps");
	for (unsigned int s = 0; s < XB_EXPLAIN_STEPS; s++) {
		const struct xb_explain_item *it = &e->steps[s];

		xb_json_object_begin(&j, NULL);
		xb_json_str(&j, "step", it->step);
		str_or_null(&j, "value", it->value);
		str_or_null(&j, "file", it->file);
		if (it->line != 0)
			xb_json_u64(&j, "line", it->line);
		else
			xb_json_null(&j, "line");
		str_or_null(&j, "match", it->match);
		str_or_null(&j, "detail", it->detail);
		xb_json_object_end(&j);
	}
	xb_json_array_end(&j);
	xb_json_object_begin(&j, "verdict");
	xb_json_str(&j, "action", e->action);
	str_or_null(&j, "drop_reason", e->drop_reason);
	if (e->dscp >= 0)
		xb_json_u64(&j, "dscp", (uint64_t)e->dscp);
	else
		xb_json_null(&j, "dscp");
	xb_json_u64(&j, "tc", e->tc);
	xb_json_str(&j, "band", e->band);
	xb_json_micros(&j, "price_per_gb", (int64_t)e->price_micros_per_gb);
	xb_json_str(&j, "currency", e->currency);
	xb_json_str(&j, "country", e->country);
	xb_json_str(&j, "tenant", e->tenant);
	xb_json_str(&j, "category", e->category);
	xb_json_object_end(&j);
	xb_json_object_end(&j);
	fputc('\n', f);
}

void
xb_explain_print_text(FILE *f, const struct xb_explain_query *q,
		      const struct xb_explain *e)
{
	(void)q;
	for (unsigned int s = 0; s < XB_EXPLAIN_STEPS; s++) {
		const struct xb_explain_item *it = &e->steps[s];
		const char *base = strrchr(it->file, '/');

		fprintf(f, "%-9s %-14s", it->step,
			it->value[0] ? it->value : "-");
		if (it->file[0] != '\0') {
			fprintf(f, " %s", base ? base + 1 : it->file);
			if (it->line != 0)
				fprintf(f, ":%u", it->line);
		}
		if (it->match[0] != '\0')
			fprintf(f, " %s", it->match);
		if (it->detail[0] != '\0')
			fprintf(f, "  (%s)", it->detail);
		fputc('\n', f);
	}
	fprintf(f, "verdict   %s%s%s", e->action,
		e->drop_reason ? " drop " : "",
		e->drop_reason ? e->drop_reason : "");
	if (e->dscp >= 0)
		fprintf(f, " dscp %d", e->dscp);
	fprintf(f, " tc %u band %s %llu.%06llu %s/GB\n", e->tc, e->band,
		(unsigned long long)(e->price_micros_per_gb / 1000000),
		(unsigned long long)(e->price_micros_per_gb % 1000000),
		e->currency);
}
