/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPFIX encoder, checked by an independent decoder written here from
 * RFC 7011: message header (version, length, export time, sequence,
 * domain), set ids and lengths, the template field lists, data records
 * decoded through the templates (the deciding lines, forwardingStatus,
 * DSCP, interfaces, dropped packets), the RFC 5610 options template and
 * its element descriptions, template refresh, timed flush, and a real UDP
 * round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "xb_drop.h"
#include "xb_ipfix.h"
#include "xb_verdict.h"

#define T0 1700000000000000000ull
#define MAXMSG 256

/* ---- capture ---------------------------------------------------------- */

struct capture {
	unsigned int n;
	size_t len[MAXMSG];
	uint8_t msg[MAXMSG][2048];
};

static int
capture_send(void *ctx, const void *msg, size_t len)
{
	struct capture *c = ctx;

	assert_true(c->n < MAXMSG);
	assert_true(len <= sizeof(c->msg[0]));
	memcpy(c->msg[c->n], msg, len);
	c->len[c->n++] = len;
	return 0;
}

/* ---- decoder ------------------------------------------------------------ */

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)g16(p) << 16 | g16(p + 2);
}

static uint64_t
g64(const uint8_t *p)
{
	return (uint64_t)g32(p) << 32 | g32(p + 4);
}

struct tfield {
	uint16_t ie, len;
	uint32_t pen;
};

struct tmpl {
	uint16_t id, n, scope;
	struct tfield f[32];
};

struct drec {
	uint16_t tmpl;
	uint8_t src[16], dst[16];
	uint16_t sport, dport, vlan;
	uint8_t proto, reason, dir;
	uint64_t bytes, packets, start_ms, end_ms;
	char str[6][256]; /* by enterprise IE id 1..5 */
	uint32_t line[12];  /* by enterprise IE id 6..11 */
	uint64_t dropped;   /* enterprise IE 12 */
	uint8_t fwd_status, dscp;
	uint32_t in_if, out_if;
};

/* An RFC 5610 element description (a record of options template 258). */
struct ieinfo {
	uint16_t id;
	uint32_t pen;
	uint8_t type, semantics;
	uint16_t units;
	char name[256], desc[256];
};

struct decoded {
	struct tmpl t[4];
	unsigned int nt;
	struct drec r[4096];
	unsigned int nr;
	unsigned int tmpl_sets, opt_tmpl_sets;
	struct ieinfo info[2048];
	unsigned int ninfo;
};

static const struct tmpl *
find_tmpl(const struct decoded *d, uint16_t id)
{
	for (unsigned int i = 0; i < d->nt; i++)
		if (d->t[i].id == id)
			return &d->t[i];
	return NULL;
}

