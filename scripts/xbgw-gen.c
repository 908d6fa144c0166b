/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbgw-gen: deterministic traffic generator writing classic pcap
 * (DLT_EN10MB) for xbgw's demo, functional tests and benchmarks.
 *
 * Modes
 *   sample    a realistic mixed capture (TCP with handshake, TLS ClientHello
 *             with SNI, HTTP/1.1, DNS, QUIC-looking UDP/443, both directions,
 *             some VLAN-tagged and IPv6 flows) over a few minutes;
 *   flows     N distinct 5-tuples, packets round-robin over the flows;
 *   newflows  every packet a new 5-tuple (up to 2^24 unique);
 *   imix      simple IMIX 7:4:1 of 64/594/1518-byte frames on the wire
 *             (60/590/1514 bytes as written: no FCS), N flows round-robin.
 *
 * Frame sizes: --size is the frame length as written to the pcap (Ethernet
 * header included, FCS excluded), minimum 60.  A "64-byte" benchmark frame
 * is therefore --size 60 (64 B on the wire with the 4-byte FCS), as DPDK's
 * generators count it.
 *
 * Every frame is valid: IPv4 header checksum, IP/UDP lengths, TCP and UDP
 * checksums over the pseudo-header; frames shorter than 60 bytes carry
 * Ethernet padding after the IP datagram.
 *
 * Determinism: the output depends only on the options (and on the content
 * of the --dst-prefixes files); one seeded xoshiro256** generator drives
 * everything and per-flow choices in the streaming modes are derived from
 * (seed, flow index) so that no per-flow state is stored.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "xb_bytes.h"
#include "xb_csv.h"
#include "xb_errors.h"
#include "xb_prefix.h"
#include "xb_table.h"

#define MAX_FRAME 1518
#define MIN_FRAME 60
#define NS_PER_S 1000000000ULL
#define MAX_COUNTRIES 64
#define MAX_SRC 64
#define ASEAN "BN,KH,ID,LA,MY,MM,PH,SG,TH,VN"

/* ---------------------------------------------------------------- RNG --- */

struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply; bias < 2^-32, irrelevant). */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static uint32_t
rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

static void
rng_bytes(struct rng *r, uint8_t *p, size_t n)
{
	while (n > 0) {
		uint64_t v = rng_next(r);
		size_t k = n < 8 ? n : 8;

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

/*
 * Bijection on [0, 2^bits): multiplications by odd constants and xor-shifts
 * are each invertible modulo 2^bits, so distinct inputs give distinct
 * outputs; used to give every flow index a unique, scattered 5-tuple.
 */
static uint32_t
perm(uint32_t x, unsigned int bits, uint64_t seed)
{
	uint32_t mask = bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
	unsigned int sh = bits / 2 ? bits / 2 : 1;

	x = (x ^ (uint32_t)seed) & mask;
	x = (x * 0x9E3779B1u) & mask;
	x ^= x >> sh;
	x = (x * 0x85EBCA77u) & mask;
	x ^= x >> sh;
	x = (x + (uint32_t)(seed >> 32)) & mask;
	x = (x * 0xC2B2AE3Du) & mask;
	x ^= x >> sh;
	return x;
}

/* ----------------------------------------------------------- prefixes --- */

struct pfx_list {
	struct xb_prefix *v;
	size_t n, cap;
};

struct country {
	char cc[3];
	struct pfx_list v4, v6;
};

struct countries {
	struct country c[MAX_COUNTRIES];
	unsigned int n;
};

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "xbgw-gen: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return q;
}

static void
pfx_push(struct pfx_list *l, const struct xb_prefix *p)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *p;
}

static struct country *
country_find(struct countries *cs, const char *cc)
{
	for (unsigned int i = 0; i < cs->n; i++)
		if (strcasecmp(cs->c[i].cc, cc) == 0)
			return &cs->c[i];
	return NULL;
}

/* Parse "BN,KH,..." into the set (duplicates ignored). */
static int
countries_add_list(struct countries *cs, const char *list)
{
	char buf[1024], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		if (strlen(tok) != 2 || !isalpha((unsigned char)tok[0]) ||
		    !isalpha((unsigned char)tok[1])) {
			fprintf(stderr,
				"xbgw-gen: --countries: got \"%s\", expected a two-letter country code\n",
				tok);
			return -1;
		}
		if (country_find(cs, tok) != NULL)
			continue;
		if (cs->n == MAX_COUNTRIES) {
			fprintf(stderr, "xbgw-gen: too many countries (expected at most %d)\n",
				MAX_COUNTRIES);
			return -1;
		}
		cs->c[cs->n].cc[0] = (char)toupper((unsigned char)tok[0]);
		cs->c[cs->n].cc[1] = (char)toupper((unsigned char)tok[1]);
		cs->c[cs->n].cc[2] = '\0';
		cs->n++;
	}
	return 0;
}

/*
 * Built-in destination prefixes, used for a country the --dst-prefixes
 * files do not cover (or when they are missing), so that the build never
 * depends on the geo tables.  A few real allocations per country, taken
 * from the registries' delegated data (ipverse aggregated lists).
 */
static const struct {
	const char *cc;
	const char *pfx;
} builtin_prefixes[] = {
	{"BN", "202.152.64.0/19"}, {"BN", "119.160.128.0/18"},
	{"BN", "156.31.0.0/16"}, {"BN", "2406:7800::/31"},
	{"BN", "2405:1700::/32"},
	{"KH", "111.118.128.0/19"}, {"KH", "203.189.128.0/19"},
	{"KH", "116.212.128.0/19"}, {"KH", "2405:da00::/32"},
	{"KH", "2405:e280::/32"},
	{"ID", "139.255.0.0/16"}, {"ID", "202.46.96.0/20"},
	{"ID", "61.94.0.0/16"}, {"ID", "2403:7200::/32"},
	{"ID", "2406:7640::/32"},
	{"LA", "183.182.96.0/19"}, {"LA", "202.62.96.0/20"},
	{"LA", "203.110.64.0/20"}, {"LA", "2402:8d80::/32"},
	{"LA", "2402:8c80::/32"},
	{"MY", "203.106.0.0/16"}, {"MY", "49.236.192.0/20"},
	{"MY", "221.133.32.0/20"}, {"MY", "2401:7a20::/32"},
	{"MY", "2404:b040::/32"},
	{"MM", "203.81.160.0/20"}, {"MM", "203.81.64.0/19"},
	{"MM", "122.248.96.0/19"}, {"MM", "2404:1780::/32"},
	{"MM", "2403:c280::/32"},
	{"PH", "202.69.160.0/19"}, {"PH", "61.28.128.0/18"},
	{"PH", "203.213.192.0/19"}, {"PH", "2401:2260::/32"},
	{"PH", "2403:4640::/32"},
	{"SG", "115.42.128.0/17"}, {"SG", "119.75.0.0/18"},
	{"SG", "202.172.32.0/19"}, {"SG", "2402:d0c0::/32"},
	{"SG", "2401:22c0::/32"},
	{"TH", "202.5.80.0/20"}, {"TH", "27.131.128.0/18"},
	{"TH", "203.130.128.0/19"}, {"TH", "2403:56c0::/32"},
	{"TH", "2403:5400::/32"},
	{"VN", "45.122.240.0/20"}, {"VN", "120.138.64.0/20"},
	{"VN", "112.197.0.0/16"}, {"VN", "2400:b520::/32"},
	{"VN", "2405:74c0::/32"},
	{"CN", "180.223.0.0/16"}, {"CN", "223.144.0.0/12"},
	{"CN", "42.186.0.0/16"}, {"CN", "2401:9c0::/32"},
	{"CN", "2407:be80::/32"},
	{"US", "66.186.128.0/18"}, {"US", "23.92.64.0/19"},
	{"US", "192.28.0.0/18"}, {"US", "2607:37c0::/32"},
	{"US", "2600:a400::/28"},
	{"JP", "59.87.0.0/16"}, {"JP", "203.216.192.0/18"},
	{"JP", "49.212.0.0/16"}, {"JP", "2001:d70::/30"},
	{"JP", "2403:3200::/32"},
};

