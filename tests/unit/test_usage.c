/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Usage records: checkpoint + resume round trip, the file format, torn,
 * truncated and corrupted files detected with the previous checkpoint
 * used, month rollover, and a crash loop (kill -9 a child that folds and
 * checkpoints continuously, at random moments; resume; check that nothing
 * was counted twice and at most one interval was lost).  No EAL needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "xb_usage.h"
#include "xb_tariff.h"

#define NOV 202611
#define DEC 202612

static void
make_dir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/xb_usage_test.XXXXXX");
	assert_non_null(mkdtemp(buf));
}

static void
remove_dir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
add_ok(struct xb_usage *u, uint32_t m, const char *tenant, const char *cc,
       const char *cat, const char *band, uint64_t price, const char *cur,
       uint64_t pk, uint64_t by)
{
	assert_int_equal(xb_usage_add(u, m, tenant, cc, cat, band, price, cur,
				      pk, by), 0);
}

static void
test_round_trip(void **state)
{
	char dir[64], path[256];
	struct xb_errors e;
	struct xb_usage *u;
	const struct xb_usage_rec *r;
	const char *text;

	(void)state;
	make_dir(dir, sizeof(dir));
	xb_errors_init(&e);
	u = xb_usage_create(dir);
	assert_non_null(u);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_NEW);
	add_ok(u, NOV, "acme-pay", "SG", "finance", "peak", 200000, "USD", 10,
	       1500000000ull);
	add_ok(u, NOV, "acme-pay", "SG", "finance", "peak", 200000, "USD", 5,
	       1000);
	add_ok(u, NOV, "acme-pay", "SG", "finance", "peak", 300000, "USD", 1,
	       64); /* a new price is a new record */
	add_ok(u, NOV, "gov-customs", "MY", "government", "night", 1400000,
	       "CNY", 3, 2500);
	add_ok(u, NOV, "bamboo-media", "TH", "media", "offpeak", 176000, "USD",
	       7, 2500000000ull);
	assert_int_equal(xb_usage_add(u, DEC, "a", "SG", "c", "b", 1, "USD",
				      1, 1), -ENOENT);
	assert_int_equal(xb_usage_add(u, NOV, "a,b", "SG", "c", "b", 1, "USD",
				      1, 1), -EINVAL);
	assert_int_equal(xb_usage_add(u, NOV, "a", "SGPX", "c", "b", 1, "USD",
				      1, 1), -EINVAL);
	assert_int_equal(xb_usage_add(u, NOV, "a", "SG", "c", "b", 1, "US",
				      1, 1), -EINVAL);
	assert_int_equal(xb_usage_count(u, NOV), 4);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_usage_path(u, NOV, path, sizeof(path));
	text = read_text(path);
	assert_non_null(text);
	assert_non_null(strstr(text,
		"month,tenant,country,category,band,packets,bytes,price_micros_per_gb,charge_micros,currency\n"
		"2026-11,acme-pay,SG,finance,peak,15,1500001000,200000,300000,USD\n"
		"2026-11,acme-pay,SG,finance,peak,1,64,300000,0,USD\n"
		"2026-11,bamboo-media,TH,media,offpeak,7,2500000000,176000,440000,USD\n"
		"2026-11,gov-customs,MY,government,night,3,2500,1400000,4,CNY\n"
		"# sha256 "));
	assert_int_equal(xb_usage_tenant_bytes(u, NOV, "acme-pay"),
			 1500001064ull);
	xb_usage_free(u);

	u = xb_usage_create(dir);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_RESUMED);
	assert_int_equal(xb_errors_count(&e), 0);
	assert_int_equal(xb_usage_count(u, NOV), 4);
	r = xb_usage_get(u, NOV, 0);
	assert_string_equal(r->tenant, "acme-pay");
	assert_int_equal(r->packets, 15);
	assert_int_equal(r->bytes, 1500001000ull);
	assert_int_equal(r->charge_micros, 300000);
	assert_null(xb_usage_get(u, NOV, 4));
	/* Totals continue from the records. */
	add_ok(u, NOV, "acme-pay", "SG", "finance", "peak", 200000, "USD", 1,
	       1000);
	assert_int_equal(xb_usage_get(u, NOV, 0)->bytes, 1500002000ull);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_RESUMED);
	xb_usage_free(u);
	xb_errors_free(&e);
	remove_dir(dir);
}

