/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_ipfix.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xb_bytes.h"
#include "xb_hostport.h"
#include "xb_utf8.h"
#include "xb_verdict.h"

#define MSG_HDR 16
#define SET_HDR 4
#define MAX_MESSAGE 65535

/* IANA information elements used by the templates. */
enum {
	IE_OCTET_DELTA = 1,
	IE_PACKET_DELTA = 2,
	IE_PROTOCOL = 4,
	IE_SRC_PORT = 7,
	IE_SRC_V4 = 8,
	IE_DST_PORT = 11,
	IE_DST_V4 = 12,
	IE_SRC_V6 = 27,
	IE_DST_V6 = 28,
	IE_VLAN = 58,
	IE_INGRESS_IF = 10,
	IE_EGRESS_IF = 14,
	IE_FWD_STATUS = 89,
	IE_END_REASON = 136,
	IE_START_MS = 152,
	IE_END_MS = 153,
	IE_DSCP = 195,
	IE_BIFLOW_DIR = 239,
	/* RFC 5610: what an options record says of an element */
	IE_INFO_DESCRIPTION = 340,
	IE_INFO_NAME = 341,
	IE_INFO_ID = 303,
	IE_INFO_DATA_TYPE = 339,
	IE_INFO_SEMANTICS = 344,
	IE_INFO_UNITS = 345,
	IE_INFO_PEN = 346,
};

/* IANA "IPFIX Information Element Data Types", "... Semantics" and
 * "... Units" (RFC 7012, RFC 5610). */
enum { DT_UNSIGNED32 = 3, DT_UNSIGNED64 = 4, DT_STRING = 13 };
enum { SEM_DEFAULT = 0, SEM_TOTAL_COUNTER = 2, SEM_IDENTIFIER = 4 };
enum { UNITS_NONE = 0, UNITS_PACKETS = 3 };

/* Every enterprise element xbgw exports, as collectors are told of it. */
static const struct ie_info {
	uint16_t id;
	uint8_t type, semantics;
	uint16_t units;
	const char *name, *description;
} ie_infos[] = {
	{XB_IPFIX_IE_COUNTRY, DT_STRING, SEM_DEFAULT, UNITS_NONE,
	 "xbgwCountry", "Country code of the flow's remote end (geo tables)"},
	{XB_IPFIX_IE_CATEGORY, DT_STRING, SEM_DEFAULT, UNITS_NONE,
	 "xbgwCategory", "Data category of the flow (categories.csv id)"},
	{XB_IPFIX_IE_TENANT, DT_STRING, SEM_DEFAULT, UNITS_NONE,
	 "xbgwTenant", "Tenant of the flow's domestic end (tenants.csv id)"},
	{XB_IPFIX_IE_ACTION, DT_STRING, SEM_DEFAULT, UNITS_NONE,
	 "xbgwAction", "Policy action of the flow's verdict (qos.csv)"},
	{XB_IPFIX_IE_NAME, DT_STRING, SEM_DEFAULT, UNITS_NONE, "xbgwName",
	 "Name the flow showed (TLS SNI, QUIC, HTTP Host, DNS), or empty"},
	{XB_IPFIX_IE_QOS_LINE, DT_UNSIGNED32, SEM_IDENTIFIER, UNITS_NONE,
	 "xbgwQosLine", "Line of the qos.csv row that decided the verdict, 0 none"},
	{XB_IPFIX_IE_DOMAIN_LINE, DT_UNSIGNED32, SEM_IDENTIFIER, UNITS_NONE,
	 "xbgwDomainLine",
	 "Line of the domains.csv pattern that gave the category, 0 none"},
	{XB_IPFIX_IE_CATEGORY_RULE_LINE, DT_UNSIGNED32, SEM_IDENTIFIER,
	 UNITS_NONE, "xbgwCategoryRuleLine",
	 "Line of the category_rules.csv rule that gave the category, 0 none"},
	{XB_IPFIX_IE_TENANT_LINE, DT_UNSIGNED32, SEM_IDENTIFIER, UNITS_NONE,
	 "xbgwTenantLine",
	 "Line of the tenant_prefixes.csv prefix or VLAN row of the tenant, 0 none"},
	{XB_IPFIX_IE_APPROVAL_LINE, DT_UNSIGNED32, SEM_IDENTIFIER, UNITS_NONE,
	 "xbgwApprovalLine",
	 "Line of the approvals.csv row the verdict relies on, 0 none"},
	{XB_IPFIX_IE_TARIFF_LINE, DT_UNSIGNED32, SEM_IDENTIFIER, UNITS_NONE,
	 "xbgwTariffLine", "Line of the tariffs.csv row that prices the flow, 0 none"},
	{XB_IPFIX_IE_DROPPED_PACKETS, DT_UNSIGNED64, SEM_TOTAL_COUNTER,
	 UNITS_PACKETS, "xbgwDroppedPackets",
	 "Packets of the flow (both directions) its verdict dropped so far"},
};
#define NIE_INFOS (sizeof(ie_infos) / sizeof(ie_infos[0]))
_Static_assert(NIE_INFOS == XB_IPFIX_IE_ENT_MAX,
	       "every enterprise element is described");

