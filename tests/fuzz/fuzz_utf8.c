/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the UTF-8 repair every output uses (xb_utf8.c).
 * Input: any bytes, copied to a heap buffer of exactly their size.
 * Checked: the repair is well-formed UTF-8 of the announced length;
 * well-formed input comes back unchanged; every cap cuts at a character
 * boundary (a prefix of the full repair); xb_utf8_next never claims more
 * bytes than there are; the C-string form agrees up to the first NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t *in = malloc(n ? n : 1);
	size_t full = 3 * n;
	uint8_t *out = malloc(full ? full : 1);

	if (in == NULL || out == NULL)
		abort();
	memcpy(in, d, n);
	for (size_t i = 0; i < n;) {
		int k = xb_utf8_next(in + i, n - i, NULL);

		if (k == 0 || k > 4 || k < -3 || (size_t)(k < 0 ? -k : k) > n - i)
			abort();
		i += (size_t)(k < 0 ? -k : k);
	}
	size_t len = xb_utf8_repair(out, full, in, n);

	if (len != xb_utf8_repaired_len(in, n) || !xb_utf8_valid(out, len))
		abort();
	if (xb_utf8_valid(in, n) && (len != n || memcmp(in, out, n) != 0))
		abort();
	/* Short destinations: prefixes of the full repair, whole characters. */
	for (size_t cap = 0; cap < len && cap < 64; cap++) {
		uint8_t cut[64];
		size_t m = xb_utf8_repair(cut, cap, in, n);

		if (m > cap || memcmp(cut, out, m) != 0 ||
		    !xb_utf8_valid(cut, m) || (m < len && cap - m >= 4))
			abort();
	}
	/* The C-string form. */
	{
		char *s = malloc(n + 1), dst[96];

		if (s == NULL)
			abort();
		memcpy(s, d, n);
		s[n] = '\0';
		size_t m = xb_utf8_repair_str(dst, sizeof(dst), s);

		if (m != strlen(dst) || !xb_utf8_valid(dst, m))
			abort();
		free(s);
	}
	free(in);
	free(out);
	return 0;
}
