#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Several gateways as one channel (issue 18): PostgreSQL stopped
(`pg_ctl stop -m immediate`) and started again while a gateway forwards,
against a real PostgreSQL 15 started here (pgtest.py).

One gateway, two tenants with quotas large enough not to run out: `blocked`
(class sme: on_unreachable terminate) and `big` (enterprise: continue with
a 50 MB allowance).  The replay runs for a fixed wall time (--duration),
long enough that PostgreSQL is back well before it ends.  Checked:
- the gateway reports the outage and the return (log lines and the
  cluster_unreachable / cluster_reachable events);
- the terminate tenant forwarded no more than PostgreSQL granted it (+ one
  frame per worker): it stopped at its reservation while PostgreSQL was
  away; the continue tenant no more than its grants plus its allowance,
  and the allowance was registered once, as a forced grant, afterwards;
- both tenants got grants again after the return and forwarded more than
  they held before it (service resumes; a lost or misapplied answer
  would leave a tenant refused);
- the ledger equals the usage files exactly.
"""
import os
import time

import clustertest
import pgtest
import xbtest

F = xbtest.begin()
if not pgtest.available():
    xbtest.skip("PostgreSQL 15 not installed (scripts/install-deps.sh installs postgresql-15)")
tmp = xbtest.tmpdir("cluster")
pg = pgtest.Postgres(tmp)
cl = clustertest.Cluster(F, tmp, pg)
FRAME = clustertest.FRAME
GRANT_MAX = 20 * 10**6

TABLES = {
    "tenants": "tenant,name,class,quota_gb,over_quota\n"
               "blocked,Blocked Co,sme,1000,block\nbig,Big Co,enterprise,1000,block\n"
               "free,Free Co,sme,0,notify\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,blocked\n10.2.0.0/16,free\n10.3.0.0/16,big\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,*,*,*,*,*\n",
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
}
files_usage = clustertest.files_usage
ledger = cl.ledger
granted = cl.granted


def gateway_conf(name):
    return cl.conf(name, TABLES, cluster_keys=(
        "grant_max = %d\non_unreachable = sme:terminate,enterprise:continue:50000000"
        % GRANT_MAX))


conf1, state1 = gateway_conf("gw1")
p = xbtest.run_xbgw(["-c", conf1, "--cluster-init"], check=False)
F.check(p.returncode == 0, "--cluster-init: exit %d: %s" % (p.returncode, p.stderr))
T1 = 1803000000 * 10**9
cap_out = clustertest.capture(os.path.join(tmp, "outage.pcap"), T1, ["10.1.0", "10.3.0"])
g1 = cl.start("gw1", conf1, cap_out, ["--duration", "25"])
# Stopped once both tenants hold grants and have used some of them.
cl.wait_sql("SELECT count(DISTINCT tenant) FROM xb_grants WHERE gateway = 'gw1' "
            "AND granted > 0 AND seq > 4", lambda o: o == "2", "grants of both tenants",
            timeout=30, watch=[g1])
time.sleep(1)
before = {t: granted("gw1", t) for t in ("blocked", "big")}
pg.stop("immediate")
time.sleep(3)
pg.start()
back = cl.sql("SELECT max(seq) FROM xb_grants WHERE gateway = 'gw1'")
err = g1.finish(timeout=60)
F.check("PostgreSQL unreachable" in err and "reachable again" in err,
        "outage reported:\n%s" % err[-1500:])
ev = [e.get("type") or e.get("event") for e in
      xbtest.read_jsonl(os.path.join(state1, "events.jsonl"))]
F.check("cluster_unreachable" in ev and "cluster_reachable" in ev,
        "outage events: %s" % ev)
doc = g1.doc()
workers = len(doc["workers"])
usage = files_usage(state1)
for tenant, allowance in (("blocked", 0), ("big", 50000000)):
    used = sum(b for (t, m), b in usage.items() if t == tenant)
    got = granted("gw1", tenant)
    forced = int(pg.sql("SELECT COALESCE(sum(granted), 0) FROM xb_grants WHERE gateway = 'gw1' "
                        "AND tenant = '%s' AND forced" % tenant))
    after = int(pg.sql("SELECT count(*) FROM xb_grants WHERE gateway = 'gw1' AND tenant = '%s' "
                       "AND seq > %s AND NOT forced AND granted > 0" % (tenant, back)))
    print("%s: used %d, granted %d (forced %d; %d before the outage; %d grants after)" % (
        tenant, used, got, forced, before[tenant], after))
    F.check(used <= got + workers * FRAME, "%s used %d > granted %d + %d x %d" % (
        tenant, used, got, workers, FRAME))
    F.check(forced == allowance, "%s: allowance registered %d, expected %d" % (
        tenant, forced, allowance))
    F.check(after > 0 and used > before[tenant] + allowance,
            "%s: no service after the outage (used %d, held %d before, %d grants after)" % (
                tenant, used, before[tenant], after))
lu = ledger("gw1")
F.check(usage == lu and usage, "gw1 ledger after the outage: %s != usage files %s" % (lu, usage))
pg.stop("fast")
F.exit()
