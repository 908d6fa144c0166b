/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event log: the hash chain (a fresh chain verifies, every kind of
 * tampering -- edit, delete, insert, reorder, truncate -- is reported at
 * the first line whose "prev" no longer matches, reopening resumes the
 * chain); "seq" on every line, continued across reopens; "hmac" with a
 * key; anchors.  The attacks the keyless chain cannot see -- the tail cut
 * off, a line deleted or edited with every later "prev" and "seq"
 * recomputed -- are caught with the key or with an anchor, and a wrong
 * key is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "xb_events.h"

#define NLINES 6
#define T0 1700000000000000000ull

static const char KEY[] = "0123456789abcdef0123456789abcdef-test-key";
static const char KEY2[] = "fedcba9876543210fedcba9876543210-other-key";

static void
tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/xbgw-test-events-%d-%s.log", (int)getpid(),
		 tag);
	unlink(buf);
}

/* Write n events of assorted shapes, with key (NULL: unkeyed). */
static void
write_events_key(const char *path, unsigned int n, uint64_t t, const char *key)
{
	char err[256];
	struct xb_events *ev = xb_events_open(path, key, key ? strlen(key) : 0,
					      false, err, sizeof(err));
	static const char *const errs[] = {"a.csv:3: bad \"x\"", "b.csv:9: tab\there"};

	if (ev == NULL)
		print_error("open: %s\n", err);
	assert_non_null(ev);
	for (unsigned int i = 0; i < n; i++) {
		struct xb_event_field f[] = {
			XB_EV_STR("result", i % 2 ? "failed" : "ok"),
			XB_EV_U64("generation", i + 1),
			XB_EV_I64("delta", -(int64_t)i),
			XB_EV_BOOL("flag", i % 3 == 0),
			XB_EV_STRV("errors", errs, i % 2 ? 2 : 0),
		};

		assert_int_equal(xb_events_emit(ev, XB_EVENT_RELOAD,
						 t + i * 1000000ull, f, 5),
				 0);
	}
	assert_int_equal(xb_events_count(ev), n);
	xb_events_close(ev);
}

static void
write_events(const char *path, unsigned int n, uint64_t t)
{
	write_events_key(path, n, t, NULL);
}

/* Read the file as lines (each with its newline). */
static unsigned int
read_lines(const char *path, char lines[][1024], unsigned int max)
{
	FILE *f = fopen(path, "r");
	unsigned int n = 0;

	assert_non_null(f);
	while (n < max && fgets(lines[n], 1024, f) != NULL)
		n++;
	fclose(f);
	return n;
}

static void
write_lines(const char *path, char lines[][1024], unsigned int n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (unsigned int i = 0; i < n; i++)
		fputs(lines[i], f);
	fclose(f);
}