#define VARLEN 65535

struct field {
	uint16_t ie;
	uint16_t len;
	uint32_t pen; /* 0: IANA */
};

/* Template field lists; addresses differ by family only.  The encoder
 * (put_record) writes the fields in exactly this order. */
#define FIELDS(SRC, DST, ALEN)                                              \
	{                                                                   \
		{SRC, ALEN, 0}, {DST, ALEN, 0}, {IE_SRC_PORT, 2, 0},        \
		{IE_DST_PORT, 2, 0}, {IE_PROTOCOL, 1, 0},                   \
		{IE_OCTET_DELTA, 8, 0}, {IE_PACKET_DELTA, 8, 0},            \
		{IE_START_MS, 8, 0}, {IE_END_MS, 8, 0},                     \
		{IE_END_REASON, 1, 0}, {IE_VLAN, 2, 0},                     \
		{IE_BIFLOW_DIR, 1, 0},                                      \
		{XB_IPFIX_IE_COUNTRY, VARLEN, XB_IPFIX_PEN},                \
		{XB_IPFIX_IE_CATEGORY, VARLEN, XB_IPFIX_PEN},               \
		{XB_IPFIX_IE_TENANT, VARLEN, XB_IPFIX_PEN},                 \
		{XB_IPFIX_IE_ACTION, VARLEN, XB_IPFIX_PEN},                 \
		{XB_IPFIX_IE_NAME, VARLEN, XB_IPFIX_PEN},                   \
		{IE_FWD_STATUS, 1, 0}, {IE_DSCP, 1, 0},                     \
		{IE_INGRESS_IF, 4, 0}, {IE_EGRESS_IF, 4, 0},                \
		{XB_IPFIX_IE_QOS_LINE, 4, XB_IPFIX_PEN},                    \
		{XB_IPFIX_IE_DOMAIN_LINE, 4, XB_IPFIX_PEN},                 \
		{XB_IPFIX_IE_CATEGORY_RULE_LINE, 4, XB_IPFIX_PEN},          \
		{XB_IPFIX_IE_TENANT_LINE, 4, XB_IPFIX_PEN},                 \
		{XB_IPFIX_IE_APPROVAL_LINE, 4, XB_IPFIX_PEN},               \
		{XB_IPFIX_IE_TARIFF_LINE, 4, XB_IPFIX_PEN},                 \
		{XB_IPFIX_IE_DROPPED_PACKETS, 8, XB_IPFIX_PEN},             \
	}
static const struct field fields_v4[] = FIELDS(IE_SRC_V4, IE_DST_V4, 4);
static const struct field fields_v6[] = FIELDS(IE_SRC_V6, IE_DST_V6, 16);
#define NFIELDS (sizeof(fields_v4) / sizeof(fields_v4[0]))

