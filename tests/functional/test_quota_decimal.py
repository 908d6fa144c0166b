#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A decimal quota_gb cuts at its byte.

Two block tenants with fractional quotas, 0.001234567 GB (1,234,567
bytes) and 0.002 GB (2,000,000 bytes), each send 3,000 frames of 1,000
bytes under --clock capture on one worker core.  A tenant is billed while
its usage is below its quota and the crossing frame passes (at most one
frame per worker core over), so with one worker and 1,000-byte frames the
billed bytes are exactly the first multiple of 1,000 at or above the
quota: 1,235,000 and 2,000,000; every other frame is a `quota` drop.  A
quota read as an integer (0: none, or 1 GB) would let all 3 MB pass.
The same table with an 11th significant decimal, a sign or an exponent is
a `file:line:` error of --check-config (exit 1)."""
import os

import pcapgen
import xbtest

F = xbtest.begin()
TABLES = {
    "tenants": "tenant,name,class,quota_gb,over_quota\n"
               "frac,Fraction Co,sme,0.001234567,block\n"
               "milli,Milli Co,sme,0.002,block\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,frac\n10.2.0.0/16,milli\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,*,*,*,*,*\n",
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
}
QUOTA = {"frac": 1234567, "milli": 2000000}
FRAME, N = 1000, 3000

conf, tmp = xbtest.own_config(TABLES)
frames = []
t0 = 1800000000 * 10**9
for i in range(N):
    frames.append((t0 + i * 2000, pcapgen.udp_frame(
        "10.1.0.%d" % (1 + i % 200), "8.8.8.8", 1000 + i % 500, 443,
        size=FRAME)))
    frames.append((t0 + i * 2000 + 1000, pcapgen.udp_frame(
        "10.2.0.%d" % (1 + i % 200), "8.8.8.8", 1000 + i % 500, 443,
        size=FRAME)))
cap = pcapgen.write_pcap(os.path.join(tmp, "q.pcap"), frames)
stats = os.path.join(tmp, "stats.json")
# One worker core: the overshoot bound (one frame per worker) is then one
# frame, so the cut is exact.
p = xbtest.run_xbgw(["-l", "0,1", "--no-pci", "--no-huge", "-m", "2048",
                     "--file-prefix", "xbqd%d" % os.getpid(),
                     "--log-level=lib.eal:warning", "--",
                     "-c", conf, "--replay", cap, "--clock", "capture",
                     "--no-progress", "--stats-json", stats])
doc = xbtest.read_json(stats)
F.check(len(doc["workers"]) == 1, "expected one worker: %s" % doc["workers"])
F.check(xbtest.conservation(doc), "conservation")
billed = {}
for u in doc["usage"]:
    billed[u["tenant"]] = billed.get(u["tenant"], 0) + u["bytes"]
print("quotas %s, billed %s, drops %s" % (QUOTA, billed,
                                         doc["packets"]["drop"]))
for tenant, quota in sorted(QUOTA.items()):
    want = -(-quota // FRAME) * FRAME  # the first multiple of FRAME >= quota
    F.check(billed.get(tenant) == want,
            "%s: billed %s bytes, expected exactly %d (quota %d bytes)" % (
                tenant, billed.get(tenant), want, quota))
want_drops = sum(N - -(-q // FRAME) for q in QUOTA.values())
F.check(doc["packets"]["drop"]["quota"] == want_drops,
        "quota drops %d, expected %d" % (doc["packets"]["drop"]["quota"],
                                         want_drops))
F.check(p.stderr.count("reached its monthly quota") == 2,
        "crossings reported %d times, expected 2" %
        p.stderr.count("reached its monthly quota"))

# What is not an exact decimal of at most 9 places is a table error.
for bad in ("0.0012345678", "-0.5", "1e-3", ".5", "0x10"):
    t = dict(TABLES)
    t["tenants"] = TABLES["tenants"].replace("0.002", bad)
    bconf, btmp = xbtest.own_config(t)
    r = xbtest.run_xbgw(["-c", bconf, "--check-config"], check=False)
    want = '%s:3: quota_gb: got "%s", expected a decimal number 0..1000000000 with at most 9 decimals' % (
        os.path.join(btmp, "tenants.csv"), bad)
    F.check(r.returncode == 1 and want in r.stderr + r.stdout,
            "quota_gb %s: exit %d, %s" % (bad, r.returncode,
                                         (r.stderr + r.stdout).strip()[-300:]))
F.exit()
