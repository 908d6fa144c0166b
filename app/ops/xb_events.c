/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_events.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/evp.h>

#include "xb_json.h"

#define PREV_PREFIX "{\"prev\":\""
#define PREV_PREFIX_LEN (sizeof(PREV_PREFIX) - 1)

struct xb_events {
	FILE *f;            /* NULL: syslog only */
	bool syslog;
	char prev[65];      /* hex SHA-256 of the last line written */
	uint64_t count;
	pthread_mutex_t lock;
};

void
xb_events_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
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
	for (unsigned int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* Hash of the last line of f (opened for reading), or of "" when empty.
 * *unterminated says whether the file lacks its final newline. */
static int
last_line_hash(FILE *f, char out[65], bool *unterminated)
{
	char *line = NULL, *last = NULL;
	size_t cap = 0, lastlen = 0;
	ssize_t n;

	*unterminated = false;
	while ((n = getline(&line, &cap, f)) > 0) {
		free(last);
		last = malloc((size_t)n + 1);
		if (last == NULL) {
			free(line);
			return -ENOMEM;
		}
		memcpy(last, line, (size_t)n + 1);
		lastlen = (size_t)n;
	}
	free(line);
	if (ferror(f)) {
		free(last);
		return -EIO;
	}
	if (last != NULL && last[lastlen - 1] == '\n')
		lastlen--;
	else if (last != NULL)
		*unterminated = true;
	xb_events_sha256_hex(last != NULL ? last : "", lastlen, out);
	free(last);
	return 0;
}

struct xb_events *
xb_events_open(const char *path, bool use_syslog, char *err, size_t errlen)
{
	struct xb_events *ev = calloc(1, sizeof(*ev));
	bool unterminated = false;

	if (ev == NULL) {
		snprintf(err, errlen, "events: out of memory");
		return NULL;
	}
	pthread_mutex_init(&ev->lock, NULL);
	xb_events_sha256_hex("", 0, ev->prev);
	if (path != NULL && path[0] != '\0') {
		/* a+: create, append, and read back the chain's end. */
		ev->f = fopen(path, "a+");
		if (ev->f == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(ev);
			return NULL;
		}
		rewind(ev->f);
		if (last_line_hash(ev->f, ev->prev, &unterminated) < 0) {
			snprintf(err, errlen, "%s: cannot read the existing log",
				 path);
			fclose(ev->f);
			free(ev);
			return NULL;
		}
		if (unterminated)
			fputc('\n', ev->f);
		fflush(ev->f);
	}
	ev->syslog = use_syslog;
	if (use_syslog)
		openlog("xbgw", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	return ev;
}

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

int
xb_events_emit(struct xb_events *ev, const char *type, uint64_t unix_ns,
	       const struct xb_event_field *fields, unsigned int n)
{
	char *line = NULL;
	size_t len = 0;
	struct xb_json j;
	FILE *m;
	int rc = 0;

	if (ev == NULL)
		return 0;
	pthread_mutex_lock(&ev->lock);
	m = open_memstream(&line, &len);
	if (m == NULL) {
		pthread_mutex_unlock(&ev->lock);
		return -ENOMEM;
	}
	/* "prev" first, written by hand: the verifier relies on the line
	 * starting with exactly PREV_PREFIX. */
	fprintf(m, PREV_PREFIX "%s\"", ev->prev);
	xb_json_init(&j, m, false);
	/* Continue the object opened above. */
	j.depth = 1;
	j.need_comma[1] = true;
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
	fputc('}', m);
	if (fclose(m) != 0 || line == NULL) {
		free(line);
		pthread_mutex_unlock(&ev->lock);
		return -ENOMEM;
	}
	if (ev->f != NULL) {
		if (fwrite(line, 1, len, ev->f) != len || fputc('\n', ev->f) == EOF ||
		    fflush(ev->f) != 0)
			rc = -EIO;
	}
	if (rc == 0) {
		xb_events_sha256_hex(line, len, ev->prev);
		ev->count++;
	}
	if (ev->syslog)
		syslog(priority_of(type, fields, n), "%s", line);
	free(line);
	pthread_mutex_unlock(&ev->lock);
	return rc;
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
	if (ev->f != NULL)
		fclose(ev->f);
	if (ev->syslog)
		closelog();
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

int
xb_events_verify(const char *path, unsigned int *bad_line)
{
	FILE *f = fopen(path, "r");
	char expect[65];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned int no = 0;
	int rc = 0;

	*bad_line = 0;
	if (f == NULL)
		return -errno;
	xb_events_sha256_hex("", 0, expect);
	while ((n = getline(&line, &cap, f)) > 0) {
		size_t len = (size_t)n;

		no++;
		if (line[len - 1] != '\n') {
			rc = 1; /* a writer always ends its line */
			break;
		}
		len--;
		if (len < PREV_PREFIX_LEN + 65 ||
		    memcmp(line, PREV_PREFIX, PREV_PREFIX_LEN) != 0 ||
		    memcmp(line + PREV_PREFIX_LEN, expect, 64) != 0 ||
		    line[PREV_PREFIX_LEN + 64] != '"') {
			rc = 1;
			break;
		}
		xb_events_sha256_hex(line, len, expect);
	}
	if (rc == 0 && ferror(f))
		rc = -EIO;
	if (rc == 1)
		*bad_line = no;
	free(line);
	fclose(f);
	return rc;
}
