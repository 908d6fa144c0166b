/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event log: one JSON object per line, appended to a file and/or sent to
 * syslog (LOG_DAEMON), for operator-relevant events: negative-list hits,
 * quota crossings, meter surges, reloads (ok / failed with the reason),
 * start and stop.
 *
 * Line layout (fields in this order; see app/ops/OUTPUTS.md):
 *
 *   {"prev":"<64 hex>","seq":N,"ts":"2024-01-31T08:00:00.123Z",
 *    "type":"reload",<caller's fields>,"hmac":"<64 hex>"}
 *
 * Three protections, each for a different reader:
 *
 * - "prev", the hex SHA-256 of the previous line (its bytes without the
 *   newline; the first line of a file carries the hash of ""), makes the
 *   file a hash chain anyone can check without a secret: an edit, deletion,
 *   insertion or reordering breaks it at the first line after the change,
 *   unless every later "prev" was recomputed.
 * - "seq" is the line's number in the file (1, 2, ...; never reused:
 *   reopening a file continues from its last line).  A line deleted or
 *   inserted without renumbering shows as a gap; and seq names a line in
 *   an anchor.
 * - "hmac" (only with a key, [events] key = FILE): HMAC-SHA256 with that
 *   key over the line's bytes before ,"hmac" -- prev, seq, ts, type and
 *   every field.  Since prev covers the previous line whole (its hmac
 *   included), the MACs chain: rewriting, deleting or inserting any line
 *   and recomputing the later prev hashes and seqs fails at the first
 *   recomputed line unless the key is known.
 *
 * None of them shows lines cut off the end of the file: that needs an
 * anchor, a chain head (seq and the SHA-256 of that line) kept somewhere
 * else.  xbgw publishes the head of the durable log to syslog ("event log
 * anchor SEQ:HASH (FILE)") and into every usage checkpoint (a
 * "# events SEQ HASH" line, app/ctl/xb_usage.h); xb_events_check() with
 * that anchor fails when the log no longer reaches that line, or when
 * that line's hash differs.
 *
 * Durability: emit write(2)s the whole line, with its newline, in one
 * call to a file opened O_APPEND (a process crash never leaves half a
 * line; a failed write is cut back off).  fdatasync: at once for start,
 * stop, reload and quota lines; for the others when the owner calls
 * xb_events_sync() (the main lcore, every 100 ms while lines are
 * unsynced); and always before a head is published as an anchor.
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
#define XB_EVENT_CLUSTER_UNREACHABLE "cluster_unreachable" /* PostgreSQL gone */
#define XB_EVENT_CLUSTER_BACK "cluster_reachable"  /* ... and back */
#define XB_EVENT_RULESET_MISMATCH "ruleset_mismatch" /* gateways differ */
#define XB_EVENT_APPROVAL_EXPIRED "approval_expired" /* in use, now blocked */
#define XB_EVENT_AUDIT "audit"                 /* a flow under an audit row */
#define XB_EVENT_METER_SURGE "meter_surge"     /* red packets above threshold */

/* Largest HMAC key, bytes (the key file's bytes are the key; the file's
 * rules are in app/ctl/xb_config.h, xb_config_read_key). */
#define XB_EVENTS_KEY_MAX 4096

/* A chain head: line seq and the hex SHA-256 of that line (without its
 * newline).  seq 0 = no line (hash then of ""). */
struct xb_events_head {
	uint64_t seq;
	char hash[65];
};

/*
 * Open the log.  path NULL or "" = no file (syslog only; seq and prev
 * still run).  key/keylen: the HMAC key (NULL: lines carry no hmac).
 * use_syslog opens syslog with ident "xbgw", LOG_PID, facility LOG_DAEMON.
 *
 * An existing file is appended to: its last line is read (from the end,
 * the file is not scanned) and checked -- an event line, its hmac when
 * both it and a key are there -- and the chain and seq continue from it.
 * A problem found there does not stop the open (the gateway keeps its
 * log going; --verify-events keeps reporting the damage): it is
 * described by xb_events_resume_problem().  A last line without its
 * newline (a torn write) is terminated first.  The file is locked
 * (flock, exclusive): a second writer is refused.
 *
 * Returns NULL with a message in err on failure (file cannot be opened,
 * read or locked).  Control thread.
 */
struct xb_events *xb_events_open(const char *path, const void *key,
				 size_t keylen, bool use_syslog, char *err,
				 size_t errlen);

/*
 * Append one event: type plus n caller fields, stamped with unix_ns
 * (nanoseconds since the epoch, UTC; the caller passes time in).  The line
 * is in the file (write(2) done) before returning, fdatasync'd for start,
 * stop, reload and quota, and sent to syslog with a priority by type
 * (reload failed: LOG_ERR; negative_list, quota, meter_surge:
 * LOG_WARNING; others: LOG_NOTICE).
 * Returns 0, or a negative errno when the file write failed (the line is
 * cut back off and the chain state is not advanced).  Any non-worker
 * thread.
 */