struct csv_ctx {
	struct countries *cs[2]; /* destination and other countries */
	unsigned long rows;
};

static int
geo_row(void *vctx, const struct xb_csv_row *row, struct xb_errors *errs)
{
	struct csv_ctx *ctx = vctx;
	struct country *c = country_find(ctx->cs[0], row->cols[1]);
	struct xb_prefix p;
	const char *why;

	if (c == NULL)
		c = country_find(ctx->cs[1], row->cols[1]);
	if (c == NULL)
		return 0;
	if (xb_prefix_parse(row->cols[0], &p, &why) < 0) {
		xb_csv_error(errs, row, 0, "got \"%s\", expected a prefix (%s)",
			     row->cols[0], why);
		return 0;
	}
	pfx_push(p.family == 4 ? &c->v4 : &c->v6, &p);
	ctx->rows++;
	return 0;
}

static const char *const geo_cols[] = {"prefix", "country", NULL};
static const struct xb_table geo_table = {
	.header = {.variants = {geo_cols}},
	.row = geo_row,
};

/* Load one prefix,country file into the two country sets; the header line
 * is optional.  Returns the rows kept, -1 on errors (in errs), -2 when the
 * file cannot be opened (errno set). */
static int
load_geo_file(const char *path, struct countries *dst, struct countries *other,
	      struct xb_errors *errs)
{
	FILE *f = fopen(path, "r");
	struct csv_ctx ctx = {.cs = {dst, other}};
	char *text = NULL, *first;
	size_t len = 0, cap = 0, k;
	int rc;

	if (f == NULL)
		return -2;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			text = xrealloc(text, cap + 32);
		}
		k = fread(text + len, 1, cap - len, f);
		if (k == 0)
			break;
		len += k;
	}
	fclose(f);
	text[len] = '\0';

	/* Without a header, prepend one (error line numbers then count it). */
	first = text;
	for (;;) {
		while (*first == ' ' || *first == '\t' || *first == '\r' ||
		       *first == '\n')
			first++;
		if (*first != '#')
			break;
		first = strchr(first, '\n');
		if (first == NULL) {
			first = text + len;
			break;
		}
	}
	if (strncasecmp(first, "prefix", 6) != 0) {
		static const char hdr[] = "prefix,country\n";

		text = xrealloc(text, len + sizeof(hdr) + 1);
		memmove(text + sizeof(hdr) - 1, text, len + 1);
		memcpy(text, hdr, sizeof(hdr) - 1);
		len += sizeof(hdr) - 1;
	}
	rc = xb_table_load(&geo_table, XB_TABLE_TEXT(path, text, len), &ctx,
			   errs);
	free(text);
	return rc < 0 ? -1 : (int)ctx.rows;
}

static void
load_builtin(struct countries *cs)
{
	for (unsigned int i = 0; i < cs->n; i++) {
		struct country *c = &cs->c[i];
		bool need4 = c->v4.n == 0, need6 = c->v6.n == 0;

		for (size_t b = 0;
		     b < sizeof(builtin_prefixes) / sizeof(builtin_prefixes[0]);
		     b++) {
			struct xb_prefix p;
			const char *why;

			if (strcmp(builtin_prefixes[b].cc, c->cc) != 0)
				continue;
			if (xb_prefix_parse(builtin_prefixes[b].pfx, &p, &why) < 0)
				abort(); /* table above is wrong */
			if ((p.family == 4 && need4) || (p.family == 6 && need6))
				pfx_push(p.family == 4 ? &c->v4 : &c->v6, &p);
		}
	}
}

/* Random address inside p; IPv4 avoids the all-zero / all-one host part
 * when the prefix is shorter than /31. */
static void
addr_in(struct rng *r, const struct xb_prefix *p, uint8_t *out)
{
	unsigned int bytes = p->family == 4 ? 4 : 16, bits = bytes * 8;

	for (;;) {
		uint8_t rnd[16];
		bool zero = true, ones = true;

		rng_bytes(r, rnd, bytes);
		for (unsigned int i = 0; i < bytes; i++) {
			unsigned int lo = i * 8;
			uint8_t keep;

			if (p->len >= lo + 8)
				keep = 0xff;
			else if (p->len <= lo)
				keep = 0;
			else
				keep = (uint8_t)(0xff << (8 - (p->len - lo)));
			out[i] = (uint8_t)((p->addr[i] & keep) | (rnd[i] & ~keep));
			if ((out[i] & ~keep) != 0)
				zero = false;
			if ((out[i] | keep) != 0xff)
				ones = false;
		}
		if (p->family == 6 || p->len >= bits - 1 || (!zero && !ones))
			return;
	}
}

/* Set the host part of p to host (host < 2^(width - len)). */
static void
addr_host(const struct xb_prefix *p, uint64_t host, uint8_t *out)
{
	unsigned int bytes = p->family == 4 ? 4 : 16;

	memcpy(out, p->addr, 16);
	for (int i = (int)bytes - 1; i >= 0 && host != 0; i--) {
		out[i] |= (uint8_t)(host & 0xff);
		host >>= 8;
	}
}

/* --------------------------------------------------------- packet I/O --- */

