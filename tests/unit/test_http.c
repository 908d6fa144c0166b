/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP request stream parser (classifiers/names/xb_http.c): every
 * request of a connection, absolute-form and CONNECT targets, leading
 * empty lines, Content-Length and chunked bodies (extensions, trailers),
 * tunnels, and the cases it refuses (XB_NAME_UNNAMED) or leaves alone
 * (XB_NAME_GIVE_UP).  Each case runs whole, split at every point, byte by
 * byte and in three pieces, and must give the same names every time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xb_http.h"

#define MAX_NAMES 16

/* What a run gave, as text: "name,name|FINAL". */
struct outcome {
	char text[MAX_NAMES * (XB_NAME_MAX + 1) + 32];
	int names;
	int final; /* XB_NAME_MORE when the input ran out first */
	bool tunneled;
	uint32_t tunnel_at; /* offset of the first tunnelled byte */
};

static const char *
code_str(int rc)
{
	switch (rc) {
	case XB_NAME_MORE:
		return "MORE";
	case XB_NAME_FOUND:
		return "FOUND";
	case XB_NAME_GIVE_UP:
		return "GIVE_UP";
	case XB_NAME_UNNAMED:
		return "UNNAMED";
	default:
		return "?";
	}
}

/* Feed in[0..len) cut at the sorted offsets cuts[0..ncuts). */
static void
run(const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts,
    struct outcome *o)
{
	struct xb_http_stream s;
	size_t at = 0;

	memset(o, 0, sizeof(*o));
	o->final = XB_NAME_MORE;
	xb_http_stream_init(&s);
	for (size_t piece = 0; piece <= ncuts; piece++) {
		size_t end = piece < ncuts ? cuts[piece] : len;
		const uint8_t *p = in + at;
		uint32_t n = (uint32_t)(end - at);

		at = end;
		for (;;) {
			struct xb_name name;
			uint32_t used = UINT32_MAX;
			int rc = xb_http_stream_feed(&s, p, n, &name, &used);

			assert_true(used <= n);
			if (rc == XB_NAME_FOUND) {
				assert_int_equal(name.source, XB_NAME_SRC_HTTP);
				assert_int_equal(strlen(name.str), name.len);
				if (o->names++)
					strcat(o->text, ",");
				if (o->names <= MAX_NAMES)
					strcat(o->text, name.str);
				p += used;
				n -= used;
				continue;
			}
			if (rc == XB_NAME_MORE) {
				assert_int_equal(used, n);
				break;
			}
			o->final = rc;
			o->tunneled = xb_http_stream_tunneled(&s);
			o->tunnel_at = (uint32_t)(p + used - in);
			/* Final: every later call says the same. */
			assert_int_equal(xb_http_stream_feed(&s, p, n, &name,
							     &used),
					 rc);
			assert_int_equal(used, 0);
			goto done;
		}
	}
done:
	strcat(o->text, "|");
	strcat(o->text, code_str(o->final));
	if (o->tunneled)
		strcat(o->text, "|tunnel");
}

/* Whole, every two-piece split, byte by byte, three pieces: the same. */
static void
check_all_splits(const uint8_t *in, size_t len, const char *want,
		 const char *label)
{
	struct outcome whole, o;
	size_t *cuts = malloc((len + 1) * sizeof(*cuts));

	assert_non_null(cuts);
	run(in, len, NULL, 0, &whole);
	if (strcmp(whole.text, want) != 0)
		fail_msg("%s: got '%s', expected '%s'", label, whole.text,
			 want);
	for (size_t c = 0; c <= len; c++) {
		cuts[0] = c;
		run(in, len, cuts, 1, &o);
		if (strcmp(o.text, want) != 0)
			fail_msg("%s split at %zu: got '%s', expected '%s'",
				 label, c, o.text, want);
		if (whole.tunneled)
			assert_int_equal(o.tunnel_at, whole.tunnel_at);
	}
	for (size_t c = 0; c < len; c++)
		cuts[c] = c + 1;
	run(in, len, cuts, len ? len - 1 : 0, &o);
	if (strcmp(o.text, want) != 0)
		fail_msg("%s byte by byte: got '%s', expected '%s'", label,
			 o.text, want);
	for (size_t a = 0; a < len; a += 7) {
		cuts[0] = a;
		cuts[1] = a + (len - a) / 2;
		run(in, len, cuts, 2, &o);
		if (strcmp(o.text, want) != 0)
			fail_msg("%s cut at %zu,%zu: got '%s'", label, cuts[0],
				 cuts[1], o.text);
	}
	free(cuts);
}

