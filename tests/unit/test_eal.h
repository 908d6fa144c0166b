/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL for the unit tests whose code allocates from EAL memory (rte_fib,
 * rte_acl): 4 KB pages (--no-huge, so tests need no hugepages), no PCI
 * scan, no shared config, and a file prefix of the test's own with its
 * pid, since the plain and sanitizer builds of a test may run at once.
 */
#ifndef TEST_EAL_H
#define TEST_EAL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

static char test_eal_runtime_dir[4096];

/* At exit, after EAL's own exit handlers (the telemetry socket's
 * unlink): the runtime directory, empty with --no-shconf, goes too. */
static inline void
test_eal_remove_runtime_dir(void)
{
	if (test_eal_runtime_dir[0] != '\0')
		rmdir(test_eal_runtime_dir);
}

/* 0, or -1 with a message on stderr.  mem_mb: the -m argument. */
static inline int
test_eal_init(const char *name, const char *mem_mb)
{
	char prefix[96];
	char *argv[] = { "test", "--no-huge", "-m", (char *)mem_mb,
			 "--no-pci", "--no-shconf", prefix,
			 "--log-level=lib.eal:error", NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=xbgw_%s_%d", name,
		 (int)getpid());
	atexit(test_eal_remove_runtime_dir);
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", name);
		return -1;
	}
	snprintf(test_eal_runtime_dir, sizeof(test_eal_runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	return 0;
}

#endif /* TEST_EAL_H */
