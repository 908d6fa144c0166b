/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint's server; what it does is in xb_prometheus.h.
 *
 * Threads.  The I/O thread owns the listening socket and every connection
 * (struct conn), and is the only one to touch them.  The render thread
 * owns only the render in progress.  They meet under p->mu:
 *   - the I/O thread asks for a render (render_wanted) and notes in the
 *     connection's ticket the number of the render that will answer it
 *     (render_started + 1: one that has not begun yet, so the text is
 *     never older than the request);
 *   - the render thread takes the request (render_started++), renders
 *     without p->mu, publishes the text (ready, ready_seq) and wakes the
 *     I/O thread through an eventfd; a newer text replaces one not taken
 *     yet;
 *   - the I/O thread takes the text and gives it to every connection whose
 *     ticket is at most ready_seq.  From then on the text (struct body) is
 *     reference counted by the I/O thread alone.
 * Counters are atomics with one writer each (the I/O thread, or the render
 * thread for renders), read relaxed by the render thread into the text.
 */
#include "xb_prometheus.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "xb_hostport.h"

#define ACCEPT_BURST 64 /* accepts per turn of the loop */
#define LISTEN_BACKLOG 64
#define DISCARD_MAX 4096 /* bytes read and thrown away per recv */
#define LINGER_READS 16  /* recv calls per wake-up while lingering */
#define CTYPE_TEXT "text/plain; charset=utf-8"
#define CTYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

const char *const xb_prom_result_names[XB_PROM_RESULT_MAX] = {
#define XB_PROM_RESULT_NAME(id, name) [XB_PROM_##id] = name,
	XB_PROM_RESULTS(XB_PROM_RESULT_NAME)
#undef XB_PROM_RESULT_NAME
};

/* A rendered text, shared by the responses that carry it. */
struct body {
	unsigned int refs; /* I/O thread only, once taken */
	int status;        /* 200, 503 (render failed) or 500 */
	size_t len;
	char *text;
};

enum conn_state {
	C_FREE,
	C_READ,   /* reading the request line and headers */
	C_RENDER, /* waiting for a render (not polled) */
	C_WRITE,  /* writing the response */
	C_LINGER, /* response written, write side shut: reading to EOF */
};

struct conn {
	enum conn_state st;
	int fd;
	uint64_t opened_ms;
	uint64_t deadline_ms; /* of the current state */
	uint64_t ticket;      /* C_RENDER: the render that answers it */
	bool head;            /* HEAD: headers only */
	enum xb_prom_result result; /* counted once the response is out */
	size_t len;                 /* request bytes in req */
	char *req;                  /* header_max + 1 bytes */
	char hdr[256];              /* status line and headers */
	size_t hlen;
	struct body *body; /* the rendered text it sends, or NULL */
	const char *btext; /* body bytes to write */
	size_t blen;
	size_t off; /* bytes of hdr, then body, written */
};

struct xb_prom {
	int fd;      /* listening */
	int wake_fd; /* eventfd: render done, or stop */
	uint16_t port;
	char url[192]; /* http://HOST:PORT/metrics, as bound */
	struct xb_prom_limits lim;
	xb_prom_render_fn fn;
	void *ctx;
	pthread_t io_thread, render_thread;
	atomic_bool stop;

	/* I/O thread only. */
	struct conn *conns; /* lim.max_conns */
	char *reqbufs;
	struct pollfd *pfds; /* lim.max_conns + 2 */
	struct conn **pconn; /* the connection of each pfds entry */
	unsigned int nconns;

	/* Under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool render_wanted;
	uint64_t render_started; /* renders begun */
	struct body *ready;      /* the latest text, not taken yet */
	uint64_t ready_seq;      /* the render that made it */