/* Decode one message; checks every length on the way. */
static void
decode(struct decoded *d, const uint8_t *m, size_t len, uint32_t *seq,
       uint32_t *domain, uint32_t *etime, unsigned int *records_in_msg)
{
	size_t off = 16;

	assert_true(len >= 16);
	assert_int_equal(g16(m), 10);
	assert_int_equal(g16(m + 2), len);
	*etime = g32(m + 4);
	*seq = g32(m + 8);
	*domain = g32(m + 12);
	*records_in_msg = 0;
	while (off < len) {
		uint16_t sid = g16(m + off), slen = g16(m + off + 2);
		size_t p = off + 4, end = off + slen;

		assert_true(slen >= 4 && end <= len);
		if (sid == 2 || sid == 3) {
			if (sid == 2)
				d->tmpl_sets++;
			else
				d->opt_tmpl_sets++;
			while (p + 4 <= end) {
				struct tmpl t = {.id = g16(m + p), .n = g16(m + p + 2)};
				struct tmpl *slot;

				p += 4;
				if (sid == 3) {
					t.scope = g16(m + p);
					p += 2;
				}
				assert_true(t.n <= 32);
				for (unsigned int i = 0; i < t.n; i++) {
					t.f[i].ie = g16(m + p);
					t.f[i].len = g16(m + p + 2);
					p += 4;
					if (t.f[i].ie & 0x8000) {
						t.f[i].ie &= 0x7fff;
						t.f[i].pen = g32(m + p);
						p += 4;
					}
				}
				slot = (struct tmpl *)find_tmpl(d, t.id);
				if (slot == NULL)
					slot = &d->t[d->nt++];
				*slot = t;
			}
			assert_int_equal(p, end);
		} else {
			const struct tmpl *t = find_tmpl(d, sid);

			assert_true(sid >= 256);
			assert_non_null(t);
			while (p < end && sid == 258) {
				struct ieinfo *e = &d->info[d->ninfo++];
				size_t n;

				assert_true(d->ninfo <= 2048);
				assert_int_equal(t->n, 7);
				assert_int_equal(t->scope, 2);
				e->id = g16(m + p);
				e->pen = g32(m + p + 2);
				e->type = m[p + 6];
				e->semantics = m[p + 7];
				e->units = g16(m + p + 8);
				p += 10;
				n = m[p++];
				memcpy(e->name, m + p, n);
				e->name[n] = '\0';
				p += n;
				n = m[p++];
				memcpy(e->desc, m + p, n);
				e->desc[n] = '\0';
				p += n;
				assert_true(p <= end);
				(*records_in_msg)++;
			}
			while (p < end && sid != 258) {
				struct drec *r = &d->r[d->nr++];

				memset(r, 0, sizeof(*r));
				r->tmpl = sid;
				for (unsigned int i = 0; i < t->n; i++) {
					const struct tfield *f = &t->f[i];
					size_t fl = f->len;

					if (fl == 65535) {
						fl = m[p++];
						assert_true(fl < 255);
					}
					assert_true(p + fl <= end);
					if (f->pen == 32473 && f->ie >= 6 &&
					    f->ie <= 11) {
						assert_int_equal(fl, 4);
						r->line[f->ie] = g32(m + p);
					} else if (f->pen == 32473 && f->ie == 12) {
						assert_int_equal(fl, 8);
						r->dropped = g64(m + p);
					} else if (f->pen == 32473) {
						assert_true(f->ie >= 1 && f->ie <= 5);
						memcpy(r->str[f->ie], m + p, fl);
						r->str[f->ie][fl] = '\0';
					} else {
						switch (f->ie) {
						case 8: case 27:
							memcpy(r->src, m + p, fl);
							break;
						case 12: case 28:
							memcpy(r->dst, m + p, fl);
							break;
						case 7: r->sport = g16(m + p); break;
						case 11: r->dport = g16(m + p); break;
						case 4: r->proto = m[p]; break;
						case 1: r->bytes = g64(m + p); break;
						case 2: r->packets = g64(m + p); break;
						case 152: r->start_ms = g64(m + p); break;
						case 153: r->end_ms = g64(m + p); break;
						case 136: r->reason = m[p]; break;
						case 58: r->vlan = g16(m + p); break;
						case 239: r->dir = m[p]; break;
						case 89: r->fwd_status = m[p]; break;
						case 195: r->dscp = m[p]; break;
						case 10: r->in_if = g32(m + p); break;
						case 14: r->out_if = g32(m + p); break;
						default: fail_msg("unexpected IE %u", f->ie);
						}
					}
					p += fl;
				}
				(*records_in_msg)++;
			}
			assert_int_equal(p, end);
		}
		off = end;
	}
	assert_int_equal(off, len);
}

/* Decode every captured message; checks the sequence numbers. */
static void
decode_all(const struct capture *c, struct decoded *d, uint32_t domain)
{
	uint32_t want_seq = 0;

	memset(d, 0, sizeof(*d));
	for (unsigned int i = 0; i < c->n; i++) {
		uint32_t seq, dom, et;
		unsigned int nrec;

		decode(d, c->msg[i], c->len[i], &seq, &dom, &et, &nrec);
		assert_int_equal(seq, want_seq);
		assert_int_equal(dom, domain);
		assert_true(et >= T0 / 1000000000ull);
		want_seq += nrec;
	}
}

/* ---- records ------------------------------------------------------------ */

