/* SPDX-License-Identifier: BSD-3-Clause */
/* The sample mode; see gen_sample.h. */
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_common.h"
#include "gen_frame.h"
#include "gen_payload.h"
#include "gen_sample.h"
#include "gen_services.h"

/* One flow being played: its tuple and its own clock (flows overlap in
 * time; the capture sorts their frames). */
struct sflow {
	struct tuple t;
	uint64_t now; /* ns, current time of this flow */
	uint32_t rtt_ns;
	uint32_t gap_ns; /* spacing of back-to-back segments */
	size_t mss;
};

static uint8_t sbuf[FRAME_MAX + 64]; /* the frame being built */
static uint8_t big[1 << 20];         /* the payload being built */

static void
s_send(struct gen *g, struct sflow *f, int dir, uint8_t flags,
       const uint8_t *opt, size_t optlen, const uint8_t *pl, size_t plen)
{
	size_t len = frame_build(sbuf, &f->t, dir, flags, opt, optlen, pl, plen);

	capture_emit(&g->out, f->now, sbuf, len);
}

/*
 * Send a byte stream as MSS-sized segments; the receiver ACKs every second
 * segment and the last one.  The capture point is the gateway next to the
 * clients: server data shows up spaced by gap_ns and the client's ACKs follow
 * within 40 us, while client data gets its ACK one RTT later.
 */
static void
s_stream(struct gen *g, struct sflow *f, int dir, const uint8_t *data,
	 size_t len)
{
	size_t off = 0;
	unsigned int seg = 0;

	while (off < len) {
		size_t k = len - off > f->mss ? f->mss : len - off;
		bool last = off + k == len;

		s_send(g, f, dir, TH_ACK | (last ? TH_PSH : 0), NULL, 0,
		       data + off, k);
		off += k;
		seg++;
		if (seg % 2 == 0 || last) {
			uint64_t at = f->now;

			f->now += dir ? 40000 : f->rtt_ns;
			s_send(g, f, !dir, TH_ACK, NULL, 0, NULL, 0);
			f->now = at;
		}
		f->now += f->gap_ns;
	}
	f->now += dir ? 50000 : f->rtt_ns;
}

static void
s_handshake(struct gen *g, struct sflow *f)
{
	uint8_t opt[12] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08,
			   0x01, 0x01, 0x04, 0x02};

	if (f->t.family == 6) {
		opt[2] = 0x05;
		opt[3] = 0xa0; /* 1440 */
	}
	s_send(g, f, 0, TH_SYN, opt, sizeof(opt), NULL, 0);
	f->now += f->rtt_ns;
	s_send(g, f, 1, TH_SYN | TH_ACK, opt, sizeof(opt), NULL, 0);
	f->now += 30000;
	s_send(g, f, 0, TH_ACK, NULL, 0, NULL, 0);
	f->now += 20000;
}