	_Atomic uint64_t results[XB_PROM_RESULT_MAX];
	_Atomic uint64_t renders;
	_Atomic uint32_t open_conns;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
count(struct xb_prom *p, enum xb_prom_result r)
{
	atomic_fetch_add_explicit(&p->results[r], 1, memory_order_relaxed);
}

static void
body_free(struct body *b)
{
	free(b->text);
	free(b);
}

static void
body_put(struct body *b)
{
	if (b != NULL && --b->refs == 0)
		body_free(b);
}

static void
wake(struct xb_prom *p)
{
	uint64_t one = 1;

	if (write(p->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, a wake-up pends. */
	}
}

/* ---- render thread ---- */

static void
write_self_metrics(struct xb_prom *p, FILE *out)
{
	fputs("# HELP xbgw_prometheus_requests_total Connections to this "
	      "endpoint, by outcome, counted when they end.\n"
	      "# TYPE xbgw_prometheus_requests_total counter\n",
	      out);
	for (unsigned int r = 0; r < XB_PROM_RESULT_MAX; r++)
		fprintf(out,
			"xbgw_prometheus_requests_total{result=\"%s\"} %" PRIu64
			"\n",
			xb_prom_result_names[r],
			atomic_load_explicit(&p->results[r],
					     memory_order_relaxed));
	fprintf(out,
		"# HELP xbgw_prometheus_connections Connections open to this "
		"endpoint (this scrape's included).\n"
		"# TYPE xbgw_prometheus_connections gauge\n"
		"xbgw_prometheus_connections %" PRIu32 "\n",
		atomic_load_explicit(&p->open_conns, memory_order_relaxed));
	fprintf(out,
		"# HELP xbgw_prometheus_renders_total Renders of this text "
		"(scrapes waiting at the same time share one).\n"
		"# TYPE xbgw_prometheus_renders_total counter\n"
		"xbgw_prometheus_renders_total %" PRIu64 "\n",
		atomic_load_explicit(&p->renders, memory_order_relaxed));
}

/* Run the callback into memory; NULL only when out of memory. */
static struct body *
render(struct xb_prom *p)
{
	struct body *b = calloc(1, sizeof(*b));
	FILE *m;
	int rc;

	if (b == NULL)
		return NULL;
	b->refs = 1;
	m = open_memstream(&b->text, &b->len);
	if (m == NULL) {
		b->status = 500;
		return b;
	}
	atomic_fetch_add_explicit(&p->renders, 1, memory_order_relaxed);
	rc = p->fn(p->ctx, m);
	if (rc >= 0)
		write_self_metrics(p, m);
	if (fclose(m) != 0 || b->text == NULL)
		b->status = 500;
	else
		b->status = rc < 0 ? 503 : 200;
	if (b->status != 200) {
		free(b->text);
		b->text = NULL;
		b->len = 0;
	}
	return b;
}

static void *
render_main(void *arg)
{
	struct xb_prom *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct body *b, *old;
		uint64_t seq;

		while (!p->render_wanted && !atomic_load(&p->stop))
			pthread_cond_wait(&p->cv, &p->mu);
		if (atomic_load(&p->stop))
			break;
		p->render_wanted = false;
		seq = ++p->render_started;
		pthread_mutex_unlock(&p->mu);

		b = render(p); /* the control lock, if any, is taken here */

		pthread_mutex_lock(&p->mu);
		old = NULL;
		if (b != NULL) {
			/* Out of memory: no text; the waiting requests get
			 * 503 at their deadline. */
			old = p->ready;
			p->ready = b;
			p->ready_seq = seq;
		}
		pthread_mutex_unlock(&p->mu);
		if (old != NULL)
			body_free(old); /* never taken: no other reference */
		wake(p);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- I/O thread ---- */

static void
conn_close(struct xb_prom *p, struct conn *c)
{
	close(c->fd);
	body_put(c->body);
	c->body = NULL;
	c->st = C_FREE;
	p->nconns--;
	atomic_store_explicit(&p->open_conns, p->nconns, memory_order_relaxed);
}

/* Best effort, for a connection about to be dropped: one non-blocking
 * send of a short response, then read what is already there (so that the
 * close is less likely to reset the response away). */
static void
say_and_drop(int fd, const char *status, const char *text)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %s\r\nContent-Type: " CTYPE_TEXT
			 "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, strlen(text), text);

	if (n > 0 && (size_t)n < sizeof(buf) &&
	    send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n) {
		char sink[DISCARD_MAX];

		shutdown(fd, SHUT_WR);
		while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
}

static void conn_write(struct xb_prom *p, struct conn *c, uint64_t now);

/* Start writing a response: status line, headers, then len bytes of text
 * (headers only for HEAD).  b, when given, is a reference the connection
 * now holds. */
static void
respond(struct xb_prom *p, struct conn *c, uint64_t now,
	enum xb_prom_result result, const char *status, const char *ctype,
	const char *extra, const char *text, size_t len, struct body *b)
{
	int n = snprintf(c->hdr, sizeof(c->hdr),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
			 status, ctype, len, extra);

	c->hlen = n > 0 && (size_t)n < sizeof(c->hdr) ? (size_t)n : 0;
	c->result = result;
	c->body = b;
	c->btext = text;
	c->blen = c->head ? 0 : len;
	c->off = 0;
	c->st = C_WRITE;
	c->deadline_ms = now + p->lim.write_ms;
	conn_write(p, c, now);
}

static void
respond_text(struct xb_prom *p, struct conn *c, uint64_t now,
	     enum xb_prom_result result, const char *status, const char *extra,
	     const char *text)
{
	respond(p, c, now, result, status, CTYPE_TEXT, extra, text,
		strlen(text), NULL);
}

static void
respond_busy(struct xb_prom *p, struct conn *c, uint64_t now)
{
	respond_text(p, c, now, XB_PROM_BUSY, "503 Service Unavailable",
		     "Retry-After: 1\r\n", "metrics busy, retry\n");
}

/* A rendered text for a connection waiting in C_RENDER (takes a
 * reference). */
static void
respond_body(struct xb_prom *p, struct conn *c, uint64_t now, struct body *b)
{
	if (b->status == 200) {
		b->refs++;
		respond(p, c, now, XB_PROM_OK, "200 OK", CTYPE_METRICS, "",
			b->text, b->len, b);
	} else if (b->status == 503) {
		respond_busy(p, c, now);
	} else {
		respond_text(p, c, now, XB_PROM_ERROR,
			     "500 Internal Server Error", "", "out of memory\n");
	}
}

static void
conn_write(struct xb_prom *p, struct conn *c, uint64_t now)
{
	for (;;) {
		struct iovec iov[2];
		struct msghdr msg = {.msg_iov = iov};
		ssize_t n;

		if (c->off < c->hlen) {
			iov[msg.msg_iovlen].iov_base = c->hdr + c->off;
			iov[msg.msg_iovlen++].iov_len = c->hlen - c->off;
		}
		if (c->off < c->hlen + c->blen) {
			size_t boff = c->off > c->hlen ? c->off - c->hlen : 0;

			iov[msg.msg_iovlen].iov_base = (char *)c->btext + boff;
			iov[msg.msg_iovlen++].iov_len = c->blen - boff;
		}
		if (msg.msg_iovlen == 0 || c->hlen == 0)
			break; /* all written (hlen 0: cannot happen) */
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return; /* poll for POLLOUT */
			count(p, XB_PROM_UNSENT);
			conn_close(p, c);
			return;
		}
		c->off += (size_t)n;
	}
	count(p, c->result);
	body_put(c->body);
	c->body = NULL;
	shutdown(c->fd, SHUT_WR);
	c->st = C_LINGER;
	c->deadline_ms = now + p->lim.linger_ms;
}

static void
conn_linger(struct xb_prom *p, struct conn *c)
{
	char sink[DISCARD_MAX];

	for (int i = 0; i < LINGER_READS; i++) {
		ssize_t n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break; /* EOF or error */
	}
	conn_close(p, c);
}

static void
ask_render(struct xb_prom *p, struct conn *c, uint64_t now)
{
	pthread_mutex_lock(&p->mu);
	c->ticket = p->render_started + 1;
	p->render_wanted = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	c->st = C_RENDER;
	c->deadline_ms = now + p->lim.write_ms;
}

/* The request headers are complete in c->req (NUL-terminated). */
static void
handle_request(struct xb_prom *p, struct conn *c, uint64_t now)
{
	char *method = c->req, *target, *version, *sp;

	method[strcspn(method, "\r\n")] = '\0';
	target = strchr(method, ' ');
	version = target != NULL ? strchr(target + 1, ' ') : NULL;
	if (version == NULL)
		goto bad;
	*target++ = '\0';
	*version++ = '\0';
	sp = strchr(version, ' ');
	if (sp != NULL || method[0] == '\0' || target[0] == '\0' ||
	    strlen(version) != 8 || strncmp(version, "HTTP/1.", 7) != 0)
		goto bad;
	c->head = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") != 0 && !c->head) {
		respond_text(p, c, now, XB_PROM_BAD_METHOD,
			     "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
			     "only GET and HEAD\n");
		return;
	}
	target[strcspn(target, "?")] = '\0';
	if (strcmp(target, "/metrics") != 0) {
		respond_text(p, c, now, XB_PROM_NOT_FOUND, "404 Not Found", "",
			     "not found; try /metrics\n");
		return;
	}
	ask_render(p, c, now);
	return;
bad:
	respond_text(p, c, now, XB_PROM_BAD_REQUEST, "400 Bad Request", "",
		     "bad request\n");
}

static bool
headers_end(const char *buf, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++)
		if (buf[i] == '\n' &&
		    ((i >= 1 && buf[i - 1] == '\n') ||
		     (i >= 3 && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
		      buf[i - 3] == '\r')))
			return true;
	return false;
}

