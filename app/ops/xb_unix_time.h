/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wall clock in Unix nanoseconds, as the outputs stamp it (events,
 * start and reload times, uptime).  Inline, so the output modules that
 * call each other (xb_ops registers telemetry and metrics) share it
 * without a call circle.
 */
#ifndef XB_UNIX_TIME_H
#define XB_UNIX_TIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
xb_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