static void
s_close(struct gen *g, struct sflow *f)
{
	s_send(g, f, 0, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
	f->now += f->rtt_ns;
	s_send(g, f, 1, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
	f->now += 30000;
	s_send(g, f, 0, TH_ACK, NULL, 0, NULL, 0);
}

/* Response bytes of one round, spread so the whole flow carries about
 * segs segments. */
static size_t
round_bytes(struct rng *r, size_t segs, unsigned int rounds, size_t mss)
{
	size_t n = segs / rounds;

	n = n + rng_below(r, (uint32_t)(n / 2 + 1));
	if (n < 1)
		n = 1;
	if (n * mss > sizeof(big) - 4096)
		n = (sizeof(big) - 4096) / mss;
	return n * mss - rng_below(r, (uint32_t)(mss / 2));
}

static void
s_tls(struct gen *g, struct sflow *f, const char *sni, size_t segs,
      bool upload)
{
	struct rng *r = &g->r;
	unsigned int rounds = segs > 200 ? rng_range(r, 3, 8) : rng_range(r, 1, 3);
	size_t n;

	s_handshake(g, f);
	n = tls_client_hello(r, sni, big);
	s_send(g, f, 0, TH_PSH | TH_ACK, NULL, 0, big, n);
	f->now += f->rtt_ns;
	n = tls_server_flight(r, big, rng_range(r, 2400, 4200));
	s_stream(g, f, 1, big, n);
	/* Client Finished + first request. */
	n = tls_app_data(r, big, 53);
	n += tls_app_data(r, big + n, rng_range(r, 180, 600));
	s_stream(g, f, 0, big, n);
	for (unsigned int k = 0; k < rounds; k++) {
		size_t bytes = round_bytes(r, segs, rounds, f->mss);

		if (upload) {
			n = tls_app_data(r, big, bytes);
			s_stream(g, f, 0, big, n);
			n = tls_app_data(r, big, rng_range(r, 60, 300));
			s_stream(g, f, 1, big, n);
		} else {
			if (k > 0) {
				n = tls_app_data(r, big, rng_range(r, 120, 700));
				s_stream(g, f, 0, big, n);
			}
			n = tls_app_data(r, big, bytes);
			s_stream(g, f, 1, big, n);
		}
		/* Think time, or the player's next chunk. */
		f->now += (uint64_t)rng_range(r, 200, 6000) * 1000000ULL;
	}
	s_close(g, f);
}

static void
s_http(struct gen *g, struct sflow *f, const char *host, size_t segs)
{
	struct rng *r = &g->r;
	unsigned int rounds = rng_range(r, 1, 3);
	size_t n;

	s_handshake(g, f);
	for (unsigned int k = 0; k < rounds; k++) {
		size_t body = round_bytes(r, segs, rounds, f->mss);

		n = http_request(r, host, big);
		s_stream(g, f, 0, big, n);
		n = http_response(r, body, big);
		s_stream(g, f, 1, big, n);
		f->now += (uint64_t)rng_range(r, 300, 5000) * 1000000ULL;
	}
	s_close(g, f);
}

/*
 * QUIC-looking exchange on UDP/443: long-header Initial and Handshake
 * packets (version 1, random connection IDs; the payload is random bytes,
 * not real packet protection, so no SNI can be recovered from it), then
 * short-header 1-RTT packets both ways.
 */
static void
s_quic(struct gen *g, struct sflow *f, size_t segs)
{
	struct rng *r = &g->r;
	uint8_t dcid[8], scid[8];
	size_t n;

	rng_bytes(r, dcid, 8);
	rng_bytes(r, scid, 8);
	for (int step = 0; step < 4; step++) {
		int dir = step == 1 || step == 2;
		size_t total = dir ? (step == 1 ? 1200 : 1100) : (step == 0 ? 1200 : 80);
		uint8_t first = step == 0 || step == 1 ? 0xc3 : 0xe3;

		n = quic_long_packet(r, first, dir ? scid : dcid,
				     dir ? dcid : scid, total, big);
		s_send(g, f, dir, 0, NULL, 0, big, n);
		f->now += step == 0 ? f->rtt_ns : step == 1 ? 200000 : 30000;
	}
	for (size_t k = 0; k < segs; k++) {
		n = quic_short_packet(r, 0x43, scid, 1200, big);
		s_send(g, f, 1, 0, NULL, 0, big, n);
		f->now += f->gap_ns;
		if (k % 4 == 3) {
			n = quic_short_packet(r, 0x41, dcid, 32, big);
			s_send(g, f, 0, 0, NULL, 0, big, n);
		}
		if (k % 200 == 199)
			f->now += (uint64_t)rng_range(r, 500, 4000) * 1000000ULL;
	}
}

static void
s_dns(struct gen *g, struct sflow *f, const char *name, const uint8_t *answer)
{
	uint16_t id = (uint16_t)rng_next(&g->r);
	size_t n = dns_msg(id, name, f->t.family, NULL, big);

	s_send(g, f, 0, 0, NULL, 0, big, n);
	f->now += f->rtt_ns + rng_range(&g->r, 100, 3000) * 1000ULL;
	n = dns_msg(id, name, f->t.family, answer, big);
	s_send(g, f, 1, 0, NULL, 0, big, n);
}

static uint32_t
rtt_for(struct rng *r, const char *cc)
{
	static const struct {
		const char *cc;
		uint16_t lo, hi; /* ms */
	} t[] = {{"SG", 4, 12},	  {"MY", 12, 30},  {"ID", 20, 45},
		 {"TH", 25, 45},  {"VN", 30, 55},  {"PH", 35, 60},
		 {"KH", 35, 60},  {"LA", 40, 70},  {"MM", 45, 80},
		 {"BN", 30, 60},  {"CN", 60, 95},  {"JP", 65, 90},
		 {"US", 170, 230}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].cc, cc) == 0)
			return rng_range(r, t[i].lo, t[i].hi) * 1000000u;
	return rng_range(r, 80, 200) * 1000000u;
}

