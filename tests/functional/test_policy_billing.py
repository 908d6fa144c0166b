#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Policy and billing through the real binary with --clock capture.

The test owns its tables: a negative-list category with an approval that
expires during the capture, a deny row, a DSCP remark, bands that split the
day, prices per class and country group.  The capture's timestamps cross
the approval's expiry, both bands and a month boundary.  Checked exactly:
drops by reason, DSCP of every forwarded frame, and every usage record
(packets, bytes, charge) against a computation made here; then usage
records survive a restart (resumed, never counted twice), and a corrupted
record file falls back to the previous checkpoint."""
import datetime
import os

import georef
import pcapgen
import xbtest

F = xbtest.begin()
REPO_CONF = xbtest.REPO_CONF
GEO = ("world-ipv4.csv", "world-ipv6.csv", "delegated-apnic-asean.txt")
geo_files = [os.path.join(REPO_CONF, "geo", g) for g in GEO]
conf, tmp = xbtest.own_config({
    "tenants": "tenant,name,class,quota_gb,over_quota\n"
               "ent,Enterprise One,enterprise,0,notify\n"
               "sme,Small One,sme,0,notify\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,ent\n10.2.0.0/16,sme\n",
    "categories": "category,name,list\nfin,Finance,negative\n"
                  "web,Web,general\nbad,Forbidden,general\n",
    "approvals": "tenant,category,country,expires\nent,fin,ASEAN,2026-06-30\n",
    "category_rules": "priority,category,proto,src,dst,sport,dport,dscp\n"
                      "10,fin,udp,*,*,*,7000,*\n10,bad,udp,*,*,*,6666,*\n1,web,*,*,*,*,*,*\n",
    "domains": "pattern,category\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,bad,*,deny,0,*,*,*,*,*\n"
           "SG,*,*,channel,1,*,*,*,*,46\n"
           "*,*,*,public,0,*,*,*,*,*\n",
    "bands": "band,start,end\npeak,08:00,20:00\noffpeak,20:00,08:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n"
      "*,*,*,*,3,USD\n"
      "enterprise,*,*,*,1.1,USD\n"
      "enterprise,ASEAN,*,peak,2.123456,USD\n"
      "sme,*,*,*,0.5,USD\n",
}, geo=GEO, extra="[tariff]\nutc_offset = +08:00\n[state]\ndir = state\n[events]\nfile = events.jsonl\n")
state = os.path.join(tmp, "state")

# Addresses whose country the geo tables give.
countries = georef.load_countries(os.path.join(REPO_CONF, "countries.csv"))
geo = georef.load_geo(geo_files, countries)
SG, TH = "8.128.0.1", None
for plen, nets in sorted(geo[4].items()):
    for net, cc in nets.items():
        addr = str(georef.ipaddress.IPv4Address(net + 1))
        if cc == "SG" and georef.lookup(geo, addr) == "SG" and SG == "8.128.0.1":
            SG = addr
        if cc == "TH" and georef.lookup(geo, addr) == "TH" and TH is None:
            TH = addr
assert georef.lookup(geo, SG) == "SG" and georef.lookup(geo, TH) == "TH"

TZ = datetime.timezone(datetime.timedelta(hours=8))


def ts(y, mo, d, h, mi):
    return int(datetime.datetime(y, mo, d, h, mi, tzinfo=TZ).timestamp()) * 10**9


# (time, src, dst, dport, size)
times = [ts(2026, 6, 30, 10, 0), ts(2026, 6, 30, 22, 0),
         ts(2026, 7, 1, 7, 59), ts(2026, 7, 1, 9, 0)]
plan = []
for i, t in enumerate(times):
    for k in range(5):
        at = t + k * 1000
        plan.append((at, "10.1.0.5", SG, 7000, 200 + 10 * k))   # ent fin SG
        plan.append((at, "10.2.0.5", SG, 7000, 300))             # sme fin SG
        plan.append((at, "10.1.0.6", TH, 80, 500 + k))           # ent web TH
        plan.append((at, "10.2.0.6", SG, 443, 700))              # sme web SG
        plan.append((at, "10.1.0.7", TH, 6666, 100))             # deny
# A flow in use while its approval expires (2026-06-30 24:00 UTC, 08:00
# local): a packet every 10 s from 07:59:00 to 08:00:50 local.
for k in range(12):
    plan.append((ts(2026, 7, 1, 7, 59) + k * 10 * 10**9, "10.1.0.8", SG, 7000, 400))
plan.sort(key=lambda x: x[0])
frames = [(at, pcapgen.udp_frame(s, d, 40000 if s != "10.1.0.8" else 40001, dp, size=sz))
          for at, s, d, dp, sz in plan]
cap = pcapgen.write_pcap(os.path.join(tmp, "policy.pcap"), frames)

# Expected results, computed here.
approval_end = int(datetime.datetime(2026, 6, 30, 23, 59, 59, 999999,
                                     tzinfo=datetime.timezone.utc).timestamp() * 10**9) + 999
prices = {("enterprise", "ASEAN", "peak"): 2123456}
exp_drop = {"negative_list": 0, "policy_deny": 0}
exp_usage = {}
exp_dscp = []
for at, s, d, dp, sz in plan:
    tenant = "ent" if s.startswith("10.1.") else "sme"
    cls = "enterprise" if tenant == "ent" else "sme"
    cc = "SG" if d == SG else "TH"
    cat = {7000: "fin", 6666: "bad"}.get(dp, "web")
    if cat == "bad":
        exp_drop["policy_deny"] += 1
        continue
    if cat == "fin" and not (tenant == "ent" and at <= approval_end):
        exp_drop["negative_list"] += 1
        continue
    local = datetime.datetime.fromtimestamp(at / 1e9, TZ)
    band = "peak" if 8 <= local.hour < 20 else "offpeak"
    month = "%04d-%02d" % (local.year, local.month)
    if cls == "enterprise":
        price = 2123456 if band == "peak" else 1100000  # SG and TH are ASEAN
    else:
        price = 500000
    key = (month, tenant, cc, cat, band)
    e = exp_usage.setdefault(key, [0, 0, price])
    e[0] += 1
    e[1] += sz
    exp_dscp.append(46 if cc == "SG" else 0)

out = os.path.join(tmp, "out.pcap")
doc, p, _ = xbtest.replay([cap], ["-c", conf, "--clock", "capture", "--pcap-out", out],
                          conf=conf)
pk = doc["packets"]
print("drops expected %s; usage records expected %d; forwarded %d" % (exp_drop, len(exp_usage), len(exp_dscp)))
F.check(xbtest.conservation(doc), "conservation: %s" % pk)
for r, n in exp_drop.items():
    F.check(pk["drop"][r] == n, "drop %s: %d, expected %d" % (r, pk["drop"][r], n))
got = {}
for u in doc["usage"]:
    key = (u["month"], u["tenant"], u["country"], u["category"], u["band"])
    got[key] = u
F.check(set(got) == set(exp_usage), "usage keys differ:\n got %s\n want %s" %
        (sorted(got), sorted(exp_usage)))
for key, (n, b, price) in exp_usage.items():
    u = got.get(key)
    if u is None:
        continue
    charge = (b * price + 500000000) // 10**9
    F.check(u["packets"] == n and u["bytes"] == b,
            "%s: %d pkts %d bytes, expected %d %d" % (key, u["packets"], u["bytes"], n, b))
    F.check(round(u["charge"] * 10**6) == charge and u["currency"] == "USD",
            "%s: charge %s, expected %d micro-USD" % (key, u["charge"], charge))
dscps = []
for fr in pcapgen.read_frames(out):
    dscps.append(fr[15] >> 2)
F.check(dscps == exp_dscp, "DSCP of forwarded frames: %s, expected %s" % (dscps[:20], exp_dscp[:20]))

# Events: the approval that expired under a live flow, once; negative-list
# hits once per flow; the chain verifies.
events = xbtest.read_jsonl(os.path.join(tmp, "events.jsonl"))
expired = [e for e in events if e["type"] == "approval_expired"]
F.check(len(expired) == 1 and expired[0]["src"] == "10.1.0.8" and expired[0]["tenant"] == "ent",
        "approval_expired events: %s" % expired)
neg = [e for e in events if e["type"] == "negative_list"]
F.check(len(neg) >= 4 and all(e["category"] == "fin" for e in neg),
        "negative_list events: %d" % len(neg))
v = xbtest.run_xbgw(["--verify-events", os.path.join(tmp, "events.jsonl")], check=False)
F.check(v.returncode == 0, "event chain: %s" % v.stdout)

# Records on disk: both months, checksummed; a restart resumes them.
files = sorted(os.listdir(state))
F.check("usage-2026-06.csv" in files and "usage-2026-07.csv" in files,
        "record files: %s" % files)


def totals(d):
    return {(u["month"], u["tenant"], u["country"], u["category"], u["band"]):
            (u["packets"], u["bytes"]) for u in d["usage"]}


first = totals(doc)
doc2, _, _ = xbtest.replay([cap], ["-c", conf, "--clock", "capture"], conf=conf)
second = totals(doc2)
F.check(all(second[k] == (2 * v[0], 2 * v[1]) for k, v in first.items()) and
        set(second) == set(first),
        "after a restart the month's usage is not resumed exactly once: %s vs %s" % (second, first))

# A torn record file: detected, the previous checkpoint is used.
path = os.path.join(state, "usage-2026-07.csv")
with open(path, "r+b") as f:
    f.seek(0, 2)
    size = f.tell()
    f.truncate(size // 2)
doc3, p3, _ = xbtest.replay([cap], ["-c", conf, "--clock", "capture"], conf=conf)
F.check("usage-2026-07.csv" in p3.stderr and ("previous" in p3.stderr or ".prev" in p3.stderr),
        "corrupted records not reported:\n%s" % p3.stderr[-1500:])
F.exit()
