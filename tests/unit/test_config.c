/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main config's comma-separated lists: xb_config_list() on its own
 * (splitting, trimming, empty and blank items, the place limit, items
 * that keep their place, stopping at the first error, the word auto),
 * then every list key through xb_config_load() with what it fills and
 * its exact "file:line: [section] key: ..." messages.  No EAL needed
 * (rte_cfgfile is plain C).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "xb_config.h"
#include "xb_ini.h"

/* --- xb_config_list on its own --- */

#define PLACES 4

/* Items are words of lower-case letters; they go to places[idx]. */
struct words {
	char places[PLACES][16];
};

static int
word_item(void *vctx, const char *item, unsigned int idx, const char **why)
{
	struct words *w = vctx;

	assert_true(idx < PLACES);
	if (item[0] == '\0' || strlen(item) >= sizeof(w->places[0]))
		return -1;
	if (strspn(item, "abcdefghijklmnopqrstuvwxyz") != strlen(item)) {
		*why = "not a letter";
		return -1;
	}
	snprintf(w->places[idx], sizeof(w->places[0]), "%s", item);
	return 0;
}

enum { AUTO_NO, AUTO_YES, REASON_ONLY };

static const struct {
	const char *name;
	const char *value;
	struct xb_config_list l; /* section "s", key "k", what "words" */
	int mode;                /* AUTO_YES: l.auto_word is set;
				  * REASON_ONLY: no l.expected */
	unsigned int taken;      /* returned */
	const char *places;      /* places[0..taken) joined with '|' */
	bool saw_auto;
	const char *errors;      /* joined with '\n' */
} list_cases[] = {
	{ "one", "a", { .max = 2 }, AUTO_NO, 1, "a", false, "" },
	{ "trimmed, empty items skipped", " a ,\tb,,c , ,", { .max = PLACES,
	  .skip_blank = true }, AUTO_NO, 3, "a|b|c", false, "" },
	{ "leading commas", ",,a", { .max = 2 }, AUTO_NO, 1, "a", false, "" },
	{ "nothing at all", ",", { .max = 2 }, AUTO_NO, 0, "", false, "" },
	{ "a blank item is an item unless skipped", "a, ,b", { .max = 3 },
	  AUTO_NO, 2, "a|b", false,
	  "x.conf: [s] k: got \"\", expected a word" },
	{ "every bad item reported", "a,B1,b,B2", { .max = 3 }, AUTO_NO, 2,
	  "a|b", false,
	  "x.conf: [s] k: got \"B1\", expected a word (not a letter)\n"
	  "x.conf: [s] k: got \"B2\", expected a word (not a letter)" },
	{ "too many ends the list", "a,b,c,D", { .max = 2 }, AUTO_NO, 2,
	  "a|b", false,
	  "x.conf: [s] k: too many words (expected at most 2)" },
	{ "bad items take no place", "a,B,b,c", { .max = 2 }, AUTO_NO, 2,
	  "a|b", false,
	  "x.conf: [s] k: got \"B\", expected a word (not a letter)\n"
	  "x.conf: [s] k: too many words (expected at most 2)" },
	{ "by position, bad items take theirs", "a,B,b", { .max = 2,
	  .by_position = true }, AUTO_NO, 2, "a|", false,
	  "x.conf: [s] k: got \"B\", expected a word (not a letter)\n"
	  "x.conf: [s] k: too many words (expected at most 2)" },
	{ "than", "a,b,c", { .max = 2, .than = "pairs" }, AUTO_NO, 2, "a|b",
	  false, "x.conf: [s] k: more words (3) than pairs (2)" },
	{ "than zero", "a", { .max = 0, .than = "pairs" }, AUTO_NO, 0, "",
	  false, "x.conf: [s] k: more words (1) than pairs (0)" },
	{ "stop at the first error", "a,B1,b,B2", { .max = 3,
	  .stop_at_error = true }, AUTO_NO, 1, "a", false,
	  "x.conf: [s] k: got \"B1\", expected a word (not a letter)" },
	{ "auto takes no place", "a, auto ,b", { .max = 2 }, AUTO_YES, 2,
	  "a|b", true, "" },
	{ "auto once the list is full", "a,b,auto", { .max = 2 }, AUTO_YES,
	  2, "a|b", true, "" },
	{ "no auto", "a,b", { .max = 2 }, AUTO_YES, 2, "a|b", false, "" },
	{ "auto is a word where not allowed", "auto", { .max = 2 }, AUTO_NO,
	  1, "auto", false, "" },
	{ "no expected: the reason alone", "a,B,", { .max = 2 }, REASON_ONLY,
	  1, "a", false, "x.conf: [s] k: not a letter" },
};

