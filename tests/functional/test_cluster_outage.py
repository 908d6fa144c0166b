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
import csv
import glob
import os
import time

import pcapgen
import pgtest
import xbtest

F = xbtest.begin()
if not pgtest.available():
    xbtest.skip("PostgreSQL 15 not installed (scripts/install-deps.sh installs postgresql-15)")
tmp = xbtest.tmpdir("cluster")
pg = pgtest.Postgres(tmp)
FRAME = 1514
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


def gateway_conf(name, dsn, tables=TABLES, extra=""):
    state = os.path.join(tmp, "state-" + name)
    return xbtest.own_config(tables, extra=(
        "[state]\ndir = %s\n[events]\nfile = %s/events.jsonl\n"
        "[cluster]\ndsn = %s\ngateway = %s\ngrant_max = %d\n"
        "on_unreachable = sme:terminate,enterprise:continue:50000000\n%s"
        % (state, state, dsn, name, GRANT_MAX, extra)))[0], state


def capture(name, t0, prefixes, n=1000):
    frames = []
    for i in range(n):
        for k, p in enumerate(prefixes):
            frames.append((t0 + i * 1000 + k * 100,
                           pcapgen.udp_frame("%s.%d" % (p, 1 + i % 200), "8.8.8.8",
                                             1000 + i, 443, size=FRAME)))
    return pcapgen.write_pcap(os.path.join(tmp, name), frames)


def start(conf, cap, args):
    stats = os.path.join(tmp, "stats-%d.json" % time.monotonic_ns())
    p = xbtest.spawn_xbgw(["-c", conf, "--replay", cap, "--no-progress", "--clock", "capture",
                           "--stats-json", stats] + args)
    return p, stats


def files_usage(state):
    """{(tenant, month): bytes} of a gateway's usage files."""
    out = {}
    for path in glob.glob(os.path.join(state, "usage-*.csv")):
        with open(path) as f:
            for row in csv.reader(l for l in f if not l.startswith("#")):
                if row[0] == "month":
                    continue
                key = (row[1], int(row[0].replace("-", "")))
                out[key] = out.get(key, 0) + int(row[6])
    return out


def ledger(gateway):
    rows = pg.sql("SELECT tenant, month, sum(bytes) FROM xb_ledger WHERE gateway = '%s' "
                  "GROUP BY tenant, month" % gateway)
    return {(t, int(m)): int(b) for t, m, b in (l.split("|") for l in rows.splitlines() if l)}


def granted(gateway, tenant):
    return int(pg.sql("SELECT COALESCE(sum(granted), 0) FROM xb_grants WHERE gateway = '%s' "
                      "AND tenant = '%s'" % (gateway, tenant)))


conf1, state1 = gateway_conf("gw1", pg.dsn)
p = xbtest.run_xbgw(["-c", conf1, "--cluster-init"], check=False)
F.check(p.returncode == 0, "--cluster-init: exit %d: %s" % (p.returncode, p.stderr))
T1 = 1803000000 * 10**9
cap_out = capture("outage.pcap", T1, ["10.1.0", "10.3.0"])
g1, s1 = start(conf1, cap_out, ["--duration", "25"])
# Stopped once both tenants hold grants and have used some of them.
pg.wait_sql("SELECT count(DISTINCT tenant) FROM xb_grants WHERE gateway = 'gw1' "
            "AND granted > 0 AND seq > 4", lambda o: o == "2", timeout=30)
time.sleep(1)
before = {t: granted("gw1", t) for t in ("blocked", "big")}
pg.stop("immediate")
time.sleep(3)
pg.start()
back = pg.sql("SELECT max(seq) FROM xb_grants WHERE gateway = 'gw1'")
out, err = g1.communicate(timeout=120)
F.check(g1.returncode == 0, "gw1 exit %d:\n%s" % (g1.returncode, err[-1500:]))
F.check("PostgreSQL unreachable" in err and "reachable again" in err,
        "outage reported:\n%s" % err[-1500:])
ev = [e.get("type") or e.get("event") for e in
      xbtest.read_jsonl(os.path.join(state1, "events.jsonl"))]
F.check("cluster_unreachable" in ev and "cluster_reachable" in ev,
        "outage events: %s" % ev)
doc = xbtest.read_json(s1)
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
