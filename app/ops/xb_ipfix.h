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
 * enterprise-specific strings (country, category, tenant, action, name)
 * use the Private Enterprise Number 32473, the documentation PEN of
 * RFC 5612, until a PEN of our own is registered.
 *
 * Records are packed into messages of at most max_message bytes (default
 * 1400: an Ethernet MTU minus IP/UDP headers, no fragmentation); a message
 * is sent when the next record does not fit, on xb_ipfix_flush(), and by
 * xb_ipfix_tick() when its oldest record waited flush_ms.  Templates go
 * out in the first message and again, per RFC 7011 section 8.4 for UDP,
 * once template_refresh_s seconds or template_refresh_msgs messages have
 * passed.  The header's sequence number counts the data records sent
 * before the message (mod 2^32).
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
/* Header + both templates + the largest record (255-byte name). */
#define XB_IPFIX_MIN_MESSAGE 640

/* Enterprise-specific information elements (under XB_IPFIX_PEN). */
enum xb_ipfix_ie_ent {
	XB_IPFIX_IE_COUNTRY = 1,  /* string, remote country code */
	XB_IPFIX_IE_CATEGORY = 2, /* string, data category id */
	XB_IPFIX_IE_TENANT = 3,   /* string, tenant id */
	XB_IPFIX_IE_ACTION = 4,   /* string, policy action */
	XB_IPFIX_IE_NAME = 5,     /* string, SNI / Host / DNS name or "" */
};

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
