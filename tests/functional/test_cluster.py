#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Several gateways as one channel (issue 18), against a real PostgreSQL
15 started here (pgtest.py):

- --cluster-init: applies config/cluster.sql, twice without harm (exit
  0); no [cluster] section is a config error (1); an unreachable server
  a runtime failure (3).
- Three gateways share a 1 GB block tenant; two carry its traffic, one of
  them with a tenants.csv that differs (a comment): the quota is cut
  within Q + gateways x workers x 1514 and no lower than Q minus what
  sits in the other gateways' last grants; every gateway forwarded at
  most what PostgreSQL granted it (+ one frame per worker); the mismatch
  is reported.  The third gateway is killed (-9) mid-run and restarted:
  its old reservation is closed, and after all stop the ledger equals
  every gateway's usage files exactly.
- PostgreSQL stopped (-m immediate) and started again during a run: the
  gateway reports it unreachable and back, the terminate tenant stays
  within what was granted, the continue tenant within grants plus its
  allowance, and the ledger reconciles exactly.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

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

TABLES = {
    "tenants": "tenant,name,class,quota_gb,over_quota\n"
               "blocked,Blocked Co,sme,1,block\nbig,Big Co,enterprise,1,block\n"
               "free,Free Co,sme,0,notify\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,blocked\n10.2.0.0/16,free\n10.3.0.0/16,big\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,*,*,*,*,*\n",
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
}


def gateway_conf(name, dsn=None, tables=TABLES, extra=""):
    return cl.conf(name, tables, cluster_keys=(
        "grant_max = %d\non_unreachable = sme:terminate,enterprise:continue:50000000"
        % GRANT_MAX), extra=extra, dsn=dsn)


def capture(name, t0, prefixes, n=1000):
    return clustertest.capture(os.path.join(tmp, name), t0, prefixes, n)


files_usage = clustertest.files_usage
ledger = cl.ledger
granted = cl.granted


def tenant_bytes(state, tenant):
    return sum(b for (t, _), b in files_usage(state).items() if t == tenant)


# --- --cluster-init -----------------------------------------------------
conf1, state1 = gateway_conf("gw1", pg.dsn)
for i in range(2):
    p = xbtest.run_xbgw(["-c", conf1, "--cluster-init"], check=False)
    F.check(p.returncode == 0, "--cluster-init #%d: exit %d: %s" % (i + 1, p.returncode, p.stderr))
F.check(pg.sql("SELECT count(*) FROM xb_schema") == "1", "schema version recorded once")
plain, _ = xbtest.own_config(TABLES)
p = xbtest.run_xbgw(["-c", plain, "--cluster-init"], check=False)
F.check(p.returncode == 1 and "no [cluster]" in p.stderr,
        "--cluster-init without [cluster]: exit %d %s" % (p.returncode, p.stderr))
bad, _ = gateway_conf("gwx", "host=%s/nowhere dbname=postgres user=xbgw" % tmp)
p = xbtest.run_xbgw(["-c", bad, "--cluster-init"], check=False)
F.check(p.returncode == 3 and "cannot connect" in p.stderr,
        "--cluster-init, server unreachable: exit %d %s" % (p.returncode, p.stderr))

# --- three gateways, a shared quota, a kill -9, a ruleset mismatch -----
# gw1 and gw2 offer 3 GB of the blocked tenant against its 1 GB: both go
# on long after the pool is spent, so their reservations are used up
# (a replay that ended first would leave them unused: an undershoot
# the bound below does not allow).
T0 = 1800000000 * 10**9
cap_both = capture("both.pcap", T0, ["10.1.0", "10.2.0"])
cap_free = capture("free.pcap", T0, ["10.2.0"])
other_tables = dict(TABLES, tenants=TABLES["tenants"] + "# edited on gw2 only\n")
conf2, state2 = gateway_conf("gw2", pg.dsn, other_tables)
conf3, state3 = gateway_conf("gw3", pg.dsn)
g1 = cl.start("gw1", conf1, cap_both, ["--loops", "1000"])
g2 = cl.start("gw2", conf2, cap_both, ["--loops", "1000"])
g3 = cl.start("gw3", conf3, cap_free, ["--duration", "60"])
# Killed once it holds something of the cluster (a grant).
cl.wait_sql("SELECT count(*) FROM xb_grants WHERE gateway = 'gw3'", lambda o: o not in ("", "0"),
            "gw3's first grant", timeout=40, watch=[g3])
