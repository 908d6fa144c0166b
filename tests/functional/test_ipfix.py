#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPFIX export read by a standard collector: tshark captures the export on
lo and decodes it as cflow; every flow of the flow log appears as its
forward record (and its reverse record when the responder sent anything)
with the same 5-tuple, packets, bytes, country, category and tenant, and
nothing else is exported."""
import collections
import json
import os
import subprocess
import time

import xbtest

F = xbtest.begin(needs=("shared", "tshark"))
pcaps = xbtest.PCAPS
port = xbtest.free_port("udp")
conf, tmp = xbtest.conf_with("[ipfix]\ncollector = 127.0.0.1:%d\n" % port)
cap = os.path.join(tmp, "ipfix.pcap")
flowlog = os.path.join(tmp, "flows.json")
# A mix of IPv4 and IPv6, TCP and UDP captures.
wanted = [p for p in pcaps if os.path.basename(p) in
          ("http_ipv6.pcap", "dns_ambiguous_names.pcap", "quic.pcap",
           "chrome.pcap")] or pcaps[:3]

ts = subprocess.Popen(["tshark", "-i", "lo", "-f", "udp port %d" % port,
                       "-w", cap], stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE, text=True)
# Wait until tshark captures (it says so on stderr).
started = False
deadline = time.time() + 20
buf = ""
while time.time() < deadline:
    line = ts.stderr.readline()
    if not line:
        break
    buf += line
    if "Capturing on" in line:
        started = True
        break
if not started:
    ts.kill()
    xbtest.skip("tshark cannot capture on lo (%s)" % buf.strip())
time.sleep(1)  # the capture filter is set after the banner

p = xbtest.run_xbgw(["-c", conf, "--replay", ",".join(wanted),
                     "--no-progress", "--flow-log", flowlog], check=False)
F.check(p.returncode == 0, "xbgw exit %d: %s" % (p.returncode, p.stderr))
time.sleep(1)
ts.terminate()
ts.wait(timeout=20)

flows = xbtest.read_jsonl(flowlog)
F.check(len(flows) > 0, "flow log is empty")


def pairs_hook(pairs):
    # tshark's JSON repeats keys; keep every value as a list.
    d = collections.defaultdict(list)
    for k, v in pairs:
        d[k].append(v)
    return d


out = subprocess.run(["tshark", "-r", cap, "-d", "udp.port==%d,cflow" % port,
                      "-T", "json"], capture_output=True, text=True, check=True)
packets = json.loads(out.stdout, object_pairs_hook=pairs_hook)
records = []
seqs = []


def walk(node):
    if isinstance(node, list):
        for n in node:
            walk(n)
        return
    if not isinstance(node, dict):
        return
    for k, vs in node.items():
        for v in vs:
            if k.startswith("Flow ") and isinstance(v, dict):
                records.append(v)
            elif k == "cflow.sequence":
                seqs.append(int(v))
            else:
                walk(v)


walk(packets)
F.check(len(records) > 0, "no IPFIX data records decoded")


def one(rec, key):
    v = rec.get(key)
    return v[0] if v else None


def strings(rec):
    return [bytes.fromhex(h.replace(":", "")).decode() if h else ""
            for h in rec.get("cflow.enterprise_private_entry", [])]


got = collections.Counter()
for r in records:
    src = one(r, "cflow.srcaddr") or one(r, "cflow.srcaddrv6")
    dst = one(r, "cflow.dstaddr") or one(r, "cflow.dstaddrv6")
    s = strings(r)
    got[(src, dst, int(one(r, "cflow.srcport")), int(one(r, "cflow.dstport")),
         int(one(r, "cflow.protocol")), int(one(r, "cflow.packets")),
         int(one(r, "cflow.octets")), tuple(s[:3]))] += 1

want = collections.Counter()
for fl in flows:
    tags = (fl["country"], fl["category"], fl["tenant"])
    want[(fl["src"], fl["dst"], fl["sport"], fl["dport"], fl["proto"],
          fl["packets_fwd"], fl["bytes_fwd"], tags)] += 1
    if fl["packets_rev"]:
        want[(fl["dst"], fl["src"], fl["dport"], fl["sport"], fl["proto"],
              fl["packets_rev"], fl["bytes_rev"], tags)] += 1

missing = want - got
extra = got - want
F.check(not missing, "%d flow-log records missing from IPFIX, e.g. %s" % (
    sum(missing.values()), list(missing)[:3]))
F.check(not extra, "%d IPFIX records not in the flow log, e.g. %s" % (
    sum(extra.values()), list(extra)[:3]))
F.check(sum(got.values()) == sum(want.values()),
        "IPFIX has %d records, flow log implies %d" % (sum(got.values()), sum(want.values())))
# Sequence numbers: data records before each message, starting at 0.
F.check(seqs and seqs[0] == 0, "first sequence number %s" % seqs[:1])
F.check(seqs == sorted(seqs), "sequence numbers not increasing: %s" % seqs)
print("%d flows, %d IPFIX records in %d messages" % (len(flows), len(records), len(seqs)))
F.exit()