/* Two checkpoints: state 1 (.prev) and state 2 (current). */
static void
two_checkpoints(const char *dir, char *path, size_t size)
{
	struct xb_errors e;
	struct xb_usage *u = xb_usage_create(dir);

	xb_errors_init(&e);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_NEW);
	add_ok(u, NOV, "t", "SG", "c", "peak", 1000000, "USD", 1, 100);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	add_ok(u, NOV, "t", "SG", "c", "peak", 1000000, "USD", 1, 200);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_errors_free(&e);
	xb_usage_path(u, NOV, path, (unsigned int)size);
	xb_usage_free(u);
}

enum damage { TRUNCATE, FLIP_DIGIT, FLIP_HASH, DROP_TRAILER, REMOVE,
	      EMPTY };

static void
damage(const char *path, enum damage how)
{
	char *text = read_text(path);
	size_t len = strlen(text);
	FILE *f;

	switch (how) {
	case TRUNCATE:
		assert_int_equal(truncate(path, (off_t)(len / 2)), 0);
		return;
	case REMOVE:
		assert_int_equal(unlink(path), 0);
		return;
	case EMPTY:
		assert_int_equal(truncate(path, 0), 0);
		return;
	case FLIP_DIGIT: {
		char *p = strstr(text, ",300,"); /* the bytes column */

		assert_non_null(p);
		p[1] = '9';
		break;
	}
	case FLIP_HASH:
		text[len - 2] = text[len - 2] == '0' ? '1' : '0';
		break;
	case DROP_TRAILER:
		text[strstr(text, "# sha256") - text] = '\0';
		len = strlen(text);
		break;
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(text, 1, strlen(text), f);
	fclose(f);
}

static void
test_corruption(void **state)
{
	static const struct {
		enum damage how;
		const char *msg; /* expected in the first error */
	} cases[] = {
		{ TRUNCATE, "torn or truncated record file" },
		{ FLIP_DIGIT, "corrupted record file (sha256 got" },
		{ FLIP_HASH, "corrupted record file (sha256 got" },
		{ DROP_TRAILER, "torn or truncated record file" },
		{ EMPTY, "torn or truncated record file" },
		{ REMOVE, "record file missing, resumed from" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[64], path[256], bad[300];
		struct xb_errors e;
		struct xb_usage *u;
		const struct xb_usage_rec *r;

		make_dir(dir, sizeof(dir));
		two_checkpoints(dir, path, sizeof(path));
		damage(path, cases[i].how);
		xb_errors_init(&e);
		u = xb_usage_create(dir);
		assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_FROM_PREV);
		xb_errors_print(&e, stderr);
		assert_true(xb_errors_count(&e) >= 1);
		if (strstr(e.msgs[0], cases[i].msg) == NULL ||
		    strncmp(e.msgs[0], path, strlen(path)) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s: ...%s\"",
				 i, e.msgs[0], path, cases[i].msg);
		/* state 1: the previous good checkpoint */
		r = xb_usage_get(u, NOV, 0);
		assert_non_null(r);
		assert_int_equal(r->packets, 1);
		assert_int_equal(r->bytes, 100);
		snprintf(bad, sizeof(bad), "%s.corrupt", path);
		assert_int_equal(access(bad, F_OK) == 0, cases[i].how != REMOVE);
		/* The next checkpoint writes a good current file and keeps the
		 * good .prev (not the bad file). */
		add_ok(u, NOV, "t", "SG", "c", "peak", 1000000, "USD", 1, 1);
		assert_int_equal(xb_usage_checkpoint(u, &e), 0);
		xb_usage_free(u);
		xb_errors_free(&e);
		xb_errors_init(&e);
		u = xb_usage_create(dir);
		assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_RESUMED);
		assert_int_equal(xb_errors_count(&e), 0);
		assert_int_equal(xb_usage_get(u, NOV, 0)->bytes, 101);
		xb_usage_free(u);
		xb_errors_free(&e);
		remove_dir(dir);
	}
}

static void
test_both_bad(void **state)
{
	char dir[64], path[256], prev[300];
	struct xb_errors e;
	struct xb_usage *u;

	(void)state;
	make_dir(dir, sizeof(dir));
	two_checkpoints(dir, path, sizeof(path));
	snprintf(prev, sizeof(prev), "%s.prev", path);
	damage(path, FLIP_DIGIT);
	damage(prev, TRUNCATE);
	xb_errors_init(&e);
	u = xb_usage_create(dir);
	assert_int_equal(xb_usage_open(u, NOV, &e), -EBADMSG);
	assert_int_equal(xb_errors_count(&e), 3);
	assert_non_null(strstr(e.msgs[2], "refusing to start the month from zero"));
	assert_false(xb_usage_is_open(u, NOV));
	assert_int_equal(xb_usage_add(u, NOV, "t", "SG", "c", "peak", 1, "USD",
				      1, 1), -ENOENT);
	xb_usage_free(u);
	xb_errors_free(&e);
	remove_dir(dir);
}

