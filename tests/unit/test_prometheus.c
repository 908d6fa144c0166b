/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint's server (app/ops/xb_prometheus.c) with a fake
 * render callback and short limits, no EAL: listen address forms (port
 * only is loopback, IPv6), HTTP answers, request deadline and size limit,
 * render failure, one render shared by concurrent scrapes, the connection
 * limit (evict, reject), a client that never reads its response, and
 * stopping with connections open.  Every outcome is checked in the stats.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "xb_prometheus.h"

struct fake {
	atomic_uint calls;
	atomic_uint done;
	int fail;              /* answer < 0: 503 */
	unsigned int delay_ms; /* before writing */
	size_t big;            /* extra bytes of text */
};

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fake_render(void *ctx, FILE *out)
{
	struct fake *f = ctx;

	atomic_fetch_add(&f->calls, 1);
	if (f->delay_ms)
		sleep_ms(f->delay_ms);
	if (f->fail)
		return -1;
	fputs("# HELP fake_metric A test.\n# TYPE fake_metric gauge\n"
	      "fake_metric 1\n",
	      out);
	for (size_t n = 0; n < f->big; n += 30)
		fputs("# padding padding padding pad\n", out);
	atomic_fetch_add(&f->done, 1);
	return 0;
}

static const struct xb_prom_limits short_limits = {
	.max_conns = 4,
	.header_ms = 300,
	.write_ms = 600,
	.header_max = 256,
	.linger_ms = 200,
};

static struct xb_prom *
start(const char *addr, const struct xb_prom_limits *lim, struct fake *f)
{
	char err[256] = "";
	struct xb_prom *p = xb_prom_start(addr, lim, fake_render, f, err,
					  sizeof(err));

	if (p == NULL)
		fail_msg("xb_prom_start(%s): %s", addr, err);
	return p;
}

static int
cli_connect(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void
cli_send(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return; /* the server may answer before reading it all */
		s += n;
		len -= (size_t)n;
	}
}

/* Read to EOF (or timeout, reset); NUL-terminated; returns length. */
static size_t
cli_read(int fd, char *out, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t n = recv(fd, out + len, cap - 1 - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	return len;
}

static int
status_of(const char *resp)
{
	int st = 0;

	if (sscanf(resp, "HTTP/1.1 %d ", &st) != 1)
		return 0;
	return st;
}

/* One request on a new connection; the status, the response in out. */
static int
request(uint16_t port, const char *req, char *out, size_t cap)
{
	int fd = cli_connect(port);
	int st;

	cli_send(fd, req, strlen(req));
	cli_read(fd, out, cap);
	close(fd);
	st = status_of(out);
	return st;
}

static const char *
body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b != NULL ? b + 4 : "";
}

static long
content_length(const char *resp)
{
	const char *h = strstr(resp, "Content-Length: ");

	return h != NULL ? strtol(h + 16, NULL, 10) : -1;
}

/* Wait until the server has counted n connections in all (it counts when
 * a connection ends, just after the client has its answer). */
static void
wait_requests(struct xb_prom *p, uint64_t n)
{
	for (int i = 0; i < 200 && xb_prom_requests(p) < n; i++)
		sleep_ms(10);
	assert_int_equal(xb_prom_requests(p), n);
}

static uint64_t
result(struct xb_prom *p, enum xb_prom_result r)
{
	struct xb_prom_stats st;

	xb_prom_get_stats(p, &st);
	return st.results[r];
}

static void
test_bad_addresses(void **state)
{
	static const char *const bad[] = {
		"", "abc", "127.0.0.1", "127.0.0.1:70000", "[::1]9", ":",
		"127.0.0.1:x", "1:2:3", "99999",
	};
	struct fake f = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";

		assert_null(xb_prom_start(bad[i], NULL, fake_render, &f, err,
					  sizeof(err)));
		assert_true(strstr(err, "[prometheus] listen") != NULL);
	}
}

/* "PORT" and ":PORT" listen on 127.0.0.1 only. */
static void
test_port_only_is_loopback(void **state)
{
	static const char *const forms[] = {"0", ":0", "127.0.0.1:0"};
	struct fake f = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct xb_prom *p = start(forms[i], NULL, &f);
		char want[64], resp[65536];

		snprintf(want, sizeof(want), "http://127.0.0.1:%u/metrics",
			 xb_prom_port(p));
		assert_string_equal(xb_prom_url(p), want);
		assert_int_equal(request(xb_prom_port(p),
					 "GET /metrics HTTP/1.1\r\n\r\n", resp,
					 sizeof(resp)),
				 200);
		xb_prom_stop(p);
	}
}

