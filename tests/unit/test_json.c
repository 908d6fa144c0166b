/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON writer (app/ops/xb_json.c) keeps every document valid whatever
 * bytes a name carries: ill-formed UTF-8 (overlong, surrogates,
 * truncated, stray continuations, 0xff) becomes \ufffd, controls C0 / C1,
 * DEL and U+2028 / U+2029 become \u escapes, well-formed UTF-8 passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xb_json.h"
#include "xb_utf8.h"

static char *
render(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	xb_json_write_string(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static const struct {
	const char *in, *out;
} cases[] = {
	{"www.example.com", "\"www.example.com\""},
	{"q\"b\\s", "\"q\\\"b\\\\s\""},
	{"\x01\x1b[2J\x7f", "\"\\u0001\\u001b[2J\\u007f\""},
	{"caf\xc3\xa9", "\"caf\xc3\xa9\""},
	{"\xe4\xb8\xad\xe6\x96\x87", "\"\xe4\xb8\xad\xe6\x96\x87\""},
	{"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},
	{"\xff", "\"\\ufffd\""},
	{"a\xc0\xaf" "b", "\"a\\ufffd\\ufffdb\""},           /* overlong */
	{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},        /* surrogate */
	{"x\xe2\x82", "\"x\\ufffd\""},                        /* truncated */
	{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* > 10FFFF */
	{"\x80x", "\"\\ufffdx\""},                            /* stray */
	{"\xc2\x9b" "31m", "\"\\u009b31m\""},                 /* C1 CSI */
	{"a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\""},
};

static void
test_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = render(cases[i].in);

		if (strcmp(got, cases[i].out) != 0)
			fail_msg("case %zu: got %s, expected %s", i, got,
				 cases[i].out);
		assert_true(xb_utf8_valid(got, strlen(got)));
		free(got);
	}
}

/* Every byte value in every position of a short string: the output is
 * valid UTF-8, quoted, without a raw control byte. */
static void
test_all_bytes(void **state)
{
	char s[4];

	(void)state;
	for (unsigned a = 1; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			s[0] = (char)a;
			s[1] = (char)b;
			s[2] = (char)0xbf;
			s[3] = '\0';
			char *got = render(s);
			size_t n = strlen(got);

			assert_true(xb_utf8_valid(got, n));
			assert_true(n >= 2 && got[0] == '"' && got[n - 1] == '"');
			for (size_t k = 0; k < n; k++)
				assert_true((unsigned char)got[k] >= 0x20 &&
					    got[k] != 0x7f);
			free(got);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_all_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
