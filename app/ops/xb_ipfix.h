/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPFIX (RFC 7011) exporter over UDP for flow records (struct
 * xb_flow_record, the records the workers hand to the main lcore).
 *
 * Each flow becomes up to two unidirectional data records: the initiator's
 * direction (biflowDirection 1) and, when the responder sent anything, the
 * reverse direction (biflowDirection 2, addresses and ports swapped), so
 * nfdump and tshark see ordinary unidirectional flows.  Two templates:
 * 256 (IPv4) and 257 (IPv6); see OUTPUTS.md for the field list.  The
 * enterprise-specific elements (country, category, tenant, action, name,
 * the deciding table lines, the flow's dropped packets) use the Private
 * Enterprise Number 32473, the documentation PEN of RFC 5612, until a PEN
 * of our own is registered; an RFC 5610 options template (258) and one
 * record per element give collectors their names, types and meanings.
 *
 * Records are packed into messages of at most max_message bytes (default
 * 1400: an Ethernet MTU minus IP/UDP headers, no fragmentation); a message
 * is sent when the next record does not fit, on xb_ipfix_flush(), and by
 * xb_ipfix_tick() when its oldest record waited flush_ms.  Templates go
 * out in a message of their own before the first data message and again,
 * per RFC 7011 section 8.4 for UDP, once template_refresh_s seconds or
 * template_refresh_msgs data messages have passed: the template set (256,
 * 257), the options template set (258) and the element descriptions (set
 * 258, continued in further messages when they do not fit one).  The
 * header's sequence number counts the data records (descriptions
 * included) sent before the message (mod 2^32).
 *
 * Interim records (rec->interim, active timeout) carry deltas and get
 * flowEndReason 2 (active timeout); final records get the reason of
 * rec->end_reason (idle 1, closed 3, exit 4, evicted 5).
 *
 * Thread safety: one handle belongs to one thread (the main lcore).  No
 * allocation after open.
 */
#ifndef XB_IPFIX_H
#define XB_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#include "xb_flowrec.h"

#define XB_IPFIX_VERSION 10
#define XB_IPFIX_SET_TEMPLATE 2
#define XB_IPFIX_TMPL_V4 256
#define XB_IPFIX_TMPL_V6 257
#define XB_IPFIX_PEN 32473u /* RFC 5612 documentation PEN */
/* Header + both templates + the largest record (255-byte name); also
 * the templates' own message: header, templates, the options template
 * and one IE description. */
#define XB_IPFIX_MIN_MESSAGE 720

#define XB_IPFIX_TMPL_IE_INFO 258 /* RFC 5610 options template */
#define XB_IPFIX_SET_OPTIONS_TEMPLATE 3

/* Enterprise-specific information elements (under XB_IPFIX_PEN), each
 * described to collectors by an RFC 5610 record (xb_ipfix.c). */
enum xb_ipfix_ie_ent {
	XB_IPFIX_IE_COUNTRY = 1,  /* string, remote country code */
	XB_IPFIX_IE_CATEGORY = 2, /* string, data category id */
	XB_IPFIX_IE_TENANT = 3,   /* string, tenant id */
	XB_IPFIX_IE_ACTION = 4,   /* string, policy action */
	XB_IPFIX_IE_NAME = 5,     /* string, SNI / Host / DNS name or "" */
	/* unsigned32: the line of the row that decided a step, 0: none */
	XB_IPFIX_IE_QOS_LINE = 6,           /* qos.csv */
	XB_IPFIX_IE_DOMAIN_LINE = 7,        /* domains.csv (the category) */
	XB_IPFIX_IE_CATEGORY_RULE_LINE = 8, /* category_rules.csv */
	XB_IPFIX_IE_TENANT_LINE = 9,        /* tenant_prefixes.csv */
	XB_IPFIX_IE_APPROVAL_LINE = 10,     /* approvals.csv */
	XB_IPFIX_IE_TARIFF_LINE = 11,       /* tariffs.csv */
	/* unsigned64, totalCounter: the flow's packets (both directions)
	 * dropped by its verdict so far */
	XB_IPFIX_IE_DROPPED_PACKETS = 12,
	XB_IPFIX_IE_ENT_MAX = 12,
};

/*
 * forwardingStatus (IE 89, RFC 7270 section 4.12) of a flow: 64
 * (forwarded, reason unknown) when the verdict dropped none of its
 * packets, else dropped (128 + reason code) for the reason that dropped
 * most: policy_deny and negative_list 129 (ACL deny: a rule of the
 * operator refused the flow), meter_red 138 (policer), quota 128
 * (unknown: no RFC 7270 code for a spent quota).
 */
uint8_t xb_ipfix_forwarding_status(const struct xb_flow_record *rec);

struct xb_ipfix_params {
	uint32_t domain_id;           /* observation domain */
	uint16_t max_message;         /* bytes, XB_IPFIX_MIN_MESSAGE..65535; 0 = 1400 */
	uint32_t template_refresh_s;  /* 0 = 60 */
	uint32_t template_refresh_msgs; /* 0 = 64 */
	uint32_t flush_ms;            /* 0 = 1000 */
};

/* Sends one message; returns 0 or a negative errno. */
typedef int (*xb_ipfix_send_fn)(void *ctx, const void *msg, size_t len);

struct xb_ipfix;

/*
 * Open an exporter to collector "HOST:PORT" ("[v6addr]:PORT" for IPv6
 * literals) over a connected UDP socket.  Returns NULL with a message in
 * err when the address does not parse or resolve.  Control thread.
 */
struct xb_ipfix *xb_ipfix_open(const char *collector, uint32_t domain_id,
			       char *err, size_t errlen);

/* Same, sending through fn (tests, other transports).  p NULL = defaults. */
struct xb_ipfix *xb_ipfix_open_fn(const struct xb_ipfix_params *p,
				  xb_ipfix_send_fn fn, void *ctx, char *err,
				  size_t errlen);

/*
 * Queue the data records of one flow record; now_ns is the wall clock
 * (unix ns) used for the export time and the refresh timers.  Returns the
 * number of data records queued (1 or 2), or a negative errno if a send
 * failed (the records are still counted as exported: UDP export is
 * lossy by design, and the send error counter tells).
 */
int xb_ipfix_add(struct xb_ipfix *x, const struct xb_flow_record *rec,
		 uint64_t now_ns);

/* Send what is queued now.  0 or a negative errno. */
int xb_ipfix_flush(struct xb_ipfix *x, uint64_t now_ns);

/* Periodic call (e.g. every main-loop iteration): sends the queued
 * message once its first record waited flush_ms. */
int xb_ipfix_tick(struct xb_ipfix *x, uint64_t now_ns);

struct xb_ipfix_stats {
	uint64_t messages;      /* messages sent (or attempted) */
	uint64_t data_records;  /* data records sent */
	uint64_t flows;         /* flow records given to xb_ipfix_add */
	uint64_t templates;     /* template sets sent */
	uint64_t bytes;         /* message bytes */
	uint64_t send_errors;
};

void xb_ipfix_get_stats(const struct xb_ipfix *x, struct xb_ipfix_stats *st);

/* Close without flushing (flush first); NULL is fine. */
void xb_ipfix_close(struct xb_ipfix *x);

#endif /* XB_IPFIX_H */