time.sleep(1)
g3.kill(signal.SIGKILL)
g3 = cl.start("gw3", conf3, cap_free, ["--loops", "200"])
outs = {}
for name, g in (("gw1", g1), ("gw2", g2), ("gw3", g3)):
    outs[name] = g.finish(timeout=80)
docs = {g.name: g.doc() for g in (g1, g2, g3)}
workers = max(len(d["workers"]) for d in docs.values())
blocked = tenant_bytes(state1, "blocked") + tenant_bytes(state2, "blocked")
print("blocked tenant: gw1 %d + gw2 %d = %d bytes" % (
    tenant_bytes(state1, "blocked"), tenant_bytes(state2, "blocked"), blocked))
F.check(blocked <= QUOTA + 3 * workers * FRAME,
        "shared quota overshoot: %d > %d + 3 gateways x %d workers x %d" % (blocked, QUOTA, workers, FRAME))
F.check(blocked >= QUOTA - 3 * GRANT_MAX,
        "shared quota undershoot: %d < %d - 3 x %d" % (blocked, QUOTA, GRANT_MAX))
F.check(pg.sql("SELECT granted_bytes FROM xb_pools WHERE tenant = 'blocked'") == str(QUOTA),
        "the pool is handed out exactly: %s" % pg.sql("SELECT * FROM xb_pools"))
for name, state in (("gw1", state1), ("gw2", state2)):
    F.check(tenant_bytes(state, "blocked") <= granted(name, "blocked") + workers * FRAME,
            "%s forwarded %d > granted %d" % (name, tenant_bytes(state, "blocked"),
                                              granted(name, "blocked")))
F.check("blocked reached its monthly quota" in outs["gw1"] + outs["gw2"], "crossing reported")
for name, state in (("gw1", state1), ("gw2", state2), ("gw3", state3)):
    fu, lu = files_usage(state), ledger(name)
    F.check(fu == lu and fu, "%s: ledger %s != usage files %s" % (name, lu, fu))
F.check(pg.sql("SELECT count(*) FROM xb_reservations WHERE gateway = 'gw3' AND epoch = 1 "
               "AND state = 'closed' AND unreported IS NOT NULL") != "0" and
        pg.sql("SELECT count(*) FROM xb_reservations WHERE gateway = 'gw3' AND epoch = 1 "
               "AND state = 'open'") == "0",
        "gw3's first epoch closed: %s" % pg.sql("SELECT * FROM xb_reservations WHERE gateway = 'gw3'"))
F.check(pg.sql("SELECT epoch FROM xb_gateways WHERE gateway = 'gw3'") == "2",
        "gw3 restarted as epoch 2: %s" % pg.sql("SELECT * FROM xb_gateways"))
F.check("runs another ruleset" in outs["gw1"] and "runs another ruleset" in outs["gw2"],
        "ruleset mismatch reported by gw1 and gw2:\n%s\n%s" % (outs["gw1"][-600:], outs["gw2"][-600:]))
ev = xbtest.read_jsonl(os.path.join(state1, "events.jsonl"))
F.check(any(e.get("type") == "ruleset_mismatch" or e.get("event") == "ruleset_mismatch" for e in ev),
        "ruleset_mismatch event in gw1's log")

# --- /xbgw/cluster: this gateway's view (telemetry) ----------------------
prom_port = xbtest.free_port()
conf4, state4 = gateway_conf("gw4", pg.dsn, extra="[prometheus]\nlisten = 127.0.0.1:%d\n" % prom_port)
g4 = cl.start("gw4", conf4, cap_both, ["--duration", "30"])
sock = g4.socket()
cl.wait_sql("SELECT count(*) FROM xb_grants WHERE gateway = 'gw4'", lambda o: o not in ("", "0"),
            "gw4's first grant", timeout=30, watch=[g4])