struct tuple {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;  /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t vlan;  /* 802.1Q VLAN id, 0: untagged */
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	uint32_t cseq, sseq; /* next sequence number per side */
	uint16_t cid, sid;   /* IPv4 identification per side */
	uint8_t cttl, sttl;
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

static const uint8_t mac_inside[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
static const uint8_t mac_gw[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe};

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; n -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Build one frame of flow t in direction dir (0: client -> server, i.e.
 * inside -> outside; 1: server -> client) into b (>= MAX_FRAME + 64 bytes).
 * TCP: uses and advances the sender's sequence number, acknowledges the
 * peer's.  Returns the frame length (padded to 60 bytes).
 */
static size_t
build(uint8_t *b, struct tuple *t, int dir, uint8_t flags, const uint8_t *opt,
      size_t optlen, const uint8_t *pl, size_t plen)
{
	const uint8_t *src = dir ? t->saddr : t->caddr;
	const uint8_t *dst = dir ? t->caddr : t->saddr;
	size_t off = 0, l3, l4, l4len, hl4, frame;
	uint32_t sum;

	memcpy(b, dir ? mac_inside : mac_gw, 6);
	memcpy(b + 6, dir ? mac_gw : mac_inside, 6);
	off = 12;
	if (t->vlan) {
		xb_put_be16(b + off, 0x8100);
		xb_put_be16(b + off + 2, t->vlan & 0x0fff);
		off += 4;
	}
	xb_put_be16(b + off, t->family == 4 ? 0x0800 : 0x86dd);
	off += 2;
	l3 = off;
	hl4 = t->proto == IPPROTO_TCP ? 20 + optlen : 8;
	l4 = l3 + (t->family == 4 ? 20 : 40);
	l4len = hl4 + plen;

	if (t->family == 4) {
		uint16_t *id = dir ? &t->sid : &t->cid;

		b[l3] = 0x45;
		b[l3 + 1] = 0;
		xb_put_be16(b + l3 + 2, (uint16_t)(20 + l4len));
		xb_put_be16(b + l3 + 4, (*id)++);
		xb_put_be16(b + l3 + 6, t->proto == IPPROTO_TCP ? 0x4000 : 0); /* DF */
		b[l3 + 8] = dir ? t->sttl : t->cttl;
		b[l3 + 9] = t->proto;
		xb_put_be16(b + l3 + 10, 0);
		memcpy(b + l3 + 12, src, 4);
		memcpy(b + l3 + 16, dst, 4);
		xb_put_be16(b + l3 + 10, csum_fold(csum_add(0, b + l3, 20)));
	} else {
		xb_put_be32(b + l3, 0x60000000);
		xb_put_be16(b + l3 + 4, (uint16_t)l4len);
		b[l3 + 6] = t->proto;
		b[l3 + 7] = dir ? t->sttl : t->cttl;
		memcpy(b + l3 + 8, src, 16);
		memcpy(b + l3 + 24, dst, 16);
	}

	xb_put_be16(b + l4, dir ? t->sport : t->cport);
	xb_put_be16(b + l4 + 2, dir ? t->cport : t->sport);
	if (t->proto == IPPROTO_TCP) {
		uint32_t *seq = dir ? &t->sseq : &t->cseq;
		uint32_t ack = dir ? t->cseq : t->sseq;

		xb_put_be32(b + l4 + 4, *seq);
		xb_put_be32(b + l4 + 8, (flags & TH_ACK) ? ack : 0);
		b[l4 + 12] = (uint8_t)((hl4 / 4) << 4);
		b[l4 + 13] = flags;
		xb_put_be16(b + l4 + 14, (flags & TH_SYN) ? 64240 : 2048);
		xb_put_be16(b + l4 + 16, 0);
		xb_put_be16(b + l4 + 18, 0);
		if (optlen)
			memcpy(b + l4 + 20, opt, optlen);
		*seq += (uint32_t)plen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	} else {
		xb_put_be16(b + l4 + 4, (uint16_t)l4len);
		xb_put_be16(b + l4 + 6, 0);
	}
	if (plen)
		memcpy(b + l4 + hl4, pl, plen);

	/* Pseudo-header: addresses, protocol, L4 length. */
	sum = csum_add(0, src, t->family == 4 ? 4 : 16);
	sum = csum_add(sum, dst, t->family == 4 ? 4 : 16);
	sum += t->proto;
	sum += (uint32_t)l4len;
	sum = csum_add(sum, b + l4, l4len);
	{
		uint16_t c = csum_fold(sum);

		if (t->proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		xb_put_be16(b + l4 + (t->proto == IPPROTO_TCP ? 16 : 6), c);
	}
	frame = l4 + l4len;
	if (frame < MIN_FRAME) {
		memset(b + frame, 0, MIN_FRAME - frame);
		frame = MIN_FRAME;
	}
	return frame;
}

/* Header bytes of a frame of t (without payload). */
static size_t
hdr_len(const struct tuple *t)
{
	return 14 + (t->vlan ? 4 : 0) + (t->family == 4 ? 20 : 40) +
	       (t->proto == IPPROTO_TCP ? 20 : 8);
}

struct rec {
	uint64_t ts;  /* ns since the epoch */
	uint64_t off; /* into the arena */
	uint32_t len;
	uint32_t seq; /* emission order, ties keep it */
};

struct out {
	pcap_t *dead;
	pcap_dumper_t *d;
	bool nano;
	bool buffered; /* sample: collect, sort by time, then write */
	struct rec *recs;
	size_t nrec, caprec;
	uint8_t *arena;
	size_t alen, acap;
	uint64_t packets, bytes;
};

static void
write_one(struct out *o, uint64_t ts, const uint8_t *b, uint32_t len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts / NS_PER_S);
	h.ts.tv_usec = (suseconds_t)(o->nano ? ts % NS_PER_S
					     : ts % NS_PER_S / 1000);
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)o->d, &h, b);
	o->packets++;
	o->bytes += len;
}