struct udp_dest {
	int fd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

struct xb_ipfix {
	struct xb_ipfix_params p;
	struct udp_dest udp;
	xb_ipfix_send_fn send;
	void *ctx;
	int fd; /* own socket, or -1 */
	uint8_t buf[MAX_MESSAGE];
	size_t len;          /* bytes in buf (0: no message open) */
	size_t set_off;      /* offset of the open data set's header */
	uint16_t set_id;     /* template of the open data set, 0 = none */
	uint32_t recs_in_msg;
	uint32_t seq;        /* data records sent before the open message */
	uint64_t first_ns;   /* when the open message got its first record */
	uint64_t tmpl_ns;    /* when templates last went out */
	uint32_t msgs_since_tmpl;
	bool tmpl_sent;
	struct xb_ipfix_stats st;
};

static size_t
template_record(uint8_t *p, uint16_t id, const struct field *f)
{
	size_t off = 4;

	xb_put_be16(p, id);
	xb_put_be16(p + 2, (uint16_t)NFIELDS);
	for (size_t i = 0; i < NFIELDS; i++) {
		xb_put_be16(p + off, (uint16_t)(f[i].ie | (f[i].pen ? 0x8000 : 0)));
		xb_put_be16(p + off + 2, f[i].len);
		off += 4;
		if (f[i].pen) {
			xb_put_be32(p + off, f[i].pen);
			off += 4;
		}
	}
	return off;
}

static int
udp_send(void *ctx, const void *msg, size_t len)
{
	const struct udp_dest *u = ctx;
	/* sendto on an unconnected socket: a connected one would report an
	 * earlier ICMP port-unreachable on the next send and drop that
	 * message (collector restarting, or not up yet). */
	ssize_t n = sendto(u->fd, msg, len, MSG_DONTWAIT,
			   (const struct sockaddr *)&u->addr, u->addrlen);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

struct xb_ipfix *
xb_ipfix_open_fn(const struct xb_ipfix_params *p, xb_ipfix_send_fn fn,
		 void *ctx, char *err, size_t errlen)
{
	struct xb_ipfix *x;

	if (fn == NULL || (p != NULL && p->max_message != 0 &&
			   p->max_message < XB_IPFIX_MIN_MESSAGE)) {
		snprintf(err, errlen,
			 "ipfix: invalid parameters (max_message %u, expected %u..65535)",
			 p != NULL ? p->max_message : 0, XB_IPFIX_MIN_MESSAGE);
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "ipfix: out of memory");
		return NULL;
	}
	if (p != NULL)
		x->p = *p;
	if (x->p.max_message == 0)
		x->p.max_message = 1400;
	if (x->p.template_refresh_s == 0)
		x->p.template_refresh_s = 60;
	if (x->p.template_refresh_msgs == 0)
		x->p.template_refresh_msgs = 64;
	if (x->p.flush_ms == 0)
		x->p.flush_ms = 1000;
	x->send = fn;
	x->ctx = ctx;
	x->fd = -1;
	return x;
}

struct xb_ipfix *
xb_ipfix_open(const char *collector, uint32_t domain_id, char *err,
	      size_t errlen)
{
	struct xb_ipfix_params p = {.domain_id = domain_id};
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res = NULL;
	char host[128], port[16];
	struct xb_ipfix *x;
	int rc, fd;

	if (xb_hostport_split(collector, host, sizeof(host), port, sizeof(port),
			      0) < 0) {
		snprintf(err, errlen,
			 "[ipfix] collector: got \"%s\", expected HOST:PORT",
			 collector);
		return NULL;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "[ipfix] collector %s: %s", collector,
			 gai_strerror(rc));
		return NULL;
	}
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || res->ai_addrlen > sizeof(struct sockaddr_storage)) {
		snprintf(err, errlen, "[ipfix] collector %s: %s", collector,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return NULL;
	}
	x = xb_ipfix_open_fn(&p, udp_send, NULL, err, errlen);
	if (x == NULL) {
		freeaddrinfo(res);
		close(fd);
		return NULL;
	}
	x->fd = fd;
	x->udp.fd = fd;
	memcpy(&x->udp.addr, res->ai_addr, res->ai_addrlen);
	x->udp.addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	x->ctx = &x->udp;
	return x;
}

static void
close_set(struct xb_ipfix *x)
{
	if (x->set_id != 0)
		xb_put_be16(x->buf + x->set_off + 2, (uint16_t)(x->len - x->set_off));
	x->set_id = 0;
}

/* Start a data message (the header is written when it is sent). */
static void
open_message(struct xb_ipfix *x, uint64_t now_ns)
{
	x->len = MSG_HDR;
	x->set_id = 0;
	x->recs_in_msg = 0;
	x->first_ns = now_ns;
}

/* Are the templates due (RFC 7011 8.4: time- and message-count based for
 * UDP)? */
static bool
templates_due(const struct xb_ipfix *x, uint64_t now_ns)
{
	return !x->tmpl_sent ||
	       now_ns - x->tmpl_ns >=
		       (uint64_t)x->p.template_refresh_s * 1000000000ull ||
	       x->msgs_since_tmpl >= x->p.template_refresh_msgs;
}