static void
test_list_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]);
	     i++) {
		struct xb_config_list l = list_cases[i].l;
		struct words w;
		struct xb_errors errs;
		bool saw_auto = true; /* the helper resets it */
		char got[1024], places[128] = "";
		unsigned int n;

		memset(&w, 0, sizeof(w));
		l.section = "s";
		l.key = "k";
		l.what = "words";
		l.expected = list_cases[i].mode == REASON_ONLY ? NULL :
								"a word";
		l.item = word_item;
		if (list_cases[i].mode == AUTO_YES)
			l.auto_word = &saw_auto;
		xb_errors_init(&errs);
		n = xb_config_list("x.conf", list_cases[i].value, &l, &w,
				   &errs);
		xb_errors_join(&errs, got, sizeof(got));
		for (unsigned int p = 0; p < n && p < PLACES; p++)
			snprintf(places + strlen(places),
				 sizeof(places) - strlen(places), "%s%s",
				 p ? "|" : "", w.places[p]);
		if (n != list_cases[i].taken ||
		    strcmp(places, list_cases[i].places) != 0 ||
		    strcmp(got, list_cases[i].errors) != 0 ||
		    (l.auto_word != NULL &&
		     saw_auto != list_cases[i].saw_auto))
			fail_msg("%s (\"%s\"): got %u places \"%s\" auto %d, errors:\n%s\nexpected %u \"%s\" auto %d, errors:\n%s",
				 list_cases[i].name, list_cases[i].value, n,
				 places, saw_auto, got, list_cases[i].taken,
				 list_cases[i].places, list_cases[i].saw_auto,
				 list_cases[i].errors);
		xb_errors_free(&errs);
	}
}

/* --- the list keys of the main config --- */

/* Write the config (a [tables] section first) to a new file in /tmp, load
 * it and remove the file; path keeps its name for the messages. */