int xb_events_emit(struct xb_events *ev, const char *type, uint64_t unix_ns,
		   const struct xb_event_field *fields, unsigned int n);

/*
 * fdatasync the lines written since the last sync (no-op when there are
 * none) and return the head of the durable log in *head (may be NULL).
 * Returns 0 or a negative errno (then *head is the last durable head).
 * Any non-worker thread.
 */
int xb_events_sync(struct xb_events *ev, struct xb_events_head *head);

/* True when lines were written since the last sync. */
bool xb_events_unsynced(struct xb_events *ev);

/*
 * xb_events_sync(), then, when the durable head moved since the last
 * call, send it to syslog (LOG_INFO): "event log anchor SEQ:HASH (FILE)".
 * Returns what xb_events_sync returns.  Any non-worker thread.
 */
int xb_events_publish_head(struct xb_events *ev, struct xb_events_head *head);

/* The last line's head (written, maybe not yet durable). */
void xb_events_head(struct xb_events *ev, struct xb_events_head *head);

/* Seq of the file's last line when it was opened (0: new or empty). */
uint64_t xb_events_resumed_seq(const struct xb_events *ev);

/*
 * An anchor kept elsewhere (the newest usage checkpoint's) against the
 * file as found at open, without reading it again: returns 1 with the
 * reason in why when the log ends before a.seq (lines were cut off while
 * nothing was writing it) or when its last line is a.seq but not the
 * anchored line; 0 otherwise (an anchor on an earlier line is left to
 * --verify-events, which reads the whole file).  Control thread.
 */
int xb_events_check_resumed(const struct xb_events *ev,
			    const struct xb_events_head *a, char *why,
			    size_t len);

/* What was wrong with the existing file's last line at open, or NULL. */
const char *xb_events_resume_problem(const struct xb_events *ev);

/* Lines written through this handle (not counting resumed ones). */
uint64_t xb_events_count(const struct xb_events *ev);

/* Sync, flush and close; NULL is fine.  Control thread. */
void xb_events_close(struct xb_events *ev);

/* "SEQ:HASH" <-> head.  parse: seq >= 1, 64 hex digits (stored lower
 * case); returns 0 or -EINVAL. */
int xb_events_parse_anchor(const char *text, struct xb_events_head *head);
void xb_events_format_anchor(const struct xb_events_head *head, char *buf,
			     size_t len);

/* What xb_events_check found wrong first. */
enum xb_events_fault {
	XB_EVF_NONE = 0,
	XB_EVF_FORMAT,    /* not an event line ({"prev":"<64 hex>",...}) */
	XB_EVF_TORN,      /* the last line has no newline */
	XB_EVF_PREV,      /* "prev" is not the SHA-256 of the line before */
	XB_EVF_SEQ,       /* "seq" is not the line's number, or missing */
	XB_EVF_HMAC,      /* "hmac" does not match the key */
	XB_EVF_NO_HMAC,   /* a key was given and the line has no "hmac" */
	XB_EVF_TRUNCATED, /* the log ends before an anchor's seq */
	XB_EVF_ANCHOR,    /* the anchored line's SHA-256 is not the anchor's */
};

struct xb_events_check {
	const void *key;  /* NULL: hmacs are not checked */
	size_t keylen;
	const struct xb_events_head *anchors; /* n of them, any order */
	unsigned int nanchors;
};

struct xb_events_report {
	enum xb_events_fault fault;
	uint64_t bad_line;   /* 1-based; for TRUNCATED the first missing line */
	char why[512];       /* one sentence, without the file name */
	uint64_t lines;      /* lines read and found intact */
	uint64_t first_seq;  /* first line carrying "seq" (0: none) */
	uint64_t first_keyed;/* first line whose hmac was checked (0: none) */
	struct xb_events_head head; /* the last intact line */
	bool ends_with_stop; /* the last line is a "stop" event */
};

/*
 * Check a log file: every line's prev; seq == line number on every line
 * from the first that carries one (lines of logs written before seq
 * existed may precede it); with c->key, every hmac, from the first line
 * that carries one to the end, and at least the last line must carry
 * one; each anchor: the log reaches anchor.seq and that line's SHA-256 is
 * anchor.hash.  Stops at the first fault.  c may be NULL (keyless, no
 * anchors).  Returns 0 when intact, 1 with r filled when a fault was
 * found, a negative errno when the file cannot be read.  Reentrant.
 */
int xb_events_check(const char *path, const struct xb_events_check *c,
		    struct xb_events_report *r);

/*
 * The keyless check, as before keys existed: 0 intact, 1 with *bad_line
 * the 1-based number of the first bad line, or a negative errno.
 */
int xb_events_verify(const char *path, unsigned int *bad_line);

/* Hex SHA-256 (65 bytes with NUL) of len bytes; exposed for tests. */
void xb_events_sha256_hex(const void *data, size_t len, char out[65]);

/* Hex HMAC-SHA256 of len bytes with key; exposed for tests. */
void xb_events_hmac_hex(const void *key, size_t keylen, const void *data,
			size_t len, char out[65]);

#endif /* XB_EVENTS_H */