view, page2, bad, scrape = {}, {}, None, None
deadline = time.time() + 20
while time.time() < deadline and g4.proc.poll() is None:
    try:
        view = xbtest.telemetry(sock, "/xbgw/cluster")[1]["/xbgw/cluster"]
        # Four gateways, a tenant, and a first checkpoint shipped (1 s).
        if view.get("gateways", 0) >= 4 and any(k.startswith("tenant_") for k in view) and \
                view.get("ledger_seq", 0) > 0:
            page2 = xbtest.telemetry(sock, "/xbgw/cluster,tenants=1")[1]["/xbgw/cluster"]
            bad = xbtest.telemetry(sock, "/xbgw/cluster,tenants=x")[1]
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % prom_port, timeout=10) as r:
                scrape = r.read().decode()
            # The operator's view of the same: xbgwctl cluster.
            ctl = [sys.executable, os.path.join(xbtest.SRC, "scripts", "xbgwctl"), "-p", g4.prefix, "cluster"]
            ctl_text = subprocess.run(ctl, capture_output=True, text=True, timeout=30)
            ctl_json = subprocess.run(ctl + ["--json"], capture_output=True, text=True, timeout=30)
            break
    except (OSError, ValueError, KeyError):
        pass
    time.sleep(0.3)
if scrape is None:
    cl.die("gw4's /xbgw/cluster never showed 4 gateways, a tenant and a checkpoint shipped "
           "within 20 s (last: %s)" % view)
g4.proc.send_signal(signal.SIGINT)
g4.finish(timeout=60)
print("/xbgw/cluster:", view)
F.check(view.get("enabled") == 1 and view.get("gateway") == "gw4" and view.get("reachable") == 1 and
        view.get("epoch") == 1 and view.get("dsn_host") == pg.dir and len(view.get("ruleset_sha256", "")) == 64,
        "/xbgw/cluster scalars: %s" % view)
gws = {v["gateway"]: v for k, v in view.items() if k.startswith("gw_")}
F.check(set(gws) == {"gw1", "gw2", "gw3", "gw4"} and len(gws) == view.get("gateways"),
        "/xbgw/cluster gateways: %s" % sorted(gws))
F.check(gws.get("gw2", {}).get("mismatch") == 1 and gws.get("gw1", {}).get("mismatch") == 0 and
        gws.get("gw4", {}).get("ruleset_sha256") == view.get("ruleset_sha256"),
        "/xbgw/cluster: gw2's other ruleset flagged: %s" % gws)
F.check(gws.get("gw3", {}).get("epoch") == 2 and gws.get("gw4", {}).get("last_seen", 0) > 0,
        "/xbgw/cluster: epochs and last_seen: %s" % gws)
tenants = {v["tenant"]: v for k, v in view.items() if k.startswith("tenant_")}
F.check(set(tenants) == {"blocked", "big"} and view.get("tenants") == 2,
        "/xbgw/cluster tenants (those with a quota): %s" % tenants)
F.check(tenants.get("blocked", {}).get("pool_left") == 0 and
        tenants.get("blocked", {}).get("month") == 202701,
        "/xbgw/cluster: blocked's pool spent in 2027-01: %s" % tenants.get("blocked"))
F.check([k for k in page2 if k.startswith("tenant_")] == ["tenant_2"] and
        page2.get("tenants_offset") == 1 and page2.get("tenants_next") == 0,
        "/xbgw/cluster,tenants=1: one page from the second tenant: %s" % page2)
F.check(bad is not None and bad.get("/xbgw/cluster") is None,
        "/xbgw/cluster,tenants=x refused: %s" % bad)
# xbgwctl cluster: every gateway in a table, gw2's mismatch flagged, both
# tenants (the pages joined), and --json the same view with every tenant.
out = ctl_text.stdout
rows = {l.split()[0]: l for l in out.splitlines() if l.split() and l.split()[0] in ("gw1", "gw2", "gw3", "gw4")}
F.check(ctl_text.returncode == 0 and set(rows) == {"gw1", "gw2", "gw3", "gw4"} and
        "MISMATCH" in rows.get("gw2", "") and "MISMATCH" not in rows.get("gw1", "") and
        "reachable" in out and re.search(r"^blocked\s+2027-01\s+0 B", out, re.M) is not None and
        re.search(r"^big\s+2027-0[12]", out, re.M) is not None,
        "xbgwctl cluster (exit %d):\n%s%s" % (ctl_text.returncode, out, ctl_text.stderr))