static void
make_rec(struct xb_flow_record *r, unsigned int i, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->proto = i % 2 ? 17 : 6;
	r->sport = (uint16_t)(40000 + i);
	r->dport = 443;
	if (family == 4) {
		uint8_t s[4] = {10, 0, (uint8_t)(i >> 8), (uint8_t)i};
		uint8_t d[4] = {203, 0, 113, 7};

		memcpy(r->src, s, 4);
		memcpy(r->dst, d, 4);
	} else {
		r->src[0] = 0xfd;
		r->src[15] = (uint8_t)i;
		r->dst[0] = 0x20;
		r->dst[1] = 0x01;
		r->dst[15] = 9;
	}
	r->vlan = (uint16_t)(i % 5);
	snprintf(r->country, sizeof(r->country), "%s", i % 3 ? "SG" : "VN");
	snprintf(r->category, sizeof(r->category), "cat_%u", i % 7);
	snprintf(r->tenant, sizeof(r->tenant), "tenant-%u", i % 4);
	snprintf(r->action, sizeof(r->action), "channel");
	if (i % 2) {
		r->name_source = 1;
		snprintf(r->name, sizeof(r->name), "host%u.example.com", i);
	}
	r->packets[0] = 10 + i;
	r->packets[1] = i % 4 ? 5 + i : 0; /* some flows one-way */
	r->bytes[0] = 1000ull * (10 + i);
	r->bytes[1] = r->packets[1] * 60;
	r->first_ns = T0 + i * 1000000ull;
	r->last_ns = r->first_ns + 5000000000ull + 123456;
	r->end_reason = (uint8_t)(i % 4);
	/* Why: lines, drops (some flows none), ports, DSCP. */
	r->qos_line = 10 + i;
	r->category_line = i % 2 ? (200 + i) | XB_WHY_DOMAINS : 300 + i;
	r->tenant_line = 20 + i % 7;
	r->approval_line = i % 3 ? 0 : 5;
	r->tariff_line = 30 + i % 11;
	if (i % 5 == 1)
		r->drops[XB_DROP_METER_RED - XB_FLOW_DROP_FIRST] = 7 + i;
	if (i % 5 == 2)
		r->drops[XB_DROP_NEGATIVE_LIST - XB_FLOW_DROP_FIRST] = 3;
	r->port_in[0] = 0;
	r->port_in[1] = 1;
	r->port_out[0] = 1;
	r->port_out[1] = i % 6 ? 0 : 2;
	r->dscp = i % 4 ? (uint8_t)(i % 64) : 0xff;
}

static void
check_rec(const struct drec *d, const struct xb_flow_record *r, int rev)
{
	size_t alen = r->family == 6 ? 16 : 4;

	assert_int_equal(d->tmpl, r->family == 6 ? 257 : 256);
	assert_memory_equal(d->src, rev ? r->dst : r->src, alen);
	assert_memory_equal(d->dst, rev ? r->src : r->dst, alen);
	assert_int_equal(d->sport, rev ? r->dport : r->sport);
	assert_int_equal(d->dport, rev ? r->sport : r->dport);
	assert_int_equal(d->proto, r->proto);
	assert_int_equal(d->packets, r->packets[rev]);
	assert_int_equal(d->bytes, r->bytes[rev]);
	assert_int_equal(d->start_ms, r->first_ns / 1000000);
	assert_int_equal(d->end_ms, r->last_ns / 1000000);
	assert_int_equal(d->vlan, r->vlan);
	assert_int_equal(d->dir, rev ? 2 : 1);
	assert_string_equal(d->str[1], r->country);
	assert_string_equal(d->str[2], r->category);
	assert_string_equal(d->str[3], r->tenant);
	assert_string_equal(d->str[4], r->action);
	assert_string_equal(d->str[5], r->name_source ? r->name : "");
	assert_int_equal(d->line[6], r->qos_line);
	assert_int_equal(d->line[7], r->category_line & XB_WHY_DOMAINS ?
					     r->category_line & ~XB_WHY_DOMAINS : 0);
	assert_int_equal(d->line[8], r->category_line & XB_WHY_DOMAINS ?
					     0 : r->category_line);
	assert_int_equal(d->line[9], r->tenant_line);
	assert_int_equal(d->line[10], r->approval_line);
	assert_int_equal(d->line[11], r->tariff_line);
	assert_int_equal(d->dropped, (uint64_t)r->drops[0] + r->drops[1] +
					     r->drops[2] + r->drops[3]);
	/* RFC 7270: forwarded 64; dropped: ACL deny 129, policer 138. */
	assert_int_equal(d->fwd_status,
			 r->drops[XB_DROP_METER_RED - XB_FLOW_DROP_FIRST] ? 138 :
			 r->drops[XB_DROP_NEGATIVE_LIST - XB_FLOW_DROP_FIRST] ? 129 :
											 64);
	assert_int_equal(d->dscp, r->dscp == 0xff ? 0 : r->dscp);
	assert_int_equal(d->in_if, r->port_in[rev]);
	assert_int_equal(d->out_if, r->port_out[rev]);
}