static void
test_ipv6(void **state)
{
	struct fake f = {0};
	char err[256] = "", want[64], resp[65536];
	struct xb_prom *p = xb_prom_start("[::1]:0", NULL, fake_render, &f,
					  err, sizeof(err));
	struct sockaddr_in6 a = {.sin6_family = AF_INET6,
				 .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd;

	(void)state;
	if (p == NULL) {
		print_message("no IPv6 loopback (%s): skipped\n", err);
		skip();
	}
	snprintf(want, sizeof(want), "http://[::1]:%u/metrics", xb_prom_port(p));
	assert_string_equal(xb_prom_url(p), want);
	a.sin6_port = htons(xb_prom_port(p));
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cli_send(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25);
	cli_read(fd, resp, sizeof(resp));
	close(fd);
	assert_int_equal(status_of(resp), 200);
	xb_prom_stop(p);
}

static void
test_http_answers(void **state)
{
	static const struct {
		const char *req;
		int status;
		bool body;
	} rows[] = {
		{"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, true},
		{"GET /metrics HTTP/1.0\r\n\r\n", 200, true},
		{"GET /metrics?x=1 HTTP/1.1\r\n\r\n", 200, true},
		{"GET /metrics HTTP/1.1\n\n", 200, true},
		{"HEAD /metrics HTTP/1.1\r\n\r\n", 200, false},
		{"GET / HTTP/1.1\r\n\r\n", 404, true},
		{"GET /metricsx HTTP/1.1\r\n\r\n", 404, true},
		{"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 405,
		 true},
		{"DELETE /metrics HTTP/1.0\r\n\r\n", 405, true},
		{"HELLO\r\n\r\n", 400, true},
		{"GET /metrics\r\n\r\n", 400, true},
		{"GET /metrics HTTP/2.0\r\n\r\n", 400, true},
		{"GET  /metrics HTTP/1.1\r\n\r\n", 400, true},
		{"GET /metrics HTTP/1.1 x\r\n\r\n", 400, true},
	};
	struct fake f = {0};
	struct xb_prom *p = start("127.0.0.1:0", &short_limits, &f);
	static char resp[65536];
	unsigned int n200 = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int st = request(xb_prom_port(p), rows[i].req, resp,
				 sizeof(resp));
		const char *b = body_of(resp);

		if (st != rows[i].status)
			fail_msg("row %zu %s: status %d, expected %d", i,
				 rows[i].req, st, rows[i].status);
		assert_non_null(strstr(resp, "Connection: close\r\n"));
		if (rows[i].body)
			assert_int_equal(content_length(resp), strlen(b));
		else
			assert_string_equal(b, "");
		if (st == 200) {
			n200++;
			assert_true(content_length(resp) > 0);
			assert_non_null(strstr(resp, "Content-Type: text/plain; version=0.0.4"));
			if (rows[i].body) {
				assert_non_null(strstr(b, "fake_metric 1\n"));
				assert_non_null(strstr(b, "xbgw_prometheus_requests_total{result=\"ok\"} "));
				assert_non_null(strstr(b, "xbgw_prometheus_connections "));
			}
		}
		if (st == 405)
			assert_non_null(strstr(resp, "Allow: GET, HEAD\r\n"));
	}
	wait_requests(p, sizeof(rows) / sizeof(rows[0]));
	assert_int_equal(result(p, XB_PROM_OK), n200);
	assert_int_equal(result(p, XB_PROM_NOT_FOUND), 2);
	assert_int_equal(result(p, XB_PROM_BAD_METHOD), 2);
	assert_int_equal(result(p, XB_PROM_BAD_REQUEST), 5);
	xb_prom_stop(p);
}

/* Headers over header_max: 431, whatever follows. */
static void
test_header_too_large(void **state)
{
	struct fake f = {0};
	struct xb_prom *p = start("127.0.0.1:0", &short_limits, &f);
	char req[64 * 1024], resp[4096];
	size_t n;

	(void)state;
	n = (size_t)snprintf(req, sizeof(req), "GET /metrics HTTP/1.1\r\nX: ");
	memset(req + n, 'a', sizeof(req) - n - 5);
	memcpy(req + sizeof(req) - 5, "\r\n\r\n", 5);
	assert_int_equal(request(xb_prom_port(p), req, resp, sizeof(resp)), 431);
	/* Exactly at the limit still passes. */
	n = (size_t)snprintf(req, sizeof(req), "GET /metrics HTTP/1.1\r\nX: ");
	memset(req + n, 'a', short_limits.header_max - n - 4);
	memcpy(req + short_limits.header_max - 4, "\r\n\r\n", 5);
	assert_int_equal(strlen(req), short_limits.header_max);
	assert_int_equal(request(xb_prom_port(p), req, resp, sizeof(resp)), 200);
	wait_requests(p, 2);
	assert_int_equal(result(p, XB_PROM_TOO_LARGE), 1);
	xb_prom_stop(p);
}

/* A client that sends a byte now and then, and one that sends nothing,
 * get 408 at header_ms; a scrape meanwhile is answered at once. */
static void
test_request_deadline(void **state)
{
	struct fake f = {0};
	struct xb_prom *p = start("127.0.0.1:0", &short_limits, &f);
	int slow = cli_connect(xb_prom_port(p));
	int idle = cli_connect(xb_prom_port(p));
	char resp[65536];
	double t0 = now_s(), t;

	(void)state;
	for (int i = 0; i < 3; i++) {
		cli_send(slow, "G", 1);
		sleep_ms(50);
		t = now_s();
		assert_int_equal(request(xb_prom_port(p),
					 "GET /metrics HTTP/1.1\r\n\r\n", resp,
					 sizeof(resp)),
				 200);
		assert_true(now_s() - t < 0.5);
	}
	cli_read(slow, resp, sizeof(resp));
	t = now_s() - t0;
	assert_int_equal(status_of(resp), 408);
	assert_true(t >= 0.25 && t < 1.5);
	cli_read(idle, resp, sizeof(resp));
	assert_int_equal(status_of(resp), 408);
	close(slow);
	close(idle);
	wait_requests(p, 5);
	assert_int_equal(result(p, XB_PROM_TIMEOUT), 2);
	xb_prom_stop(p);
}

static void
test_render_fails(void **state)
{
	struct fake f = {.fail = 1};
	struct xb_prom *p = start("127.0.0.1:0", &short_limits, &f);
	char resp[4096];

	(void)state;
	assert_int_equal(request(xb_prom_port(p), "GET /metrics HTTP/1.1\r\n\r\n",
				 resp, sizeof(resp)),
			 503);
	assert_non_null(strstr(resp, "Retry-After: 1\r\n"));
	wait_requests(p, 1);
	assert_int_equal(result(p, XB_PROM_BUSY), 1);
	xb_prom_stop(p);
}

/* Concurrent scrapes share renders; none waits for another's client. */
static void
test_shared_render(void **state)
{
	struct fake f = {.delay_ms = 200};
	struct xb_prom *p = start("127.0.0.1:0", NULL, &f);
	int fd[6];
	char resp[65536];
	double t0 = now_s();

	(void)state;
	for (int i = 0; i < 6; i++) {
		fd[i] = cli_connect(xb_prom_port(p));
		cli_send(fd[i], "GET /metrics HTTP/1.1\r\n\r\n", 25);
	}
	for (int i = 0; i < 6; i++) {
		cli_read(fd[i], resp, sizeof(resp));
		assert_int_equal(status_of(resp), 200);
		close(fd[i]);
	}
	/* At most two renders: the first, and one for the requests that
	 * came in while it ran. */
	assert_true(atomic_load(&f.calls) <= 2);
	assert_true(now_s() - t0 < 2 * 0.2 + 0.5);
	wait_requests(p, 6);
	xb_prom_stop(p);
}

/* At max_conns, the oldest connection still sending its request makes
 * room; when every connection waits for a render, a new one gets 503. */
static void
test_connection_limit(void **state)
{
	/* Deadlines long enough not to close anything here: idle
	 * connections wait, and requests sent during a render wait for the
	 * next one. */
	static const struct xb_prom_limits lim = {
		.max_conns = 4,
		.header_ms = 3000,
		.write_ms = 3000,
		.header_max = 256,
		.linger_ms = 200,
	};
	struct fake f = {0};
	struct xb_prom *p = start("127.0.0.1:0", &lim, &f);
	int idle[4], wait[4], extra;
	char resp[65536];
	struct xb_prom_stats st;

	(void)state;
	for (int i = 0; i < 4; i++) {
		idle[i] = cli_connect(xb_prom_port(p));
		sleep_ms(5);
	}
	for (int i = 0; i < 20; i++) {
		xb_prom_get_stats(p, &st);
		if (st.conns == 4)
			break;
		sleep_ms(10);
	}
	assert_int_equal(st.conns, 4);
	assert_int_equal(request(xb_prom_port(p), "GET /metrics HTTP/1.1\r\n\r\n",
				 resp, sizeof(resp)),
			 200);
	cli_read(idle[0], resp, sizeof(resp)); /* the oldest made room */
	assert_int_equal(status_of(resp), 503);
	for (int i = 0; i < 4; i++)
		close(idle[i]);
	sleep_ms(100);

	/* Four requests held in the render, a fifth connection. */
	f.delay_ms = 400;
	for (int i = 0; i < 4; i++) {
		wait[i] = cli_connect(xb_prom_port(p));
		cli_send(wait[i], "GET /metrics HTTP/1.1\r\n\r\n", 25);
	}
	sleep_ms(100);
	extra = cli_connect(xb_prom_port(p));
	cli_read(extra, resp, sizeof(resp));
	assert_int_equal(status_of(resp), 503);
	close(extra);
	for (int i = 0; i < 4; i++) {
		cli_read(wait[i], resp, sizeof(resp));
		assert_int_equal(status_of(resp), 200);
		close(wait[i]);
	}
	f.delay_ms = 0;
	sleep_ms(300);
	assert_int_equal(result(p, XB_PROM_EVICTED), 1);
	assert_int_equal(result(p, XB_PROM_REJECTED), 1);
	assert_int_equal(result(p, XB_PROM_OK), 5);
	xb_prom_stop(p);
}

/* A client that never reads a large response is dropped at write_ms; a
 * scrape meanwhile is answered at once. */
static void
test_unread_response(void **state)
{
	/* More than the socket buffers hold (tcp_wmem's maximum is 4 MiB by
	 * default); time enough to render it on a loaded machine. */
	static const struct xb_prom_limits lim = {
		.max_conns = 4,
		.header_ms = 1000,
		.write_ms = 1500,
		.header_max = 256,
		.linger_ms = 200,
	};
	struct fake f = {.big = 8 << 20};
	struct xb_prom *p = start("127.0.0.1:0", &lim, &f);
	int small = 4096, hog;
	static char resp[10 << 20];
	double t;

	(void)state;
	hog = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(hog, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	{
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(xb_prom_port(p)),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

		assert_int_equal(connect(hog, (struct sockaddr *)&a, sizeof(a)), 0);
	}
	cli_send(hog, "GET /metrics HTTP/1.1\r\n\r\n", 25);
	for (int i = 0; i < 500 && atomic_load(&f.done) == 0; i++)
		sleep_ms(10);
	sleep_ms(50);
	t = now_s();
	assert_int_equal(request(xb_prom_port(p), "GET /metrics HTTP/1.1\r\n\r\n",
				 resp, sizeof(resp)),
			 200);
	assert_true(content_length(resp) > 8 << 20);
	assert_int_equal(strlen(body_of(resp)), content_length(resp));
	assert_true(now_s() - t < 2.0);
	for (int i = 0; i < 400 && result(p, XB_PROM_UNSENT) == 0; i++)
		sleep_ms(10);
	assert_int_equal(result(p, XB_PROM_UNSENT), 1);
	close(hog);
	xb_prom_stop(p);
}

/* Stopping with connections in every state frees everything (the
 * sanitizer twin checks). */
static void
test_stop_with_connections(void **state)
{
	struct fake f = {.delay_ms = 100};
	struct xb_prom *p = start("127.0.0.1:0", NULL, &f);
	int a = cli_connect(xb_prom_port(p));
	int b = cli_connect(xb_prom_port(p));

	(void)state;
	cli_send(a, "GET /metr", 9);
	cli_send(b, "GET /metrics HTTP/1.1\r\n\r\n", 25);
	sleep_ms(20);
	xb_prom_stop(p);
	close(a);
	close(b);
	xb_prom_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_port_only_is_loopback),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_http_answers),
		cmocka_unit_test(test_header_too_large),
		cmocka_unit_test(test_request_deadline),
		cmocka_unit_test(test_render_fails),
		cmocka_unit_test(test_shared_render),
		cmocka_unit_test(test_connection_limit),
		cmocka_unit_test(test_unread_response),
		cmocka_unit_test(test_stop_with_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