#define REQ(host) "GET / HTTP/1.1\r\nHost: " host "\r\n\r\n"
/* A request that must never be seen: it sits inside a body. */
#define HIDDEN "GET / HTTP/1.1\r\nHost: hidden.example\r\n\r\n"

static const struct http_case {
	const char *label;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
} cases[] = {
	/* -- names ----------------------------------------------------- */
	{"host", REQ("www.Example.com"), 0, "www.example.com|MORE"},
	{"host port", "POST /x HTTP/1.0\r\nUser-Agent: a\r\nhOsT:example.org:8080\r\n\r\n",
	 0, "example.org|MORE"},
	{"host ows", "PROPFIND /d HTTP/1.1\r\nHOST: \t dav.example \t\r\n\r\n", 0,
	 "dav.example|MORE"},
	{"bare LF", "GET / HTTP/1.1\nHost: lf.example\n\n", 0,
	 "lf.example|MORE"},
	{"ipv6", REQ("[2001:db8::1]:8080"), 0, "2001:db8::1|MORE"},
	{"ipv4", REQ("23.246.3.140"), 0, "23.246.3.140|MORE"},
	{"trailing dot", REQ("www.dbs.com.sg."), 0, "www.dbs.com.sg|MORE"},
	{"utf8 host kept", REQ("caf\xc3\xa9.example"), 0,
	 "caf\xc3\xa9.example|MORE"},
	{"invalid utf8 host kept", REQ("x\xff\xc0\xaf.example"), 0,
	 "x\xff\xc0\xaf.example|MORE"},
	{"leading CRLFs", "\r\n\r\n\n" REQ("crlf.example"), 0,
	 "crlf.example|MORE"},
	{"absolute wins", "GET http://www.dbs.com.sg/x HTTP/1.1\r\nHost: benign.example\r\n\r\n",
	 0, "www.dbs.com.sg|MORE"},
	{"absolute userinfo port", "GET http://u:p@abs.example:81/p?q=@x HTTP/1.1\r\nAccept: */*\r\n\r\n",
	 0, "abs.example|MORE"},
	{"absolute no path", "GET HTTPS://Abs.Example HTTP/1.1\r\n\r\n", 0,
	 "abs.example|MORE"},
	{"absolute query", "GET http://q.example?x HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	 "q.example|MORE"},
	{"asterisk", "OPTIONS * HTTP/1.1\r\nHost: opt.example\r\n\r\n", 0,
	 "opt.example|MORE"},
	{"connect", "CONNECT www.dbs.com.sg:443 HTTP/1.1\r\nHost: benign.example:443\r\n\r\n",
	 0, "www.dbs.com.sg|MORE"},
	{"connect tunnel", "CONNECT www.dbs.com.sg:443 HTTP/1.1\r\nHost: www.dbs.com.sg:443\r\n\r\n\x16\x03\x01\x02\x00",
	 0, "www.dbs.com.sg|GIVE_UP|tunnel"},
	{"connect refused, retried", "CONNECT a.example:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
	 "CONNECT b.example:443 HTTP/1.1\r\nProxy-Authorization: x\r\n\r\n\x16\x03",
	 0, "a.example,b.example|GIVE_UP|tunnel"},
	{"http inside connect", "CONNECT a.example:80 HTTP/1.1\r\n\r\n" REQ("b.example"),
	 0, "a.example,b.example|MORE"},
	/* -- every request of a connection ------------------------------ */
	{"pipelined", REQ("a.example") REQ("b.example") REQ("c.example"), 0,
	 "a.example,b.example,c.example|MORE"},
	{"same name once", REQ("a.example") REQ("a.example") REQ("b.example")
	 REQ("a.example"), 0, "a.example,b.example,a.example|MORE"},
	{"crlf between", REQ("a.example") "\r\n\r\n" REQ("b.example"), 0,
	 "a.example,b.example|MORE"},
	{"content-length body", "POST /u HTTP/1.1\r\nHost: a.example\r\nContent-Length: 40\r\n\r\n"
	 HIDDEN REQ("b.example"), 0, "a.example,b.example|MORE"},
	{"content-length repeated", "POST /u HTTP/1.1\r\nHost: a.example\r\nContent-Length: 3\r\ncontent-length:3 \r\n\r\nxyz"
	 REQ("b.example"), 0, "a.example,b.example|MORE"},
	{"content-length 0", "POST / HTTP/1.1\r\nContent-Length: 0\r\nHost: a.example\r\n\r\n"
	 REQ("b.example"), 0, "a.example,b.example|MORE"},
	{"chunked", "POST /u HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "5;name=val\r\nhello\r\n"
	 "28 ; x=\"y\";z\r\n" HIDDEN "\r\n"
	 "0000\r\nTrailer-X: 1\r\nHost: trailer.example\r\n\r\n" REQ("b.example"),
	 0, "a.example,b.example|MORE"},
	{"chunked codings", "POST /u HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip , Chunked\r\n\r\n"
	 "A\r\n0123456789\r\n0\r\n\r\n" REQ("b.example"), 0,
	 "a.example,b.example|MORE"},
	{"chunked two lines", "POST /u HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"
	 "0\r\n\r\n" REQ("b.example"), 0, "a.example,b.example|MORE"},
	{"upgrade websocket", "GET /chat HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
	 "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 0,
	 "ws.example|GIVE_UP|tunnel"},
	{"upgrade declined", "GET / HTTP/1.1\r\nHost: a.example\r\nUpgrade: h2c\r\n\r\n"
	 REQ("b.example"), 0, "a.example,b.example|MORE"},
	{"upgrade declined crlf", "GET / HTTP/1.1\r\nHost: a.example\r\nUpgrade: x\r\n\r\n\r\n"
	 REQ("b.example"), 0, "a.example,b.example|MORE"},
	{"upgrade h2c", "GET / HTTP/1.1\r\nHost: a.example\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
	 "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", 0,
	 "a.example|GIVE_UP|tunnel"},
	{"unknown method", "FOO /x HTTP/1.1\r\nHost: foo.example\r\n\r\n", 0,
	 "foo.example|MORE"},
	/* -- not HTTP --------------------------------------------------- */
	{"ssh", "SSH-2.0-OpenSSH_9.2\r\n", 0, "|GIVE_UP"},
	{"response", "HTTP/1.1 200 OK\r\n\r\n", 0, "|GIVE_UP"},
	{"lower-case method", "get / HTTP/1.1\r\nHost: x\r\n\r\n", 0, "|GIVE_UP"},
	{"smtp", "EHLO mail.example\r\n", 0, "|GIVE_UP"},
	{"tls", "\x16\x03\x01\x00\x05", 0, "|GIVE_UP"},
	{"crlf then binary", "\r\n\x16\x03", 0, "|GIVE_UP"},
	{"partial", "GE", 0, "|MORE"},
	{"partial head", "GET / HTTP/1.1\r\nHost: partial.exa", 0, "|MORE"},
	/* -- UNNAMED: should have a name, cannot tell --------------------- */
	{"no host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 0, "|UNNAMED"},
	{"no host 1.0", "GET / HTTP/1.0\r\n\r\n", 0, "|UNNAMED"},
	{"empty host", REQ(""), 0, "|UNNAMED"},
	{"host twice", "GET / HTTP/1.1\r\nHost: a.example\r\nHost: www.dbs.com.sg\r\n\r\n",
	 0, "|UNNAMED"},
	{"host twice same", "GET / HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n",
	 0, "|UNNAMED"},
	{"host twice absolute", "GET http://a.example/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	 0, "|UNNAMED"},
	{"host space colon", "GET / HTTP/1.1\r\nHost : www.dbs.com.sg\r\n\r\n", 0,
	 "|UNNAMED"},
	{"host inner space", REQ("benign.example www.dbs.com.sg"), 0, "|UNNAMED"},
	{"host comma", REQ("benign.example,www.dbs.com.sg"), 0, "|UNNAMED"},
	{"host userinfo", REQ("benign.example@www.dbs.com.sg"), 0, "|UNNAMED"},
	{"host backslash", REQ("www.dbs.com.sg\\.benign"), 0, "|UNNAMED"},
	{"host too long", REQ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"),
	 0, "|UNNAMED"},
	{"folding", "GET / HTTP/1.1\r\nHost: a.example\r\n www.dbs.com.sg\r\n\r\n", 0,
	 "|UNNAMED"},
	{"folding tab", "GET / HTTP/1.1\r\nX: 1\r\n\tHost: a\r\nHost: b\r\n\r\n", 0,
	 "|UNNAMED"},
	{"nul in value", "GET / HTTP/1.1\r\nX: a\0b\r\nHost: a.example\r\n\r\n",
	 sizeof("GET / HTTP/1.1\r\nX: a\0b\r\nHost: a.example\r\n\r\n") - 1,
	 "|UNNAMED"},
	{"nul in host", "GET / HTTP/1.1\r\nHost: a\0.example\r\n\r\n",
	 sizeof("GET / HTTP/1.1\r\nHost: a\0.example\r\n\r\n") - 1, "|UNNAMED"},
	{"nul in target", "GET /\0 HTTP/1.1\r\nHost: a.example\r\n\r\n",
	 sizeof("GET /\0 HTTP/1.1\r\nHost: a.example\r\n\r\n") - 1, "|UNNAMED"},
	{"bare CR", "GET / HTTP/1.1\r\nX: a\rHost: b\r\nHost: a.example\r\n\r\n", 0,
	 "|UNNAMED"},
	{"no colon", "GET / HTTP/1.1\r\nHost a.example\r\n\r\n", 0, "|UNNAMED"},
	{"bad version", "GET / FTP/1.0\r\nHost: x\r\n\r\n", 0, "|UNNAMED"},
	{"http 0.9", "GET /\r\n\r\n", 0, "|UNNAMED"},
	{"double space", "GET  / HTTP/1.1\r\nHost: a.example\r\n\r\n", 0, "|UNNAMED"},
	{"h2 prior knowledge", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, "|UNNAMED"},
	{"http 2 version", "GET / HTTP/2.0\r\nHost: a.example\r\n\r\n", 0, "|UNNAMED"},
	{"empty authority", "GET http:///x HTTP/1.1\r\nHost: a.example\r\n\r\n", 0,
	 "|UNNAMED"},
	{"scheme no slashes", "GET mailto:x HTTP/1.1\r\nHost: a.example\r\n\r\n", 0,
	 "|UNNAMED"},
	{"authority form no connect", "GET www.dbs.com.sg:80 HTTP/1.1\r\nHost: a\r\n\r\n",
	 0, "|UNNAMED"},
	{"connect path", "CONNECT a.example/x HTTP/1.1\r\n\r\n", 0, "|UNNAMED"},
	{"connect body", "CONNECT a.example:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
	 0, "|UNNAMED"},
	{"cl and te", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	 0, "|UNNAMED"},
	{"te and cl", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n",
	 0, "|UNNAMED"},
	{"cl conflict", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	 0, "|UNNAMED"},
	{"cl list", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5, 5\r\n\r\n",
	 0, "|UNNAMED"},
	{"cl sign", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: +5\r\n\r\n",
	 0, "|UNNAMED"},
	{"cl empty", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length:\r\n\r\n",
	 0, "|UNNAMED"},
	{"cl junk", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5x\r\n\r\n",
	 0, "|UNNAMED"},
	{"cl huge", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 99999999999999999999\r\n\r\n",
	 0, "|UNNAMED"},
	{"te not chunked", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip\r\n\r\n",
	 0, "|UNNAMED"},
	{"te chunked not last", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	 0, "|UNNAMED"},
	{"te chunked twice", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	 0, "|UNNAMED"},
	{"te chunked twice lines", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	 0, "|UNNAMED"},
	{"te obfuscated", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: \x0b" "chunked\r\n\r\n",
	 0, "|UNNAMED"},
	{"chunk not hex", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	 0, "a.example|UNNAMED"},
	{"chunk empty size", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
	 0, "a.example|UNNAMED"},
	{"chunk bare LF", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
	 0, "a.example|UNNAMED"},
	{"chunk ext junk", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n",
	 0, "a.example|UNNAMED"},
	{"chunk data no CRLF", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n",
	 0, "a.example|UNNAMED"},
	{"chunk size overflow", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
	 0, "a.example|UNNAMED"},
	{"trailer folding", "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n 2\r\n\r\n",
	 0, "a.example|UNNAMED"},
	{"garbage after request", REQ("a.example") "\x16\x03\x01", 0,
	 "a.example|UNNAMED"},
	{"garbage after body", "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 2\r\n\r\nxy"
	 "yz GET / HTTP/1.1\r\n", 0, "a.example|UNNAMED"},
	{"second request no host", REQ("a.example") "GET / HTTP/1.1\r\n\r\n", 0,
	 "a.example|UNNAMED"},
	{"second request double host", REQ("www.dbs.com.sg")
	 "GET / HTTP/1.1\r\nHost: b\r\nHost: c\r\n\r\n", 0, "www.dbs.com.sg|UNNAMED"},
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct http_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);

		check_all_splits((const uint8_t *)c->in, len, c->want,
				 c->label);
	}
}

/* The tunnel's first byte is reported exactly. */
static void
test_tunnel_offset(void **state)
{
	static const char in[] = "CONNECT t.example:443 HTTP/1.1\r\n\r\n\x16\x03";
	struct outcome o;

	(void)state;
	run((const uint8_t *)in, sizeof(in) - 1, NULL, 0, &o);
	assert_string_equal(o.text, "t.example|GIVE_UP|tunnel");
	assert_int_equal(o.tunnel_at, sizeof(in) - 3);
}

/* The head limit: a head of exactly XB_HTTP_HEAD_MAX bytes passes, one
 * byte more is UNNAMED; the same for leading empty lines. */
static void
test_head_limit(void **state)
{
	static const char pre[] = "GET / HTTP/1.1\r\nHost: big.example\r\nX: ";
	size_t cap = XB_HTTP_HEAD_MAX + 64;
	char *buf = malloc(cap);
	struct outcome o;

	(void)state;
	assert_non_null(buf);
	for (int extra = 0; extra <= 1; extra++) {
		size_t fill = XB_HTTP_HEAD_MAX - (sizeof(pre) - 1) - 4 + extra;

		memcpy(buf, pre, sizeof(pre) - 1);
		memset(buf + sizeof(pre) - 1, 'v', fill);
		memcpy(buf + sizeof(pre) - 1 + fill, "\r\n\r\n", 4);
		size_t len = sizeof(pre) - 1 + fill + 4;

		assert_int_equal(len, XB_HTTP_HEAD_MAX + extra);
		run((const uint8_t *)buf, len, NULL, 0, &o);
		assert_string_equal(o.text, extra ? "|UNNAMED"
						  : "big.example|MORE");
	}
	/* Empty lines before the request count too: a flood of CRLF is a
	 * limit, never a pass. */
	memset(buf, '\n', XB_HTTP_HEAD_MAX + 1);
	run((const uint8_t *)buf, XB_HTTP_HEAD_MAX + 1, NULL, 0, &o);
	assert_string_equal(o.text, "|UNNAMED");
	free(buf);
}

/* Content-Length bodies are skipped in one step per call, however large;
 * chunk data too. */
static void
test_large_bodies(void **state)
{
	static const char head[] =
		"PUT /big HTTP/1.1\r\nHost: a.example\r\n"
		"Content-Length: 1000000000000\r\n\r\n";
	static const char chunked[] =
		"PUT /big HTTP/1.1\r\nHost: c.example\r\n"
		"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFF\r\n";
	static uint8_t junk[65536];
	struct xb_http_stream s;
	struct xb_name name;
	uint32_t used;

	(void)state;
	memset(junk, 'G', sizeof(junk)); /* looks like requests; is body */
	xb_http_stream_init(&s);
	assert_int_equal(xb_http_stream_feed(&s, (const uint8_t *)head,
					     sizeof(head) - 1, &name, &used),
			 XB_NAME_FOUND);
	assert_string_equal(name.str, "a.example");
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(xb_http_stream_feed(&s, junk, sizeof(junk),
						     &name, &used),
				 XB_NAME_MORE);
		assert_int_equal(used, sizeof(junk));
	}
	assert_int_equal(xb_http_stream_requests(&s), 1);

	xb_http_stream_init(&s);
	assert_int_equal(xb_http_stream_feed(&s, (const uint8_t *)chunked,
					     sizeof(chunked) - 1, &name, &used),
			 XB_NAME_FOUND);
	assert_int_equal(xb_http_stream_feed(&s, (const uint8_t *)chunked + used,
					     (uint32_t)(sizeof(chunked) - 1 - used),
					     &name, &used),
			 XB_NAME_MORE);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(xb_http_stream_feed(&s, junk, sizeof(junk),
						     &name, &used),
				 XB_NAME_MORE);
}

/* The one-shot form is the same parser on the first request. */
static void
test_one_shot(void **state)
{
	static const char two[] = REQ("first.example") REQ("second.example");
	struct xb_name name;

	(void)state;
	assert_int_equal(xb_http_host((const uint8_t *)two, sizeof(two) - 1,
				      &name),
			 XB_NAME_FOUND);
	assert_string_equal(name.str, "first.example");
	assert_int_equal(xb_http_host((const uint8_t *)"GET / HTTP/1.1\r\n",
				      16, &name),
			 XB_NAME_MORE);
	assert_int_equal(xb_http_host((const uint8_t *)"\r\nGET / HTTP/1.1\r\n\r\n",
				      20, &name),
			 XB_NAME_UNNAMED);
	assert_int_equal(xb_http_host((const uint8_t *)"\x16\x03", 2, &name),
			 XB_NAME_GIVE_UP);
}

/* The state must fit a name slot next to its reassembly window. */
static void
test_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct xb_http_stream) <= 1024);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_tunnel_offset),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_large_bodies),
		cmocka_unit_test(test_one_shot),
		cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
