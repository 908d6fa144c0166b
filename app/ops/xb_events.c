/* SPDX-License-Identifier: BSD-3-Clause */
/* Event log: see xb_events.h for the line format and what it protects. */
#include "xb_events.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xb_json.h"

#define PREV_PREFIX "{\"prev\":\""
#define PREV_PREFIX_LEN (sizeof(PREV_PREFIX) - 1)
/* What follows "prev":"<64 hex>" */
#define SEQ_KEY "\",\"seq\":"
#define SEQ_KEY_LEN (sizeof(SEQ_KEY) - 1)
/* A keyed line ends with ,"hmac":"<64 hex>"} */
#define HMAC_KEY ",\"hmac\":\""
#define HMAC_KEY_LEN (sizeof(HMAC_KEY) - 1)
#define HMAC_SUFFIX_LEN (HMAC_KEY_LEN + 64 + 2)
/* The longest last line that resume reads back. */
#define LAST_LINE_MAX (64u << 20)

struct xb_events {
	int fd;               /* -1: syslog only */
	char path[4096];
	bool syslog;
	unsigned char *key;   /* NULL: no hmac */
	size_t keylen;
	struct xb_events_head last;    /* the last line written or resumed */
	struct xb_events_head durable; /* the last line fdatasync'd */
	struct xb_events_head published; /* the last head sent to syslog */
	off_t size;           /* bytes of whole lines in the file */
	uint64_t count;
	uint64_t resumed_seq;
	struct xb_events_head resumed; /* the file's last line at open */
	char problem[512];    /* resume problem, "" = none */
	pthread_mutex_t lock;
};

static void
to_hex(const unsigned char *md, char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void
xb_events_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		/* Cannot happen with a working libcrypto; an all-zero hash
		 * makes verification fail loudly rather than pass. */
		memset(out, '0', 64);
		out[64] = '\0';
		return;
	}
	to_hex(md, out);
}

void
xb_events_hmac_hex(const void *key, size_t keylen, const void *data,
		   size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, md, &mdlen) ==
		    NULL ||
	    mdlen != 32) {
		memset(out, '0', 64);
		out[64] = '\0';
		return;
	}
	to_hex(md, out);
}

