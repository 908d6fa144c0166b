#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Aggregate meters across gateways (issue 18; app/ctl/CLUSTER.md "Meter
shares"), against a real PostgreSQL 15 started here (pgtest.py).

One tenant, one metered qos row (PIR 80 Mbit/s = 10 MB/s, PBS 2 MB),
gateways replaying as fast as they can (offered: hundreds of MB/s, so
the meter decides), under --clock wall: meters and the share exchange
then run on one clock, so the bound is one of wall time and does not
depend on how fast each replay goes.  (Under --clock capture each
gateway's meter runs on its own capture clock, which advances at its
replay's speed, while shares follow wall time: no common time to state
a bound in.)

- One gateway alone: it reaches nearly the whole rate (it starts at the
  floor share and gets the rest at its first answer).
- Two gateways driven hard at once, one of them reloading its tables
  (SIGHUP) midway: together they pass no more than the row's PIR x the
  time traffic flowed (first to last packet, from the flow logs) + PBS
  + the slack CLUSTER.md states (each gateway's floor until its first
  answer); without shares they would pass twice that.  The shares
  PostgreSQL holds never sum above 10^6 ppm while they run, each gateway
  rescaled its meters and freed the replaced profile arrays after the
  grace period, and a gateway that stops gives its shares back.
"""
import os
import signal
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

PIR_KBPS = 80000
RATE = PIR_KBPS * 1000 // 8          # bytes/s
PBS = 2000000                         # 200 ms of the rate: absorbs a worker descheduled on the shared core
FLOOR = 0.05                          # XB_SHARES_FLOOR_PPM / 10^6
TABLES = {
    "tenants": "tenant,name,class,quota_gb,over_quota\nmetered,Metered Co,sme,0,notify\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,metered\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,%d,%d,%d,%d,*\n" % (PIR_KBPS // 2, PBS, PIR_KBPS, PBS),
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
}
cap = clustertest.capture(os.path.join(tmp, "metered.pcap"), 1800000000 * 10**9, ["10.1.0"],
                          n=400)


def run(name, duration):
    conf, state = cl.conf(name, TABLES)
    flows = os.path.join(tmp, "flows-%s.jsonl" % name)
    g = cl.start(name, conf, cap, ["--duration", str(duration), "--flow-log", flows],
                 clock="wall")
    return g, state, flows


def passed(g):
    """Bytes the gateway passed (green + yellow: all it forwarded, the
    row is the tenant's only one), and how many packets it passed and
    its meter dropped (red)."""
    doc = g.doc()
    return (doc["bytes"]["tx"],
            doc["packets"]["tx"] and doc["packets"]["drop"].get("meter_red", 0) / doc["packets"]["tx"])


def traffic_span(*flow_logs):
    """Wall seconds from the first packet to the last of all the logs."""
    first, last = None, None
    for path in flow_logs:
        for r in xbtest.read_jsonl(path):
            first = r["first_ns"] if first is None else min(first, r["first_ns"])
            last = r["last_ns"] if last is None else max(last, r["last_ns"])
    return (last - first) / 1e9


conf0, _ = cl.conf("init", TABLES)
p = xbtest.run_xbgw(["-c", conf0, "--cluster-init"], check=False)
if p.returncode != 0:
    cl.die("--cluster-init: exit %d: %s" % (p.returncode, p.stderr))

# --- one gateway alone: nearly the whole rate ----------------------------
ga, _, flows_a = run("gwa", 6)
ga.finish(timeout=60)
tx, red = passed(ga)
span = traffic_span(flows_a)
print("alone: passed %d bytes in %.2f s = %.2f of the rate (%.1f red per passed)" % (
    tx, span, tx / (RATE * span), red))
F.check(red > 10, "the meter decided: %.1f red packets per packet passed" % red)
F.check(tx <= RATE * span + PBS, "alone: %d > rate x %.2f s + PBS" % (tx, span))
F.check(tx >= 0.75 * RATE * span, "alone: %d < 0.75 x rate x %.2f s: the share did not grow" % (tx, span))
F.check(cl.sql("SELECT count(*) FROM xb_meter_demand WHERE gateway = 'gwa'") == "0",
        "gwa gave its shares back at stop: %s" % cl.sql("SELECT * FROM xb_meter_demand"))

# --- two gateways driven hard: the row's rate for both together ----------
ga, _, flows_a = run("gwa", 10)
gb, _, flows_b = run("gwb", 10)
cl.wait_sql("SELECT count(DISTINCT gateway) FROM xb_meter_demand", lambda o: o == "2",
            "both gateways' meter rows", timeout=30, watch=[ga, gb])
sums, stats, shares = [], {}, ""
deadline = time.time() + 7
reloaded = False
while time.time() < deadline and ga.proc.poll() is None and gb.proc.poll() is None:
    sums.append(int(cl.sql("SELECT max(held) FROM (SELECT sum(GREATEST(share_ppm, applied_ppm)) "
                           "AS held FROM xb_meter_demand GROUP BY meter) m")))
    shares = cl.sql("SELECT gateway, meter, bytes_per_s, share_ppm, applied_ppm "
                    "FROM xb_meter_demand ORDER BY meter, gateway") or shares
    if not reloaded and len(sums) >= 5:
        ga.proc.send_signal(signal.SIGHUP)   # the new ruleset keeps the shares
        reloaded = True
    for g in (ga, gb):
        try:
            st = xbtest.telemetry(g.socket(), "/xbgw/cluster")[1]["/xbgw/cluster"]
            # None while a reload holds the control lock; disabled at stop
            if isinstance(st, dict) and st.get("enabled") == 1:
                stats[g.name] = st
        except (OSError, ValueError, KeyError):
            pass
    time.sleep(0.3)
errs = {g.name: g.finish(timeout=60) for g in (ga, gb)}
(txa, reda), (txb, redb) = passed(ga), passed(gb)
span = traffic_span(flows_a, flows_b)
slack = 2 * FLOOR * RATE * 1.0 + PBS    # each gateway's floor for up to 1 s, a burst each
bound = RATE * span + PBS + slack
print("both: gwa %d + gwb %d = %d bytes in %.2f s = %.2f of the rate; bound %d" % (
    txa, txb, txa + txb, span, (txa + txb) / (RATE * span), bound))
print("shares held (largest sum over a meter, ppm) while both ran:", sums)
print("rows near the end:", shares.replace("\n", "; "))
print("share counters:", {n: {k: v for k, v in s.items() if k.startswith("share_")}
                          for n, s in stats.items()})
F.check(reda > 10 and redb > 10, "both driven hard: %.1f, %.1f red per passed" % (reda, redb))
F.check(txa + txb <= bound, "two gateways passed %d > rate x %.2f s + PBS + slack = %d" % (
    txa + txb, span, bound))
F.check(txa + txb >= 0.6 * RATE * span, "two gateways passed %d, under 0.6 x rate x %.2f s" % (
    txa + txb, span))
F.check(min(txa, txb) >= 0.15 * RATE * span, "both got a share: %d, %d" % (txa, txb))
F.check(len(sums) >= 5 and max(sums) <= 1000000, "shares held sum above 10^6: %s" % sums)
F.check("ruleset generation 2 active" in errs["gwa"],
        "gwa reloaded on SIGHUP:\n%s" % errs["gwa"][-800:])
for name in ("gwa", "gwb"):
    s = stats.get(name, {})
    F.check(s.get("share_answers", 0) >= 5 and s.get("share_rescales", 0) >= 2 and
            s.get("share_arrays_freed", 0) >= 1,
            "%s: shares answered, applied, replaced arrays freed: %s" % (name, s))
F.check(cl.sql("SELECT count(*) FROM xb_meter_demand") == "0",
        "shares given back at stop: %s" % cl.sql("SELECT * FROM xb_meter_demand"))
pg.stop("fast")
F.exit()
