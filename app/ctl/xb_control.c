/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lock and the reload mailbox (see xb_control.h).
 */
#include "xb_control.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static bool stopped; /* under ctl_lock */

/* The hand-off: a requester bumps req; the main lcore answers by storing
 * done = the req it served (release) after writing the result. */
static struct {
	_Atomic uint32_t req, done;
	uint32_t serving;               /* main lcore */
	pthread_mutex_t waiters;        /* one requester at a time */
	int rc;
	uint32_t generation;
	char text[4096];
} mbox = {.waiters = PTHREAD_MUTEX_INITIALIZER};

void
xb_control_lock(void)
{
	pthread_mutex_lock(&ctl_lock);
}

int
xb_control_lock_timed(unsigned int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_mutex_timedlock(&ctl_lock, &ts) == 0 ? 0 : -1;
}

void
xb_control_unlock(void)
{
	pthread_mutex_unlock(&ctl_lock);
}

bool
xb_control_stopped(void)
{
	return stopped;
}

void
xb_control_set_stopped(void)
{
	stopped = true;
}

bool
xb_control_reload_requested(void)
{
	return atomic_load_explicit(&mbox.req, memory_order_acquire) !=
	       atomic_load_explicit(&mbox.done, memory_order_relaxed);
}

void
xb_control_reload_serve(void)
{
	mbox.serving = atomic_load_explicit(&mbox.req, memory_order_acquire);
}

bool
xb_control_reload_asked(void)
{
	return mbox.serving !=
	       atomic_load_explicit(&mbox.done, memory_order_relaxed);
}

void
xb_control_reload_answer(int rc, uint32_t generation, const char *text)
{
	mbox.rc = rc == 0 ? 0 : -1;
	mbox.generation = generation;
	snprintf(mbox.text, sizeof(mbox.text), "%s", text);
	atomic_store_explicit(&mbox.done, mbox.serving, memory_order_release);
}

int
xb_control_request_reload(unsigned int timeout_ms, char *buf, size_t len,
			  uint32_t *generation)
{
	struct timespec ts = {.tv_nsec = 10000000};
	uint32_t r;
	int rc = -ETIMEDOUT;

	pthread_mutex_lock(&mbox.waiters);
	r = atomic_fetch_add(&mbox.req, 1) + 1;
	for (unsigned int waited = 0; waited <= timeout_ms; waited += 10) {
		/* Served once done reached r (a reload that started after
		 * our request was posted). */
		if ((int32_t)(atomic_load_explicit(&mbox.done,
						   memory_order_acquire) -
			      r) >= 0) {
			rc = mbox.rc;
			snprintf(buf, len, "%s", mbox.text);
			*generation = mbox.generation;
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (rc == -ETIMEDOUT)
		snprintf(buf, len, "no answer from the main lcore in %u ms",
			 timeout_ms);
	pthread_mutex_unlock(&mbox.waiters);
	return rc;
}