static void
conn_read(struct xb_prom *p, struct conn *c, uint64_t now)
{
	size_t cap = p->lim.header_max;

	while (c->len < cap) {
		ssize_t n = recv(c->fd, c->req + c->len, cap - c->len, 0);
		size_t from = c->len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			count(p, XB_PROM_ABORTED);
			conn_close(p, c);
			return;
		}
		c->len += (size_t)n;
		c->req[c->len] = '\0';
		if (headers_end(c->req, from, c->len)) {
			handle_request(p, c, now);
			return;
		}
	}
	respond_text(p, c, now, XB_PROM_TOO_LARGE,
		     "431 Request Header Fields Too Large", "",
		     "request header too large\n");
}

/* A deadline passed. */
static void
expire(struct xb_prom *p, struct conn *c, uint64_t now)
{
	switch (c->st) {
	case C_READ:
		say_and_drop(c->fd, "408 Request Timeout", "request timeout\n");
		count(p, XB_PROM_TIMEOUT);
		conn_close(p, c);
		break;
	case C_RENDER:
		respond_busy(p, c, now);
		break;
	case C_WRITE:
		count(p, XB_PROM_UNSENT);
		conn_close(p, c);
		break;
	case C_LINGER:
		conn_close(p, c);
		break;
	case C_FREE:
		break;
	}
}