static void
test_bad_content(void **state)
{
	/* A file with a valid trailer but a wrong charge, month or a
	 * duplicate: rewritten by hand with a fresh hash, it is still
	 * refused (falls back to .prev). */
	char dir[64], path[256];
	struct xb_errors e;
	struct xb_usage *u;

	(void)state;
	make_dir(dir, sizeof(dir));
	two_checkpoints(dir, path, sizeof(path));
	{
		/* A wrong charge under a matching trailer (sha256sum). */
		char cmd[1024];
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fprintf(f, "month,tenant,country,category,band,packets,bytes,price_micros_per_gb,charge_micros,currency\n"
			   "2026-11,t,SG,c,peak,2,300,1000000,999,USD\n");
		fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "printf '# sha256 %%s\\n' $(sha256sum '%s' | cut -c1-64) >> '%s'",
			 path, path);
		assert_int_equal(system(cmd), 0);
	}
	xb_errors_init(&e);
	u = xb_usage_create(dir);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_FROM_PREV);
	assert_true(xb_errors_count(&e) >= 2);
	assert_non_null(strstr(e.msgs[0],
			       ":2: charge_micros: got 999, expected 0 (bytes x price, rounded half-up)"));
	assert_int_equal(xb_usage_get(u, NOV, 0)->bytes, 100);
	xb_usage_free(u);
	xb_errors_free(&e);
	remove_dir(dir);
}

static void
test_rollover(void **state)
{
	char dir[64], path[256];
	struct xb_errors e;
	struct xb_usage *u;

	(void)state;
	make_dir(dir, sizeof(dir));
	xb_errors_init(&e);
	u = xb_usage_create(dir);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_NEW);
	add_ok(u, NOV, "t", "SG", "c", "night", 500000, "USD", 4, 4000);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	/* Midnight local time: fold the last November deltas, close it. */
	add_ok(u, NOV, "t", "SG", "c", "night", 500000, "USD", 1, 1000);
	assert_int_equal(xb_usage_open(u, DEC, &e), XB_USAGE_NEW);
	assert_int_equal(xb_usage_close(u, NOV, &e), 0);
	assert_false(xb_usage_is_open(u, NOV));
	assert_int_equal(xb_usage_add(u, NOV, "t", "SG", "c", "night", 500000,
				      "USD", 1, 1), -ENOENT);
	assert_int_equal(xb_usage_close(u, NOV, &e), -ENOENT);
	add_ok(u, DEC, "t", "SG", "c", "night", 500000, "USD", 2, 2000);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	xb_usage_path(u, NOV, path, sizeof(path));
	assert_non_null(strstr(read_text(path),
			       "2026-11,t,SG,c,night,5,5000,500000,3,USD\n# closed\n# sha256 "));
	xb_usage_path(u, DEC, path, sizeof(path));
	assert_non_null(strstr(read_text(path),
			       "2026-12,t,SG,c,night,2,2000,500000,1,USD\n# sha256 "));
	xb_usage_free(u);
	/* The open month resumes; the closed one is over, never reopened. */
	u = xb_usage_create(dir);
	assert_int_equal(xb_usage_latest_month(u), DEC);
	assert_int_equal(xb_usage_open(u, NOV, &e), -EROFS);
	assert_false(xb_usage_is_open(u, NOV));
	assert_int_equal(xb_usage_open(u, DEC, &e), XB_USAGE_RESUMED);
	assert_int_equal(xb_usage_tenant_bytes(u, DEC, "t"), 2000);
	assert_int_equal(xb_usage_open(u, 202613, &e), -EINVAL);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_usage_free(u);
	xb_errors_free(&e);
	remove_dir(dir);
	/* Month rollover as the calendar sees it. */
	assert_int_equal(xb_month_of(1796054399ull * 1000000000ull, 8 * 3600),
			 NOV);
	assert_int_equal(xb_month_of(1796054400ull * 1000000000ull, 8 * 3600),
			 DEC);
}

/* ---- crash loop ---- */

#define KEYS 24
#define PRICE 123457