/* The RFC 5610 descriptions: one per enterprise element 1..12 under our
 * PEN, named, with the IANA data type the templates encode it with. */
static void
check_infos(const struct decoded *d)
{
	assert_int_equal(d->ninfo % XB_IPFIX_IE_ENT_MAX, 0);
	for (unsigned int i = 0; i < XB_IPFIX_IE_ENT_MAX; i++) {
		const struct ieinfo *e = &d->info[i];

		assert_int_equal(e->id, i + 1);
		assert_int_equal(e->pen, 32473);
		assert_true(strncmp(e->name, "xbgw", 4) == 0);
		assert_true(strlen(e->desc) > 10);
		/* string 13, unsigned32 3, unsigned64 4 */
		assert_int_equal(e->type, e->id <= 5 ? 13 : e->id <= 11 ? 3 : 4);
		for (unsigned int k = 0; k < i; k++)
			assert_string_not_equal(e->name, d->info[k].name);
	}
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_templates(void **state)
{
	static struct capture c;
	static struct decoded d;
	struct xb_ipfix_params p = {.domain_id = 77};
	struct xb_flow_record r;
	char err[256];
	struct xb_ipfix *x = xb_ipfix_open_fn(&p, capture_send, &c, err,
					      sizeof(err));
	/* Expected template field lists: {ie, len, pen}. */
	static const struct tfield want4[] = {
		{8, 4, 0}, {12, 4, 0}, {7, 2, 0}, {11, 2, 0}, {4, 1, 0},
		{1, 8, 0}, {2, 8, 0}, {152, 8, 0}, {153, 8, 0}, {136, 1, 0},
		{58, 2, 0}, {239, 1, 0}, {1, 65535, 32473}, {2, 65535, 32473},
		{3, 65535, 32473}, {4, 65535, 32473}, {5, 65535, 32473},
		{89, 1, 0}, {195, 1, 0}, {10, 4, 0}, {14, 4, 0},
		{6, 4, 32473}, {7, 4, 32473}, {8, 4, 32473}, {9, 4, 32473},
		{10, 4, 32473}, {11, 4, 32473}, {12, 8, 32473}};
	/* RFC 5610: scope 303, 346; then 339, 344, 345, 341, 340. */
	static const uint16_t want_opt[] = {303, 346, 339, 344, 345, 341, 340};

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_non_null(x);
	make_rec(&r, 1, 4);
	assert_int_equal(xb_ipfix_add(x, &r, T0), 2);
	assert_int_equal(c.n, 1); /* the templates at once, the data buffered */
	assert_int_equal(xb_ipfix_flush(x, T0 + 1), 0);
	/* The templates' own message, then the data. */
	assert_int_equal(c.n, 2);
	assert_int_equal(xb_ipfix_flush(x, T0 + 2), 0); /* nothing queued */
	assert_int_equal(c.n, 2);
	decode_all(&c, &d, 77);
	assert_int_equal(d.tmpl_sets, 1);
	assert_int_equal(d.opt_tmpl_sets, 1);
	assert_int_equal(d.nt, 3);
	assert_int_equal(d.t[0].id, 256);
	assert_int_equal(d.t[1].id, 257);
	assert_int_equal(d.t[2].id, 258);
	assert_int_equal(d.t[2].n, 7);
	for (unsigned int i = 0; i < 7; i++)
		assert_int_equal(d.t[2].f[i].ie, want_opt[i]);
	assert_int_equal(d.ninfo, XB_IPFIX_IE_ENT_MAX);
	check_infos(&d);
	for (int t = 0; t < 2; t++) {
		assert_int_equal(d.t[t].n, sizeof(want4) / sizeof(want4[0]));
		for (unsigned int i = 0; i < d.t[t].n; i++) {
			struct tfield w = want4[i];

			if (t == 1 && i < 2) { /* IPv6 addresses */
				w.ie = i == 0 ? 27 : 28;
				w.len = 16;
			}
			assert_int_equal(d.t[t].f[i].ie, w.ie);
			assert_int_equal(d.t[t].f[i].len, w.len);
			assert_int_equal(d.t[t].f[i].pen, w.pen);
		}
	}
	/* The first set after the header is the template set; the data
	 * message's first set is a data set. */
	assert_int_equal(g16(c.msg[0] + 16), 2);
	assert_int_equal(g16(c.msg[1] + 16), 256);
	assert_int_equal(g32(c.msg[0] + 4), T0 / 1000000000ull);
	assert_int_equal(d.nr, 2);
	check_rec(&d.r[0], &r, 0);
	check_rec(&d.r[1], &r, 1);
	assert_int_equal(d.r[0].reason, 3); /* closed: end detected */
	xb_ipfix_close(x);
}

/* String IEs are UTF-8 (RFC 7011 6.1.6): a name with ill-formed bytes is
 * sent repaired (U+FFFD per ill-formed subpart), and one that repairs to
 * more than 254 bytes is cut at a character boundary. */
static void
test_utf8_strings(void **state)
{
	static struct capture c;
	static struct decoded d;
	struct xb_ipfix_params p = {.domain_id = 5};
	struct xb_flow_record r;
	char err[256];
	struct xb_ipfix *x = xb_ipfix_open_fn(&p, capture_send, &c, err,
					      sizeof(err));

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_non_null(x);
	make_rec(&r, 1, 4);
	r.packets[1] = 0;
	snprintf(r.name, sizeof(r.name), "%s",
		 "x\xff\xc0\xaf.\xed\xa0\x80" "caf\xc3\xa9\xe2\x82");
	assert_int_equal(xb_ipfix_add(x, &r, T0), 1);
	memset(r.name, 0xff, 253); /* 253 replacements: 759 bytes */
	r.name[253] = '\0';
	assert_int_equal(xb_ipfix_add(x, &r, T0), 1);
	assert_int_equal(xb_ipfix_flush(x, T0 + 1), 0);
	decode_all(&c, &d, 5);
	assert_int_equal(d.nr, 2);
	assert_string_equal(d.r[0].str[5],
			    "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd."
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "caf\xc3\xa9\xef\xbf\xbd");
	assert_int_equal(strlen(d.r[1].str[5]), 252); /* 84 whole U+FFFD */
	for (size_t i = 0; i < 252; i += 3)
		assert_memory_equal(d.r[1].str[5] + i, "\xef\xbf\xbd", 3);
	xb_ipfix_close(x);
}

static void
test_many_flows(void **state)
{
	static struct capture c;
	static struct decoded d;
	static struct xb_flow_record recs[400];
	struct xb_ipfix_params p = {.domain_id = 5, .max_message = 1400,
				    .template_refresh_msgs = 4,
				    .template_refresh_s = 3600};
	struct xb_ipfix_stats st;
	char err[256];
	struct xb_ipfix *x = xb_ipfix_open_fn(&p, capture_send, &c, err,
					      sizeof(err));
	unsigned int expect = 0, k = 0, templates_seen = 0;
	static const uint8_t reasons[] = {1, 3, 5, 4};

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_non_null(x);
	for (unsigned int i = 0; i < 400; i++) {
		make_rec(&recs[i], i, i % 3 == 0 ? 6 : 4);
		if (i == 17)
			recs[i].interim = 1;
		expect += recs[i].packets[1] ? 2 : 1;
		assert_true(xb_ipfix_add(x, &recs[i], T0 + i) > 0);
	}
	xb_ipfix_flush(x, T0 + 1000);
	assert_true(c.n > 10);
	{
		unsigned int since = 0, tmsgs = 0;

		for (unsigned int i = 0; i < c.n; i++) {
			bool tmpl = g16(c.msg[i] + 16) == 2;

			assert_true(c.len[i] <= 1400);
			/* Templates first, then again after 4 data messages. */
			assert_int_equal(tmpl, i == 0 || since == 4);
			since = tmpl ? 0 : since + 1;
			tmsgs += tmpl;
		}
		templates_seen = tmsgs;
	}
	decode_all(&c, &d, 5);
	assert_int_equal(d.nr, expect);
	for (unsigned int i = 0; i < 400; i++) {
		check_rec(&d.r[k], &recs[i], 0);
		assert_int_equal(d.r[k].reason,
				 i == 17 ? 2 : reasons[recs[i].end_reason]);
		k++;
		if (recs[i].packets[1]) {
			check_rec(&d.r[k], &recs[i], 1);
			k++;
		}
	}
	xb_ipfix_get_stats(x, &st);
	/* Data records: the flows' and the element descriptions. */
	assert_int_equal(st.data_records,
			 expect + templates_seen * XB_IPFIX_IE_ENT_MAX);
	assert_int_equal(d.ninfo, templates_seen * XB_IPFIX_IE_ENT_MAX);
	check_infos(&d);
	assert_int_equal(st.flows, 400);
	assert_int_equal(st.messages, c.n);
	assert_int_equal(st.templates, templates_seen);
	assert_int_equal(st.send_errors, 0);
	xb_ipfix_close(x);
}

static void
test_timers(void **state)
{
	static struct capture c;
	struct xb_ipfix_params p = {.flush_ms = 500, .template_refresh_s = 10};
	struct xb_flow_record r;
	char err[256];
	struct xb_ipfix *x = xb_ipfix_open_fn(&p, capture_send, &c, err,
					      sizeof(err));
	const uint64_t ms = 1000000ull;

	(void)state;
	memset(&c, 0, sizeof(c));
	make_rec(&r, 2, 4);
	xb_ipfix_add(x, &r, T0);
	assert_int_equal(xb_ipfix_tick(x, T0 + 499 * ms), 0);
	/* The templates went out at the add; the data waits. */
	assert_int_equal(c.n, 1);
	xb_ipfix_tick(x, T0 + 500 * ms);
	assert_int_equal(c.n, 2);
	/* Within the refresh time: no template. */
	xb_ipfix_add(x, &r, T0 + 9000 * ms);
	xb_ipfix_flush(x, T0 + 9000 * ms);
	assert_int_equal(c.n, 3);
	assert_int_equal(g16(c.msg[2] + 16), 256);
	/* After it: templates again, in a message of their own. */
	xb_ipfix_add(x, &r, T0 + 10000 * ms);
	xb_ipfix_flush(x, T0 + 10000 * ms);
	assert_int_equal(c.n, 5);
	assert_int_equal(g16(c.msg[3] + 16), 2);
	assert_int_equal(g16(c.msg[4] + 16), 256);
	/* Sequence: data records (descriptions included) before each
	 * message. */
	assert_int_equal(g32(c.msg[1] + 8), XB_IPFIX_IE_ENT_MAX);
	assert_int_equal(g32(c.msg[2] + 8), XB_IPFIX_IE_ENT_MAX + 2);
	assert_int_equal(g32(c.msg[3] + 8), XB_IPFIX_IE_ENT_MAX + 4);
	assert_int_equal(g32(c.msg[4] + 8), 2 * XB_IPFIX_IE_ENT_MAX + 4);
	xb_ipfix_close(x);
}

static void
test_invalid(void **state)
{
	static const char *const bad[] = {"", "127.0.0.1", "127.0.0.1:",
					  "127.0.0.1:0", "127.0.0.1:70000",
					  "::1:4739", "[::1]4739", "host:port"};
	struct xb_ipfix_params p = {.max_message = 100};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(xb_ipfix_open(bad[i], 1, err, sizeof(err)));
		assert_true(err[0] != '\0');
	}
	assert_null(xb_ipfix_open_fn(&p, capture_send, NULL, err, sizeof(err)));
	assert_null(xb_ipfix_open_fn(NULL, NULL, NULL, err, sizeof(err)));
	xb_ipfix_close(NULL);
}

static void
test_udp(void **state)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	struct timeval tv = {.tv_sec = 2};
	struct xb_flow_record r;
	static struct capture c;
	static struct decoded d;
	char err[256], coll[64];
	struct xb_ipfix *x;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(coll, sizeof(coll), "127.0.0.1:%u", ntohs(a.sin_port));
	x = xb_ipfix_open(coll, 9, err, sizeof(err));
	assert_non_null(x);
	make_rec(&r, 3, 6);
	assert_int_equal(xb_ipfix_add(x, &r, T0), 2);
	assert_int_equal(xb_ipfix_flush(x, T0), 0);
	memset(&c, 0, sizeof(c));
	for (int k = 0; k < 2; k++) { /* templates, then data */
		n = recv(fd, c.msg[k], sizeof(c.msg[k]), 0);
		assert_true(n > 16);
		c.len[k] = (size_t)n;
		c.n++;
	}
	decode_all(&c, &d, 9);
	assert_int_equal(d.nr, 2);
	check_rec(&d.r[0], &r, 0);
	check_rec(&d.r[1], &r, 1);
	xb_ipfix_close(x);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_utf8_strings),
		cmocka_unit_test(test_many_flows),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_udp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
