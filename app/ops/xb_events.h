/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event log: one JSON object per line, appended to a file and/or sent to
 * syslog (LOG_DAEMON), for operator-relevant events: negative-list hits,
 * quota crossings, meter surges, reloads (ok / failed with the reason),
 * start and stop.
 *
 * Every line starts with {"prev":"<hex SHA-256 of the previous line>", so
 * the file is a hash chain: changing, deleting, inserting or reordering a
 * line breaks the chain at the first line after the change, and
 * xb_events_verify() names that line.  The first line of a file carries the
 * hash of the empty string; reopening an existing file resumes the chain
 * from its last line.  The chain is unkeyed: it proves the file was not
 * edited by something that did not also recompute every later hash; the
 * syslog copy of each line (with its hash) is the independent anchor, and
 * cutting lines off the end of the file is visible only against it.
 *
 * Line layout (fields in this order):
 *   {"prev":"<64 hex>","ts":"2024-01-31T08:00:00.123Z","type":"reload",
 *    <caller's fields>}
 *
 * Thread safety: a handle may be used from several threads (an internal
 * mutex serialises lines); never from a worker lcore (file I/O).
 */
#ifndef XB_EVENTS_H
#define XB_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xb_events;

/* One caller field of an event.  Build them with the XB_EV_* macros. */
enum xb_event_kind {
	XB_EVK_STR,  /* s (NULL writes null) */
	XB_EVK_U64,  /* u */
	XB_EVK_I64,  /* i */
	XB_EVK_BOOL, /* b */
	XB_EVK_STRV, /* sv[0..n-1]: a JSON array of strings */
};

struct xb_event_field {
	const char *key;
	enum xb_event_kind kind;
	const char *s;
	uint64_t u;
	int64_t i;
	bool b;
	const char *const *sv;
	unsigned int n;
};

#define XB_EV_STR(k, v) ((struct xb_event_field){.key = (k), .kind = XB_EVK_STR, .s = (v)})
#define XB_EV_U64(k, v) ((struct xb_event_field){.key = (k), .kind = XB_EVK_U64, .u = (v)})
#define XB_EV_I64(k, v) ((struct xb_event_field){.key = (k), .kind = XB_EVK_I64, .i = (v)})
#define XB_EV_BOOL(k, v) ((struct xb_event_field){.key = (k), .kind = XB_EVK_BOOL, .b = (v)})
#define XB_EV_STRV(k, v, cnt) \
	((struct xb_event_field){.key = (k), .kind = XB_EVK_STRV, .sv = (v), .n = (cnt)})

/* Event types the application emits (the "type" field). */
#define XB_EVENT_START "start"
#define XB_EVENT_STOP "stop"
#define XB_EVENT_RELOAD "reload"               /* result: ok | failed */
#define XB_EVENT_NEGATIVE_LIST "negative_list" /* a flow hit the negative list */
#define XB_EVENT_QUOTA "quota"                 /* a tenant crossed its quota */
#define XB_EVENT_APPROVAL_EXPIRED "approval_expired" /* in use, now blocked */
#define XB_EVENT_AUDIT "audit"                 /* a flow under an audit row */
#define XB_EVENT_METER_SURGE "meter_surge"     /* red packets above threshold */

/*
 * Open the log.  path NULL or "" = no file (syslog only); use_syslog opens
 * syslog with ident "xbgw", LOG_PID, facility LOG_DAEMON.  An existing file
 * is appended to and its chain resumed (a last line without its newline is
 * terminated first; verification will then flag that line).
 * Returns NULL with a message in err on failure (file cannot be opened or
 * read).  Control thread.
 */
struct xb_events *xb_events_open(const char *path, bool use_syslog, char *err,
				 size_t errlen);

/*
 * Append one event: type plus n caller fields, stamped with unix_ns
 * (nanoseconds since the epoch, UTC; the caller passes time in).  The line
 * is flushed to the file before returning and sent to syslog with a
 * priority by type (reload failed: LOG_ERR; negative_list, quota,
 * meter_surge: LOG_WARNING; others: LOG_NOTICE).
 * Returns 0, or a negative errno when the file write failed (the chain
 * state is not advanced then).  Any non-worker thread.
 */
int xb_events_emit(struct xb_events *ev, const char *type, uint64_t unix_ns,
		   const struct xb_event_field *fields, unsigned int n);

/* Lines written through this handle (not counting resumed ones). */
uint64_t xb_events_count(const struct xb_events *ev);

/* Flush and close; NULL is fine.  Control thread. */
void xb_events_close(struct xb_events *ev);

/*
 * Verify a log file's chain.  Returns 0 when every line is intact, 1 when
 * a line's "prev" does not equal the SHA-256 of the line before it (or the
 * line is not an event line, or the file does not end with a newline):
 * *bad_line is then the 1-based number of the first such line.  Returns a
 * negative errno when the file cannot be read.  Reentrant.
 */
int xb_events_verify(const char *path, unsigned int *bad_line);

/* Hex SHA-256 (65 bytes with NUL) of len bytes; exposed for tests. */
void xb_events_sha256_hex(const void *data, size_t len, char out[65]);

#endif /* XB_EVENTS_H */