static void
emit(struct out *o, uint64_t ts, const uint8_t *b, size_t len)
{
	struct rec *r;

	if (!o->buffered) {
		write_one(o, ts, b, (uint32_t)len);
		return;
	}
	if (o->nrec == o->caprec) {
		o->caprec = o->caprec ? o->caprec * 2 : 4096;
		o->recs = xrealloc(o->recs, o->caprec * sizeof(*o->recs));
	}
	if (o->acap - o->alen < len) {
		o->acap = o->acap ? o->acap * 2 : 1 << 22;
		o->arena = xrealloc(o->arena, o->acap);
	}
	r = &o->recs[o->nrec];
	r->ts = ts;
	r->off = o->alen;
	r->len = (uint32_t)len;
	r->seq = (uint32_t)o->nrec;
	memcpy(o->arena + o->alen, b, len);
	o->alen += len;
	o->nrec++;
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
flush_sorted(struct out *o)
{
	qsort(o->recs, o->nrec, sizeof(*o->recs), rec_cmp);
	for (size_t i = 0; i < o->nrec; i++)
		write_one(o, o->recs[i].ts, o->arena + o->recs[i].off,
			  o->recs[i].len);
}

/* ------------------------------------------------------ L7 payloads --- */

/* Service names (SNI, HTTP Host, DNS names), a server country each. */
struct service {
	const char *name;
	const char *cc;
	uint8_t weight; /* relative popularity */
	uint8_t volume; /* relative bytes per flow: 1 light .. 9 video */
	uint8_t kinds;  /* K_* bitmask of the flow kinds it offers */
};

#define K_TLS 1
#define K_HTTP 2
#define K_QUIC 4

static const struct service services[] = {
	/* finance */
	{"www.dbs.com.sg", "SG", 6, 2, K_TLS},
	{"internet-banking.dbs.com.sg", "SG", 3, 2, K_TLS},
	{"www.maybank2u.com.my", "MY", 4, 2, K_TLS},
	{"ibank.klikbca.com", "ID", 4, 2, K_TLS},
	{"www.kasikornbank.com", "TH", 3, 2, K_TLS},
	{"www.vietcombank.com.vn", "VN", 3, 2, K_TLS},
	{"online.bdo.com.ph", "PH", 3, 2, K_TLS},
	{"m.gcash.com", "PH", 3, 1, K_TLS},
	{"www.paypal.com", "US", 2, 2, K_TLS},
	/* personal data, health, maps, government */
	{"www.singpass.gov.sg", "SG", 2, 1, K_TLS},
	{"www.halodoc.com", "ID", 2, 2, K_TLS},
	{"www.healthhub.sg", "SG", 2, 2, K_TLS},
	{"maps.google.com", "SG", 4, 3, K_TLS | K_QUIC},
	{"api.mapbox.com", "US", 1, 3, K_TLS},
	{"www.mof.gov.kh", "KH", 2, 1, K_TLS | K_HTTP},
	{"www.moh.gov.bn", "BN", 1, 1, K_TLS | K_HTTP},
	{"www.mofa.gov.la", "LA", 1, 1, K_HTTP},
	{"www.mofa.gov.mm", "MM", 1, 1, K_TLS | K_HTTP},
	/* e-commerce, logistics */
	{"shopee.co.id", "ID", 6, 4, K_TLS},
	{"www.lazada.co.th", "TH", 5, 4, K_TLS},
	{"shopee.com.my", "MY", 4, 4, K_TLS},
	{"tiki.vn", "VN", 3, 3, K_TLS | K_HTTP},
	{"www.tokopedia.com", "ID", 4, 4, K_TLS},
	{"shopee.ph", "PH", 3, 4, K_TLS},
	{"grab.com", "SG", 5, 2, K_TLS},
	{"api.grab.com", "SG", 3, 1, K_TLS},
	{"www.gojek.com", "ID", 3, 2, K_TLS},
	{"www.ninjavan.co", "SG", 1, 1, K_TLS},
	/* media, music, social */
	{"www.youtube.com", "SG", 6, 9, K_TLS | K_QUIC},
	{"www.netflix.com", "SG", 4, 9, K_TLS},
	{"www.viu.com", "SG", 2, 8, K_TLS},
	{"www.vidio.com", "ID", 2, 8, K_TLS},
	{"open.spotify.com", "SG", 2, 5, K_TLS},
	{"www.joox.com", "TH", 1, 5, K_TLS},
	{"www.facebook.com", "SG", 4, 4, K_TLS | K_QUIC},
	{"line.me", "TH", 3, 2, K_TLS},
	{"chat.zalo.me", "VN", 2, 2, K_TLS},
	{"web.whatsapp.com", "SG", 2, 2, K_TLS},
	{"www.tiktok.com", "SG", 3, 7, K_TLS},
	/* cloud, collaboration, other */
	{"drive.google.com", "SG", 4, 6, K_TLS | K_QUIC},
	{"www.dropbox.com", "US", 1, 6, K_TLS},
	{"onedrive.live.com", "SG", 2, 6, K_TLS},
	{"zoom.us", "US", 2, 5, K_TLS},
	{"www.garena.com", "SG", 1, 3, K_TLS},
	{"vnexpress.net", "VN", 2, 3, K_TLS | K_HTTP},
	/* outside ASEAN */
	{"www.taobao.com", "CN", 3, 4, K_TLS},
	{"www.iqiyi.com", "CN", 2, 8, K_TLS | K_HTTP},
	{"www.amazon.com", "US", 3, 4, K_TLS},
	{"www.bloomberg.com", "US", 1, 3, K_TLS},
	{"www.yahoo.co.jp", "JP", 2, 3, K_TLS | K_HTTP},
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

static size_t
tls_client_hello(struct rng *r, const char *sni, uint8_t *p)
{
	static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b,
					  0xc02f, 0xc02c, 0xc030, 0xcca9,
					  0xcca8, 0xc013, 0xc014, 0x009c,
					  0x009d, 0x002f, 0x0035};
	static const uint8_t sigalgs[] = {0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
					  0x05, 0x03, 0x08, 0x05, 0x05, 0x01,
					  0x08, 0x06, 0x06, 0x01};
	size_t n = 0, sl = strlen(sni), hs, ext;

	p[n++] = 0x16; /* handshake record */
	xb_put_be16(p + n, 0x0301);
	n += 2 + 2; /* length later */
	hs = n;
	p[n++] = 0x01; /* ClientHello */
	n += 3;
	xb_put_be16(p + n, 0x0303);
	n += 2;
	rng_bytes(r, p + n, 32);
	n += 32;
	p[n++] = 32;
	rng_bytes(r, p + n, 32);
	n += 32;
	xb_put_be16(p + n, (uint16_t)(sizeof(suites)));
	n += 2;
	for (size_t i = 0; i < sizeof(suites) / 2; i++, n += 2)
		xb_put_be16(p + n, suites[i]);
	p[n++] = 1;
	p[n++] = 0;
	ext = n;
	n += 2;
	/* server_name */
	xb_put_be16(p + n, 0x0000);
	xb_put_be16(p + n + 2, (uint16_t)(sl + 5));
	xb_put_be16(p + n + 4, (uint16_t)(sl + 3));
	p[n + 6] = 0;
	xb_put_be16(p + n + 7, (uint16_t)sl);
	memcpy(p + n + 9, sni, sl);
	n += 9 + sl;
	/* extended_master_secret, renegotiation_info */
	xb_put_be16(p + n, 0x0017);
	xb_put_be16(p + n + 2, 0);
	n += 4;
	xb_put_be16(p + n, 0xff01);
	xb_put_be16(p + n + 2, 1);
	p[n + 4] = 0;
	n += 5;
	/* supported_groups: x25519, secp256r1, secp384r1 */
	xb_put_be16(p + n, 0x000a);
	xb_put_be16(p + n + 2, 8);
	xb_put_be16(p + n + 4, 6);
	xb_put_be16(p + n + 6, 0x001d);
	xb_put_be16(p + n + 8, 0x0017);
	xb_put_be16(p + n + 10, 0x0018);
	n += 12;
	/* ec_point_formats */
	xb_put_be16(p + n, 0x000b);
	xb_put_be16(p + n + 2, 2);
	p[n + 4] = 1;
	p[n + 5] = 0;
	n += 6;
	/* ALPN: h2, http/1.1 */
	xb_put_be16(p + n, 0x0010);
	xb_put_be16(p + n + 2, 14);
	xb_put_be16(p + n + 4, 12);
	memcpy(p + n + 6, "\x02h2\x08http/1.1", 12);
	n += 18;
	/* signature_algorithms */
	xb_put_be16(p + n, 0x000d);
	xb_put_be16(p + n + 2, (uint16_t)(sizeof(sigalgs) + 2));
	xb_put_be16(p + n + 4, (uint16_t)sizeof(sigalgs));
	memcpy(p + n + 6, sigalgs, sizeof(sigalgs));
	n += 6 + sizeof(sigalgs);
	/* key_share: x25519 */
	xb_put_be16(p + n, 0x0033);
	xb_put_be16(p + n + 2, 38);
	xb_put_be16(p + n + 4, 36);
	xb_put_be16(p + n + 6, 0x001d);
	xb_put_be16(p + n + 8, 32);
	rng_bytes(r, p + n + 10, 32);
	n += 42;
	/* psk_key_exchange_modes, supported_versions */
	xb_put_be16(p + n, 0x002d);
	xb_put_be16(p + n + 2, 2);
	p[n + 4] = 1;
	p[n + 5] = 1;
	n += 6;
	xb_put_be16(p + n, 0x002b);
	xb_put_be16(p + n + 2, 5);
	p[n + 4] = 4;
	xb_put_be16(p + n + 5, 0x0304);
	xb_put_be16(p + n + 7, 0x0303);
	n += 9;

	xb_put_be16(p + ext, (uint16_t)(n - ext - 2));
	p[hs + 1] = (uint8_t)((n - hs - 4) >> 16);
	xb_put_be16(p + hs + 2, (uint16_t)(n - hs - 4));
	xb_put_be16(p + 3, (uint16_t)(n - 5));
	return n;
}

/* ServerHello (TLS 1.3) + ChangeCipherSpec + encrypted-looking records
 * standing for EncryptedExtensions/Certificate/Verify/Finished. */
static size_t
tls_server_flight(struct rng *r, uint8_t *p, size_t cert_bytes)
{
	size_t n = 0, hs;

	p[n++] = 0x16;
	xb_put_be16(p + n, 0x0303);
	n += 4;
	hs = n;
	p[n++] = 0x02;
	n += 3;
	xb_put_be16(p + n, 0x0303);
	n += 2;
	rng_bytes(r, p + n, 32);
	n += 32;
	p[n++] = 32;
	rng_bytes(r, p + n, 32);
	n += 32;
	xb_put_be16(p + n, 0x1301);
	n += 2;
	p[n++] = 0;
	xb_put_be16(p + n, 46);
	n += 2;
	xb_put_be16(p + n, 0x002b);
	xb_put_be16(p + n + 2, 2);
	xb_put_be16(p + n + 4, 0x0304);
	n += 6;
	xb_put_be16(p + n, 0x0033);
	xb_put_be16(p + n + 2, 36);
	xb_put_be16(p + n + 4, 0x001d);
	xb_put_be16(p + n + 6, 32);
	rng_bytes(r, p + n + 8, 32);
	n += 40;
	p[hs + 1] = 0;
	xb_put_be16(p + hs + 2, (uint16_t)(n - hs - 4));
	xb_put_be16(p + 3, (uint16_t)(n - 5));
	memcpy(p + n, "\x14\x03\x03\x00\x01\x01", 6);
	n += 6;
	while (cert_bytes > 0) {
		size_t k = cert_bytes > 16384 ? 16384 : cert_bytes;

		p[n] = 0x17;
		xb_put_be16(p + n + 1, 0x0303);
		xb_put_be16(p + n + 3, (uint16_t)k);
		rng_bytes(r, p + n + 5, k);
		n += 5 + k;
		cert_bytes -= k;
	}
	return n;
}

/* TLS application-data records carrying len bytes in total. */
static size_t
tls_app_data(struct rng *r, uint8_t *p, size_t len)
{
	size_t n = 0;

	while (len > 0) {
		size_t k = len > 16384 ? 16384 : len;

		p[n] = 0x17;
		xb_put_be16(p + n + 1, 0x0303);
		xb_put_be16(p + n + 3, (uint16_t)(k + 17));
		rng_bytes(r, p + n + 5, k + 17);
		n += 5 + k + 17;
		len -= k;
	}
	return n;
}

static size_t
dns_name(const char *name, uint8_t *p)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		p[n++] = (uint8_t)l;
		memcpy(p + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	p[n++] = 0;
	return n;
}

/* Query (answer == NULL) or its response with one A/AAAA record. */
static size_t
dns_msg(uint16_t id, const char *name, int family, const uint8_t *answer,
	uint8_t *p)
{
	size_t n = 12;

	xb_put_be16(p, id);
	xb_put_be16(p + 2, answer ? 0x8180 : 0x0100);
	xb_put_be16(p + 4, 1);
	xb_put_be16(p + 6, answer ? 1 : 0);
	xb_put_be16(p + 8, 0);
	xb_put_be16(p + 10, 0);
	n += dns_name(name, p + n);
	xb_put_be16(p + n, family == 4 ? 1 : 28);
	xb_put_be16(p + n + 2, 1);
	n += 4;
	if (answer) {
		xb_put_be16(p + n, 0xc00c);
		xb_put_be16(p + n + 2, family == 4 ? 1 : 28);
		xb_put_be16(p + n + 4, 1);
		xb_put_be32(p + n + 6, 300);
		xb_put_be16(p + n + 10, family == 4 ? 4 : 16);
		memcpy(p + n + 12, answer, family == 4 ? 4 : 16);
		n += 12 + (family == 4 ? 4 : 16);
	}
	return n;
}

/* Printable filler so HTTP bodies look like text. */
static void
text_fill(struct rng *r, uint8_t *p, size_t n)
{
	static const char words[] = "<div class=\"item\">lorem ipsum dolor "
				    "sit amet</div>\n<p>consectetur</p>\n";

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)words[(i + rng_below(r, 3)) % (sizeof(words) - 1)];
}