/* The RFC 5610 options template: scope informationElementId and
 * privateEnterpriseNumber; the element's type, semantics, units, name
 * and description. */
static size_t
options_template_record(uint8_t *p)
{
	static const struct field f[] = {
		{IE_INFO_ID, 2, 0},         {IE_INFO_PEN, 4, 0},
		{IE_INFO_DATA_TYPE, 1, 0},  {IE_INFO_SEMANTICS, 1, 0},
		{IE_INFO_UNITS, 2, 0},      {IE_INFO_NAME, VARLEN, 0},
		{IE_INFO_DESCRIPTION, VARLEN, 0},
	};
	size_t off = 6;

	xb_put_be16(p, XB_IPFIX_TMPL_IE_INFO);
	xb_put_be16(p + 2, (uint16_t)(sizeof(f) / sizeof(f[0])));
	xb_put_be16(p + 4, 2); /* scope fields */
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++, off += 4) {
		xb_put_be16(p + off, f[i].ie);
		xb_put_be16(p + off + 2, f[i].len);
	}
	return off;
}

/* One element's description (an options data record of 258). */
static size_t
ie_info_record(uint8_t *p, const struct ie_info *e)
{
	size_t off = 0, n;

	xb_put_be16(p, e->id);
	xb_put_be32(p + 2, XB_IPFIX_PEN);
	p[6] = e->type;
	p[7] = e->semantics;
	xb_put_be16(p + 8, e->units);
	off = 10;
	n = strlen(e->name);
	p[off++] = (uint8_t)n;
	memcpy(p + off, e->name, n);
	off += n;
	n = strlen(e->description);
	p[off++] = (uint8_t)n;
	memcpy(p + off, e->description, n);
	return off + n;
}

static size_t
ie_info_size(const struct ie_info *e)
{
	return 12 + strlen(e->name) + strlen(e->description);
}

static int send_built(struct xb_ipfix *x, uint64_t now_ns, uint32_t nrecs);

/*
 * The templates' own message(s), before the data messages that use them:
 * the template set (256, 257), the options template set (258) and the
 * descriptions of the enterprise elements (set 258), continued in further
 * messages when max_message is too small for all.  The open data message
 * (if any) must have been sent first.
 */
static int
send_templates(struct xb_ipfix *x, uint64_t now_ns)
{
	size_t i = 0, off;
	int rc = 0;

	x->len = MSG_HDR;
	off = x->len;
	x->len += SET_HDR;
	x->len += template_record(x->buf + x->len, XB_IPFIX_TMPL_V4, fields_v4);
	x->len += template_record(x->buf + x->len, XB_IPFIX_TMPL_V6, fields_v6);
	xb_put_be16(x->buf + off, XB_IPFIX_SET_TEMPLATE);
	xb_put_be16(x->buf + off + 2, (uint16_t)(x->len - off));
	off = x->len;
	x->len += SET_HDR;
	x->len += options_template_record(x->buf + x->len);
	xb_put_be16(x->buf + off, XB_IPFIX_SET_OPTIONS_TEMPLATE);
	xb_put_be16(x->buf + off + 2, (uint16_t)(x->len - off));
	while (i < NIE_INFOS) {
		uint32_t n = 0;

		off = x->len;
		x->len += SET_HDR;
		while (i < NIE_INFOS &&
		       x->len + ie_info_size(&ie_infos[i]) <= x->p.max_message) {
			x->len += ie_info_record(x->buf + x->len, &ie_infos[i]);
			i++;
			n++;
		}
		xb_put_be16(x->buf + off, XB_IPFIX_TMPL_IE_INFO);
		xb_put_be16(x->buf + off + 2, (uint16_t)(x->len - off));
		{
			int r = send_built(x, now_ns, n);

			if (r < 0)
				rc = r;
		}
		x->len = MSG_HDR;
	}
	x->len = 0;
	x->tmpl_sent = true;
	x->tmpl_ns = now_ns;
	x->msgs_since_tmpl = 0;
	x->st.templates++;
	return rc;
}

/* Send the message built in buf (header filled in here) holding nrecs
 * data records. */
