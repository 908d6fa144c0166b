/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's two meeting points with the threads beside it (the
 * Prometheus server's render thread and DPDK's telemetry threads):
 *
 * - The control lock.  The main lcore holds it for the whole of a reload
 *   (rulesets swapped and freed, name-keyed totals changed) and while it
 *   tears down at exit.  Readers on other threads take it before they read
 *   the active ruleset or those totals, so they never see a freed ruleset;
 *   worker counters they read with relaxed atomic loads (one writer each).
 *   The main lcore itself reads without it (it is the only writer).
 * - The reload mailbox.  A thread that wants a reload (/xbgw/reload) never
 *   reloads itself: it posts a request, the main loop picks it up
 *   (xb_control_reload_requested), reloads, and answers with the result.
 *
 * Never called on a worker.
 */
#ifndef XB_CONTROL_H
#define XB_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The control lock: blocking (main lcore), or timed (readers: 0 when
 * taken, -1 after timeout_ms). */
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