cj = json.loads(ctl_json.stdout or "{}")
print(out)
F.check(ctl_json.returncode == 0 and cj.get("gateway") == "gw4" and
        {v["tenant"] for k, v in cj.items() if k.startswith("tenant_")} == {"blocked", "big"} and
        cj.get("tenants_next") == 0,
        "xbgwctl cluster --json: %s" % ctl_json.stdout[:2000])

# --- the same, scraped (Prometheus) -------------------------------------
metrics = {}
for line in scrape.splitlines():
    if line and not line.startswith("#"):
        k, v = line.rsplit(" ", 1)
        metrics[k] = float(v)
print("cluster metrics:", {k: v for k, v in metrics.items() if k.startswith("xbgw_cluster")})
# Every cluster metric the shipped alert rules and dashboard name is served.
mon = os.path.join(xbtest.SRC, "scripts")
named = set(re.findall(r"\b(xbgw_cluster_[a-z0-9_]+)",
                       open(os.path.join(mon, "prometheus", "xbgw-alerts.yml")).read() +
                       open(os.path.join(mon, "grafana", "xbgw-dashboard.json")).read()))
served = set(re.findall(r"^# TYPE (\S+) ", scrape, re.M))
F.check(len(named) >= 3 and named <= served,
        "cluster metrics named by the alerts/dashboard but not served: %s" % (named - served))
F.check(metrics.get("xbgw_cluster_reachable") == 1 and metrics.get("xbgw_cluster_gateways") == 4 and
        metrics.get("xbgw_cluster_epoch") == 1 and metrics.get("xbgw_cluster_ruleset_mismatch") == 1 and
        metrics.get("xbgw_cluster_unreachable_total") == 0,
        "cluster gauges: %s" % {k: v for k, v in metrics.items() if k.startswith("xbgw_cluster")})
gw4_grants = pg.sql("SELECT count(*), COALESCE(sum(granted), 0) FROM xb_grants WHERE gateway = 'gw4'").split("|")
F.check(0 < metrics.get("xbgw_cluster_grants_total", 0) <= int(gw4_grants[0]) and
        0 < metrics.get("xbgw_cluster_granted_bytes_total", 0) <= int(gw4_grants[1]),
        "grants scraped %s vs PostgreSQL's %s" % (
            (metrics.get("xbgw_cluster_grants_total"), metrics.get("xbgw_cluster_granted_bytes_total")), gw4_grants))
F.check(metrics.get("xbgw_cluster_ledger_checkpoints_total", 0) >= 1 and
        metrics.get("xbgw_cluster_ledger_lag_seconds", 99) < 5,
        "ledger shipped, lag small: %s %s" % (metrics.get("xbgw_cluster_ledger_checkpoints_total"),
                                             metrics.get("xbgw_cluster_ledger_lag_seconds")))
# No metered qos row here: meters set once (to the floor, before the
# ruleset was published), nothing to ask PostgreSQL for.
F.check(metrics.get("xbgw_cluster_meter_rescales_total") == 1 and
        metrics.get("xbgw_cluster_meter_share_rounds_total") == 0,
        "meter share metrics: %s %s" % (metrics.get("xbgw_cluster_meter_rescales_total"),
                                        metrics.get("xbgw_cluster_meter_share_rounds_total")))
F.check(metrics.get('xbgw_cluster_reserved_bytes{tenant="big"}') == tenants.get("big", {}).get("reserved_here") and
        metrics.get('xbgw_cluster_pool_left_bytes{tenant="blocked"}') == 0,
        "per-tenant gauges: %s" % {k: v for k, v in metrics.items() if "tenant=" in k and "cluster" in k})
promtool = shutil.which("promtool")
if promtool:
    p = subprocess.run([promtool, "check", "metrics"], input=scrape, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    F.check(p.returncode == 0, "promtool check metrics: %s%s" % (p.stdout, p.stderr))

pg.stop("fast")
F.exit()