static int
load_conf(const char *body, struct xb_config *cfg, char *path, size_t size,
	  char *errors, size_t esize)
{
	struct xb_errors errs;
	FILE *f;
	int fd, rc;

	snprintf(path, size, "/tmp/xbgw_test_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "[tables]\ncountries = countries.csv\n%s", body);
	assert_int_equal(fclose(f), 0);
	xb_errors_init(&errs);
	rc = xb_config_load(path, cfg, &errs);
	xb_errors_join(&errs, errors, esize);
	xb_errors_free(&errs);
	assert_int_equal(unlink(path), 0);
	return rc;
}

static void
test_config_lists(void **state)
{
	static struct xb_config cfg;
	char path[512], errors[2048], buf[64];

	(void)state;
	assert_int_equal(load_conf("geo = a.csv, /abs/b.txt ,, c.csv\n"
				   "[general]\n"
				   "home_net = 10.0.0.0/8 , fc00::/7\n"
				   "[ports]\n"
				   "pairs = net_null0:net_null1, 0000:3b:00.0:0000:3b:00.1\n"
				   "public = net_null2 , net_null3\n"
				   "[afxdp]\n"
				   "host_macs = 02:00:00:00:00:01, auto\n"
				   "host_addresses = 192.0.2.1,2001:db8::1\n"
				   "[names]\n"
				   "quic_decrypt_budget = 1234\n",
				   &cfg, path, sizeof(path), errors,
				   sizeof(errors)), 0);
	assert_string_equal(errors, "");
	assert_int_equal(cfg.quic_decrypt_budget, 1234);
	assert_int_equal(cfg.ngeo, 3);
	assert_string_equal(cfg.geo[0], "/tmp/a.csv"); /* beside the config */
	assert_string_equal(cfg.geo[1], "/abs/b.txt");
	assert_string_equal(cfg.geo[2], "/tmp/c.csv");
	assert_true(cfg.home_net_set);
	assert_int_equal(cfg.nhome_net, 2);
	xb_prefix_format(&cfg.home_net[0], buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.0/8");
	xb_prefix_format(&cfg.home_net[1], buf, sizeof(buf));
	assert_string_equal(buf, "fc00::/7");
	assert_int_equal(cfg.npairs, 2);
	assert_string_equal(cfg.pairs[0].inside, "net_null0");
	assert_string_equal(cfg.pairs[0].outside, "net_null1");
	assert_string_equal(cfg.pairs[0].public_, "net_null2");
	assert_string_equal(cfg.pairs[1].inside, "0000:3b:00.0");
	assert_string_equal(cfg.pairs[1].outside, "0000:3b:00.1");
	assert_string_equal(cfg.pairs[1].public_, "net_null3");
	assert_true(cfg.afxdp.macs_auto);
	assert_int_equal(cfg.afxdp.nmacs, 1);
	assert_int_equal(cfg.afxdp.macs[0][0], 0x02);
	assert_int_equal(cfg.afxdp.macs[0][5], 0x01);
	assert_false(cfg.afxdp.addrs_auto);
	assert_int_equal(cfg.afxdp.naddrs, 2);
	assert_int_equal(cfg.afxdp.addrs[0].family, 4);
	assert_int_equal(cfg.afxdp.addrs[0].addr[3], 1);
	assert_int_equal(cfg.afxdp.addrs[1].family, 6);
	assert_int_equal(cfg.afxdp.addrs[1].addr[15], 1);

	/* Without the keys: nothing listed, the afxdp lists are auto. */
	assert_int_equal(load_conf("", &cfg, path, sizeof(path), errors,
				   sizeof(errors)), 0);
	assert_int_equal(cfg.ngeo, 0);
	assert_false(cfg.home_net_set);
	assert_int_equal(cfg.npairs, 0);
	assert_true(cfg.afxdp.macs_auto && cfg.afxdp.addrs_auto);
	assert_int_equal(cfg.afxdp.nmacs + cfg.afxdp.naddrs, 0);
	assert_int_equal(cfg.quic_decrypt_budget, 50000); /* the default */
}

static void
test_config_list_errors(void **state)
{
	static struct xb_config cfg;
	char path[512], errors[4096], want[8192];

	(void)state;
	assert_int_equal(load_conf("geo = a.csv,,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv,a.csv\n"
				   "[general]\n"
				   "home_net = 10.0.0.0/8, ,bad\n"
				   "[ports]\n"
				   "pairs = a:b, bad, c:d\n"
				   "public = p, ,q\n"
				   "[afxdp]\n"
				   "host_macs = auto, 02:00:00:00:00:zz, bad\n"
				   "host_addresses = nope, 10.0.0.1\n",
				   &cfg, path, sizeof(path), errors,
				   sizeof(errors)), -1);
	snprintf(want, sizeof(want),
		 "%s:3: [tables] geo: too many files (expected at most 16)\n"
		 "%s:5: [general] home_net: got \"\", expected a prefix (not an IP address)\n"
		 "%s:5: [general] home_net: got \"bad\", expected a prefix (not an IPv4 address)\n"
		 "%s:7: [ports] pairs: got \"bad\", expected IN:OUT port names\n"
		 "%s:8: [ports] public: got \"\", expected a port name\n"
		 "%s:8: [ports] public: more ports (3) than pairs (2)\n"
		 "%s:10: [afxdp] host_macs: got \"02:00:00:00:00:zz\", expected auto or a MAC such as 02:00:00:00:00:01\n"
		 "%s:11: [afxdp] host_addresses: got \"nope\", expected auto or an IPv4/IPv6 address",
		 path, path, path, path, path, path, path, path);
	assert_string_equal(errors, want);
	assert_int_equal(cfg.ngeo, 16);
	assert_int_equal(cfg.nhome_net, 1);
	assert_int_equal(cfg.npairs, 2);
	assert_string_equal(cfg.pairs[0].public_, "p");
	assert_string_equal(cfg.pairs[1].public_, "");
	assert_true(cfg.afxdp.macs_auto);
	assert_int_equal(cfg.afxdp.nmacs, 0);
	assert_false(cfg.afxdp.addrs_auto);
	assert_int_equal(cfg.afxdp.naddrs, 0);
}

/* --- the INI reader (xb_ini): dialect, line numbers, every error --- */

static const struct {
	const char *name;
	const char *text;
	const char *errors; /* joined with '\n', the text called "t.conf" */
	/* What parsed: "section|key|value|line" ("section||-|line": the
	 * section's own line), one a line */
	const char *kept;
} ini_cases[] = {
	{ "the dialect", "; comment\n# comment\n\n [a] \n k = v ; note\n"
	  "x=1\n\t[b]\r\nk = a\\;b\r\n",
	  "", "a||-|4\na|k|v|5\na|x|1|6\nb||-|7\nb|k|a;b|8" },
	{ "a byte order mark before the first section",
	  "\xef\xbb\xbf[a]\nk = v\n", "", "a||-|1\na|k|v|2" },
	{ "a byte order mark elsewhere is text", "[a]\n\xef\xbb\xbfk = v\n",
	  "", "a|\xef\xbb\xbfk|v|2" },
	{ "a line without =", "[a]\nk = v\nbroken line\nj = w\n",
	  "t.conf:3: line without \"=\" (got \"broken line\", expected key = value, [section] or a comment)",
	  "a|k|v|2\na|j|w|4" },
	{ "a duplicate key: the first one stays",
	  "[a]\nk = 1\nj = 2\nk = 3\n",
	  "t.conf:4: [a] k: duplicate key (first at line 2)",
	  "a|k|1|2\na|j|2|3" },
	{ "a duplicate section: its keys join the first",
	  "[a]\nk = 1\n[b]\nk = 2\n[a]\nj = 3\nk = 4\n",
	  "t.conf:5: duplicate section [a] (first at line 1)\n"
	  "t.conf:7: [a] k: duplicate key (first at line 2)",
	  "a||-|1\na|k|1|2\na|j|3|6\nb|k|2|4" },
	{ "a key before any section", "k = v\n[a]\n",
	  "t.conf:1: key outside any section (got \"k\", expected a [section] line first)",
	  "a||-|2" },
	{ "section lines", "[a\n[]\n[b] c\n[c]\nk = v\n",
	  "t.conf:1: section line without \"]\" (got \"[a\", expected [name])\n"
	  "t.conf:2: empty section name (got \"[]\", expected [name])\n"
	  "t.conf:3: text after \"]\" (got \"[b] c\", expected [name] alone on its line)",
	  "c|k|v|5" },
	{ "keys of a refused section are not reported again",
	  "[a\nk = v\n", "t.conf:1: section line without \"]\" (got \"[a\", expected [name])",
	  "" },
	{ "empty key, empty value", "[a]\n= v\nk =\nj = ; only a comment\n",
	  "t.conf:2: no key before \"=\" (got \"= v\", expected key = value)\n"
	  "t.conf:3: [a] k: empty value (expected key = value)\n"
	  "t.conf:4: [a] j: empty value (expected key = value)", "a||-|1" },
	{ "no newline at the end, CRLF", "[a]\r\nk = v", "", "a|k|v|2" },
};

static void
test_ini_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ini_cases) / sizeof(ini_cases[0]); i++) {
		struct xb_errors errs;
		struct xb_ini *ini;
		char got[2048], kept[1024];
		char *save = NULL, *item;

		xb_errors_init(&errs);
		ini = xb_ini_parse("t.conf", ini_cases[i].text,
				   strlen(ini_cases[i].text), &errs);
		assert_non_null(ini);
		xb_errors_join(&errs, got, sizeof(got));
		if (strcmp(got, ini_cases[i].errors) != 0)
			fail_msg("%s: errors\n%s\nexpected\n%s", ini_cases[i].name,
				 got, ini_cases[i].errors);
		snprintf(kept, sizeof(kept), "%s", ini_cases[i].kept);
		for (item = strtok_r(kept, "\n", &save); item != NULL;
		     item = strtok_r(NULL, "\n", &save)) {
			char *sec = item, *key = strchr(sec, '|');
			char *val = strchr(key + 1, '|');
			char *line = strchr(val + 1, '|');
			const char *v;

			*key++ = *val++ = *line++ = '\0';
			if (*key == '\0') {
				assert_true(rte_cfgfile_has_section(
					xb_ini_cfgfile(ini), sec));
				assert_int_equal(xb_ini_line(ini, sec, NULL),
						 atoi(line));
				continue;
			}
			v = rte_cfgfile_get_entry(xb_ini_cfgfile(ini), sec, key);
			if (v == NULL || strcmp(v, val) != 0 ||
			    xb_ini_line(ini, sec, key) != (unsigned int)atoi(line))
				fail_msg("%s: [%s] %s = %s at %u, expected %s at %s",
					 ini_cases[i].name, sec, key,
					 v ? v : "(none)",
					 xb_ini_line(ini, sec, key), val, line);
		}
		/* Nothing kept beyond what the case lists. */
		if (ini_cases[i].kept[0] == '\0')
			assert_int_equal(rte_cfgfile_num_sections(
				xb_ini_cfgfile(ini), NULL, 0), 0);
		xb_ini_free(ini);
		xb_errors_free(&errs);
	}
}

