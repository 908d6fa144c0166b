/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_flowlog.h"

#include <inttypes.h>

#include "xb_json.h"
#include "xb_prefix.h"

static const char *const end_reasons[] = {"idle", "closed", "evicted", "exit"};

void
xb_flowlog_write(FILE *out, const struct xb_flow_record *rec)
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
	xb_json_object_end(&j);
	fputc('\n', out);
}

static void
write_record(void *out, const struct xb_flow_record *rec)
{
	if (out != NULL)
		xb_flowlog_write(out, rec);
}

unsigned int
xb_flowlog_drain(struct xb_flowrec_ring *r, FILE *out)
{
	return xb_flowrec_drain_each(r, write_record, out);
}