static void
test_chain_verifies(void **state)
{
	char path[128], lines[16][1024], first_prev[65];
	unsigned int bad = 99;

	(void)state;
	tmp_path(path, sizeof(path), "ok");
	write_events(path, NLINES, T0);
	assert_int_equal(xb_events_verify(path, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(read_lines(path, lines, 16), NLINES);
	/* Layout: prev first (hash of ""), then ts and type. */
	xb_events_sha256_hex("", 0, first_prev);
	assert_memory_equal(lines[0], "{\"prev\":\"", 9);
	assert_memory_equal(lines[0] + 9, first_prev, 64);
	assert_non_null(strstr(lines[0], "\"ts\":\"2023-11-14T22:13:20.000Z\",\"type\":\"reload\""));
	assert_non_null(strstr(lines[1], "\"errors\":[\"a.csv:3: bad \\\"x\\\"\",\"b.csv:9: tab\\there\"]"));
	assert_non_null(strstr(lines[1], "\"delta\":-1,\"flag\":false"));
	/* Known vector: SHA-256 of "" */
	assert_string_equal(first_prev,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* An empty file is a valid (empty) chain. */
	write_lines(path, lines, 0);
	assert_int_equal(xb_events_verify(path, &bad), 0);
	unlink(path);
	assert_true(xb_events_verify(path, &bad) < 0);
}

enum tamper { EDIT, EDIT_PREV, DELETE, INSERT_COPY, SWAP, TRUNCATE, GARBAGE };

struct tamper_case {
	const char *name;
	enum tamper how;
	unsigned int line; /* 1-based line tampered with */
	unsigned int want; /* first line verification must flag */
};

static const struct tamper_case tamper_cases[] = {
	/* Editing line k breaks the "prev" of line k + 1. */
	{"edit first", EDIT, 1, 2},
	{"edit middle", EDIT, 3, 4},
	{"edit before last", EDIT, 5, 6},
	/* Editing a line's own prev is caught on that line. */
	{"edit prev of first", EDIT_PREV, 1, 1},
	{"edit prev of last", EDIT_PREV, 6, 6},
	/* Deleting line k: the old line k + 1 is now at k. */
	{"delete first", DELETE, 1, 1},
	{"delete middle", DELETE, 4, 4},
	/* A copy of line 2 inserted before line k. */
	{"insert copy", INSERT_COPY, 4, 4},
	{"insert duplicate", INSERT_COPY, 3, 3},
	/* Lines k and k + 1 swapped. */
	{"swap", SWAP, 2, 2},
	{"swap last two", SWAP, 5, 5},
	/* Last line cut short (no newline). */
	{"truncate last", TRUNCATE, 6, 6},
	/* A line that is not an event. */
	{"garbage line", GARBAGE, 3, 3},
};

static void
test_tamper_detected(void **state)
{
	char path[128];
	static char lines[16][1024];

	(void)state;
	tmp_path(path, sizeof(path), "tamper");
	for (size_t c = 0; c < sizeof(tamper_cases) / sizeof(tamper_cases[0]);
	     c++) {
		const struct tamper_case *tc = &tamper_cases[c];
		unsigned int n, k = tc->line - 1, bad = 0;
		char *p;

		unlink(path);
		write_events(path, NLINES, T0);
		n = read_lines(path, lines, 16);
		assert_int_equal(n, NLINES);
		switch (tc->how) {
		case EDIT:
			p = strstr(lines[k], "\"generation\":");
			assert_non_null(p);
			p[13] = p[13] == '9' ? '8' : '9';
			break;
		case EDIT_PREV:
			lines[k][9] = lines[k][9] == 'a' ? 'b' : 'a';
			break;
		case DELETE:
			memmove(lines[k], lines[k + 1],
				(size_t)(n - k - 1) * sizeof(lines[0]));
			n--;
			break;
		case INSERT_COPY:
			memmove(lines[k + 1], lines[k],
				(size_t)(n - k) * sizeof(lines[0]));
			memcpy(lines[k], lines[1], sizeof(lines[0]));
			n++;
			break;
		case SWAP: {
			char tmp[1024];

			memcpy(tmp, lines[k], sizeof(tmp));
			memcpy(lines[k], lines[k + 1], sizeof(tmp));
			memcpy(lines[k + 1], tmp, sizeof(tmp));
			break;
		}
		case TRUNCATE:
			lines[k][strlen(lines[k]) / 2] = '\0';
			break;
		case GARBAGE:
			snprintf(lines[k], sizeof(lines[k]), "hello\n");
			break;
		}
		write_lines(path, lines, n);
		if (xb_events_verify(path, &bad) != 1 || bad != tc->want) {
			print_error("%s: verify flagged line %u, expected %u\n",
				    tc->name, bad, tc->want);
			fail();
		}
	}
	unlink(path);
}

static void
test_resume(void **state)
{
	char path[128], err[256], lines[16][1024], h[65];
	unsigned int bad = 0;
	struct xb_events *ev;

	(void)state;
	tmp_path(path, sizeof(path), "resume");
	write_events(path, 3, T0);
	write_events(path, 2, T0 + 1000000000ull);
	assert_int_equal(xb_events_verify(path, &bad), 0);
	assert_int_equal(read_lines(path, lines, 16), 5);
	/* Line 4 (first after reopen) chains to line 3. */
	*strchr(lines[2], '\n') = '\0';
	xb_events_sha256_hex(lines[2], strlen(lines[2]), h);
	assert_memory_equal(lines[3] + 9, h, 64);

	/* A file cut mid-line (crash): reopening terminates the partial
	 * line, the new lines chain to it, and verification points at
	 * the damaged line only. */
	assert_int_equal(read_lines(path, lines, 16), 5);
	lines[4][40] = '\0';
	write_lines(path, lines, 5);
	write_events(path, 2, T0 + 2000000000ull);
	assert_int_equal(xb_events_verify(path, &bad), 1);
	assert_int_equal(bad, 5);

	/* No file: syslog-only handles accept events. */
	ev = xb_events_open(NULL, NULL, 0, false, err, sizeof(err));
	assert_non_null(ev);
	assert_int_equal(xb_events_emit(ev, XB_EVENT_START, T0, NULL, 0), 0);
	xb_events_close(ev);
	/* A directory that does not exist. */
	assert_null(xb_events_open("/nonexistent/dir/events.log", NULL, 0, false,
				   err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/dir/events.log"));
	unlink(path);
}


/* ---- seq, hmac, anchors --------------------------------------------------- */

static uint64_t
seq_of(const char *line)
{
	const char *p = strstr(line, "\"seq\":");

	assert_non_null(p);
	return strtoull(p + 6, NULL, 10);
}

/* The line's hash as the next line's "prev" and an anchor carry it. */
static void
line_hash(const char *line, char out[65])
{
	size_t n = strlen(line);

	if (n > 0 && line[n - 1] == '\n')
		n--;
	xb_events_sha256_hex(line, n, out);
}

/*
 * What an attacker without the key can do after changing lines[from..]:
 * rewrite every "prev" and "seq" from line `from` (0-based) on so that
 * the keyless chain holds again.  The "hmac"s stay (they cannot be
 * recomputed).
 */
static void
recompute_chain(char lines[][1024], unsigned int n, unsigned int from)
{
	for (unsigned int k = from; k < n; k++) {
		char prev[65], rest[900];
		const char *ts = strstr(lines[k], ",\"ts\":");

		assert_non_null(ts);
		snprintf(rest, sizeof(rest), "%s", ts);
		if (k == 0)
			xb_events_sha256_hex("", 0, prev);
		else
			line_hash(lines[k - 1], prev);
		snprintf(lines[k], sizeof(lines[k]), "{\"prev\":\"%s\",\"seq\":%u%s",
			 prev, k + 1, rest);
	}
}

static int
check(const char *path, const char *key, const struct xb_events_head *anchor,
      struct xb_events_report *r)
{
	struct xb_events_check c = {
		.key = key,
		.keylen = key ? strlen(key) : 0,
		.anchors = anchor,
		.nanchors = anchor ? 1 : 0,
	};

	return xb_events_check(path, &c, r);
}

static void
test_seq_and_hmac(void **state)
{
	char path[128], lines[16][1024], mac[65], h[65];
	struct xb_events_report r;
	unsigned int n;

	(void)state;
	tmp_path(path, sizeof(path), "seq");
	/* Unkeyed: seq 1..n right after prev, no hmac. */
	write_events(path, 3, T0);
	write_events(path, 2, T0 + 1000000000ull); /* a restart */
	n = read_lines(path, lines, 16);
	assert_int_equal(n, 5);
	for (unsigned int k = 0; k < n; k++) {
		char want[32];

		snprintf(want, sizeof(want), "\",\"seq\":%u,\"ts\":", k + 1);
		assert_memory_equal(lines[k] + 9 + 64, want, strlen(want));
		assert_null(strstr(lines[k], "\"hmac\""));
	}
	assert_int_equal(check(path, NULL, NULL, &r), 0);
	assert_int_equal(r.lines, 5);
	assert_int_equal(r.first_seq, 1);
	assert_int_equal(r.first_keyed, 0);
	line_hash(lines[4], h);
	assert_int_equal(r.head.seq, 5);
	assert_string_equal(r.head.hash, h);
	/* A key asked for, none in the log: refused. */
	assert_int_equal(check(path, KEY, NULL, &r), 1);
	assert_int_equal(r.fault, XB_EVF_NO_HMAC);
	unlink(path);

	/* Keyed: every line ends with the HMAC of everything before
	 * ,"hmac" -- prev and seq included. */
	write_events_key(path, 3, T0, KEY);
	write_events_key(path, 3, T0 + 1000000000ull, KEY); /* a restart */
	n = read_lines(path, lines, 16);
	assert_int_equal(n, 6);
	for (unsigned int k = 0; k < n; k++) {
		char *p = strstr(lines[k], ",\"hmac\":\"");

		assert_non_null(p);
		assert_int_equal(seq_of(lines[k]), k + 1);
		xb_events_hmac_hex(KEY, strlen(KEY), lines[k],
				   (size_t)(p - lines[k]), mac);
		assert_memory_equal(p + 9, mac, 64);
		assert_string_equal(p + 9 + 64, "\"}\n");
	}
	/* Known vector (RFC 4231 test case 2). */
	xb_events_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, mac);
	assert_string_equal(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(check(path, KEY, NULL, &r), 0);
	assert_int_equal(r.first_keyed, 1);
	assert_int_equal(r.lines, 6);
	assert_int_equal(check(path, NULL, NULL, &r), 0);
	/* The wrong key: the first line fails. */
	assert_int_equal(check(path, KEY2, NULL, &r), 1);
	assert_int_equal(r.fault, XB_EVF_HMAC);
	assert_int_equal(r.bad_line, 1);
	assert_non_null(strstr(r.why, "hmac"));
	unlink(path);
}

enum attack {
	CUT_TAIL,        /* lines from `line` on deleted */
	DELETE_FORGED,   /* line deleted, later prev and seq recomputed */
	DELETE_PREV_ONLY,/* line deleted, later prev recomputed, seq kept */
	EDIT_FORGED,     /* a field edited, later prev and seq recomputed */
	STRIP_LAST_HMAC, /* the last line's hmac removed */
	STRIP_ALL_HMAC,  /* every hmac removed, chain recomputed */
};

struct attack_case {
	const char *name;
	enum attack how;
	unsigned int line;     /* 1-based line attacked */
	/* Expected (0: passes) without key and anchor, with the key, with an
	 * anchor on the last line of the original log, and with an anchor on
	 * line 5 of it; fault and bad line for the anchored checks. */
	int keyless;
	enum xb_events_fault with_key;
	unsigned int key_line;
	enum xb_events_fault with_anchor;
	unsigned int anchor_line;
	enum xb_events_fault with_mid_anchor;
	unsigned int mid_anchor_line;
};

#define NATT 8

static const struct attack_case attacks[] = {
	/* The keyless chain and the hmacs hold; only an anchor past the cut
	 * sees it (the first missing line is named). */
	{"cut the tail from line 4", CUT_TAIL, 4, 0, XB_EVF_NONE, 0,
	 XB_EVF_TRUNCATED, 4, XB_EVF_TRUNCATED, 4},
	{"cut the last line", CUT_TAIL, 8, 0, XB_EVF_NONE, 0,
	 XB_EVF_TRUNCATED, 8, XB_EVF_NONE, 0},
	/* Forged deletion: the key fails the first recomputed line; the log
	 * is one line short of the last anchor, and line 5 is another line. */
	{"delete line 3, recompute", DELETE_FORGED, 3, 0, XB_EVF_HMAC, 3,
	 XB_EVF_TRUNCATED, 8, XB_EVF_ANCHOR, 5},
	{"delete line 1, recompute", DELETE_FORGED, 1, 0, XB_EVF_HMAC, 1,
	 XB_EVF_TRUNCATED, 8, XB_EVF_ANCHOR, 5},
	/* Without renumbering seq even the keyless check sees the gap. */
	{"delete line 3, prev only", DELETE_PREV_ONLY, 3, 1, XB_EVF_SEQ, 3,
	 XB_EVF_SEQ, 3, XB_EVF_SEQ, 3},
	/* A forged edit: the key names the edited line, an anchor after it
	 * the anchored line; an anchor before it cannot see it. */
	{"edit line 6, recompute", EDIT_FORGED, 6, 0, XB_EVF_HMAC, 6,
	 XB_EVF_ANCHOR, 8, XB_EVF_NONE, 0},
	{"strip the last hmac", STRIP_LAST_HMAC, 8, 0, XB_EVF_NO_HMAC, 8,
	 XB_EVF_ANCHOR, 8, XB_EVF_NONE, 0},
	{"strip every hmac, recompute", STRIP_ALL_HMAC, 1, 0, XB_EVF_NO_HMAC, 1,
	 XB_EVF_ANCHOR, 8, XB_EVF_ANCHOR, 5},
};

static void
apply_attack(const struct attack_case *a, char lines[][1024], unsigned int *n)
{
	unsigned int k = a->line - 1;
	char *p;

	switch (a->how) {
	case CUT_TAIL:
		*n = k;
		break;
	case DELETE_FORGED:
	case DELETE_PREV_ONLY:
		memmove(lines[k], lines[k + 1],
			(size_t)(*n - k - 1) * sizeof(lines[0]));
		(*n)--;
		if (a->how == DELETE_FORGED) {
			recompute_chain(lines, *n, k);
		} else {
			for (unsigned int i = k; i < *n; i++) {
				char prev[65];

				if (i == 0)
					xb_events_sha256_hex("", 0, prev);
				else
					line_hash(lines[i - 1], prev);
				memcpy(lines[i] + 9, prev, 64);
			}
		}
		break;
	case EDIT_FORGED:
		p = strstr(lines[k], "\"generation\":");
		assert_non_null(p);
		p[13] = p[13] == '9' ? '8' : '9';
		recompute_chain(lines, *n, k + 1);
		break;
	case STRIP_LAST_HMAC:
	case STRIP_ALL_HMAC:
		for (unsigned int i = a->how == STRIP_ALL_HMAC ? 0 : *n - 1;
		     i < *n; i++) {
			p = strstr(lines[i], ",\"hmac\":\"");
			assert_non_null(p);
			snprintf(p, 4, "}\n");
		}
		if (a->how == STRIP_ALL_HMAC)
			recompute_chain(lines, *n, 1);
		break;
	}
}

static void
test_attacks(void **state)
{
	char path[128];
	static char orig[16][1024], lines[16][1024];
	struct xb_events_head last, mid;
	struct xb_events_report r;

	(void)state;
	tmp_path(path, sizeof(path), "attack");
	write_events_key(path, NATT, T0, KEY);
	assert_int_equal(read_lines(path, orig, 16), NATT);
	last.seq = NATT;
	line_hash(orig[NATT - 1], last.hash);
	mid.seq = 5;
	line_hash(orig[4], mid.hash);
	/* The untouched log passes every check. */
	assert_int_equal(check(path, KEY, &last, &r), 0);
	assert_int_equal(check(path, NULL, &mid, &r), 0);
	for (size_t c = 0; c < sizeof(attacks) / sizeof(attacks[0]); c++) {
		const struct attack_case *a = &attacks[c];
		struct {
			const char *what;
			const char *key;
			const struct xb_events_head *anchor;
			enum xb_events_fault want;
			unsigned int line;
		} runs[] = {
			{"keyless", NULL, NULL,
			 a->keyless ? XB_EVF_SEQ : XB_EVF_NONE, a->line},
			{"key", KEY, NULL, a->with_key, a->key_line},
			{"anchor", NULL, &last, a->with_anchor, a->anchor_line},
			{"mid anchor", NULL, &mid, a->with_mid_anchor,
			 a->mid_anchor_line},
		};
		unsigned int n = NATT;

		memcpy(lines, orig, sizeof(lines));
		apply_attack(a, lines, &n);
		write_lines(path, lines, n);
		for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
			int rc = check(path, runs[i].key, runs[i].anchor, &r);
			enum xb_events_fault want = runs[i].want;

			if (rc != (want != XB_EVF_NONE) ||
			    (want != XB_EVF_NONE &&
			     (r.fault != want || r.bad_line != runs[i].line))) {
				print_error("%s, %s: rc %d fault %d at line %lu (%s), expected fault %d at line %u\n",
					    a->name, runs[i].what, rc, r.fault,
					    (unsigned long)r.bad_line, r.why, want,
					    runs[i].line);
				fail();
			}
		}
		/* Key and anchor together: some check always fails. */
		assert_int_equal(check(path, KEY, &last, &r), 1);
	}
	unlink(path);
}

static void
test_anchor_text(void **state)
{
	struct xb_events_head h;
	char buf[128];
	const char *hex = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";

	(void)state;
	snprintf(buf, sizeof(buf), "42:%s", hex);
	assert_int_equal(xb_events_parse_anchor(buf, &h), 0);
	assert_int_equal(h.seq, 42);
	assert_string_equal(h.hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	xb_events_format_anchor(&h, buf, sizeof(buf));
	assert_string_equal(buf, "42:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* Invalid: seq 0, no seq, short or long hash, not hex, no colon. */
	assert_int_equal(xb_events_parse_anchor("0:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &h), -EINVAL);
	assert_int_equal(xb_events_parse_anchor(":e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &h), -EINVAL);
	assert_int_equal(xb_events_parse_anchor("7:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", &h), -EINVAL);
	assert_int_equal(xb_events_parse_anchor("7:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555", &h), -EINVAL);
	assert_int_equal(xb_events_parse_anchor("7:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &h), -EINVAL);
	assert_int_equal(xb_events_parse_anchor("7e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &h), -EINVAL);
	assert_int_equal(xb_events_parse_anchor("-1:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &h), -EINVAL);
}

static void
test_resume_keyed(void **state)
{
	char path[128], err[256], lines[16][1024], h[65];
	struct xb_events_report r;
	struct xb_events_head head, anchor;
	struct xb_events *ev;

	(void)state;
	tmp_path(path, sizeof(path), "rkey");
	/* Resume with the same key: no problem, seq and chain go on. */
	write_events_key(path, 3, T0, KEY);
	ev = xb_events_open(path, KEY, strlen(KEY), false, err, sizeof(err));
	assert_non_null(ev);
	assert_int_equal(xb_events_resumed_seq(ev), 3);
	assert_null(xb_events_resume_problem(ev));
	/* An anchor from a checkpoint against the file as found: the last
	 * line itself agrees; past the end, or another hash there, not; an
	 * earlier line is left to the full check. */
	assert_int_equal(read_lines(path, lines, 16), 3);
	anchor.seq = 3;
	line_hash(lines[2], anchor.hash);
	assert_int_equal(xb_events_check_resumed(ev, &anchor, err, sizeof(err)), 0);
	anchor.seq = 4;
	assert_int_equal(xb_events_check_resumed(ev, &anchor, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "cut off"));
	anchor.seq = 3;
	line_hash(lines[1], anchor.hash);
	assert_int_equal(xb_events_check_resumed(ev, &anchor, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "rewritten"));
	anchor.seq = 2;
	assert_int_equal(xb_events_check_resumed(ev, &anchor, err, sizeof(err)), 0);
	/* A second writer is refused while the first holds the file. */
	assert_null(xb_events_open(path, KEY, strlen(KEY), false, err,
				   sizeof(err)));
	assert_non_null(strstr(err, "in use"));
	/* The head: written at once, durable after a sync (start, stop,
	 * reload and quota lines are synced when written). */
	assert_int_equal(xb_events_emit(ev, XB_EVENT_NEGATIVE_LIST, T0, NULL, 0), 0);
	assert_true(xb_events_unsynced(ev));
	xb_events_head(ev, &head);
	assert_int_equal(head.seq, 4);
	assert_int_equal(xb_events_sync(ev, &anchor), 0);
	assert_false(xb_events_unsynced(ev));
	assert_int_equal(anchor.seq, 4);
	assert_string_equal(anchor.hash, head.hash);
	assert_int_equal(xb_events_emit(ev, XB_EVENT_RELOAD, T0, NULL, 0), 0);
	assert_false(xb_events_unsynced(ev));
	xb_events_close(ev);
	assert_int_equal(read_lines(path, lines, 16), 5);
	line_hash(lines[3], h);
	assert_string_equal(h, anchor.hash);
	assert_int_equal(seq_of(lines[4]), 5);
	assert_int_equal(check(path, KEY, &anchor, &r), 0);
	assert_int_equal(r.lines, 5);

	/* Resume with another key: reported, and the new lines fail
	 * verification with the first key (the old ones with the new). */
	ev = xb_events_open(path, KEY2, strlen(KEY2), false, err, sizeof(err));
	assert_non_null(ev);
	assert_non_null(xb_events_resume_problem(ev));
	assert_non_null(strstr(xb_events_resume_problem(ev), "hmac"));
	assert_int_equal(xb_events_emit(ev, XB_EVENT_START, T0, NULL, 0), 0);
	xb_events_close(ev);
	assert_int_equal(check(path, KEY, NULL, &r), 1);
	assert_int_equal(r.fault, XB_EVF_HMAC);
	assert_int_equal(r.bad_line, 6);
	assert_int_equal(check(path, KEY2, NULL, &r), 1);
	assert_int_equal(r.bad_line, 1);
	assert_int_equal(check(path, NULL, NULL, &r), 0);

	/* Resume keyed log without a key: reported; lines carry no hmac. */
	ev = xb_events_open(path, NULL, 0, false, err, sizeof(err));
	assert_non_null(ev);
	assert_non_null(strstr(xb_events_resume_problem(ev), "key"));
	assert_int_equal(xb_events_emit(ev, XB_EVENT_START, T0, NULL, 0), 0);
	xb_events_close(ev);
	assert_int_equal(check(path, KEY2, NULL, &r), 1);
	assert_int_equal(r.bad_line, 1);
	unlink(path);

	/* A log from before seq and hmac: resumed at its line count, the new
	 * lines keyed; verification takes the old lines as an unkeyed,
	 * unnumbered prefix. */
	{
		FILE *f = fopen(path, "w");
		char prev[65], line[256];

		assert_non_null(f);
		xb_events_sha256_hex("", 0, prev);
		for (int i = 0; i < 4; i++) {
			snprintf(line, sizeof(line),
				 "{\"prev\":\"%s\",\"ts\":\"2023-11-14T22:13:20.000Z\",\"type\":\"start\",\"n\":%d}",
				 prev, i);
			fprintf(f, "%s\n", line);
			xb_events_sha256_hex(line, strlen(line), prev);
		}
		fclose(f);
	}
	assert_int_equal(check(path, NULL, NULL, &r), 0);
	assert_int_equal(r.first_seq, 0);
	write_events_key(path, 2, T0, KEY);
	assert_int_equal(read_lines(path, lines, 16), 6);
	assert_int_equal(seq_of(lines[4]), 5);
	assert_int_equal(check(path, KEY, NULL, &r), 0);
	assert_int_equal(r.first_seq, 5);
	assert_int_equal(r.first_keyed, 5);
	/* An unnumbered line after numbered ones is refused. */
	write_events_key(path, 1, T0, NULL);
	{
		char prev[65], line[1024];
		FILE *f = fopen(path, "a");

		assert_int_equal(read_lines(path, lines, 16), 7);
		line_hash(lines[6], prev);
		snprintf(line, sizeof(line),
			 "{\"prev\":\"%s\",\"ts\":\"2023-11-14T22:13:20.000Z\",\"type\":\"x\"}\n",
			 prev);
		fputs(line, f);
		fclose(f);
	}
	assert_int_equal(check(path, NULL, NULL, &r), 1);
	assert_int_equal(r.fault, XB_EVF_SEQ);
	assert_int_equal(r.bad_line, 8);
	/* With the key, line 7 (written without it) is the first fault. */
	assert_int_equal(check(path, KEY, NULL, &r), 1);
	assert_int_equal(r.fault, XB_EVF_NO_HMAC);
	assert_int_equal(r.bad_line, 7);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_verifies),
		cmocka_unit_test(test_tamper_detected),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_seq_and_hmac),
		cmocka_unit_test(test_attacks),
		cmocka_unit_test(test_anchor_text),
		cmocka_unit_test(test_resume_keyed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