/* ------------------------------------------------------------ options --- */

enum mode { M_SAMPLE, M_FLOWS, M_NEWFLOWS, M_IMIX };

struct opts {
	const char *out;
	uint64_t seed;
	uint64_t start_ns;
	double rate;
	enum mode mode;
	uint64_t flows, packets;
	unsigned int size;
	const char *dst_files;
	const char *countries;
	const char *others;
	const char *src;
	unsigned int v6_share, vlan_share, other_share;
	unsigned int duration_s;
	int proto; /* 0 mix, else IPPROTO_* */
	bool names;
	const char *names_file;
	bool nano;
};

struct gen {
	struct opts o;
	struct rng r;
	struct countries dst;
	struct countries other;
	struct xb_prefix src4[MAX_SRC], src6[MAX_SRC];
	unsigned int nsrc4, nsrc6;
	uint64_t hosts4; /* usable IPv4 source hosts, capped at 2^24 */
	unsigned int tuple_bits;
	char **names;
	size_t nnames;
	struct out out;
	uint64_t flows_made;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: xbgw-gen --out FILE [options]\n"
		"  --mode sample|flows|newflows|imix   (default sample)\n"
		"  --seed N                 RNG seed (default 1): same options, same bytes\n"
		"  --start TIME             first timestamp, UTC (default 2026-11-26T08:00:00Z)\n"
		"  --rate PPS               timestamp spacing in flows/newflows/imix (default 10000)\n"
		"  --duration S             span of the sample capture in seconds (default 240)\n"
		"  --flows N                flows (default 300 sample, 65536 flows/imix)\n"
		"  --packets N              packets (default 20000 sample, 131072 otherwise)\n"
		"  --size BYTES             frame length as written, FCS excluded (default 60;\n"
		"                           60 = a 64-byte frame on the wire)\n"
		"  --proto tcp|udp|mix      flows/newflows transport (default mix)\n"
		"  --dst-prefixes F[,F..]   prefix,country CSV files (missing: built-in list)\n"
		"  --countries CC,..        destination countries (default " ASEAN ")\n"
		"  --other-countries CC,..  sample: countries outside the list (default CN,US,JP)\n"
		"  --src-prefixes P,..      source (tenant) prefixes\n"
		"                           (default 10.1.0.0/16,10.2.0.0/16,192.168.1.0/24,\n"
		"                            172.16.5.0/24,fd00:1::/48)\n"
		"  --ipv6-share PERCENT     share of IPv6 flows (default 0; sample 10)\n"
		"  --vlan-share PERCENT     sample: share of 802.1Q-tagged flows (default 5)\n"
		"  --names[=FILE]           flows/newflows: first packet of each flow is a TLS\n"
		"                           ClientHello with an SNI (built-in names or FILE)\n"
		"  --nano                   nanosecond timestamps (default microsecond)\n");
}

static int
parse_u64(const char *opt, const char *v, uint64_t min, uint64_t max,
	  uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-' || x < min || x > max) {
		fprintf(stderr,
			"xbgw-gen: %s: got \"%s\", expected an integer %" PRIu64
			"..%" PRIu64 "\n",
			opt, v, min, max);
		return -1;
	}
	*out = x;
	return 0;
}

