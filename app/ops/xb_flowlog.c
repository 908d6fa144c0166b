/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_flowlog.h"

#include <inttypes.h>

#include <string.h>

#include "xb_drop.h"
#include "xb_json.h"
#include "xb_prefix.h"
#include "xb_verdict.h"

static const char *const end_reasons[] = {"idle", "closed", "evicted", "exit"};

/* "table:line", or null for line 0. */
static void
line_ref(struct xb_json *j, const char *key, const char *table, uint32_t line)
{
	char buf[320];

	if (line == 0 || table == NULL) {
		xb_json_null(j, key);
		return;
	}
	snprintf(buf, sizeof(buf), "%s:%" PRIu32, table, line);
	xb_json_str(j, key, buf);
}

/* The lines that decided the flow's verdict ("lines"), and its packets
 * dropped by reason ("drops", non-zero reasons only). */
static void
write_why(struct xb_json *j, const struct xb_flow_record *rec,
	  const struct xb_ruleset *rs)
{
	const char *geo = NULL;
	uint32_t geo_line = 0;
	uint32_t cat = rec->category_line & ~XB_WHY_DOMAINS;

	if (rs != NULL) {
		const uint8_t *remote = rec->remote_is_src ? rec->src : rec->dst;

		if (xb_ruleset_country_origin(rs, rec->family, remote, &geo,
					      &geo_line) == 0) {
			const char *slash = strrchr(geo, '/');

			geo = slash != NULL ? slash + 1 : geo;
		}
	}
	xb_json_object_begin(j, "lines");
	line_ref(j, "country", geo, geo_line);
	line_ref(j, "tenant", xb_rule_table_file(XB_RULES_TENANT_PREFIXES),
		 rec->tenant_line);
	line_ref(j, "category",
		 xb_rule_table_file(rec->category_line & XB_WHY_DOMAINS ?
					    XB_RULES_DOMAINS :
					    XB_RULES_CATEGORY_RULES),
		 cat);
	line_ref(j, "approval", xb_rule_table_file(XB_RULES_APPROVALS),
		 rec->approval_line);
	line_ref(j, "qos", xb_rule_table_file(XB_RULES_QOS), rec->qos_line);
	line_ref(j, "tariff", xb_rule_table_file(XB_RULES_TARIFFS),
		 rec->tariff_line);
	xb_json_object_end(j);
	xb_json_object_begin(j, "drops");
	for (unsigned int k = 0; k < XB_FLOW_DROP_REASONS; k++)
		if (rec->drops[k] != 0)
			xb_json_u64(j, xb_drop_names[XB_FLOW_DROP_FIRST + k],
				    rec->drops[k]);
	xb_json_object_end(j);
}

void
xb_flowlog_write(FILE *out, const struct xb_flow_record *rec,
		 const struct xb_ruleset *rs)
{
	char src[48], dst[48];
	struct xb_json j;

	xb_addr_format(rec->family, rec->src, src, sizeof(src));
	xb_addr_format(rec->family, rec->dst, dst, sizeof(dst));
	xb_json_init(&j, out, false);
	xb_json_object_begin(&j, NULL);
	xb_json_u64(&j, "proto", rec->proto);
	xb_json_str(&j, "src", src);
	xb_json_str(&j, "dst", dst);
	xb_json_u64(&j, "sport", rec->sport);
	xb_json_u64(&j, "dport", rec->dport);
	if (rec->vlan)
		xb_json_u64(&j, "vlan", rec->vlan);
	xb_json_str(&j, "country", rec->country);
	xb_json_str(&j, "category", rec->category);
	xb_json_str(&j, "tenant", rec->tenant);
	xb_json_str(&j, "action", rec->action);
	if (rec->name_source != XB_NAME_SRC_NONE) {
		xb_json_str(&j, "name", rec->name);
		xb_json_str(&j, "name_source",
			    xb_name_source_str(rec->name_source));
	} else {
		xb_json_null(&j, "name");
		xb_json_null(&j, "name_source");
	}
	xb_json_u64(&j, "packets", rec->packets[0] + rec->packets[1]);
	xb_json_u64(&j, "bytes", rec->bytes[0] + rec->bytes[1]);
	xb_json_u64(&j, "packets_fwd", rec->packets[0]);
	xb_json_u64(&j, "packets_rev", rec->packets[1]);
	xb_json_u64(&j, "bytes_fwd", rec->bytes[0]);
	xb_json_u64(&j, "bytes_rev", rec->bytes[1]);
	xb_json_u64(&j, "first_ns", rec->first_ns);
	xb_json_u64(&j, "last_ns", rec->last_ns);
	xb_json_str(&j, "end", rec->end_reason < 4 ? end_reasons[rec->end_reason]
						   : "?");
	/* Both directions of a flow reach one worker (symmetric RSS); the
	 * index shows which. */
	xb_json_u64(&j, "worker", rec->worker);
	write_why(&j, rec, rs);
	xb_json_object_end(&j);
	fputc('\n', out);
}

static void
write_record(void *out, const struct xb_flow_record *rec)
{
	if (out != NULL)
		xb_flowlog_write(out, rec, NULL);
}

unsigned int
xb_flowlog_drain(struct xb_flowrec_ring *r, FILE *out)
{
	return xb_flowrec_drain_each(r, write_record, out);
}