static uint64_t
interval_bytes(uint64_t k, unsigned int key)
{
	return k * 7 + key * 1001 + 1;
}

static void
key_names(unsigned int key, char tenant[16], char cat[16])
{
	snprintf(tenant, 16, "t%u", key % 6);
	snprintf(cat, 16, "c%u", key / 6);
}

/* Child: resume, then fold interval after interval, checkpointing after
 * each, and tell the parent each checkpoint that completed. */
static void __attribute__((noreturn))
child_loop(const char *dir, int wfd)
{
	struct xb_errors e;
	struct xb_usage *u = xb_usage_create(dir);
	uint64_t k = 0;

	xb_errors_init(&e);
	if (u == NULL || xb_usage_open(u, NOV, &e) < 0 ||
	    xb_errors_count(&e) != 0)
		_exit(2);
	if (xb_usage_count(u, NOV) > 0)
		k = xb_usage_get(u, NOV, 0)->packets;
	for (;;) {
		k++;
		for (unsigned int key = 0; key < KEYS; key++) {
			char t[16], c[16];

			key_names(key, t, c);
			if (xb_usage_add(u, NOV, t, "SG", c, "peak", PRICE,
					 "USD", 1, interval_bytes(k, key)) < 0)
				_exit(3);
		}
		if (xb_usage_checkpoint(u, &e) < 0)
			_exit(4);
		if (write(wfd, "x", 1) != 1)
			_exit(5);
	}
}

/* Intervals fully present in the records; fails on anything partial. */
static uint64_t
check_records(const char *dir)
{
	struct xb_errors e;
	struct xb_usage *u = xb_usage_create(dir);
	uint64_t j = 0;
	int rc;

	xb_errors_init(&e);
	rc = xb_usage_open(u, NOV, &e);
	xb_errors_print(&e, stderr);
	assert_true(rc == XB_USAGE_NEW || rc == XB_USAGE_RESUMED);
	assert_int_equal(xb_errors_count(&e), 0);
	if (xb_usage_count(u, NOV) > 0) {
		assert_int_equal(xb_usage_count(u, NOV), KEYS);
		j = xb_usage_get(u, NOV, 0)->packets;
	}
	for (unsigned int i = 0; i < xb_usage_count(u, NOV); i++) {
		const struct xb_usage_rec *r = xb_usage_get(u, NOV, i);
		unsigned int key;
		uint64_t want = 0;

		assert_int_equal(sscanf(r->tenant, "t%u", &key), 1);
		key += 6 * (unsigned int)(r->category[1] - '0');
		for (uint64_t k = 1; k <= j; k++)
			want += interval_bytes(k, key);
		/* Exactly j whole intervals in every record: nothing
		 * partial, nothing twice. */
		assert_int_equal(r->packets, j);
		assert_int_equal(r->bytes, want);
		assert_int_equal(r->charge_micros,
				 xb_tariff_charge(want, PRICE));
	}
	xb_usage_free(u);
	xb_errors_free(&e);
	return j;
}

