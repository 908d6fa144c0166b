/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_prometheus.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "xb_hostport.h"

#define REQ_MAX 8192
#define IO_TIMEOUT_S 2
#define POLL_MS 200

struct xb_prom {
	int fd;
	uint16_t port;
	xb_prom_render_fn fn;
	void *ctx;
	pthread_t thread;
	atomic_bool stop;
	_Atomic uint64_t requests;
};

static void
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return; /* timeout or peer gone: nothing to do */
		}
		p += n;
		len -= (size_t)n;
	}
}

static void
respond(int fd, const char *status, const char *ctype, const char *body,
	size_t len, bool head)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, ctype, len);

	send_all(fd, hdr, (size_t)n);
	if (!head && len > 0)
		send_all(fd, body, len);
}

static void
respond_text(int fd, const char *status, const char *msg)
{
	respond(fd, status, "text/plain; charset=utf-8", msg, strlen(msg),
		false);
}

/* Read until the end of the headers; returns bytes or -1. */
static ssize_t
read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return (ssize_t)len;
	}
	return -2; /* too large */
}

static void
serve(struct xb_prom *p, int fd)
{
	static char req[REQ_MAX];
	char method[16], path[1024], version[16];
	ssize_t n = read_request(fd, req, sizeof(req));
	bool head;

	atomic_fetch_add(&p->requests, 1);
	if (n == -2) {
		respond_text(fd, "431 Request Header Fields Too Large",
			     "request too large\n");
		return;
	}
	if (n < 0)
		return;
	if (sscanf(req, "%15s %1023s %15s", method, path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		respond_text(fd, "400 Bad Request", "bad request\n");
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") != 0 && !head) {
		respond_text(fd, "405 Method Not Allowed", "only GET\n");
		return;
	}
	path[strcspn(path, "?")] = '\0';
	if (strcmp(path, "/metrics") != 0) {
		respond_text(fd, "404 Not Found", "not found; try /metrics\n");
		return;
	}
	{
		char *body = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&body, &len);
		int rc;

		if (m == NULL) {
			respond_text(fd, "500 Internal Server Error",
				     "out of memory\n");
			return;
		}
		rc = p->fn(p->ctx, m);
		if (fclose(m) != 0 || body == NULL)
			rc = -1;
		if (rc < 0)
			respond_text(fd, "503 Service Unavailable",
				     "metrics busy, retry\n");
		else
			respond(fd, "200 OK",
				"text/plain; version=0.0.4; charset=utf-8",
				body, len, head);
		free(body);
	}
}

static void *
server_main(void *arg)
{
	struct xb_prom *p = arg;
	struct timeval tv = {.tv_sec = IO_TIMEOUT_S};

	while (!atomic_load(&p->stop)) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		int c;

		if (poll(&pfd, 1, POLL_MS) <= 0)
			continue;
		c = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		serve(p, c);
		shutdown(c, SHUT_WR);
		close(c);
	}
	return NULL;
}

struct xb_prom *
xb_prom_start(const char *listen_addr, xb_prom_render_fn fn, void *ctx,
	      char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[128], port[16];
	struct xb_prom *p;
	int one = 1, rc;

	if (xb_hostport_split(listen_addr, host, sizeof(host), port,
			      sizeof(port), 1) < 0) {
		snprintf(err, errlen,
			 "[prometheus] listen: got \"%s\", expected HOST:PORT",
			 listen_addr);
		return NULL;
	}
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "[prometheus] listen %s: %s", listen_addr,
			 gai_strerror(rc));
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		freeaddrinfo(res);
		snprintf(err, errlen, "prometheus: out of memory");
		return NULL;
	}
	p->fn = fn;
	p->ctx = ctx;
	p->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0 ||
	    setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(p->fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    listen(p->fd, 16) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "[prometheus] listen %s: %s", listen_addr,
			 strerror(errno));
		goto fail;
	}
	freeaddrinfo(res);
	res = NULL;
	p->port = ntohs(ss.ss_family == AF_INET6
				? ((struct sockaddr_in6 *)&ss)->sin6_port
				: ((struct sockaddr_in *)&ss)->sin_port);
	rc = pthread_create(&p->thread, NULL, server_main, p);
	if (rc != 0) {
		snprintf(err, errlen, "prometheus: cannot start thread: %s",
			 strerror(rc));
		goto fail;
	}
	pthread_setname_np(p->thread, "xbgw-prom");
	return p;
fail:
	if (res != NULL)
		freeaddrinfo(res);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	return NULL;
}

uint16_t
xb_prom_port(const struct xb_prom *p)
{
	return p->port;
}

uint64_t
xb_prom_requests(const struct xb_prom *p)
{
	return atomic_load(&((struct xb_prom *)p)->requests);
}

void
xb_prom_stop(struct xb_prom *p)
{
	if (p == NULL)
		return;
	atomic_store(&p->stop, true);
	pthread_join(p->thread, NULL);
	close(p->fd);
	free(p);
}
