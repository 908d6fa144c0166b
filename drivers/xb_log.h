/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xbgw's log type and its one macro.
 *
 * Every log line of xbgw goes through XB_LOG(LEVEL, fmt, ...) under the
 * DPDK log type "xbgw" (registered at load time, level INFO; change it
 * with the EAL option --log-level=xbgw:debug), never under USER1.  Lines
 * read "xbgw: <message>".  This header sits in drivers/, the lowest
 * library that logs; everything above includes it from here.
 *
 * Thread safety: rte_log is; any thread may log.
 */
#ifndef XB_LOG_H
#define XB_LOG_H

#include <rte_log.h>

/* The log type id, valid from program load on (a constructor registers
 * it before main). */
extern int xb_logtype;

/* LEVEL is a DPDK level without its prefix: ERR, WARNING, NOTICE, INFO,
 * DEBUG.  fmt ends with "\n" like RTE_LOG's. */
#define XB_LOG(level, ...) \
	rte_log(RTE_LOG_##level, xb_logtype, "xbgw: " __VA_ARGS__)

/*
 * Send DPDK's log (xbgw's and EAL's) to stderr only, once per line, call
 * before rte_eal_init().  DPDK 22.11's default Linux log stream writes each
 * line to stderr and to syslog, which under systemd puts every line twice
 * in the journal.  When stderr is the journal ($JOURNAL_STREAM, set by
 * systemd), each line gets its syslog priority as a "<N>" prefix
 * (sd-daemon(3)), so `journalctl -p warning` works.  Returns 0, or -1
 * when the stream cannot be created (DPDK's default then stays).
 */
int xb_log_stream_open(void);

#endif /* XB_LOG_H */
