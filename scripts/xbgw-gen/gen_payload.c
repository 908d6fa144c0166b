/* SPDX-License-Identifier: BSD-3-Clause */
/* TLS, HTTP, DNS and QUIC payloads; see gen_payload.h. */
#include <stdio.h>
#include <string.h>

#include "gen_payload.h"
#include "xb_bytes.h"

/* A TLS extension's type and length, then its len bytes of body (from body,
 * or left to the caller when body is NULL).  Returns 4 + len. */
static size_t
tls_ext(uint8_t *p, uint16_t type, const void *body, size_t len)
{
	xb_put_be16(p, type);
	xb_put_be16(p + 2, (uint16_t)len);
	if (body != NULL)
		memcpy(p + 4, body, len);
	return 4 + len;
}

/* What a ClientHello and a ServerHello start with: legacy version 1.2,
 * 32 random bytes, a random 32-byte session id.  Returns 67. */
static size_t
tls_hello_start(struct rng *r, uint8_t *p)
{
	xb_put_be16(p, 0x0303);
	rng_bytes(r, p + 2, 32);
	p[34] = 32;
	rng_bytes(r, p + 35, 32);
	return 67;
}

size_t
tls_client_hello(struct rng *r, const char *sni, uint8_t *p)
{
	static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b,
					  0xc02f, 0xc02c, 0xc030, 0xcca9,
					  0xcca8, 0xc013, 0xc014, 0x009c,
					  0x009d, 0x002f, 0x0035};
	/* signature_algorithms' body: the list's length, then the list. */
	static const uint8_t sigalgs[] = {0x00, 0x10,
					  0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
					  0x05, 0x03, 0x08, 0x05, 0x05, 0x01,
					  0x08, 0x06, 0x06, 0x01};
	size_t n = 0, sl = strlen(sni), hs, ext;

	p[n++] = 0x16; /* handshake record */
	xb_put_be16(p + n, 0x0301);
	n += 2 + 2; /* length later */
	hs = n;
	p[n++] = 0x01; /* ClientHello */
	n += 3;
	n += tls_hello_start(r, p + n);
	xb_put_be16(p + n, (uint16_t)(sizeof(suites)));
	n += 2;
	for (size_t i = 0; i < sizeof(suites) / 2; i++, n += 2)
		xb_put_be16(p + n, suites[i]);
	p[n++] = 1;
	p[n++] = 0;
	ext = n;
	n += 2;
	/* server_name: one host_name */
	tls_ext(p + n, 0x0000, NULL, sl + 5);
	xb_put_be16(p + n + 4, (uint16_t)(sl + 3));
	p[n + 6] = 0;
	xb_put_be16(p + n + 7, (uint16_t)sl);
	memcpy(p + n + 9, sni, sl);
	n += 9 + sl;
	n += tls_ext(p + n, 0x0017, NULL, 0); /* extended_master_secret */
	n += tls_ext(p + n, 0xff01, "\x00", 1); /* renegotiation_info */
	/* supported_groups: x25519, secp256r1, secp384r1 */
	n += tls_ext(p + n, 0x000a, "\x00\x06\x00\x1d\x00\x17\x00\x18", 8);
	n += tls_ext(p + n, 0x000b, "\x01\x00", 2); /* ec_point_formats */
	/* ALPN: h2, http/1.1 */
	n += tls_ext(p + n, 0x0010, "\x00\x0c\x02h2\x08http/1.1", 14);
	n += tls_ext(p + n, 0x000d, sigalgs, sizeof(sigalgs)); /* signature_algorithms */
	/* key_share: one x25519 key */
	tls_ext(p + n, 0x0033, NULL, 38);
	memcpy(p + n + 4, "\x00\x24\x00\x1d\x00\x20", 6);
	rng_bytes(r, p + n + 10, 32);
	n += 42;
	n += tls_ext(p + n, 0x002d, "\x01\x01", 2); /* psk_key_exchange_modes */
	/* supported_versions: TLS 1.3, 1.2 */
	n += tls_ext(p + n, 0x002b, "\x04\x03\x04\x03\x03", 5);

	xb_put_be16(p + ext, (uint16_t)(n - ext - 2));
	p[hs + 1] = (uint8_t)((n - hs - 4) >> 16);
	xb_put_be16(p + hs + 2, (uint16_t)(n - hs - 4));
	xb_put_be16(p + 3, (uint16_t)(n - 5));
	return n;
}

size_t
tls_server_flight(struct rng *r, uint8_t *p, size_t cert_bytes)
{
	size_t n = 0, hs;

	p[n++] = 0x16;
	xb_put_be16(p + n, 0x0303);
	n += 4;
	hs = n;
	p[n++] = 0x02; /* ServerHello */
	n += 3;
	n += tls_hello_start(r, p + n);
	xb_put_be16(p + n, 0x1301);
	n += 2;
	p[n++] = 0;
	xb_put_be16(p + n, 46); /* extensions' length */
	n += 2;
	n += tls_ext(p + n, 0x002b, "\x03\x04", 2); /* supported_versions: 1.3 */
	/* key_share: the server's x25519 key */
	tls_ext(p + n, 0x0033, NULL, 36);
	memcpy(p + n + 4, "\x00\x1d\x00\x20", 4);
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

size_t
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

size_t
http_request(struct rng *r, const char *host, uint8_t *p)
{
	static const char *const paths[] = {"/", "/index.html", "/news/latest",
					    "/images/banner.jpg", "/api/v1/items?page=2"};

	return (size_t)snprintf((char *)p, 1024,
				"GET %s HTTP/1.1\r\nHost: %s\r\n"
				"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0\r\n"
				"Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
				"Accept-Language: en-US,en;q=0.5\r\n"
				"Connection: keep-alive\r\n\r\n",
				paths[rng_below(r, 5)], host);
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

size_t
http_response(struct rng *r, size_t body, uint8_t *p)
{
	size_t n = (size_t)snprintf((char *)p, 1024,
				    "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
				    "Content-Type: text/html; charset=utf-8\r\n"
				    "Content-Length: %zu\r\n\r\n",
				    body);

	text_fill(r, p + n, body);
	return n + body;
}

/* name in DNS wire format (length-prefixed labels, root label last). */
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

size_t
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

size_t
quic_long_packet(struct rng *r, uint8_t first, const uint8_t *dcid,
		 const uint8_t *scid, size_t total, uint8_t *p)
{
	size_t n = 0;

	p[n++] = first;
	xb_put_be32(p + n, 1); /* version 1 */
	n += 4;
	p[n++] = 8;
	memcpy(p + n, dcid, 8);
	n += 8;
	p[n++] = 8;
	memcpy(p + n, scid, 8);
	n += 8;
	if ((first & 0x30) == 0) /* Initial */
		p[n++] = 0;      /* token length */
	/* Length: a 2-byte variable-length integer. */
	xb_put_be16(p + n, (uint16_t)(0x4000 | (total - n - 2)));
	n += 2;
	rng_bytes(r, p + n, total - n);
	return total;
}

size_t
quic_short_packet(struct rng *r, uint8_t first, const uint8_t *dcid,
		  size_t len, uint8_t *p)
{
	p[0] = first;
	memcpy(p + 1, dcid, 8);
	rng_bytes(r, p + 9, len);
	return 9 + len;
}