static int
parse_time(const char *v, uint64_t *ns)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	e = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	if (e == NULL || (*e != 'Z' && *e != '\0') || (*e == 'Z' && e[1])) {
		fprintf(stderr,
			"xbgw-gen: --start: got \"%s\", expected YYYY-MM-DDTHH:MM:SSZ (UTC)\n",
			v);
		return -1;
	}
	*ns = (uint64_t)timegm(&tm) * NS_PER_S;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_OUT = 256, O_SEED, O_START, O_RATE, O_MODE, O_FLOWS, O_PACKETS,
		O_SIZE, O_DST, O_COUNTRIES, O_OTHERS, O_SRC, O_V6, O_VLAN,
		O_DURATION, O_PROTO, O_NAMES, O_NANO, O_HELP
	};
	static const struct option lo[] = {
		{"out", required_argument, NULL, O_OUT},
		{"seed", required_argument, NULL, O_SEED},
		{"start", required_argument, NULL, O_START},
		{"rate", required_argument, NULL, O_RATE},
		{"mode", required_argument, NULL, O_MODE},
		{"flows", required_argument, NULL, O_FLOWS},
		{"packets", required_argument, NULL, O_PACKETS},
		{"size", required_argument, NULL, O_SIZE},
		{"dst-prefixes", required_argument, NULL, O_DST},
		{"countries", required_argument, NULL, O_COUNTRIES},
		{"other-countries", required_argument, NULL, O_OTHERS},
		{"src-prefixes", required_argument, NULL, O_SRC},
		{"ipv6-share", required_argument, NULL, O_V6},
		{"vlan-share", required_argument, NULL, O_VLAN},
		{"duration", required_argument, NULL, O_DURATION},
		{"proto", required_argument, NULL, O_PROTO},
		{"names", optional_argument, NULL, O_NAMES},
		{"nano", no_argument, NULL, O_NANO},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	bool v6_set = false;
	uint64_t x;
	int c;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	parse_time("2026-11-26T08:00:00Z", &o->start_ns);
	o->rate = 10000;
	o->size = 60;
	o->countries = ASEAN;
	o->others = "CN,US,JP";
	o->src = "10.1.0.0/16,10.2.0.0/16,192.168.1.0/24,172.16.5.0/24,fd00:1::/48";
	o->vlan_share = 5;
	o->other_share = 15;
	o->duration_s = 240;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_OUT:
			o->out = optarg;
			break;
		case O_SEED:
			if (parse_u64("--seed", optarg, 0, UINT64_MAX, &o->seed))
				return -1;
			break;
		case O_START:
			if (parse_time(optarg, &o->start_ns))
				return -1;
			break;
		case O_RATE: {
			char *end;

			o->rate = strtod(optarg, &end);
			if (end == optarg || *end || !(o->rate >= 1) ||
			    o->rate > 1e10) {
				fprintf(stderr,
					"xbgw-gen: --rate: got \"%s\", expected packets per second 1..1e10\n",
					optarg);
				return -1;
			}
			break;
		}
		case O_MODE:
			if (strcmp(optarg, "sample") == 0)
				o->mode = M_SAMPLE;
			else if (strcmp(optarg, "flows") == 0)
				o->mode = M_FLOWS;
			else if (strcmp(optarg, "newflows") == 0)
				o->mode = M_NEWFLOWS;
			else if (strcmp(optarg, "imix") == 0)
				o->mode = M_IMIX;
			else {
				fprintf(stderr,
					"xbgw-gen: --mode: got \"%s\", expected sample, flows, newflows or imix\n",
					optarg);
				return -1;
			}
			break;
		case O_FLOWS:
			if (parse_u64("--flows", optarg, 1, 1u << 24, &o->flows))
				return -1;
			break;
		case O_PACKETS:
			if (parse_u64("--packets", optarg, 1, 1ULL << 32,
				      &o->packets))
				return -1;
			break;
		case O_SIZE:
			if (parse_u64("--size", optarg, MIN_FRAME, 1514, &x))
				return -1;
			o->size = (unsigned int)x;
			break;
		case O_DST:
			o->dst_files = optarg;
			break;
		case O_COUNTRIES:
			o->countries = optarg;
			break;
		case O_OTHERS:
			o->others = optarg;
			break;
		case O_SRC:
			o->src = optarg;
			break;
		case O_V6:
			if (parse_u64("--ipv6-share", optarg, 0, 100, &x))
				return -1;
			o->v6_share = (unsigned int)x;
			v6_set = true;
			break;
		case O_VLAN:
			if (parse_u64("--vlan-share", optarg, 0, 100, &x))
				return -1;
			o->vlan_share = (unsigned int)x;
			break;
		case O_DURATION:
			if (parse_u64("--duration", optarg, 1, 86400, &x))
				return -1;
			o->duration_s = (unsigned int)x;
			break;
		case O_PROTO:
			if (strcmp(optarg, "tcp") == 0)
				o->proto = IPPROTO_TCP;
			else if (strcmp(optarg, "udp") == 0)
				o->proto = IPPROTO_UDP;
			else if (strcmp(optarg, "mix") == 0)
				o->proto = 0;
			else {
				fprintf(stderr,
					"xbgw-gen: --proto: got \"%s\", expected tcp, udp or mix\n",
					optarg);
				return -1;
			}
			break;
		case O_NAMES:
			o->names = true;
			o->names_file = optarg;
			break;
		case O_NANO:
			o->nano = true;
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xbgw-gen: unexpected argument \"%s\"\n",
			argv[optind]);
		return -1;
	}
	if (o->out == NULL) {
		fprintf(stderr, "xbgw-gen: --out FILE is required\n");
		return -1;
	}
	if (o->flows == 0)
		o->flows = o->mode == M_SAMPLE ? 300 : 65536;
	if (o->packets == 0)
		o->packets = o->mode == M_SAMPLE ? 20000 : 131072;
	if (!v6_set && o->mode == M_SAMPLE)
		o->v6_share = 10;
	if (o->mode == M_NEWFLOWS && o->packets > (1u << 24)) {
		fprintf(stderr,
			"xbgw-gen: --packets: got %" PRIu64
			", expected at most 16777216 in newflows mode (one new 5-tuple each)\n",
			o->packets);
		return -1;
	}
	return 0;
}

static int
load_sources(struct gen *g)
{
	char buf[2048], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", g->o.src);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		struct xb_prefix p;
		const char *why;

		while (isspace((unsigned char)*tok))
			tok++;
		if (xb_prefix_parse(tok, &p, &why) < 0) {
			fprintf(stderr,
				"xbgw-gen: --src-prefixes: got \"%s\", expected a prefix (%s)\n",
				tok, why);
			return -1;
		}
		if ((p.family == 4 && (p.len > 30 || g->nsrc4 == MAX_SRC)) ||
		    (p.family == 6 && (p.len > 120 || g->nsrc6 == MAX_SRC))) {
			fprintf(stderr,
				"xbgw-gen: --src-prefixes: got \"%s\", expected at most %d prefixes of /30 (IPv4) or /120 (IPv6) or shorter\n",
				tok, MAX_SRC);
			return -1;
		}
		if (p.family == 4) {
			uint64_t h = (1ULL << (32 - p.len)) - 2;

			g->src4[g->nsrc4++] = p;
			g->hosts4 += h;
		} else {
			g->src6[g->nsrc6++] = p;
		}
	}
	if (g->hosts4 > (1u << 24))
		g->hosts4 = 1u << 24;
	if (g->nsrc4 == 0 && g->o.v6_share < 100) {
		fprintf(stderr, "xbgw-gen: --src-prefixes: no IPv4 prefix but --ipv6-share < 100\n");
		return -1;
	}
	if (g->nsrc6 == 0 && g->o.v6_share > 0) {
		fprintf(stderr, "xbgw-gen: --src-prefixes: no IPv6 prefix but --ipv6-share > 0\n");
		return -1;
	}
	return 0;
}

static int
load_destinations(struct gen *g)
{
	struct xb_errors errs;

	if (countries_add_list(&g->dst, g->o.countries) < 0 ||
	    countries_add_list(&g->other, g->o.others) < 0)
		return -1;
	xb_errors_init(&errs);
	if (g->o.dst_files != NULL) {
		char buf[4096], *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", g->o.dst_files);
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			if (load_geo_file(tok, &g->dst, &g->other, &errs) == -2)
				fprintf(stderr,
					"xbgw-gen: %s: %s; using the built-in prefixes\n",
					tok, strerror(errno));
		}
	}
	if (xb_errors_count(&errs) > 0) {
		xb_errors_print(&errs, stderr);
		xb_errors_free(&errs);
		return -1;
	}
	xb_errors_free(&errs);
	load_builtin(&g->dst);
	load_builtin(&g->other);
	for (unsigned int i = 0; i < g->dst.n; i++)
		if (g->dst.c[i].v4.n == 0 && g->dst.c[i].v6.n == 0) {
			fprintf(stderr,
				"xbgw-gen: --countries: no prefixes for %s in the files or the built-in list\n",
				g->dst.c[i].cc);
			return -1;
		}
	return 0;
}