/* Take the latest rendered text, if any, and answer whoever waits for it. */
static void
take_render(struct xb_prom *p, uint64_t now)
{
	struct body *b;
	uint64_t seq, v;

	if (read(p->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing to take */
	}
	pthread_mutex_lock(&p->mu);
	b = p->ready;
	seq = p->ready_seq;
	p->ready = NULL;
	pthread_mutex_unlock(&p->mu);
	if (b == NULL)
		return;
	for (unsigned int i = 0; i < p->lim.max_conns; i++) {
		struct conn *c = &p->conns[i];

		if (c->st == C_RENDER && c->ticket <= seq)
			respond_body(p, c, now, b);
	}
	body_put(b);
}

/* At max_conns: free the slot of the oldest connection that is lingering,
 * else of the oldest still sending its request; NULL when every one is
 * past its request (waiting for a render or being answered). */
static struct conn *
evict(struct xb_prom *p)
{
	struct conn *victim = NULL;

	for (int pass = 0; pass < 2 && victim == NULL; pass++) {
		enum conn_state st = pass == 0 ? C_LINGER : C_READ;

		for (unsigned int i = 0; i < p->lim.max_conns; i++) {
			struct conn *c = &p->conns[i];

			if (c->st == st &&
			    (victim == NULL || c->opened_ms < victim->opened_ms))
				victim = c;
		}
	}
	if (victim == NULL)
		return NULL;
	if (victim->st == C_READ) {
		say_and_drop(victim->fd, "503 Service Unavailable",
			     "too many connections\n");
		count(p, XB_PROM_EVICTED);
	}
	conn_close(p, victim);
	return victim;
}

static void
accept_burst(struct xb_prom *p, uint64_t now)
{
	for (int k = 0; k < ACCEPT_BURST; k++) {
		int fd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c = NULL;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or out of descriptors: next turn */
		}
		for (unsigned int i = 0; i < p->lim.max_conns && c == NULL; i++)
			if (p->conns[i].st == C_FREE)
				c = &p->conns[i];
		if (c == NULL)
			c = evict(p);
		if (c == NULL) {
			say_and_drop(fd, "503 Service Unavailable",
				     "too many connections\n");
			close(fd);
			count(p, XB_PROM_REJECTED);
			continue;
		}
		c->st = C_READ;
		c->fd = fd;
		c->opened_ms = now;
		c->deadline_ms = now + p->lim.header_ms;
		c->len = 0;
		c->head = false;
		c->body = NULL;
		p->nconns++;
		atomic_store_explicit(&p->open_conns, p->nconns,
				      memory_order_relaxed);
	}
}

