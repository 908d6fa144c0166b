/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Monthly tenant quotas enforced on the packet path (tenants.csv quota_gb,
 * over_quota).  The scheme -- a shared per-tenant pool handed out to the
 * workers in slices, double-buffered periods for the month rollover -- is
 * explained in QUOTA.md next to this file.
 *
 * Guarantee: while a period lasts, the bytes xb_quota_consume() accepts
 * for a tenant are at most quota + one packet per worker (each worker lets
 * through at most one packet that it cannot fully cover, and only if some
 * of the quota was still left to it), and, when every worker keeps sending,
 * at least the quota.  Bytes sitting in the slice of a worker that stops
 * sending that tenant's traffic (at most slice_max per worker) are the
 * only way a tenant is refused before its quota is spent.
 *
 * Thread safety: create/free/begin_period/poll/remaining: the control plane
 * (one thread).  xb_quota_sync()/xb_quota_consume() with a given worker
 * index: only that worker's thread.  No locks; the per-packet path writes
 * only the worker's own memory, plus one compare-and-swap on the tenant's
 * shared pool once per slice (slice_max bytes) and one store when the
 * worker first finds the quota spent.
 */
#ifndef XB_QUOTA_H
#define XB_QUOTA_H

#include <stdbool.h>
#include <stdint.h>

struct xb_tenants;
struct xb_quota;

#define XB_QUOTA_SLICE_DEFAULT 1000000u /* bytes per grant, at most */
#define XB_QUOTA_WORKERS_MAX 128

/*
 * Quotas of every tenant of t (quota_bytes; 0 = unlimited) for nworkers
 * workers (1..XB_QUOTA_WORKERS_MAX, indexes 0..nworkers-1).  slice_max:
 * the largest grant a worker takes from a tenant's pool at once, in bytes
 * (0: XB_QUOTA_SLICE_DEFAULT).  The first period (month 0, nothing used)
 * is in force at once.  Returns NULL on bad arguments or no memory.
 * Control plane.
 */
struct xb_quota *xb_quota_create(const struct xb_tenants *t,
				 unsigned int nworkers, uint64_t slice_max);

/* Same from an array of quotas in bytes (quota_bytes[i] for tenant index
 * i, 0 = unlimited; copied).  Control plane. */
struct xb_quota *xb_quota_create_bytes(const uint64_t *quota_bytes,
				       unsigned int ntenants,
				       unsigned int nworkers,
				       uint64_t slice_max);
void xb_quota_free(struct xb_quota *q);

/*
 * Start a new period (month yyyymm): every tenant's pool becomes
 * quota - used_bytes[tenant] (0 if used exceeds the quota; used_bytes may
 * be NULL for a fresh month; indexed by tenant index, xb_tenants_count()
 * entries).  Used at start-up to resume the month from the usage records
 * and at each month rollover.  A tenant whose used bytes already reach its
 * quota starts crossed and is not reported again by xb_quota_poll_crossed().
 * Returns 0, or -EBUSY when some worker has not yet called xb_quota_sync()
 * since the previous period began (try again after the workers' next poll
 * loop).
 * Control plane.
 */
int xb_quota_begin_period(struct xb_quota *q, uint32_t yyyymm,
			  const uint64_t *used_bytes);

/*
 * Cluster mode (several gateways share each tenant's pool through
 * PostgreSQL: app/ctl/CLUSTER.md).  Call once, right after create and
 * before any worker uses q.  From then on the pools hold what this
 * gateway was granted: xb_quota_begin_period()'s used_bytes are read as
 * quota - held (so pass quota - held bytes), xb_quota_grant() adds to the
 * pool, and an empty pool refuses packets without ending the quota until
 * xb_quota_set_spent(true) says the cluster pool is spent; then the
 * crossing works as in the single-gateway scheme (one packet over per
 * worker, reported once).  Returns 0, or -EBUSY after a begin_period.
 * Control plane.
 */
int xb_quota_set_cluster(struct xb_quota *q);
bool xb_quota_is_cluster(const struct xb_quota *q);

/* Cluster mode: bytes granted to this gateway for the tenant, added to
 * the current period's pool (an atomic add; the workers take their
 * slices from it as before).  Returns 0 or -EINVAL (not cluster mode,
 * tenant out of range or without a quota).  Control plane. */
int xb_quota_grant(struct xb_quota *q, uint16_t tenant, uint64_t bytes);

/* Cluster mode: the cluster pool of the tenant is spent (true) or has
 * more again (false: a later grant, e.g. a raised quota; workers that
 * found the quota spent retry).  Returns 0 or -EINVAL.  Control plane. */
int xb_quota_set_spent(struct xb_quota *q, uint16_t tenant, bool spent);

/* Month of the period in force (0 before the first begin_period). */
uint32_t xb_quota_month(const struct xb_quota *q);

/*
 * Tenants that crossed their quota since the last poll in this period, each
 * reported exactly once per period: up to max tenant indexes are written
 * to tenants; returns how many.  Control plane (it writes the event).
 */
unsigned int xb_quota_poll_crossed(struct xb_quota *q, uint16_t *tenants,
				   unsigned int max);

/* Bytes of the tenant's quota not yet handed to any worker in this period
 * (UINT64_MAX for an unlimited tenant).  Control plane; a snapshot. */
uint64_t xb_quota_remaining(const struct xb_quota *q, uint16_t tenant);

/*
 * Worker: call once per poll loop, before the xb_quota_consume() calls of
 * its bursts.  Picks up a new period published by xb_quota_begin_period()
 * (dropping the slices of the old one) and acknowledges it.  Cheap: one
 * acquire load when nothing changed.
 */
void xb_quota_sync(struct xb_quota *q, unsigned int worker);

/*
 * Worker: account bytes (Ethernet frame bytes) of one packet of tenant to
 * the quota.  Returns true when the packet is within the quota (or the
 * tenant has none, or tenant is out of range), false when the tenant's
 * quota is spent and the packet gets the tenant's over_quota action.
 * No allocation, no locks; see the thread-safety note above.
 */
bool xb_quota_consume(struct xb_quota *q, unsigned int worker,
		      uint16_t tenant, uint32_t bytes);

#endif /* XB_QUOTA_H */
