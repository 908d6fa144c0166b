/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compare an error collector with the exact messages a table test expects
 * (include after <cmocka.h>).
 */
#ifndef TEST_ERRORS_H
#define TEST_ERRORS_H

#include <string.h>

#include "xb_errors.h"

static inline void
errors_equal(const struct xb_errors *errs, const char *const *want,
	     size_t nwant)
{
	for (size_t i = 0; i < nwant && i < errs->stored; i++)
		if (strcmp(errs->msgs[i], want[i]) != 0)
			fail_msg("error %zu:\n got      %s\n expected %s", i,
				 errs->msgs[i], want[i]);
	if (errs->n != nwant) {
		char buf[8192];

		xb_errors_join(errs, buf, sizeof(buf));
		fail_msg("got %u errors, expected %zu:\n%s", errs->n, nwant,
			 buf);
	}
}

#endif /* TEST_ERRORS_H */