static void *
io_main(void *arg)
{
	struct xb_prom *p = arg;

	while (!atomic_load(&p->stop)) {
		uint64_t now = now_ms(), next = UINT64_MAX;
		nfds_t n = 0;
		int rc;

		for (unsigned int i = 0; i < p->lim.max_conns; i++) {
			struct conn *c = &p->conns[i];
			short ev;

			if (c->st != C_FREE && now >= c->deadline_ms)
				expire(p, c, now);
			if (c->st == C_FREE)
				continue;
			if (c->deadline_ms < next)
				next = c->deadline_ms;
			ev = c->st == C_WRITE ? POLLOUT
			     : c->st == C_RENDER ? 0
						 : POLLIN;
			if (ev == 0)
				continue;
			p->pfds[n] = (struct pollfd){.fd = c->fd, .events = ev};
			p->pconn[n++] = c;
		}
		p->pfds[n] = (struct pollfd){.fd = p->wake_fd, .events = POLLIN};
		p->pconn[n++] = NULL;
		p->pfds[n] = (struct pollfd){.fd = p->fd, .events = POLLIN};
		p->pconn[n++] = NULL;

		rc = poll(p->pfds, n,
			  next == UINT64_MAX ? -1
			  : next - now > 60000 ? 60000
					       : (int)(next - now));
		if (rc <= 0)
			continue;
		now = now_ms();
		/* Connections first, then the render (it only moves
		 * connections that were not polled), then accepts (which may
		 * reuse a slot polled above). */
		for (nfds_t i = 0; i + 2 < n; i++) {
			struct conn *c = p->pconn[i];

			if (p->pfds[i].revents == 0 || c->fd != p->pfds[i].fd)
				continue;
			if (c->st == C_READ)
				conn_read(p, c, now);
			else if (c->st == C_WRITE)
				conn_write(p, c, now);
			else if (c->st == C_LINGER)
				conn_linger(p, c);
		}
		if (p->pfds[n - 2].revents != 0)
			take_render(p, now);
		if (p->pfds[n - 1].revents != 0)
			accept_burst(p, now);
	}
	for (unsigned int i = 0; i < p->lim.max_conns; i++)
		if (p->conns[i].st != C_FREE)
			conn_close(p, &p->conns[i]);
	return NULL;
}

/* ---- control thread ---- */

static void
limits_fill(struct xb_prom_limits *l, const struct xb_prom_limits *in)
{
	static const struct xb_prom_limits def = {
		.max_conns = XB_PROM_MAX_CONNS,
		.header_ms = XB_PROM_HEADER_MS,
		.write_ms = XB_PROM_WRITE_MS,
		.header_max = XB_PROM_HEADER_MAX,
		.linger_ms = XB_PROM_LINGER_MS,
	};

	*l = in != NULL ? *in : def;
	if (l->max_conns == 0)
		l->max_conns = def.max_conns;
	if (l->header_ms == 0)
		l->header_ms = def.header_ms;
	if (l->write_ms == 0)
		l->write_ms = def.write_ms;
	if (l->header_max == 0)
		l->header_max = def.header_max;
	if (l->linger_ms == 0)
		l->linger_ms = def.linger_ms;
}

static void
prom_free(struct xb_prom *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	if (p->ready != NULL)
		body_free(p->ready);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->conns);
	free(p->reqbufs);
	free(p->pfds);
	free(p->pconn);
	free(p);
}