static bool
is_hex64(const char *p)
{
	for (int i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return true;
}

int
xb_events_parse_anchor(const char *text, struct xb_events_head *h)
{
	const char *colon = strchr(text, ':');
	char *end;
	unsigned long long seq;

	if (colon == NULL || colon == text || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	seq = strtoull(text, &end, 10);
	if (errno != 0 || end != colon || seq == 0 || strlen(colon + 1) != 64 ||
	    !is_hex64(colon + 1))
		return -EINVAL;
	h->seq = seq;
	for (int i = 0; i < 64; i++)
		h->hash[i] = (char)tolower((unsigned char)colon[1 + i]);
	h->hash[64] = '\0';
	return 0;
}

void
xb_events_format_anchor(const struct xb_events_head *h, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ":%s", h->seq, h->hash);
}

/* ---- one line's structure ---------------------------------------------- */

struct line_view {
	bool event;      /* starts with {"prev":"<64 hex>" and ends with } */
	bool has_seq;
	uint64_t seq;
	bool has_hmac;   /* ends with ,"hmac":"<64 hex>"} */
	size_t signed_len; /* bytes the hmac covers */
	bool is_stop;
};

/* l: a line without its newline. */
static void
view_line(const char *l, size_t len, struct line_view *v)
{
	memset(v, 0, sizeof(*v));
	if (len < PREV_PREFIX_LEN + 66 ||
	    memcmp(l, PREV_PREFIX, PREV_PREFIX_LEN) != 0 ||
	    !is_hex64(l + PREV_PREFIX_LEN) ||
	    l[PREV_PREFIX_LEN + 64] != '"' || l[len - 1] != '}')
		return;
	v->event = true;
	if (len > PREV_PREFIX_LEN + 64 + SEQ_KEY_LEN &&
	    memcmp(l + PREV_PREFIX_LEN + 64, SEQ_KEY, SEQ_KEY_LEN) == 0) {
		const char *p = l + PREV_PREFIX_LEN + 64 + SEQ_KEY_LEN;
		const char *e = l + len;
		uint64_t s = 0;
		int digits = 0;

		while (p < e && isdigit((unsigned char)*p) && digits < 19) {
			s = s * 10 + (uint64_t)(*p - '0');
			p++;
			digits++;
		}
		if (digits > 0 && p < e && (*p == ',' || *p == '}') &&
		    !(digits > 1 && p[-digits] == '0')) {
			v->has_seq = true;
			v->seq = s;
		}
	}
	if (len >= PREV_PREFIX_LEN + 65 + HMAC_SUFFIX_LEN &&
	    memcmp(l + len - HMAC_SUFFIX_LEN, HMAC_KEY, HMAC_KEY_LEN) == 0 &&
	    is_hex64(l + len - HMAC_SUFFIX_LEN + HMAC_KEY_LEN) &&
	    l[len - 2] == '"') {
		v->has_hmac = true;
		v->signed_len = len - HMAC_SUFFIX_LEN;
	}
	v->is_stop = strstr(l, ",\"type\":\"" XB_EVENT_STOP "\"") != NULL;
}

static bool
hmac_ok(const void *key, size_t keylen, const char *l, size_t len,
	const struct line_view *v)
{
	char mac[65];

	xb_events_hmac_hex(key, keylen, l, v->signed_len, mac);
	(void)len;
	return CRYPTO_memcmp(mac, l + v->signed_len + HMAC_KEY_LEN, 64) == 0;
}

/* ---- opening: resume from the last line --------------------------------- */

/* Read the last line of fd (size bytes) into *out (NUL-terminated, no
 * newline).  *terminated: the file ends with a newline. */
static int
read_last_line(int fd, off_t size, char **out, size_t *outlen,
	       bool *terminated)
{
	size_t want = 4096;
	char *buf = NULL;

	*out = NULL;
	*outlen = 0;
	*terminated = true;
	if (size == 0)
		return 0;
	for (;;) {
		size_t n = (off_t)want > size ? (size_t)size : want;
		off_t at = size - (off_t)n;
		size_t got = 0, end, start;
		char *nb = realloc(buf, n + 1);

		if (nb == NULL) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		while (got < n) {
			ssize_t r = pread(fd, buf + got, n - got, at + (off_t)got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				free(buf);
				return r < 0 ? -errno : -EIO;
			}
			got += (size_t)r;
		}
		end = n;
		*terminated = buf[n - 1] == '\n';
		if (*terminated)
			end--;
		start = end;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (start > 0 || at == 0) {
			memmove(buf, buf + start, end - start);
			buf[end - start] = '\0';
			*out = buf;
			*outlen = end - start;
			return 0;
		}
		if (want >= LAST_LINE_MAX) {
			free(buf);
			return -EFBIG;
		}
		want *= 4;
	}
}

/* Lines in fd (a final line without newline counts). */
static int
count_lines(int fd, uint64_t *lines)
{
	char buf[65536];
	off_t at = 0;
	ssize_t r;
	char lastc = '\n';

	*lines = 0;
	while ((r = pread(fd, buf, sizeof(buf), at)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t i = 0; i < r; i++)
			*lines += buf[i] == '\n';
		lastc = buf[r - 1];
		at += r;
	}
	if (lastc != '\n')
		(*lines)++;
	return 0;
}

static void
problem(struct xb_events *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
problem(struct xb_events *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->problem[0] != '\0')
		return; /* the first one is the one to report */
	va_start(ap, fmt);
	vsnprintf(ev->problem, sizeof(ev->problem), fmt, ap);
	va_end(ap);
}

static int
resume(struct xb_events *ev)
{
	struct stat st;
	struct line_view v;
	bool terminated;
	char *line;
	size_t len;
	int rc;

	if (fstat(ev->fd, &st) < 0)
		return -errno;
	rc = read_last_line(ev->fd, st.st_size, &line, &len, &terminated);
	if (rc < 0)
		return rc;
	ev->size = st.st_size;
	if (line == NULL)
		return 0; /* empty file: a new chain */
	xb_events_sha256_hex(line, len, ev->last.hash);
	view_line(line, len, &v);
	if (v.has_seq) {
		ev->last.seq = v.seq;
	} else {
		/* A log from before seq existed, or a damaged last line:
		 * seq is the line number, so count. */
		rc = count_lines(ev->fd, &ev->last.seq);
		if (rc < 0) {
			free(line);
			return rc;
		}
	}
	if (!terminated) {
		/* A crash mid-write (only older writers could leave one):
		 * end the line so ours start on their own. */
		if (write(ev->fd, "\n", 1) != 1) {
			free(line);
			return -EIO;
		}
		ev->size++;
		problem(ev, "the last line (%" PRIu64 ") was cut off without its newline; verification will report it",
			ev->last.seq);
	}
	if (!v.event)
		problem(ev, "the last line (%" PRIu64 ") is not an event line; verification will report it",
			ev->last.seq);
	else if (ev->key != NULL && v.has_hmac &&
		 !hmac_ok(ev->key, ev->keylen, line, len, &v))
		problem(ev, "the hmac of the last line (%" PRIu64 ") does not match [events] key: another key wrote it, or the line was changed",
			ev->last.seq);
	else if (ev->key == NULL && v.has_hmac)
		problem(ev, "the log is keyed up to line %" PRIu64 " but [events] key is not set: later lines carry no hmac and fail verification with the key",
			ev->last.seq);
	free(line);
	ev->resumed_seq = ev->last.seq;
	ev->resumed = ev->last;
	ev->durable = ev->last;
	ev->published = ev->last;
	return 0;
}

static int
fsync_parent(const char *path)
{
	char copy[4096];
	int fd, rc = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

struct xb_events *
xb_events_open(const char *path, const void *key, size_t keylen,
	       bool use_syslog, char *err, size_t errlen)
{
	struct xb_events *ev = calloc(1, sizeof(*ev));
	int rc;

	if (ev == NULL) {
		snprintf(err, errlen, "events: out of memory");
		return NULL;
	}
	ev->fd = -1;
	pthread_mutex_init(&ev->lock, NULL);
	xb_events_sha256_hex("", 0, ev->last.hash);
	ev->durable = ev->last;
	ev->published = ev->last;
	if (key != NULL) {
		if (keylen == 0 || keylen > XB_EVENTS_KEY_MAX) {
			snprintf(err, errlen, "events: key of %zu bytes (expected 1..%u)",
				 keylen, XB_EVENTS_KEY_MAX);
			goto fail;
		}
		ev->key = malloc(keylen);
		if (ev->key == NULL) {
			snprintf(err, errlen, "events: out of memory");
			goto fail;
		}
		memcpy(ev->key, key, keylen);
		ev->keylen = keylen;
	}
	if (path != NULL && path[0] != '\0') {
		bool created = access(path, F_OK) != 0;

		if (strlen(path) >= sizeof(ev->path)) {
			snprintf(err, errlen, "%s: path too long", path);
			goto fail;
		}
		snprintf(ev->path, sizeof(ev->path), "%s", path);
		ev->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (ev->fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (flock(ev->fd, LOCK_EX | LOCK_NB) < 0) {
			snprintf(err, errlen,
				 errno == EWOULDBLOCK
					 ? "%s: in use by another process (two writers would break the chain)"
					 : "%s: cannot lock: %s",
				 path, strerror(errno));
			goto fail;
		}
		rc = resume(ev);
		if (rc < 0) {
			snprintf(err, errlen, "%s: cannot read the existing log: %s",
				 path, strerror(-rc));
			goto fail;
		}
		if (created)
			fsync_parent(path); /* the new name is durable too */
	}
	ev->syslog = use_syslog;
	if (use_syslog)
		openlog("xbgw", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	return ev;
fail:
	if (ev->fd >= 0)
		close(ev->fd);
	if (ev->key != NULL)
		OPENSSL_cleanse(ev->key, ev->keylen);
	free(ev->key);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
	return NULL;
}

/* ---- writing ------------------------------------------------------------ */

static void
write_ts(struct xb_json *j, uint64_t unix_ns)
{
	time_t secs = (time_t)(unix_ns / 1000000000u);
	struct tm tm;
	char buf[64];

	gmtime_r(&secs, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec,
		 (unsigned int)(unix_ns % 1000000000u / 1000000u));
	xb_json_str(j, "ts", buf);
}

static int
priority_of(const char *type, const struct xb_event_field *fields,
	    unsigned int n)
{
	if (strcmp(type, XB_EVENT_RELOAD) == 0) {
		for (unsigned int i = 0; i < n; i++)
			if (strcmp(fields[i].key, "result") == 0 &&
			    fields[i].kind == XB_EVK_STR && fields[i].s != NULL &&
			    strcmp(fields[i].s, "ok") != 0)
				return LOG_ERR;
		return LOG_NOTICE;
	}
	if (strcmp(type, XB_EVENT_NEGATIVE_LIST) == 0 ||
	    strcmp(type, XB_EVENT_QUOTA) == 0 ||
	    strcmp(type, XB_EVENT_METER_SURGE) == 0)
		return LOG_WARNING;
	return LOG_NOTICE;
}

/* Lines made durable before emit returns: rare, and what an auditor
 * asks about first. */
static bool
sync_at_once(const char *type)
{
	return strcmp(type, XB_EVENT_START) == 0 ||
	       strcmp(type, XB_EVENT_STOP) == 0 ||
	       strcmp(type, XB_EVENT_RELOAD) == 0 ||
	       strcmp(type, XB_EVENT_QUOTA) == 0;
}

/* The line, without its newline, into a malloc'd buffer. */
static int
format_line(const struct xb_events *ev, uint64_t seq, const char *type,
	    uint64_t unix_ns, const struct xb_event_field *fields,
	    unsigned int n, char **out, size_t *outlen)
{
	char *line = NULL;
	size_t len = 0;
	struct xb_json j;
	FILE *m = open_memstream(&line, &len);

	if (m == NULL)
		return -ENOMEM;
	/* "prev" first, written by hand: verifiers rely on the line
	 * starting with exactly PREV_PREFIX, then "seq". */
	fprintf(m, PREV_PREFIX "%s\"", ev->last.hash);
	xb_json_init(&j, m, false);
	/* Continue the object opened above. */
	j.depth = 1;
	j.need_comma[1] = true;
	xb_json_u64(&j, "seq", seq);
	write_ts(&j, unix_ns);
	xb_json_str(&j, "type", type);
	for (unsigned int i = 0; i < n; i++) {
		const struct xb_event_field *f = &fields[i];

		switch (f->kind) {
		case XB_EVK_STR:
			xb_json_str(&j, f->key, f->s);
			break;
		case XB_EVK_U64:
			xb_json_u64(&j, f->key, f->u);
			break;
		case XB_EVK_I64:
			xb_json_i64(&j, f->key, f->i);
			break;
		case XB_EVK_BOOL:
			xb_json_bool(&j, f->key, f->b);
			break;
		case XB_EVK_STRV:
			xb_json_array_begin(&j, f->key);
			for (unsigned int k = 0; k < f->n; k++)
				xb_json_str(&j, NULL, f->sv[k]);
			xb_json_array_end(&j);
			break;
		}
	}
	if (fflush(m) != 0) {
		fclose(m);
		free(line);
		return -ENOMEM;
	}
	if (ev->key != NULL) {
		char mac[65];

		/* Over every byte so far: prev, seq, ts, type, fields. */
		xb_events_hmac_hex(ev->key, ev->keylen, line, len, mac);
		fprintf(m, HMAC_KEY "%s\"", mac);
	}
	fputc('}', m);
	if (fclose(m) != 0 || line == NULL) {
		free(line);
		return -ENOMEM;
	}
	*out = line;
	*outlen = len;
	return 0;
}

/* One write(2) of the line and its newline; on failure the file is cut
 * back to its last whole line. */
static int
append_line(struct xb_events *ev, char *line, size_t len)
{
	size_t done = 0, total = len + 1;
	int rc = 0;

	line[len] = '\n'; /* the buffer holds len + 1 bytes (the NUL) */
	while (done < total) {
		ssize_t w = write(ev->fd, line + done, total - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)w;
	}
	line[len] = '\0';
	if (rc < 0) {
		if (done > 0 && ftruncate(ev->fd, ev->size) < 0)
			rc = -EIO; /* a torn line stays: verification shows it */
		return rc;
	}
	ev->size += (off_t)total;
	return 0;
}

static int
sync_locked(struct xb_events *ev)
{
	if (ev->durable.seq == ev->last.seq)
		return 0;
	if (ev->fd >= 0 && fdatasync(ev->fd) < 0)
		return -errno;
	ev->durable = ev->last;
	return 0;
}

int
xb_events_emit(struct xb_events *ev, const char *type, uint64_t unix_ns,
	       const struct xb_event_field *fields, unsigned int n)
{
	char *line = NULL;
	size_t len = 0;
	int rc;

	if (ev == NULL)
		return 0;
	pthread_mutex_lock(&ev->lock);
	rc = format_line(ev, ev->last.seq + 1, type, unix_ns, fields, n, &line,
			 &len);
	if (rc < 0) {
		pthread_mutex_unlock(&ev->lock);
		return rc;
	}
	if (ev->fd >= 0)
		rc = append_line(ev, line, len);
	if (rc == 0) {
		xb_events_sha256_hex(line, len, ev->last.hash);
		ev->last.seq++;
		ev->count++;
		if (sync_at_once(type))
			rc = sync_locked(ev);
	}
	if (ev->syslog)
		syslog(priority_of(type, fields, n), "%s", line);
	free(line);
	pthread_mutex_unlock(&ev->lock);
	return rc;
}

int
xb_events_sync(struct xb_events *ev, struct xb_events_head *head)
{
	int rc;

	if (ev == NULL)
		return 0;
	pthread_mutex_lock(&ev->lock);
	rc = sync_locked(ev);
	if (head != NULL)
		*head = ev->durable;
	pthread_mutex_unlock(&ev->lock);
	return rc;
}

bool
xb_events_unsynced(struct xb_events *ev)
{
	bool r;

	if (ev == NULL)
		return false;
	pthread_mutex_lock(&ev->lock);
	r = ev->durable.seq != ev->last.seq;
	pthread_mutex_unlock(&ev->lock);
	return r;
}

int
xb_events_publish_head(struct xb_events *ev, struct xb_events_head *head)
{
	int rc;

	if (ev == NULL)
		return 0;
	pthread_mutex_lock(&ev->lock);
	rc = sync_locked(ev);
	if (ev->syslog && ev->durable.seq != ev->published.seq) {
		syslog(LOG_INFO, "event log anchor %" PRIu64 ":%s (%s)",
		       ev->durable.seq, ev->durable.hash,
		       ev->fd >= 0 ? ev->path : "syslog only");
	}
	ev->published = ev->durable;
	if (head != NULL)
		*head = ev->durable;
	pthread_mutex_unlock(&ev->lock);
	return rc;
}

void
xb_events_head(struct xb_events *ev, struct xb_events_head *head)
{
	pthread_mutex_lock(&ev->lock);
	*head = ev->last;
	pthread_mutex_unlock(&ev->lock);
}

uint64_t
xb_events_resumed_seq(const struct xb_events *ev)
{
	return ev != NULL ? ev->resumed_seq : 0;
}

int
xb_events_check_resumed(const struct xb_events *ev,
			const struct xb_events_head *a, char *why, size_t len)
{
	if (ev == NULL || ev->fd < 0 || a->seq == 0)
		return 0;
	if (a->seq > ev->resumed.seq) {
		snprintf(why, len,
			 "the log ends at seq %" PRIu64 ", but a usage checkpoint anchors seq %" PRIu64 " (%.12s...): lines were cut off its end",
			 ev->resumed.seq, a->seq, a->hash);
		return 1;
	}
	if (a->seq == ev->resumed.seq && strcmp(a->hash, ev->resumed.hash) != 0) {
		snprintf(why, len,
			 "the last line (seq %" PRIu64 ") has SHA-256 %.12s..., a usage checkpoint anchors %.12s...: the log was rewritten",
			 a->seq, ev->resumed.hash, a->hash);
		return 1;
	}
	return 0;
}

const char *
xb_events_resume_problem(const struct xb_events *ev)
{
	return ev != NULL && ev->problem[0] != '\0' ? ev->problem : NULL;
}

uint64_t
xb_events_count(const struct xb_events *ev)
{
	return ev != NULL ? ev->count : 0;
}

void
xb_events_close(struct xb_events *ev)
{
	if (ev == NULL)
		return;
	xb_events_publish_head(ev, NULL);
	if (ev->fd >= 0)
		close(ev->fd); /* releases the lock */
	if (ev->syslog)
		closelog();
	if (ev->key != NULL)
		OPENSSL_cleanse(ev->key, ev->keylen);
	free(ev->key);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

/* ---- checking ----------------------------------------------------------- */

static void __attribute__((format(printf, 4, 5)))
fault(struct xb_events_report *r, enum xb_events_fault f, uint64_t line,
      const char *fmt, ...)
{
	va_list ap;

	r->fault = f;
	r->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* The anchor naming seq, or NULL (first match; several may name it). */
static const struct xb_events_head *
anchor_at(const struct xb_events_check *c, uint64_t seq, unsigned int from,
	  unsigned int *idx)
{
	for (unsigned int i = from; c != NULL && i < c->nanchors; i++)
		if (c->anchors[i].seq == seq) {
			*idx = i;
			return &c->anchors[i];
		}
	return NULL;
}

/* Check one line (no newline) against the state so far; 0 or a fault. */
static int
check_line(const struct xb_events_check *c, struct xb_events_report *r,
	   uint64_t no, const char *l, size_t len, const char *expect_prev)
{
	struct line_view v;
	char h[65];
	unsigned int ai = 0;

	view_line(l, len, &v);
	if (!v.event) {
		fault(r, XB_EVF_FORMAT, no,
		      "not an event line (expected {\"prev\":\"<64 hex>\",...})");
		return 1;
	}
	if (memcmp(l + PREV_PREFIX_LEN, expect_prev, 64) != 0) {
		fault(r, XB_EVF_PREV, no,
		      "hash chain broken (\"prev\" is not the SHA-256 of line %" PRIu64 "): the log was changed at or before this line",
		      no - 1);
		return 1;
	}
	if (v.has_seq && v.seq != no) {
		fault(r, XB_EVF_SEQ, no,
		      "\"seq\" is %" PRIu64 ", expected %" PRIu64 " (the line number): lines were deleted or inserted before it",
		      v.seq, no);
		return 1;
	}
	if (!v.has_seq && r->first_seq != 0) {
		fault(r, XB_EVF_SEQ, no,
		      "no \"seq\", but every line from line %" PRIu64 " on carries one",
		      r->first_seq);
		return 1;
	}
	if (v.has_seq && r->first_seq == 0)
		r->first_seq = no;
	if (c != NULL && c->key != NULL) {
		if (v.has_hmac) {
			if (!hmac_ok(c->key, c->keylen, l, len, &v)) {
				fault(r, XB_EVF_HMAC, no,
				      "\"hmac\" does not match the key: the line was changed, lines before it were deleted or rewritten and the hashes recomputed, or another key wrote it");
				return 1;
			}
			if (r->first_keyed == 0)
				r->first_keyed = no;
		} else if (r->first_keyed != 0) {
			fault(r, XB_EVF_NO_HMAC, no,
			      "no \"hmac\", but every line from line %" PRIu64 " on carries one: written without the key, or changed",
			      r->first_keyed);
			return 1;
		}
	}
	xb_events_sha256_hex(l, len, h);
	while (anchor_at(c, no, ai, &ai) != NULL) {
		if (strcmp(c->anchors[ai].hash, h) != 0) {
			fault(r, XB_EVF_ANCHOR, no,
			      "the SHA-256 of this line is %s, the anchor %" PRIu64 ":%.12s... says otherwise: this line, or one before it, was rewritten",
			      h, no, c->anchors[ai].hash);
			return 1;
		}
		ai++;
	}
	r->head.seq = no;
	memcpy(r->head.hash, h, sizeof(h));
	r->ends_with_stop = v.is_stop;
	return 0;
}

int
xb_events_check(const char *path, const struct xb_events_check *c,
		struct xb_events_report *r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t no = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (f == NULL)
		return -errno;
	xb_events_sha256_hex("", 0, r->head.hash);
	while ((n = getline(&line, &cap, f)) > 0) {
		size_t len = (size_t)n;

		no++;
		if (line[len - 1] != '\n') {
			/* A writer always ends its line. */
			fault(r, XB_EVF_TORN, no,
			      "the line is cut off (no newline at the end of the file)");
			rc = 1;
			break;
		}
		line[--len] = '\0';
		if (check_line(c, r, no, line, len, r->head.hash) != 0) {
			rc = 1;
			break;
		}
		r->lines = no;
	}
	if (rc == 0 && ferror(f))
		rc = -EIO;
	free(line);
	fclose(f);
	if (rc != 0)
		return rc;
	if (c != NULL && c->key != NULL && r->lines > 0 && r->first_keyed == 0) {
		fault(r, XB_EVF_NO_HMAC, 1,
		      "no line carries an \"hmac\": the log was not written with a key (or they were stripped)");
		return 1;
	}
	for (unsigned int i = 0; c != NULL && i < c->nanchors; i++) {
		const struct xb_events_head *a = &c->anchors[i];

		if (a->seq > r->lines) {
			fault(r, XB_EVF_TRUNCATED, r->lines + 1,
			      "the log ends at seq %" PRIu64 ", but the anchor %" PRIu64 ":%.12s... says it reached seq %" PRIu64 ": lines were cut off the end",
			      r->lines, a->seq, a->hash, a->seq);
			return 1;
		}
	}
	return 0;
}

int
xb_events_verify(const char *path, unsigned int *bad_line)
{
	struct xb_events_report r;
	int rc = xb_events_check(path, NULL, &r);

	*bad_line = rc == 1 ? (unsigned int)r.bad_line : 0;
	return rc;
}