static int
send_built(struct xb_ipfix *x, uint64_t now_ns, uint32_t nrecs)
{
	int rc;

	xb_put_be16(x->buf, XB_IPFIX_VERSION);
	xb_put_be16(x->buf + 2, (uint16_t)x->len);
	xb_put_be32(x->buf + 4, (uint32_t)(now_ns / 1000000000ull));
	xb_put_be32(x->buf + 8, x->seq);
	xb_put_be32(x->buf + 12, x->p.domain_id);
	rc = x->send(x->ctx, x->buf, x->len);
	if (rc < 0)
		x->st.send_errors++;
	x->st.messages++;
	x->st.bytes += x->len;
	x->st.data_records += nrecs;
	x->seq += nrecs;
	return rc;
}

static int
send_message(struct xb_ipfix *x, uint64_t now_ns)
{
	int rc;

	if (x->len == 0 || x->recs_in_msg == 0)
		return 0;
	close_set(x);
	rc = send_built(x, now_ns, x->recs_in_msg);
	x->msgs_since_tmpl++;
	x->len = 0;
	x->recs_in_msg = 0;
	return rc;
}

/*
 * String IEs must be UTF-8 (RFC 7011 6.1.6): every string is written
 * repaired (xb_utf8.h: ill-formed bytes become U+FFFD) and in the one-byte
 * length form, so at most 254 bytes, cut at a character boundary.  A name
 * is at most 253 bytes before repair; only a name mostly made of
 * ill-formed bytes is cut.
 */
#define STR_MAX 254

/* Upper bound of the bytes put_str() writes after its length byte. */
static size_t
str_len(const char *s, size_t max)
{
	size_t n = xb_utf8_repaired_len(s, strnlen(s, max));

	return n < STR_MAX ? n : STR_MAX;
}

/* Upper bound of one encoded record for rec. */
static size_t
record_size(const struct xb_flow_record *rec)
{
	size_t alen = rec->family == 6 ? 16 : 4;

	return 2 * alen + 2 + 2 + 1 + 8 + 8 + 8 + 8 + 1 + 2 + 1 + 5 + 42 +
	       str_len(rec->country, sizeof(rec->country)) +
	       str_len(rec->category, sizeof(rec->category)) +
	       str_len(rec->tenant, sizeof(rec->tenant)) +
	       str_len(rec->action, sizeof(rec->action)) +
	       (rec->name_source ? str_len(rec->name, sizeof(rec->name)) : 0);
}

static size_t
put_str(uint8_t *p, const char *s, size_t max)
{
	size_t n = xb_utf8_repair(p + 1, STR_MAX, s, strnlen(s, max));

	p[0] = (uint8_t)n;
	return n + 1;
}

static uint8_t
end_reason(const struct xb_flow_record *rec)
{
	/* IANA flowEndReason: 1 idle, 2 active, 3 end detected, 4 forced,
	 * 5 lack of resources. */
	static const uint8_t map[] = {1, 3, 5, 4};

	if (rec->interim)
		return 2;
	return rec->end_reason < sizeof(map) ? map[rec->end_reason] : 4;
}

static uint32_t port_id(uint8_t port);

/* Encode one direction (rev: responder -> initiator) at p. */
static size_t
put_record(uint8_t *p, const struct xb_flow_record *rec, int rev)
{
	size_t alen = rec->family == 6 ? 16 : 4, off = 0;
	const uint8_t *src = rev ? rec->dst : rec->src;
	const uint8_t *dst = rev ? rec->src : rec->dst;

	memcpy(p + off, src, alen);
	off += alen;
	memcpy(p + off, dst, alen);
	off += alen;
	xb_put_be16(p + off, rev ? rec->dport : rec->sport);
	xb_put_be16(p + off + 2, rev ? rec->sport : rec->dport);
	off += 4;
	p[off++] = rec->proto;
	xb_put_be64(p + off, rec->bytes[rev]);
	xb_put_be64(p + off + 8, rec->packets[rev]);
	xb_put_be64(p + off + 16, rec->first_ns / 1000000ull);
	xb_put_be64(p + off + 24, rec->last_ns / 1000000ull);
	off += 32;
	p[off++] = end_reason(rec);
	xb_put_be16(p + off, rec->vlan);
	off += 2;
	p[off++] = rev ? 2 : 1;
	off += put_str(p + off, rec->country, sizeof(rec->country));
	off += put_str(p + off, rec->category, sizeof(rec->category));
	off += put_str(p + off, rec->tenant, sizeof(rec->tenant));
	off += put_str(p + off, rec->action, sizeof(rec->action));
	off += put_str(p + off, rec->name_source ? rec->name : "",
		       sizeof(rec->name));
	p[off++] = xb_ipfix_forwarding_status(rec);
	/* The DSCP the verdict writes; 0 when the row keeps the packets'
	 * own, which the record does not carry. */
	p[off++] = rec->dscp < 64 ? rec->dscp : 0;
	xb_put_be32(p + off, port_id(rec->port_in[rev]));
	xb_put_be32(p + off + 4, port_id(rec->port_out[rev]));
	off += 8;
	{
		const uint32_t cat = rec->category_line & ~XB_WHY_DOMAINS;
		const bool dom = (rec->category_line & XB_WHY_DOMAINS) != 0;
		const uint32_t lines[6] = {
			rec->qos_line,      dom ? cat : 0, dom ? 0 : cat,
			rec->tenant_line,   rec->approval_line,
			rec->tariff_line,
		};
		uint64_t dropped = 0;

		for (unsigned int k = 0; k < 6; k++, off += 4)
			xb_put_be32(p + off, lines[k]);
		for (unsigned int k = 0; k < XB_FLOW_DROP_REASONS; k++)
			dropped += rec->drops[k];
		xb_put_be64(p + off, dropped);
		off += 8;
	}
	return off;
}

