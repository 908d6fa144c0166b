/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Durable usage records (control plane only; no DPDK).
 *
 * The table holds, per open month, one record per
 * (tenant, country, category, band, price, currency) -- names, not table
 * indexes, so records survive a reload that renumbers the tables; the price
 * is part of the key so that a tariff change within a month starts a new
 * record and every record's charge can be recomputed from its own columns.
 *
 * Files: <state dir>/usage-YYYY-MM.csv, one per local month (see
 * xb_tariff.h for the calendar).  Format (copy into the README):
 *
 *   # xbgw usage records
 *   month,tenant,country,category,band,packets,bytes,price_micros_per_gb,charge_micros,currency
 *   2026-11,acme-pay,SG,finance,peak,1200,1500000,2500000,3750,USD
 *   ...
 *   # closed                  (only once the month is over)
 *   # events <seq> <64 hex>   (the event log's durable head when written:
 *                             the seq of its last line and that line's
 *                             SHA-256; only with an event log)
 *   # sha256 <64 hex digits>  (SHA-256 of every byte before this line)
 *
 *   month        YYYY-MM, local time
 *   tenant, country, category, band   tenant id, country code, category
 *                id, band name as in the tables
 *   packets, bytes   forwarded packets and their Ethernet frame bytes in
 *                the month (totals, not deltas)
 *   price_micros_per_gb   the tariff price, micro-units per 10^9 bytes
 *   charge_micros    floor((bytes * price + 5e8) / 1e9): rounded half-up
 *                once per record, from the record's totals
 *   currency     ISO 4217 code ("XXX": no tariff row matched)
 *
 * Records are sorted by key, so consecutive checkpoints diff cleanly.
 * Readers skip '#' lines, so a file with or without the "# events" line
 * loads the same; the line is an anchor for `xbgw --verify-events FILE
 * --events-anchor usage-M.csv` (app/ops/xb_events.h): a copy of the
 * event log's head kept outside the log.
 *
 * Checkpoint (xb_usage_checkpoint): for each month changed since its last
 * checkpoint, write usage-M.csv.tmp, fsync it, hard-link the current
 * usage-M.csv to usage-M.csv.prev (keeping the previous good checkpoint),
 * rename the .tmp over usage-M.csv and fsync the directory.  At every
 * instant usage-M.csv is a complete checkpoint (rename is atomic).
 *
 * Resume (xb_usage_open): verify usage-M.csv's trailer; if the file is
 * missing while a .prev exists, torn, or corrupted, report it and fall
 * back to usage-M.csv.prev; if that fails too, fail (never start a month
 * from zero over records that exist).
 *
 * Exactly once.  The workers' per-lcore counters only grow.  The control
 * plane keeps, per counter, the value it has already folded into this
 * table, and folds delta = current - folded (xb_usage_delta()).  Folding
 * and checkpointing run on the same thread, so a checkpoint holds exactly
 * the deltas folded before it.  After a crash (kill -9 at any moment) the
 * restart resumes from the last complete checkpoint, with fresh counters
 * (zero) and folded values (zero): the traffic folded after that
 * checkpoint -- at most one checkpoint interval -- is lost, and no byte is
 * counted twice, since a byte is in a checkpoint only if it was folded
 * before it, and folded only once per process life.
 *
 * Thread safety: one thread (the control plane) per struct xb_usage.
 */
#ifndef XB_USAGE_H
#define XB_USAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "xb_errors.h"

#define XB_USAGE_ID_MAX 31 /* longest tenant / category / band name */
/* Months open at once (billing keeps the current one, and the one before
 * while a worker still counts it; more only with several rulesets). */
#define XB_USAGE_MAX_OPEN_MONTHS 12

struct xb_usage;

struct xb_usage_rec {
	uint32_t month; /* YYYYMM */
	char tenant[XB_USAGE_ID_MAX + 1];
	char country[4];
	char category[XB_USAGE_ID_MAX + 1];
	char band[XB_USAGE_ID_MAX + 1];
	char currency[4];
	uint64_t price_micros_per_gb;
	uint64_t packets;
	uint64_t bytes;
	uint64_t charge_micros; /* computed from bytes and price */
};

/* How xb_usage_open() found the month. */
enum xb_usage_resume {
	XB_USAGE_NEW = 0,       /* no record file: the month starts empty */
	XB_USAGE_RESUMED = 1,   /* usage-M.csv verified and loaded */
	XB_USAGE_FROM_PREV = 2, /* usage-M.csv bad or missing, .prev used */
};

/* A table whose files live in dir (created if missing, mode 0750), or in
 * memory only when dir is NULL or empty (no [state] dir: nothing is written
 * and every month starts empty).  Returns NULL (errno set) on failure. */