/* A file that cannot be read: one message, no ini. */
static void
test_ini_missing(void **state)
{
	struct xb_errors errs;
	char got[256];

	(void)state;
	xb_errors_init(&errs);
	assert_null(xb_ini_load("/nonexistent/x.conf", &errs));
	xb_errors_join(&errs, got, sizeof(got));
	assert_string_equal(got, "/nonexistent/x.conf: cannot open: No such file or directory");
	xb_errors_free(&errs);
}

/* --- what the config names outside itself (xb_config_check_env) --- */

static void
test_config_env(void **state)
{
	static struct xb_config cfg;
	char dir[] = "/tmp/xbgw_test_env.XXXXXX", file[600], want[4096];
	char got[4096], sub[600];
	struct xb_errors errs;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/file", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.path, sizeof(cfg.path), "/nonexistent/x.conf");
	snprintf(cfg.ipfix_collector, sizeof(cfg.ipfix_collector), "nohost");
	snprintf(cfg.prometheus_listen, sizeof(cfg.prometheus_listen),
		 "0.0.0.0:99999");
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/file/state", dir);
	snprintf(cfg.events_file, sizeof(cfg.events_file), "%s", dir);
	for (int mode = XB_CONFIG_CHECK; mode <= XB_CONFIG_START; mode++) {
		xb_errors_init(&errs);
		assert_int_equal(xb_config_check_env(&cfg, mode, &errs), -1);
		xb_errors_join(&errs, got, sizeof(got));
		snprintf(want, sizeof(want),
			 "/nonexistent/x.conf: [ipfix] collector: got \"nohost\", expected HOST:PORT or [IPv6]:PORT with a port of 1..65535\n"
			 "/nonexistent/x.conf: [prometheus] listen: got \"0.0.0.0:99999\", expected PORT, HOST:PORT or [IPv6]:PORT with a port of 0..65535\n"
			 "/nonexistent/x.conf: [state] dir: got \"%s/file/state\", expected a writable directory that exists or can be created (%s/file: not a directory)\n"
			 "/nonexistent/x.conf: [events] file: got \"%s\", expected a file (not a directory or device)",
			 dir, dir, dir);
		assert_string_equal(got, want);
		xb_errors_free(&errs);
	}

	/* Addresses that parse and resolve; directories to be made: a check
	 * makes none, a start makes every level. */
	snprintf(cfg.ipfix_collector, sizeof(cfg.ipfix_collector),
		 "127.0.0.1:4739");
	snprintf(cfg.prometheus_listen, sizeof(cfg.prometheus_listen),
		 "[::1]:0");
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s/a/b/c", dir);
	snprintf(cfg.events_file, sizeof(cfg.events_file), "%s/e/f/ev.log",
		 dir);
	xb_errors_init(&errs);
	assert_int_equal(xb_config_check_env(&cfg, XB_CONFIG_CHECK, &errs), 0);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	assert_int_not_equal(access(sub, F_OK), 0);
	assert_int_equal(xb_config_check_env(&cfg, XB_CONFIG_START, &errs), 0);
	assert_int_equal(access(cfg.state_dir, W_OK), 0);
	snprintf(sub, sizeof(sub), "%s/e/f", dir);
	assert_int_equal(access(sub, W_OK), 0);
	assert_int_equal(xb_errors_count(&errs), 0);
	xb_errors_free(&errs);
	snprintf(sub, sizeof(sub),
		 "rm -rf '%s'", dir);
	assert_int_equal(system(sub), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_cases),
		cmocka_unit_test(test_config_lists),
		cmocka_unit_test(test_config_list_errors),
		cmocka_unit_test(test_ini_cases),
		cmocka_unit_test(test_ini_missing),
		cmocka_unit_test(test_config_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