/* A port as ingress/egressInterface: its DPDK port id, 0 unknown (port
 * 0 is then indistinguishable; RFC 7270 has no "unknown" value). */
static uint32_t
port_id(uint8_t port)
{
	return port == 255 ? 0 : port;
}

uint8_t
xb_ipfix_forwarding_status(const struct xb_flow_record *rec)
{
	/* RFC 7270 4.12 reason codes, by XB_FLOW_DROP_FIRST + k. */
	static const uint8_t dropped[XB_FLOW_DROP_REASONS] = {
		[XB_DROP_NEGATIVE_LIST - XB_FLOW_DROP_FIRST] = 129,
		[XB_DROP_POLICY_DENY - XB_FLOW_DROP_FIRST] = 129,
		[XB_DROP_METER_RED - XB_FLOW_DROP_FIRST] = 138,
		[XB_DROP_QUOTA - XB_FLOW_DROP_FIRST] = 128,
	};
	unsigned int most = 0;

	for (unsigned int k = 1; k < XB_FLOW_DROP_REASONS; k++)
		if (rec->drops[k] > rec->drops[most])
			most = k;
	return rec->drops[most] != 0 ? dropped[most] : 64;
}

int
xb_ipfix_add(struct xb_ipfix *x, const struct xb_flow_record *rec,
	     uint64_t now_ns)
{
	uint16_t id = rec->family == 6 ? XB_IPFIX_TMPL_V6 : XB_IPFIX_TMPL_V4;
	size_t need = record_size(rec);
	int n = 0, rc = 0;

	x->st.flows++;
	for (int rev = 0; rev < 2; rev++) {
		if (rev == 1 && rec->packets[1] == 0)
			break;
		if (x->len != 0 &&
		    x->len + need + (x->set_id != id ? SET_HDR : 0) >
			    x->p.max_message) {
			int r = send_message(x, now_ns);

			if (r < 0)
				rc = r;
		}
		if (x->len == 0) {
			if (templates_due(x, now_ns)) {
				int r = send_templates(x, now_ns);

				if (r < 0)
					rc = r;
			}
			open_message(x, now_ns);
		}
		if (x->set_id != id) {
			close_set(x);
			x->set_off = x->len;
			xb_put_be16(x->buf + x->len, id);
			x->len += SET_HDR;
			x->set_id = id;
		}
		x->len += put_record(x->buf + x->len, rec, rev);
		x->recs_in_msg++;
		n++;
	}
	return rc < 0 ? rc : n;
}

int
xb_ipfix_flush(struct xb_ipfix *x, uint64_t now_ns)
{
	return send_message(x, now_ns);
}

int
xb_ipfix_tick(struct xb_ipfix *x, uint64_t now_ns)
{
	if (x->recs_in_msg > 0 &&
	    now_ns - x->first_ns >= (uint64_t)x->p.flush_ms * 1000000ull)
		return send_message(x, now_ns);
	return 0;
}

void
xb_ipfix_get_stats(const struct xb_ipfix *x, struct xb_ipfix_stats *st)
{
	*st = x->st;
}

void
xb_ipfix_close(struct xb_ipfix *x)
{
	if (x == NULL)
		return;
	if (x->fd >= 0)
		close(x->fd);
	free(x);
}