struct xb_prom *
xb_prom_start(const char *listen_addr, const struct xb_prom_limits *lim,
	      xb_prom_render_fn fn, void *ctx, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[128], port[16];
	sigset_t all, old;
	struct xb_prom *p;
	int one = 1, rc;

	if (xb_hostport_split_listen(listen_addr, host, sizeof(host), port,
			 sizeof(port)) < 0) {
		snprintf(err, errlen,
			 "[prometheus] listen: got \"%s\", expected PORT, HOST:PORT or [IPv6]:PORT",
			 listen_addr);
		return NULL;
	}
	rc = getaddrinfo(host, port, &hints, &res);
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
	p->fd = -1;
	p->wake_fd = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	limits_fill(&p->lim, lim);
	p->fn = fn;
	p->ctx = ctx;
	p->conns = calloc(p->lim.max_conns, sizeof(*p->conns));
	p->reqbufs = calloc(p->lim.max_conns, (size_t)p->lim.header_max + 1);
	p->pfds = calloc(p->lim.max_conns + 2, sizeof(*p->pfds));
	p->pconn = calloc(p->lim.max_conns + 2, sizeof(*p->pconn));
	if (p->conns == NULL || p->reqbufs == NULL || p->pfds == NULL ||
	    p->pconn == NULL) {
		freeaddrinfo(res);
		snprintf(err, errlen, "prometheus: out of memory");
		prom_free(p);
		return NULL;
	}
	for (unsigned int i = 0; i < p->lim.max_conns; i++)
		p->conns[i].req =
			p->reqbufs + (size_t)i * (p->lim.header_max + 1);
	p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	p->fd = socket(res->ai_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->wake_fd < 0 || p->fd < 0 ||
	    setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(p->fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    listen(p->fd, LISTEN_BACKLOG) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "[prometheus] listen %s: %s", listen_addr,
			 strerror(errno));
		freeaddrinfo(res);
		prom_free(p);
		return NULL;
	}
	freeaddrinfo(res);
	p->port = ntohs(ss.ss_family == AF_INET6
				? ((struct sockaddr_in6 *)&ss)->sin6_port
				: ((struct sockaddr_in *)&ss)->sin_port);
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL,
			0, NI_NUMERICHOST) != 0)
		snprintf(host, sizeof(host), "?");
	snprintf(p->url, sizeof(p->url), "http://%s%s%s:%u/metrics",
		 ss.ss_family == AF_INET6 ? "[" : "", host,
		 ss.ss_family == AF_INET6 ? "]" : "", p->port);

	/* The threads take no signals: they stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&p->render_thread, NULL, render_main, p);
	if (rc == 0) {
		rc = pthread_create(&p->io_thread, NULL, io_main, p);
		if (rc != 0) {
			pthread_mutex_lock(&p->mu);
			atomic_store(&p->stop, true);
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
			pthread_join(p->render_thread, NULL);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "prometheus: cannot start thread: %s",
			 strerror(rc));
		prom_free(p);
		return NULL;
	}
	pthread_setname_np(p->io_thread, "xbgw-prom");
	pthread_setname_np(p->render_thread, "xbgw-prom-rend");
	return p;
}

uint16_t
xb_prom_port(const struct xb_prom *p)
{
	return p->port;
}

const char *
xb_prom_url(const struct xb_prom *p)
{
	return p->url;
}

void
xb_prom_get_stats(const struct xb_prom *p, struct xb_prom_stats *st)
{
	struct xb_prom *q = (struct xb_prom *)p; /* atomics: loads only */

	for (unsigned int r = 0; r < XB_PROM_RESULT_MAX; r++)
		st->results[r] = atomic_load_explicit(&q->results[r],
						      memory_order_relaxed);
	st->renders = atomic_load_explicit(&q->renders, memory_order_relaxed);
	st->conns = atomic_load_explicit(&q->open_conns, memory_order_relaxed);
}

uint64_t
xb_prom_requests(const struct xb_prom *p)
{
	struct xb_prom_stats st;
	uint64_t n = 0;

	xb_prom_get_stats(p, &st);
	for (unsigned int r = 0; r < XB_PROM_RESULT_MAX; r++)
		n += st.results[r];
	return n;
}

void
xb_prom_stop(struct xb_prom *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, true);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	wake(p);
	pthread_join(p->io_thread, NULL);
	pthread_join(p->render_thread, NULL);
	prom_free(p);
}
