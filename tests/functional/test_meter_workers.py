#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The aggregate meter holds one tenant's rate across two workers.

Replay with two workers (the replay port has a queue per worker and
spreads flows by their symmetric hash, like RSS) and --clock capture: one
tenant's 64 flows offer 40 Mbit/s for 4 s to a qos row policed at
cir = pir = 10 Mbit/s.  The forwarded bytes must be rate x time + burst
within 3 %, and both workers must have carried the tenant's traffic.  With
one worker the same holds (RFC 2698 exact)."""
import os

import pcapgen
import xbtest

F = xbtest.begin()
RATE_KBPS, BURST = 10000, 50000
conf, tmp = xbtest.own_config({
    "tenants": "tenant,name,class,quota_gb,over_quota\nt,T,ent,0,notify\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,t\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,%d,%d,%d,%d,*\n" % (RATE_KBPS, BURST, RATE_KBPS, BURST),
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
})

size, secs, offered_bps = 1000, 4, 40e6
pps = int(offered_bps / 8 / size)
frames = []
t0 = 1800000000 * 10**9
for i in range(pps * secs):
    frames.append((t0 + i * 10**9 // pps,
                   pcapgen.udp_frame("10.1.0.%d" % (1 + i % 64), "8.8.8.8",
                                     20000 + i % 64, 443, size=size)))
cap = pcapgen.write_pcap(os.path.join(tmp, "m.pcap"), frames)
duration_s = (len(frames) - 1) / pps
expect = RATE_KBPS * 1000 / 8 * duration_s + BURST

for eal in (["--lcores", "0@0,1@1", "--no-huge", "-m", "2048"],
            ["--lcores", "0@0,1@1,2@1", "--no-huge", "-m", "2048"]):
    stats = os.path.join(tmp, "s.json")
    p = xbtest.run_xbgw(eal + ["--no-pci", "--file-prefix", "xbm%d" % os.getpid(),
                               "--log-level=lib.eal:warning", "--",
                               "-c", conf, "--replay", cap, "--clock", "capture",
                               "--no-progress", "--stats-json", stats])
    doc = xbtest.read_json(stats)
    workers = [w["rx"] for w in doc["workers"]]
    fwd = sum(u["bytes"] for u in doc["usage"])
    err = (fwd - expect) / expect
    print("%d worker(s), rx per worker %s: forwarded %d bytes, expected %.0f (%+.2f %%), red %d"
          % (len(workers), workers, fwd, expect, 100 * err, doc["packets"]["drop"]["meter_red"]))
    F.check(xbtest.conservation(doc), "conservation")
    F.check(all(w > 0 for w in workers), "a worker saw none of the tenant's flows: %s" % workers)
    F.check(abs(err) <= 0.03, "%d workers: rate off by %.2f %%" % (len(workers), 100 * err))
F.exit()
