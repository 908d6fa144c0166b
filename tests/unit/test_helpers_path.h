/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the tests find the repository's default tables: $XBGW_SOURCE_ROOT,
 * else the source root derived from this file's compile-time path (meson
 * passes it relative to the build directory, where `meson test` runs),
 * else config/ or ../config/ from the current directory.
 */
#ifndef TEST_HELPERS_PATH_H
#define TEST_HELPERS_PATH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int
test_config_path(const char *table, char *buf, size_t size)
{
	const char *root = getenv("XBGW_SOURCE_ROOT");
	const char *f = __FILE__;
	const char *tail = strstr(f, "tests/unit/");

	if (root != NULL && root[0] != '\0') {
		snprintf(buf, size, "%s/config/%s", root, table);
		return access(buf, R_OK);
	}
	if (tail != NULL) {
		snprintf(buf, size, "%.*sconfig/%s", (int)(tail - f), f,
			 table);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	/* Run by hand from the source root or from a build directory. */
	snprintf(buf, size, "config/%s", table);
	if (access(buf, R_OK) == 0)
		return 0;
	snprintf(buf, size, "../config/%s", table);
	return access(buf, R_OK);
}

#endif /* TEST_HELPERS_PATH_H */
