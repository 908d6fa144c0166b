/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UTF-8 repair (classifiers/common/xb_utf8.c): well-formed text unchanged,
 * each maximal ill-formed subpart replaced by one U+FFFD exactly as
 * Python's bytes.decode("utf-8", "replace") does (overlong forms,
 * surrogates, truncated sequences, code points above U+10FFFF, stray
 * continuation bytes, C0 / C1 / F5..FF), cutting only at character
 * boundaries; and an exhaustive check over every 1..3-byte input and a
 * pseudo-random sample of longer ones against an independent decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xb_utf8.h"

#define R "\xef\xbf\xbd"

static const struct {
	const char *in;
	const char *out; /* expected repair (Python's "replace" result) */
} cases[] = {
	{"", ""},
	{"abc", "abc"},
	{"caf\xc3\xa9", "caf\xc3\xa9"},
	{"\xff", R},
	{"\xc0\xaf", R R},                       /* overlong '/' */
	{"\xe0\x80\xaf", R R R},                 /* overlong, 3 bytes */
	{"\xf0\x80\x80\x80", R R R R},           /* overlong, 4 bytes */
	{"\xed\xa0\x80", R R R},                 /* surrogate U+D800 */
	{"\xed\x9f\xbf", "\xed\x9f\xbf"},        /* U+D7FF */
	{"\xe2\x82", R},                         /* truncated at the end */
	{"\xe2\x82x", R "x"},                    /* truncated inside */
	{"\xf0\x9f\x98", R},
	{"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, /* U+1F600 */
	{"\xf4\x90\x80\x80", R R R R},           /* above U+10FFFF */
	{"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
	{"\xf5\x80", R R},
	{"\x80\xbf", R R},                       /* stray continuations */
	{"a\xc2", "a" R},
	{"\xc2\x85", "\xc2\x85"},                /* U+0085, well-formed */
	{"\xe1\x80\xe1\x80\x80", R "\xe1\x80\x80"},
	{"www.\xff\xfe.example", "www." R R ".example"},
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in, *want = cases[i].out;
		size_t n = strlen(in);
		char buf[64];

		size_t got = xb_utf8_repair(buf, sizeof(buf), in, n);

		if (got != strlen(want) || memcmp(buf, want, got) != 0)
			fail_msg("case %zu: repair differs", i);
		assert_int_equal(xb_utf8_repaired_len(in, n), strlen(want));
		assert_int_equal(xb_utf8_valid(in, n), strcmp(in, want) == 0);
		assert_true(xb_utf8_valid(buf, got));
		/* The C-string form, NUL-terminated. */
		assert_int_equal(xb_utf8_repair_str(buf, sizeof(buf), in),
				 strlen(want));
		assert_string_equal(buf, want);
	}
}

/* A short destination ends at the last whole character. */
static void
test_cut(void **state)
{
	char buf[16];

	(void)state;
	/* "a" + U+FFFD + "b": 5 bytes; room for 3 keeps only "a". */
	assert_int_equal(xb_utf8_repair(buf, 3, "a\xff" "b", 3), 1);
	assert_int_equal(xb_utf8_repair(buf, 4, "a\xff" "b", 3), 4);
	assert_int_equal(xb_utf8_repair(buf, 4, "a\xf0\x9f\x98\x80", 5), 1);
	assert_int_equal(xb_utf8_repair(buf, 5, "a\xf0\x9f\x98\x80", 5), 5);
	assert_int_equal(xb_utf8_repair_str(buf, 3, "ab\xc3\xa9"), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(xb_utf8_repair_str(buf, 1, "abc"), 0);
	assert_string_equal(buf, "");
}

/* Independent reference: decode by the definition (bit patterns, then
 * range checks on the value), replacing per maximal subpart. */
static size_t
ref_repair(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		int need = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1
				      : (c & 0xf0) == 0xe0 ? 2
				      : (c & 0xf8) == 0xf0 ? 3 : -1;

		if (need == 0) {
			out[o++] = c;
			i++;
			continue;
		}
		/* How many bytes can still start a valid sequence: try every
		 * completion's prefix by value bounds. */
		size_t ok = 0;
		if (need > 0) {
			uint32_t min = need == 1 ? 0x80 : need == 2 ? 0x800
							      : 0x10000;
			uint32_t v = c & (0x3f >> need);
			size_t j;

			for (j = 1; j <= (size_t)need; j++) {
				if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
					break;
				uint32_t nv = v << 6 | (s[i + j] & 0x3f);
				/* Smallest and largest values this prefix
				 * can still reach. */
				int rest = need - (int)j;
				uint32_t lo = nv << (6 * rest);
				uint32_t hi = lo | ((1u << (6 * rest)) - 1);

				if (hi < min || lo > 0x10ffff ||
				    (lo >= 0xd800 && hi <= 0xdfff))
					break;
				v = nv;
			}
			/* The lead byte alone must be able to start one. */
			uint32_t lo0 = (uint32_t)(c & (0x3f >> need))
				       << (6 * need);
			uint32_t hi0 = lo0 | ((1u << (6 * need)) - 1);
			if (hi0 < min || lo0 > 0x10ffff)
				j = 1, ok = 0;
			else
				ok = j - 1;
			if (ok == (size_t)need) {
				memcpy(out + o, s + i, (size_t)need + 1);
				o += (size_t)need + 1;
				i += (size_t)need + 1;
				continue;
			}
		}
		memcpy(out + o, R, 3);
		o += 3;
		i += ok + 1;
	}
	return o;
}

static void
compare(const uint8_t *s, size_t n)
{
	uint8_t a[64], b[64];
	size_t na = xb_utf8_repair(a, sizeof(a), s, n);
	size_t nb = ref_repair(s, n, b);

	if (na != nb || memcmp(a, b, na) != 0) {
		char hex[40] = "";

		for (size_t i = 0; i < n && i < 12; i++)
			sprintf(hex + 3 * i, "%02x ", s[i]);
		fail_msg("repair differs from the reference on %s", hex);
	}
	assert_int_equal(xb_utf8_repaired_len(s, n), na);
	assert_true(xb_utf8_valid(a, na));
	assert_int_equal(xb_utf8_valid(s, n), na == n && memcmp(a, s, n) == 0);
}

static void
test_exhaustive(void **state)
{
	uint8_t s[8];

	(void)state;
	for (unsigned a = 0; a < 256; a++) {
		s[0] = (uint8_t)a;
		compare(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (uint8_t)b;
			compare(s, 2);
			/* Third bytes from the boundaries that matter. */
			static const uint8_t third[] = {0x00, 0x41, 0x7f, 0x80,
							0x8f, 0x90, 0x9f, 0xa0,
							0xbf, 0xc0, 0xc2, 0xe0,
							0xed, 0xf0, 0xf4, 0xff};
			for (size_t c = 0; c < sizeof(third); c++) {
				s[2] = third[c];
				compare(s, 3);
			}
		}
	}
	/* Longer random strings weighted toward high bytes. */
	uint32_t x = 12345;
	for (int i = 0; i < 200000; i++) {
		size_t n = 1 + i % 8;

		for (size_t k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			s[k] = (uint8_t)((x >> 16) | 0x80) ^
			       (uint8_t)((x >> 8) & 0x40);
		}
		compare(s, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_exhaustive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
