#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Monthly quotas on the packet path: a tenant with a 1 GB quota and
over_quota=block gets exactly its quota (plus at most one packet per
worker) forwarded and billed, the rest dropped as `quota`; a `notify`
tenant keeps flowing; the crossing is reported once, and its event names
the tenant and the tenants.csv row that set the quota."""
import os

import pcapgen
import xbtest

F = xbtest.begin()
conf, tmp = xbtest.own_config({
    "tenants": "tenant,name,class,quota_gb,over_quota\n"
               "blocked,Blocked Co,sme,1,block\nnotified,Notified Co,sme,1,notify\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,blocked\n10.2.0.0/16,notified\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,*,*,*,*,*\n",
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
}, extra="[events]\nfile = events.jsonl\n")

frames = []
for i in range(1000):
    frames.append((1800000000 * 10**9 + i * 1000,
                   pcapgen.udp_frame("10.1.0.%d" % (1 + i % 200), "8.8.8.8", 1000 + i, 443, size=1514)))
    frames.append((1800000000 * 10**9 + i * 1000 + 500,
                   pcapgen.udp_frame("10.2.0.%d" % (1 + i % 200), "8.8.8.8", 1000 + i, 443, size=1514)))
cap = pcapgen.write_pcap(os.path.join(tmp, "q.pcap"), frames)
loops = 800  # 800 x 1000 x 1514 B = 1.21 GB per tenant
doc, p, _ = xbtest.replay([cap], ["--loops", str(loops), "--clock", "capture"], conf=conf)
pk = doc["packets"]
quota = 10**9
workers = len(doc["workers"])
by = {}
for u in doc["usage"]:
    by[u["tenant"]] = by.get(u["tenant"], 0) + u["bytes"]
sent = loops * 1000 * 1514
print("usage: %s, drops: %s" % (by, pk["drop"]))
F.check(xbtest.conservation(doc), "conservation")
F.check(quota <= by.get("blocked", 0) < quota + workers * 1514,
        "blocked tenant billed %d bytes, quota %d (+%d per worker)" % (by.get("blocked", 0), quota, 1514))
F.check(pk["drop"]["quota"] * 1514 + by.get("blocked", 0) == sent,
        "blocked tenant: forwarded + quota drops != sent")
F.check(by.get("notified", 0) == sent, "notify tenant must keep flowing: %d of %d" % (by.get("notified", 0), sent))
F.check(p.stderr.count("reached its monthly quota") == 2,
        "crossings reported %d times, expected 2 (once per tenant):\n%s" % (
            p.stderr.count("reached its monthly quota"), p.stderr[-800:]))
# The quota events: one per tenant, naming its tenants.csv row (line 1
# is the header: blocked on 2, notified on 3).
events = [e for e in xbtest.read_jsonl(os.path.join(tmp, "events.jsonl"))
          if e["type"] == "quota"]
F.check(sorted((e["tenant"], e["row"], e["over_quota"]) for e in events) ==
        [("blocked", "tenants.csv:2", "block"), ("notified", "tenants.csv:3", "notify")],
        "quota events: %s" % events)
F.exit()
