/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the name extractors.  The input drives
 *   1. every stateless extractor on the whole buffer and on each prefix
 *      length given by the first byte (TLS, HTTP, DNS, QUIC / gQUIC);
 *   2. the per-flow feed path: the rest of the input is cut into up to 8
 *      "packets" (2-byte length, 1 byte flags: direction, protocol, port
 *      choice; 4-byte sequence delta), fed as one flow to xb_name_feed
 *      with a small slot pool so that reclamation happens too;
 *   3. DNS learning and the shared cache: the buffer as a query and as an
 *      answer (UDP and TCP framing, every path), then as the answer to
 *      the query its own question makes (so the answer parser and the
 *      cache are reached), and a lookup.
 * Any name returned must be NUL-terminated, lower-case ASCII letters only,
 * of the stated length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_dns.h"
#include "xb_dns_cache.h"
#include "xb_dns_learn.h"
#include "xb_http.h"
#include "xb_names.h"
#include "xb_quic.h"
#include "xb_tls.h"

static void
check(int rc, const struct xb_name *n)
{
	if (rc != XB_NAME_FOUND)
		return;
	if (n->len == 0 || n->len > XB_NAME_MAX || n->str[n->len] != '\0' ||
	    strlen(n->str) != n->len)
		abort();
	for (unsigned i = 0; i < n->len; i++)
		if (n->str[i] >= 'A' && n->str[i] <= 'Z')
			abort();
}

static struct xb_name_ctx *ctx;
static struct xb_dns_cache *cache;
static struct xb_dns_learner *learner;

/* Part 3: the input through the DNS learner as every kind of packet. */
static void
fuzz_dns_learn(const uint8_t *d, uint32_t len)
{
	static uint64_t now = 1;
	struct xb_dns_flow fl = {.tenant = 7, .family = 4, .proto = 17,
				 .client_port = 40000, .server_port = 53};
	struct xb_name out;

	if (!cache) {
		cache = xb_dns_cache_create(2, 16, 42);
		learner = cache ? xb_dns_learner_create(cache, 1, 8, 43) : NULL;
		if (!learner)
			abort();
	}
	now += 1000;
	memcpy(fl.client, "\x0a\x00\x00\x01", 4);
	memcpy(fl.server, "\x08\x08\x08\x08", 4);
	for (int path = XB_DNS_TO_SERVER; path <= XB_DNS_OTHER; path++) {
		fl.proto = 17;
		xb_dns_learn_packet(learner, &fl, (enum xb_dns_path)path, d, len,
				    now);
		fl.proto = 6;
		xb_dns_learn_packet(learner, &fl, (enum xb_dns_path)path, d, len,
				    now);
	}
	/* The same bytes as a query (QR cleared), then as its answer. */
	if (len >= 12 && len <= 4096) {
		uint8_t m[4096];

		memcpy(m, d, len);
		fl.proto = 17;
		m[2] &= 0x7f;
		xb_dns_learn_packet(learner, &fl, XB_DNS_TO_SERVER, m, len, now);
		m[2] |= 0x80;
		xb_dns_learn_packet(learner, &fl, XB_DNS_FROM_SERVER, m, len,
				    now);
	}
	if (len >= 16) {
		if (xb_dns_learn_lookup(learner, 7, (d[0] & 1) ? 6 : 4, d, now,
					&out)) {
			check(XB_NAME_FOUND, &out);
			if (out.source != XB_NAME_SRC_DNS_CACHE)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct xb_name out;
	if (!ctx) {
		ctx = xb_name_ctx_create(2, 16);
		if (!ctx)
			abort();
	}
	uint32_t len = n > 65535 ? 65535 : (uint32_t)n;
	check(xb_tls_sni(d, len, &out), &out);
	check(xb_tls_hs_sni(d, len, &out), &out);
	check(xb_http_host(d, len, &out), &out);
	check(xb_dns_qname(d, len, &out), &out);
	if (len <= 2048)
		check(xb_quic_initial_sni(d, len, &out), &out);
	if (len > 1) {
		uint32_t cut = d[0] % len;
		check(xb_tls_sni(d + 1, cut, &out), &out);
		check(xb_http_host(d + 1, cut, &out), &out);
	}
	fuzz_dns_learn(d, len);

	/* Feed path. */
	static const uint16_t ports[4] = {443, 80, 53, 5353};
	struct xb_name_flow slot = {0};
	uint32_t seq = 1000;
	size_t off = 0;
	for (int k = 0; k < 8 && off + 7 <= n; k++) {
		uint32_t pl = (uint32_t)d[off] << 8 | d[off + 1];
		uint8_t fl = d[off + 2];
		int32_t delta = (int32_t)((uint32_t)d[off + 3] << 24 |
					  (uint32_t)d[off + 4] << 16 |
					  (uint32_t)d[off + 5] << 8 | d[off + 6]);
		off += 7;
		if (pl > n - off)
			pl = (uint32_t)(n - off);
		struct xb_pkt_info pi;
		memset(&pi, 0, sizeof(pi));
		pi.family = (fl & 0x40) ? 6 : 4;
		pi.proto = (fl & 2) ? 17 : 6;
		pi.flags = XB_PKT_F_HAS_L4;
		int dir = fl & 1;
		uint16_t port = ports[(fl >> 2) & 3];
		pi.sport = dir ? port : 40000;
		pi.dport = dir ? 40000 : port;
		seq += (uint32_t)(delta % 20000);
		pi.tcp_seq = seq;
		pi.dst[0] = 93;
		int rc = xb_name_feed(ctx, &slot, &pi, dir, 0, d + off, pl, 5,
				      &out);
		check(rc, &out);
		off += pl;
		if (rc != XB_NAME_MORE)
			break;
	}
	xb_name_release(ctx, &slot);
	return 0;
}