static void
test_crash_loop(void **state)
{
	char dir[64];
	uint64_t j = 0;
	unsigned int seed = (unsigned int)time(NULL);

	(void)state;
	make_dir(dir, sizeof(dir));
	fprintf(stderr, "crash loop seed %u\n", seed);
	srand(seed);
	for (int round = 0; round < 25; round++) {
		int fds[2];
		pid_t pid;
		int status;
		uint64_t done = 0, j2;
		char buf[4096];
		ssize_t n;

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_loop(dir, fds[1]);
		}
		close(fds[1]);
		/* Killed at a random moment; but when no child has finished a
		 * checkpoint yet by round 20 (a loaded machine makes each
		 * fsync slow), the rest wait for one report first, so that the
		 * rounds also prove a resumed month goes on counting. */
		if (round >= 20 && j == 0) {
			n = read(fds[0], buf, 1);
			done += n > 0 ? (uint64_t)n : 0;
		}
		usleep((useconds_t)(rand() % 20000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("child exited with %d", WEXITSTATUS(status));
		while ((n = read(fds[0], buf, sizeof(buf))) > 0)
			done += (uint64_t)n;
		close(fds[0]);
		j2 = check_records(dir);
		/* Every checkpoint the child reported is there; at most the
		 * one it finished without reporting is more; what it folded
		 * after its last checkpoint (one interval) is lost. */
		if (j2 < j + done || j2 > j + done + 1)
			fail_msg("round %d: %llu intervals in the records, child reported %llu after %llu",
				 round, (unsigned long long)j2,
				 (unsigned long long)done,
				 (unsigned long long)j);
		j = j2;
	}
	assert_true(j > 0);
	remove_dir(dir);
}

/* The event log's head in every checkpoint: "# events SEQ HASH" before the
 * sha256 trailer; a moved head rewrites an unchanged month; readers skip
 * the line; xb_usage_read_anchor checks the trailer first. */
static void
test_events_anchor(void **state)
{
	static const char H1[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	static const char H2[] = "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843";
	char dir[64], path[256], prev[300], hash[65];
	struct xb_errors e;
	struct xb_usage *u;
	struct stat st;
	const char *text;
	uint64_t seq;
	FILE *f;

	(void)state;
	make_dir(dir, sizeof(dir));
	xb_errors_init(&e);
	u = xb_usage_create(dir);
	xb_usage_path(u, NOV, path, sizeof(path));
	snprintf(prev, sizeof(prev), "%s.prev", path);
	assert_int_equal(xb_usage_set_anchor(u, 5, "xyz"), -EINVAL);
	assert_int_equal(xb_usage_set_anchor(u, 5, H1 + 1), -EINVAL);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_NEW);
	add_ok(u, NOV, "t", "SG", "c", "peak", 1000000, "USD", 1, 100);
	/* Without an anchor: the old format, and no anchor to read. */
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	assert_null(strstr(read_text(path), "# events"));
	assert_int_equal(xb_usage_read_anchor(path, &seq, hash, &e), -ENOENT);
	/* With one. */
	assert_int_equal(xb_usage_set_anchor(u, 5, H1), 0);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	text = read_text(path);
	assert_non_null(strstr(text, "2026-11,t,SG,c,peak,1,100,1000000,0,USD\n"
				     "# events 5 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
				     "# sha256 "));
	assert_int_equal(xb_usage_read_anchor(path, &seq, hash, &e), 0);
	assert_int_equal(seq, 5);
	assert_string_equal(hash, H1);
	/* Nothing changed: nothing written (the .prev is not remade). */
	assert_int_equal(unlink(prev), 0);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	assert_int_equal(stat(prev, &st), -1);
	/* The head moved: the month is rewritten, records unchanged. */
	assert_int_equal(xb_usage_set_anchor(u, 9, H2), 0);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	assert_int_equal(xb_usage_read_anchor(path, &seq, hash, &e), 0);
	assert_int_equal(seq, 9);
	assert_string_equal(hash, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(xb_usage_read_anchor(prev, &seq, hash, &e), 0);
	assert_int_equal(seq, 5);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_usage_free(u);

	/* A resumed month loads as before; the same head is not rewritten. */
	u = xb_usage_create(dir);
	assert_int_equal(xb_usage_open(u, NOV, &e), XB_USAGE_RESUMED);
	assert_int_equal(xb_errors_count(&e), 0);
	assert_int_equal(xb_usage_get(u, NOV, 0)->bytes, 100);
	assert_int_equal(xb_usage_set_anchor(u, 9, H2), 0);
	assert_int_equal(unlink(prev), 0);
	assert_int_equal(xb_usage_checkpoint(u, &e), 0);
	assert_int_equal(stat(prev, &st), -1);
	/* Closing: "# closed", then the head, then the trailer; the head
	 * after "# closed" does not make the month reopenable. */
	assert_int_equal(xb_usage_close(u, NOV, &e), 0);
	assert_non_null(strstr(read_text(path), "# closed\n# events 9 5bdcc146"));
	assert_int_equal(xb_usage_read_anchor(path, &seq, hash, &e), 0);
	assert_int_equal(seq, 9);
	xb_usage_free(u);
	u = xb_usage_create(dir);
	assert_int_equal(xb_usage_open(u, NOV, &e), -EROFS);
	assert_int_equal(xb_errors_count(&e), 0);
	xb_usage_free(u);

	/* An anchor in a file whose trailer does not match is refused. */
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, 60, SEEK_SET);
	fputc('X', f);
	fclose(f);
	assert_int_equal(xb_usage_read_anchor(path, &seq, hash, &e), -EBADMSG);
	assert_true(xb_errors_count(&e) > 0);
	assert_true(xb_usage_read_anchor("/nonexistent/usage.csv", &seq, hash,
					 &e) < 0);
	xb_errors_free(&e);
	remove_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_events_anchor),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_both_bad),
		cmocka_unit_test(test_bad_content),
		cmocka_unit_test(test_rollover),
		cmocka_unit_test(test_crash_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