struct xb_usage *xb_usage_create(const char *dir);
void xb_usage_free(struct xb_usage *u);

/*
 * Open month yyyymm: load its record file (resume), or start it empty.
 * Returns enum xb_usage_resume (>= 0), or a negative errno when neither
 * the file nor its .prev can be used (-EBADMSG: corrupted; every reason is
 * in errs as "file:line: message").  A bad file that was skipped in favour
 * of .prev is reported in errs too (the return value says FROM_PREV).
 * Opening an open month returns XB_USAGE_RESUMED without reading.
 * A month whose file (or, that file being bad, its .prev) is a final
 * checkpoint ("# closed") is over and never reopened: -EROFS, nothing
 * opened.  -ENOSPC: XB_USAGE_MAX_OPEN_MONTHS months are open.
 */
int xb_usage_open(struct xb_usage *u, uint32_t yyyymm,
		  struct xb_errors *errs);

bool xb_usage_is_open(const struct xb_usage *u, uint32_t yyyymm);

/*
 * Fold a delta into the month's record for the key.  The month must be
 * open (-ENOENT otherwise); names must be 1..31 bytes (country 1..3,
 * currency 3) without ',', '"' or newlines (-EINVAL).  Returns 0.
 */
int xb_usage_add(struct xb_usage *u, uint32_t yyyymm, const char *tenant,
		 const char *country, const char *category, const char *band,
		 uint64_t price_micros_per_gb, const char *currency,
		 uint64_t packets, uint64_t bytes);

/*
 * The event log's head for the next checkpoints ("# events seq hash"):
 * seq of its last durable line, hash the hex SHA-256 of that line (64
 * hex digits).  A month whose file holds another head is rewritten at the
 * next checkpoint even when its records did not change.  seq 0 clears it.
 * Returns 0 or -EINVAL.
 */
int xb_usage_set_anchor(struct xb_usage *u, uint64_t seq, const char *hash);

/*
 * The newest event-log head among the open months' files (as loaded, or
 * as last written): returns its seq with the hash in hash, or 0 when none
 * holds one.
 */
uint64_t xb_usage_anchor_of_files(const struct xb_usage *u, char hash[65]);

/*
 * The "# events" head of a record file (any file this module wrote:
 * usage-M.csv, .prev, .corrupt), after checking its sha256 trailer.
 * Returns 0 with *seq and hash (65 bytes, lower-case hex), -ENOENT when
 * the file has no such line, -EBADMSG when its trailer does not match (the
 * reason in errs), or another negative errno when it cannot be read.
 */
int xb_usage_read_anchor(const char *path, uint64_t *seq, char hash[65],
			 struct xb_errors *errs);

/*
 * Write every open month changed since its last checkpoint (see the top
 * comment).  Returns 0 or a negative errno (the reason in errs); a failed
 * checkpoint leaves the previous files intact and the month dirty.
 */
int xb_usage_checkpoint(struct xb_usage *u, struct xb_errors *errs);

/*
 * Month rollover: write the month's final checkpoint marked "# closed" and
 * drop it from memory; later xb_usage_add() calls for it fail.  Returns 0
 * or a negative errno.
 */
int xb_usage_close(struct xb_usage *u, uint32_t yyyymm,
		   struct xb_errors *errs);

/* Records of an open month, in key order after a checkpoint (or in insertion
 * order before): n = xb_usage_count(), i = 0..n-1.  Returns NULL when out
 * of range. */
unsigned int xb_usage_count(const struct xb_usage *u, uint32_t yyyymm);
const struct xb_usage_rec *xb_usage_get(const struct xb_usage *u,
					uint32_t yyyymm, unsigned int i);

/* Sum of a tenant's bytes in an open month (quota resume). */
uint64_t xb_usage_tenant_bytes(const struct xb_usage *u, uint32_t yyyymm,
			       const char *tenant);

/* The latest month with a record file (or .prev) in the state dir
 * (YYYYMM), 0 when none or no dir: where a restart's billing starts. */
uint32_t xb_usage_latest_month(const struct xb_usage *u);

/* Path of the month's record file into buf ("<dir>/usage-YYYY-MM.csv"). */
void xb_usage_path(const struct xb_usage *u, uint32_t yyyymm, char *buf,
		   unsigned int size);

/*
 * The fold step of the exactly-once argument: returns current - *folded
 * and sets *folded = current.  current is a monotonic counter read from a
 * worker's lcore counters (a relaxed 64-bit load: the worker is its only
 * writer).
 */
static inline uint64_t
xb_usage_delta(uint64_t current, uint64_t *folded)
{
	uint64_t d = current - *folded;

	*folded = current;
	return d;
}

#endif /* XB_USAGE_H */