static int
load_names(struct gen *g)
{
	if (g->o.names_file == NULL) {
		g->nnames = NSERVICES;
		g->names = xrealloc(NULL, NSERVICES * sizeof(char *));
		for (size_t i = 0; i < NSERVICES; i++)
			g->names[i] = (char *)services[i].name;
		return 0;
	}
	FILE *f = fopen(g->o.names_file, "r");
	char line[512];
	unsigned int ln = 0;

	if (f == NULL) {
		fprintf(stderr, "xbgw-gen: %s: %s\n", g->o.names_file,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *e;

		ln++;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (strlen(s) > 253) {
			fprintf(stderr,
				"%s:%u: name too long (got %zu characters, expected at most 253)\n",
				g->o.names_file, ln, strlen(s));
			fclose(f);
			return -1;
		}
		g->names = xrealloc(g->names, (g->nnames + 1) * sizeof(char *));
		g->names[g->nnames++] = strdup(s);
	}
	fclose(f);
	if (g->nnames == 0) {
		fprintf(stderr, "xbgw-gen: %s: no names\n", g->o.names_file);
		return -1;
	}
	return 0;
}

/* Pick a random destination address of the given family in a random
 * country of cs (country first, then prefix, both uniform). */
static bool
pick_dst(struct rng *r, struct countries *cs, int family, uint8_t *addr,
	 const char **cc)
{
	unsigned int cand[MAX_COUNTRIES], n = 0;

	for (unsigned int i = 0; i < cs->n; i++)
		if ((family == 4 ? cs->c[i].v4.n : cs->c[i].v6.n) > 0)
			cand[n++] = i;
	if (n == 0)
		return false;
	struct country *c = &cs->c[cand[rng_below(r, n)]];
	struct pfx_list *l = family == 4 ? &c->v4 : &c->v6;

	addr_in(r, &l->v[rng_below(r, (uint32_t)l->n)], addr);
	if (cc)
		*cc = c->cc;
	return true;
}

static bool
pick_dst_cc(struct rng *r, struct countries *cs, const char *ccname,
	    int family, uint8_t *addr)
{
	struct country *c = country_find(cs, ccname);
	struct pfx_list *l;

	if (c == NULL)
		return false;
	l = family == 4 ? &c->v4 : &c->v6;
	if (l->n == 0)
		return false;
	addr_in(r, &l->v[rng_below(r, (uint32_t)l->n)], addr);
	return true;
}

/* ------------------------------------------------- benchmark modes --- */

/*
 * The 5-tuple of flow idx: source host and port from a bijection of idx
 * (unique for idx < 2^tuple_bits), everything else from an RNG seeded with
 * (seed, idx), so it can be recomputed instead of stored.
 */
static void
bench_tuple(struct gen *g, uint64_t idx, struct tuple *t, struct rng *fr)
{
	uint32_t p = perm((uint32_t)idx, g->tuple_bits, g->o.seed);
	uint64_t h = p % g->hosts4, port = p / g->hosts4;

	rng_seed(fr, g->o.seed, idx + 1);
	memset(t, 0, sizeof(*t));
	t->family = rng_below(fr, 100) < g->o.v6_share ? 6 : 4;
	if (g->o.names)
		t->proto = IPPROTO_TCP;
	else if (g->o.proto)
		t->proto = (uint8_t)g->o.proto;
	else
		t->proto = rng_below(fr, 2) ? IPPROTO_TCP : IPPROTO_UDP;
	if (t->family == 4) {
		/* Host h across the source prefixes, skipping network
		 * addresses. */
		for (unsigned int i = 0; i < g->nsrc4; i++) {
			uint64_t n = (1ULL << (32 - g->src4[i].len)) - 2;

			if (h < n || i == g->nsrc4 - 1) {
				addr_host(&g->src4[i], h % n + 1, t->caddr);
				break;
			}
			h -= n;
		}
	} else {
		addr_host(&g->src6[h % g->nsrc6], h / g->nsrc6 + 1, t->caddr);
	}
	t->cport = (uint16_t)(1024 + port);
	if (!pick_dst(fr, &g->dst, t->family, t->saddr, NULL)) {
		/* No IPv6 prefix for these countries: stay on IPv4. */
		t->family = 4;
		addr_host(&g->src4[0], h % ((1ULL << (32 - g->src4[0].len)) - 2) + 1,
			  t->caddr);
		pick_dst(fr, &g->dst, 4, t->saddr, NULL);
	}
	if (g->o.names) {
		t->sport = 443;
	} else if (t->proto == IPPROTO_TCP) {
		static const uint16_t ports[] = {443, 443, 443, 80, 8443, 22, 25, 993};

		t->sport = ports[rng_below(fr, 8)];
	} else {
		static const uint16_t ports[] = {443, 53, 8801, 4500, 5060, 3478, 1194, 51820};

		t->sport = ports[rng_below(fr, 8)];
	}
	t->cseq = (uint32_t)rng_next(fr);
	t->sseq = (uint32_t)rng_next(fr);
	t->cid = (uint16_t)rng_next(fr);
	t->cttl = 64;
}

static const unsigned int imix_sizes[12] = {60, 60, 60, 60, 60, 60, 60,
					    590, 590, 590, 590, 1514};

static void
gen_bench(struct gen *g)
{
	static uint8_t b[MAX_FRAME + 64], pl[MAX_FRAME + 512];
	uint64_t nflows = g->o.mode == M_NEWFLOWS ? g->o.packets : g->o.flows;
	double step_ns = 1e9 / g->o.rate;
	unsigned int cycle[12];

	memset(pl, 0, sizeof(pl));
	g->flows_made = nflows < g->o.packets ? nflows : g->o.packets;
	for (uint64_t i = 0; i < g->o.packets; i++) {
		uint64_t f = g->o.mode == M_NEWFLOWS ? i : i % nflows;
		uint64_t pass = g->o.mode == M_NEWFLOWS ? 0 : i / nflows;
		uint64_t ts = g->o.start_ns + (uint64_t)((double)i * step_ns);
		unsigned int size = g->o.size;
		struct tuple t;
		struct rng fr;
		size_t plen, len;

		if (g->o.mode == M_IMIX) {
			if (i % 12 == 0) {
				/* Shuffle each 12-packet cycle so sizes mix. */
				memcpy(cycle, imix_sizes, sizeof(cycle));
				for (unsigned int k = 11; k > 0; k--) {
					unsigned int j = rng_below(&g->r, k + 1), x = cycle[k];

					cycle[k] = cycle[j];
					cycle[j] = x;
				}
			}
			size = cycle[i % 12];
		}
		bench_tuple(g, f, &t, &fr);
		if (g->o.names && pass == 0) {
			const char *sni = g->names[rng_below(&fr, (uint32_t)g->nnames)];

			plen = tls_client_hello(&fr, sni, pl);
			len = build(b, &t, 0, TH_PSH | TH_ACK, NULL, 0, pl, plen);
		} else {
			size_t hl = hdr_len(&t);

			plen = size > hl ? size - hl : 0;
			if (t.proto == IPPROTO_TCP) {
				/* Sequence advances with each pass. */
				t.cseq += (uint32_t)(pass * plen);
				t.cid = (uint16_t)(t.cid + pass);
			}
			len = build(b, &t, 0,
				    t.proto == IPPROTO_TCP ? (TH_ACK | (plen ? TH_PSH : 0)) : 0,
				    NULL, 0, pl, plen);
		}
		emit(&g->out, ts, b, len);
	}
}

/* ------------------------------------------------------- sample mode --- */

struct sflow {
	struct tuple t;
	uint64_t now; /* ns, current time of this flow */
	uint32_t rtt_ns;
	uint32_t gap_ns; /* spacing of back-to-back segments */
	size_t mss;
};

static uint8_t sbuf[MAX_FRAME + 64];
static uint8_t big[1 << 20];

static void
s_send(struct gen *g, struct sflow *f, int dir, uint8_t flags,
       const uint8_t *opt, size_t optlen, const uint8_t *pl, size_t plen)
{
	size_t len = build(sbuf, &f->t, dir, flags, opt, optlen, pl, plen);

	emit(&g->out, f->now, sbuf, len);
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
	static const char *const paths[] = {"/", "/index.html", "/news/latest",
					    "/images/banner.jpg", "/api/v1/items?page=2"};
	struct rng *r = &g->r;
	unsigned int rounds = rng_range(r, 1, 3);
	size_t n;

	s_handshake(g, f);
	for (unsigned int k = 0; k < rounds; k++) {
		size_t body = round_bytes(r, segs, rounds, f->mss);

		n = (size_t)snprintf((char *)big, 1024,
				     "GET %s HTTP/1.1\r\nHost: %s\r\n"
				     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0\r\n"
				     "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
				     "Accept-Language: en-US,en;q=0.5\r\n"
				     "Connection: keep-alive\r\n\r\n",
				     paths[rng_below(r, 5)], host);
		s_stream(g, f, 0, big, n);
		n = (size_t)snprintf((char *)big, 1024,
				     "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
				     "Content-Type: text/html; charset=utf-8\r\n"
				     "Content-Length: %zu\r\n\r\n",
				     body);
		text_fill(r, big + n, body);
		s_stream(g, f, 1, big, n + body);
		f->now += (uint64_t)rng_range(r, 300, 5000) * 1000000ULL;
	}
	s_close(g, f);
}

static size_t
quic_varint2(uint8_t *p, size_t v)
{
	xb_put_be16(p, (uint16_t)(0x4000 | v));
	return 2;
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

		n = 0;
		big[n++] = (uint8_t)(step == 0 || step == 1 ? 0xc3 : 0xe3);
		xb_put_be32(big + n, 1);
		n += 4;
		big[n++] = 8;
		memcpy(big + n, dir ? scid : dcid, 8);
		n += 8;
		big[n++] = 8;
		memcpy(big + n, dir ? dcid : scid, 8);
		n += 8;
		if (step == 0 || step == 1)
			big[n++] = 0; /* token length */
		n += quic_varint2(big + n, total - n - 2);
		rng_bytes(r, big + n, total - n);
		n = total;
		s_send(g, f, dir, 0, NULL, 0, big, n);
		f->now += step == 0 ? f->rtt_ns : step == 1 ? 200000 : 30000;
	}
	for (size_t k = 0; k < segs; k++) {
		n = 1 + 8;
		big[0] = 0x43;
		memcpy(big + 1, scid, 8);
		rng_bytes(r, big + n, 1200);
		s_send(g, f, 1, 0, NULL, 0, big, n + 1200);
		f->now += f->gap_ns;
		if (k % 4 == 3) {
			big[0] = 0x41;
			memcpy(big + 1, dcid, 8);
			rng_bytes(r, big + n, 32);
			s_send(g, f, 0, 0, NULL, 0, big, n + 32);
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
		const struct xb_prefix *p = &g->src4[client % g->nsrc4];
		uint64_t n = (1ULL << (32 - p->len)) - 2;

		addr_host(p, (client / g->nsrc4) % n + 1, out);
	} else {
		addr_host(&g->src6[client % g->nsrc6], 0x100 + client, out);
	}
}

static void
gen_sample(struct gen *g)
{
	struct rng *r = &g->r;
	struct server srv[NSERVICES];
	uint8_t res4[2][16], res6[2][16];
	const char *res_cc[2] = {"SG", "US"};
	uint64_t nflows = g->o.flows, budget, overhead = 0;
	struct plan *pl = xrealloc(NULL, nflows * sizeof(*pl));
	uint32_t wsum = 0;
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

	for (size_t i = 0; i < NSERVICES; i++) {
		bool asean = country_find(&g->dst, services[i].cc) != NULL;

		if (asean)
			wsum += services[i].weight;
	}

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

/* --------------------------------------------------------------- main --- */

int
main(int argc, char **argv)
{
	static struct gen g;

	if (parse_opts(argc, argv, &g.o) < 0)
		return 2;
	if (load_sources(&g) < 0 || load_destinations(&g) < 0)
		return 1;
	if (g.o.names && load_names(&g) < 0)
		return 1;
	rng_seed(&g.r, g.o.seed, 0);

	/* Unique tuples: (source host, source port) from a bijection over
	 * 2^bits indices, bits as large as hosts x 64512 ports allow. */
	{
		uint64_t space = (g.hosts4 ? g.hosts4 : (1u << 24)) * 64512ULL;
		unsigned int bits = 0;

		if (g.hosts4 == 0)
			g.hosts4 = 1u << 24;
		while (bits < 24 && (1ULL << (bits + 1)) <= space)
			bits++;
		g.tuple_bits = bits;
		uint64_t need = g.o.mode == M_NEWFLOWS ? g.o.packets : g.o.flows;

		if (g.o.mode != M_SAMPLE && need > (1ULL << bits)) {
			fprintf(stderr,
				"xbgw-gen: %" PRIu64 " unique flows need more source addresses (got %" PRIu64
				" IPv4 hosts, expected at least %" PRIu64 ")\n",
				need, g.hosts4, need / 64512 + 1);
			return 1;
		}
	}

	g.out.nano = g.o.nano;
	g.out.buffered = g.o.mode == M_SAMPLE;
	g.out.dead = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, 65535,
		g.o.nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (g.out.dead == NULL) {
		fprintf(stderr, "xbgw-gen: pcap_open_dead failed\n");
		return 1;
	}
	g.out.d = pcap_dump_open(g.out.dead, g.o.out);
	if (g.out.d == NULL) {
		fprintf(stderr, "xbgw-gen: %s: %s\n", g.o.out,
			pcap_geterr(g.out.dead));
		return 1;
	}
	if (g.o.mode == M_SAMPLE) {
		gen_sample(&g);
		flush_sorted(&g.out);
	} else {
		gen_bench(&g);
	}
	if (pcap_dump_flush(g.out.d) != 0) {
		fprintf(stderr, "xbgw-gen: %s: write failed\n", g.o.out);
		return 1;
	}
	pcap_dump_close(g.out.d);
	pcap_close(g.out.dead);
	fprintf(stderr,
		"xbgw-gen: %s: %" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64
		" bytes -> %s\n",
		g.o.mode == M_SAMPLE ? "sample" : g.o.mode == M_FLOWS ? "flows"
				: g.o.mode == M_NEWFLOWS ? "newflows" : "imix",
		g.out.packets, g.flows_made, g.out.bytes, g.o.out);
	free(g.out.recs);
	free(g.out.arena);
	return 0;
}