struct server {
	const char *cc;
	uint8_t a4[16], a6[16];
	bool has6;
};

struct plan {
	uint64_t start;
	int kind;       /* 0 dns, else K_* */
	size_t svc;
	int family;
	uint16_t vlan;
	unsigned int client; /* client host number */
	double w;
	bool upload;
};

static int
plan_cmp(const void *a, const void *b)
{
	const struct plan *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void
client_addr(struct gen *g, int family, unsigned int client, uint8_t *out)
{
	if (family == 4) {
		const struct xb_prefix *p = &g->src.src4[client % g->src.nsrc4];
		uint64_t n = (1ULL << (32 - p->len)) - 2;

		addr_host(p, (client / g->src.nsrc4) % n + 1, out);
	} else {
		addr_host(&g->src.src6[client % g->src.nsrc6], 0x100 + client, out);
	}
}

void
sample_generate(struct gen *g)
{
	struct rng *r = &g->r;
	struct server srv[NSERVICES];
	uint8_t res4[2][16], res6[2][16];
	const char *res_cc[2] = {"SG", "US"};
	uint64_t nflows = g->o.flows, budget, overhead = 0;
	struct plan *pl = xrealloc(NULL, nflows * sizeof(*pl));
	double vsum = 0;
	uint64_t dur = (uint64_t)g->o.duration_s * NS_PER_S;
	size_t np = 0;

	/* Services in a country the options left out are not used;
	 * ASEAN services are the "dst" set, the rest "other". */
	for (size_t i = 0; i < NSERVICES; i++) {
		struct countries *cs = country_find(&g->dst, services[i].cc) ? &g->dst : &g->other;

		srv[i].cc = services[i].cc;
		if (!pick_dst_cc(r, cs, services[i].cc, 4, srv[i].a4))
			pick_dst(r, &g->dst, 4, srv[i].a4, &srv[i].cc);
		srv[i].has6 = pick_dst_cc(r, cs, services[i].cc, 6, srv[i].a6);
	}
	/* Resolvers: one in Singapore (or the first country), Google's. */
	if (!pick_dst_cc(r, &g->dst, "SG", 4, res4[0]))
		pick_dst(r, &g->dst, 4, res4[0], &res_cc[0]);
	if (!pick_dst_cc(r, &g->dst, "SG", 6, res6[0]) &&
	    !pick_dst(r, &g->dst, 6, res6[0], NULL))
		memcpy(res6[0], res4[0], 16);
	memcpy(res4[1], "\x08\x08\x08\x08", 4);
	memcpy(res6[1], "\x20\x01\x48\x60\x48\x60\x00\x00\x00\x00\x00\x00\x00\x00\x88\x88", 16);

	/* Plan the flows: sessions of (DNS lookup?, data flow). */
	while (np < nflows) {
		bool other = rng_below(r, 100) < g->o.other_share;
		uint32_t pick, acc = 0;
		size_t s = 0;
		uint32_t tot = 0;

		for (size_t i = 0; i < NSERVICES; i++)
			if ((country_find(&g->dst, services[i].cc) == NULL) == other)
				tot += services[i].weight;
		if (tot == 0) {
			other = !other;
			for (size_t i = 0; i < NSERVICES; i++)
				if ((country_find(&g->dst, services[i].cc) == NULL) == other)
					tot += services[i].weight;
		}
		pick = rng_below(r, tot);
		for (size_t i = 0; i < NSERVICES; i++) {
			if ((country_find(&g->dst, services[i].cc) == NULL) != other)
				continue;
			acc += services[i].weight;
			if (pick < acc) {
				s = i;
				break;
			}
		}
		struct plan base = {
			.start = (uint64_t)(rng_unit(r) * (double)dur * 0.9),
			.svc = s,
			.family = rng_below(r, 100) < g->o.v6_share && srv[s].has6 ? 6 : 4,
			.vlan = rng_below(r, 100) < g->o.vlan_share
					? (uint16_t)(100 * rng_range(r, 1, 3)) : 0,
			.client = rng_below(r, 40),
		};
		if (np + 1 < nflows && rng_below(r, 100) < 60) {
			pl[np] = base;
			pl[np].kind = 0;
			overhead += 2;
			np++;
			base.start += 40000000;
		}
		uint8_t kinds = services[s].kinds, k;

		/* QUIC for a third of the flows of services that offer it,
		 * plain HTTP for half of those that offer it, else TLS. */
		if ((kinds & K_QUIC) && rng_below(r, 100) < 35)
			k = K_QUIC;
		else if ((kinds & K_HTTP) && (!(kinds & K_TLS) || rng_below(r, 100) < 50))
			k = K_HTTP;
		else
			k = K_TLS;
		base.kind = k;
		base.upload = services[s].volume == 6 && rng_below(r, 2);
		/* Heavy-tailed volume: most flows small, a few large. */
		base.w = services[s].volume * services[s].volume *
			 (0.2 + -log(1.0 - rng_unit(r) * 0.999));
		vsum += base.w;
		overhead += k == K_TLS ? 16 : k == K_HTTP ? 9 : 5;
		pl[np++] = base;
	}
	qsort(pl, np, sizeof(*pl), plan_cmp);
	budget = g->o.packets > overhead ? g->o.packets - overhead : np;

	for (size_t i = 0; i < np; i++) {
		struct plan *p = &pl[i];
		const struct service *sv = &services[p->svc];
		struct sflow f;

		memset(&f, 0, sizeof(f));
		f.now = g->o.start_ns + p->start;
		f.t.family = (uint8_t)p->family;
		f.t.vlan = p->vlan;
		client_addr(g, p->family, p->client, f.t.caddr);
		f.t.cport = (uint16_t)rng_range(r, 32768, 60999);
		f.t.cseq = (uint32_t)rng_next(r);
		f.t.sseq = (uint32_t)rng_next(r);
		f.t.cid = (uint16_t)rng_next(r);
		f.t.sid = (uint16_t)rng_next(r);
		f.t.cttl = 64;
		f.t.sttl = (uint8_t)rng_range(r, 44, 58);
		f.mss = p->family == 4 ? 1460 : 1440;
		f.gap_ns = rng_range(r, 80, 900) * 1000u;
		if (p->kind == 0) {
			int rsv = rng_below(r, 3) == 0;

			f.t.proto = IPPROTO_UDP;
			f.t.sport = 53;
			memcpy(f.t.saddr, p->family == 4 ? res4[rsv] : res6[rsv], 16);
			f.rtt_ns = rtt_for(r, res_cc[rsv]);
			s_dns(g, &f, sv->name, p->family == 4 ? srv[p->svc].a4 : srv[p->svc].a6);
			continue;
		}
		memcpy(f.t.saddr, p->family == 4 ? srv[p->svc].a4 : srv[p->svc].a6, 16);
		f.rtt_ns = rtt_for(r, srv[p->svc].cc);
		/* Data packets ~ 1.5 per response segment (ACK every 2nd). */
		size_t segs = (size_t)((double)budget / 1.5 * p->w / vsum);

		if (segs < 1)
			segs = 1;
		if (p->kind == K_QUIC) {
			f.t.proto = IPPROTO_UDP;
			f.t.sport = 443;
			s_quic(g, &f, (size_t)((double)budget / 1.25 * p->w / vsum) + 1);
		} else if (p->kind == K_HTTP) {
			f.t.proto = IPPROTO_TCP;
			f.t.sport = 80;
			s_http(g, &f, sv->name, segs);
		} else {
			f.t.proto = IPPROTO_TCP;
			f.t.sport = 443;
			s_tls(g, &f, sv->name, segs, p->upload);
		}
	}
	g->flows_made = np;
	free(pl);
}
