/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's two meeting points with the threads beside it (the
 * Prometheus server's render thread and DPDK's telemetry threads):
 *
 * - The control lock.  The main lcore holds it for the whole of a reload
 *   (a ruleset built and swapped in, the old one queued as retiring), of a
 *   reclaim (a retired ruleset folded into the name-keyed totals and
 *   freed), of a usage fold, and while it tears down at exit.  Readers on
 *   other threads take it before they read the rulesets (active or
 *   retiring) or those totals, so they never see a freed ruleset nor a
 *   ruleset counted twice or not at all; worker counters they read with
 *   relaxed atomic loads (one writer each).
 *   The main lcore itself reads without it (it is the only writer).
 * - The reload mailbox.  A thread that wants a reload (/xbgw/reload) never
 *   reloads itself: it posts a request, the main loop picks it up
 *   (xb_control_reload_requested) once no ruleset retires, reloads, and
 *   answers with the result.
 *
 * Never called on a worker.
 */
#ifndef XB_CONTROL_H
#define XB_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The control lock: blocking (main lcore), or timed (0 when taken, -1
 * after timeout_ms; with 0 ms, taken only if free now). */
void xb_control_lock(void);
int xb_control_lock_timed(unsigned int timeout_ms);
void xb_control_unlock(void);

/* With the lock held: true once the main lcore has begun tearing down
 * (workers and rulesets are about to be freed: readers must not touch
 * them); the main lcore says so, also with the lock held. */
bool xb_control_stopped(void);
void xb_control_set_stopped(void);

/* Main lcore: has a thread posted a reload request not yet answered? */
bool xb_control_reload_requested(void);

/* Main lcore, before a reload: take the requests posted so far as the
 * ones this reload serves.  After it: xb_control_reload_asked says whether
 * a thread waits for this reload (asked for, not signalled), and
 * xb_control_reload_answer answers (rc 0 ok, < 0 failed; text: the
 * generation or the errors). */
void xb_control_reload_serve(void);
bool xb_control_reload_asked(void);
void xb_control_reload_answer(int rc, uint32_t generation, const char *text);

/* Any thread but the main lcore: post a reload request and wait up to
 * timeout_ms for its answer.  Returns 0 ok, -1 failed, -ETIMEDOUT; the
 * answer's text in buf and the generation in *generation. */
int xb_control_request_reload(unsigned int timeout_ms, char *buf, size_t len,
			      uint32_t *generation);

#endif /* XB_CONTROL_H */
