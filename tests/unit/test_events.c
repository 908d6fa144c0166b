/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event log hash chain: a fresh chain verifies, every kind of tampering
 * (edit, delete, insert, reorder, truncate) is reported at the first line
 * whose "prev" no longer matches, and reopening a file resumes its chain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "xb_events.h"

#define NLINES 6
#define T0 1700000000000000000ull

static void
tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/xbgw-test-events-%d-%s.log", (int)getpid(),
		 tag);
	unlink(buf);
}

/* Write n events of assorted shapes. */
static void
write_events(const char *path, unsigned int n, uint64_t t)
{
	char err[256];
	struct xb_events *ev = xb_events_open(path, false, err, sizeof(err));
	static const char *const errs[] = {"a.csv:3: bad \"x\"", "b.csv:9: tab\there"};

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
	ev = xb_events_open(NULL, false, err, sizeof(err));
	assert_non_null(ev);
	assert_int_equal(xb_events_emit(ev, XB_EVENT_START, T0, NULL, 0), 0);
	xb_events_close(ev);
	/* A directory that does not exist. */
	assert_null(xb_events_open("/nonexistent/dir/events.log", false, err,
				   sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/dir/events.log"));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_verifies),
		cmocka_unit_test(test_tamper_detected),
		cmocka_unit_test(test_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
