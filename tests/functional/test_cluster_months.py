#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A month rollover across gateways (issue 18), against a real
PostgreSQL 15 started here (pgtest.py).

Two gateways share a tenant with a 1 GB monthly quota; each replays,
under --clock capture, a capture looped across the end of 2026-12 (UTC):
350 s of December, 350 s of January, 530 MB per gateway and month, so
each month's pool runs out.  Checked for each month:
- PostgreSQL holds a pool of its own (granted == the sum of that
  month's grants, within the quota);
- each gateway forwarded no more than its grants of that month (+ one
  frame per worker), in January plus what it had left of December's
  (new-month packets forwarded before the control plane starts the new
  quota period, one fold, draw on the old reservation); over both
  months no more than all its grants;
- both gateways together stayed within Q + 2 x workers x frame (plus,
  in January, that carry): December's cut did not spill into January,
  nor did January start with December's pool;
- the ledger has both months' rows of each gateway, equal to that
  gateway's usage files, and the cluster's per-month usage view equals
  the sum of the files.
"""
import os

import clustertest
import pgtest
import xbtest

F = xbtest.begin()
if not pgtest.available():
    xbtest.skip("PostgreSQL 15 not installed (scripts/install-deps.sh installs postgresql-15)")
tmp = xbtest.tmpdir("cluster")
pg = pgtest.Postgres(tmp)
cl = clustertest.Cluster(F, tmp, pg)
QUOTA = 10**9
FRAME = clustertest.FRAME
GRANT_MAX = 20 * 10**6
BOUNDARY = 1798761600 * 10**9        # 2027-01-01 00:00:00 UTC
MONTHS = (202612, 202701)
TABLES = {
    "tenants": "tenant,name,class,quota_gb,over_quota\nshared,Shared Co,sme,1,block\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,shared\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,*,*,*,*,*\n",
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
}

# 1,000 frames 1 ms apart: a 1 s capture, looped 700 times from 350 s
# before the boundary (each loop shifted by the capture's span).
cap = clustertest.capture(os.path.join(tmp, "months.pcap"), BOUNDARY - 350 * 10**9,
                          ["10.1.0"], n=1000, gap_ns=10**6)
confs = {g: cl.conf(g, TABLES, cluster_keys="grant_max = %d" % GRANT_MAX,
                     extra="[tariff]\nutc_offset = +00:00\n") for g in ("gw1", "gw2")}
p = xbtest.run_xbgw(["-c", confs["gw1"][0], "--cluster-init"], check=False)
if p.returncode != 0:
    cl.die("--cluster-init: exit %d: %s" % (p.returncode, p.stderr))
gws = {g: cl.start(g, confs[g][0], cap, ["--loops", "700"]) for g in confs}
for g in gws.values():
    g.finish(timeout=80)
workers = max(len(g.doc()["workers"]) for g in gws.values())
usage = {g: clustertest.files_usage(confs[g][1]) for g in gws}
print("usage files:", usage)
pools = {int(m): (int(q), int(gr)) for m, q, gr in
         (l.split("|") for l in cl.sql("SELECT month, quota_bytes, granted_bytes FROM xb_pools "
                                       "WHERE tenant = 'shared'").splitlines())}
print("pools:", pools)
view = {int(m): int(b) for m, b in
        (l.split("|") for l in cl.sql("SELECT month, bytes FROM xb_usage_by_tenant "
                                      "WHERE tenant = 'shared'").splitlines())}
for g in gws:
    lu = cl.ledger(g)
    F.check(lu == usage[g], "%s: ledger %s != usage files %s" % (g, lu, usage[g]))
    F.check(all(("shared", m) in usage[g] for m in MONTHS),
            "%s forwarded in both months: %s" % (g, usage[g]))
carry = {g: 0 for g in gws}   # December grants a gateway had not used by the switch
for m in MONTHS:
    used = sum(usage[g].get(("shared", m), 0) for g in gws)
    got = {g: cl.granted(g, "shared", "AND month = %d" % m) for g in gws}
    print("month %d: forwarded %d (%s), granted %s" % (
        m, used, {g: usage[g].get(("shared", m), 0) for g in gws}, got))
    F.check(pools.get(m) == (QUOTA, sum(got.values())) and sum(got.values()) <= QUOTA,
            "month %d: pool %s, grants %s: expected a pool of Q, its grants within it" % (
                m, pools.get(m), got))
    # Packets of the new month that a worker forwards before the control
    # plane starts the new quota period (one fold) still draw on the old
    # month's reservation (CLUSTER.md, Bounds): what a gateway had left
    # of December may pass January traffic, never more.
    F.check(used <= QUOTA + 2 * workers * FRAME + sum(carry.values()),
            "month %d: the gateways forwarded %d > Q + 2 x %d x %d + carried %d" % (
                m, used, workers, FRAME, sum(carry.values())))
    F.check(view.get(m) == used, "month %d: xb_usage_by_tenant %s != usage files %d" % (
        m, view.get(m), used))
    for g in gws:
        mine = usage[g].get(("shared", m), 0)
        F.check(mine <= got[g] + carry[g] + workers * FRAME,
                "%s forwarded %d in %d > granted %d + carried %d" % (g, mine, m, got[g], carry[g]))
        carry[g] = max(0, got[g] + carry[g] - mine)
for g in gws:
    total = sum(usage[g].values())
    F.check(total <= cl.granted(g, "shared") + workers * FRAME,
            "%s forwarded %d in both months > its grants" % (g, total))
pg.stop("fast")
F.exit()
