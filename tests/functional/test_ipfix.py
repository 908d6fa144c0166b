#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPFIX export read by standard collectors: tshark captures the export on
lo and decodes it as cflow; every flow of the flow log appears as its
forward record (and its reverse record when the responder sent anything)
with the same 5-tuple, packets, bytes, country, category and tenant, the
deciding table lines and dropped packets of the flow log's `lines` and
`drops`, forwardingStatus (RFC 7270), DSCP and interfaces decoded by
tshark, and nothing else is exported; the RFC 5610 options records name
every enterprise element (tshark shows their names).  nfcapd (nfdump)
still reads the same export: the same records, no sequence errors."""
import collections
import json
import os
import re
import subprocess
import time
from shutil import which as shutil_which

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
# RFC 5610 element descriptions are data records of the options template.
infos = [r for r in records if "cflow.information_element_id" in r]
records = [r for r in records if "cflow.information_element_id" not in r]
F.check(len(records) > 0, "no IPFIX data records decoded")
names = {}
for r in infos:
    F.check(r["cflow.private_enterprise_number"] == ["32473"],
            "description PEN %s" % r.get("cflow.private_enterprise_number"))
    names[int(r["cflow.information_element_id"][0])] = (
        r["cflow.information_element_name"][0],
        int(r["cflow.information_element_data_type"][0]))
# Every enterprise element of the template, described once per template
# message: strings (13), the lines (unsigned32, 3), the drops (unsigned64).
F.check(sorted(names) == list(range(1, 13)) and len(infos) % 12 == 0,
        "descriptions for %s (%d records)" % (sorted(names), len(infos)))
F.check(all(names[i][1] == 13 for i in range(1, 6)) and
        all(names[i][1] == 3 for i in range(6, 12)) and names[12][1] == 4 and
        len({n for n, _ in names.values()}) == 12,
        "descriptions: %s" % names)


def one(rec, key):
    v = rec.get(key)
    return v[0] if v else None


def enterprise(rec):
    """The enterprise elements in template order: five strings, six
    unsigned32 lines, the unsigned64 dropped packets."""
    raw = [bytes.fromhex(h.replace(":", "")) if h else b""
           for h in rec.get("cflow.enterprise_private_entry", [])]
    if len(raw) == 11:  # tshark leaves an empty string out: the name's
        raw.insert(4, b"")
    return ([b.decode() for b in raw[:5]] +
            [int.from_bytes(b, "big") for b in raw[5:]])


def strings(rec):
    return enterprise(rec)[:5]


def fwd_status(rec):
    """forwardingStatus as its one byte: status << 6 | reason code."""
    fs = one(rec, "Forwarding Status") or {}
    status = int(fs.get("cflow.forwarding_status", ["0"])[0])
    code = [int(v[0]) for k, v in fs.items() if k.endswith("_code")]
    return status << 6 | (code[0] if code else 0)


def line_no(ref, table):
    if ref is None or not ref.startswith(table + ":"):
        return 0
    return int(ref.split(":")[1])


got = collections.Counter()
for r in records:
    src = one(r, "cflow.srcaddr") or one(r, "cflow.srcaddrv6")
    dst = one(r, "cflow.dstaddr") or one(r, "cflow.dstaddrv6")
    e = enterprise(r)
    got[(src, dst, int(one(r, "cflow.srcport")), int(one(r, "cflow.dstport")),
         int(one(r, "cflow.protocol")), int(one(r, "cflow.packets")),
         int(one(r, "cflow.octets")), tuple(e[:3]), tuple(e[5:]),
         fwd_status(r))] += 1
    F.check(one(r, "cflow.ip_dscp") is not None and
            one(r, "cflow.inputint") is not None and
            one(r, "cflow.outputint") is not None,
            "DSCP / interfaces not decoded: %s" % sorted(r)[:40])

want = collections.Counter()
DROP_CODE = {"negative_list": 129, "policy_deny": 129, "meter_red": 138,
             "quota": 128}
for fl in flows:
    tags = (fl["country"], fl["category"], fl["tenant"])
    ln = fl["lines"]
    dropped = sum(fl["drops"].values())
    # The reason that dropped most (ties: the order of xb_drop.h).
    order = ["negative_list", "policy_deny", "meter_red", "quota"]
    most = max(order, key=lambda k: (fl["drops"].get(k, 0), -order.index(k)))
    status = DROP_CODE[most] if dropped else 64
    why = (line_no(ln["qos"], "qos.csv"), line_no(ln["category"], "domains.csv"),
           line_no(ln["category"], "category_rules.csv"),
           line_no(ln["tenant"], "tenant_prefixes.csv"),
           line_no(ln["approval"], "approvals.csv"),
           line_no(ln["tariff"], "tariffs.csv"), dropped)
    tags = (tags, why, status)
    want[(fl["src"], fl["dst"], fl["sport"], fl["dport"], fl["proto"],
          fl["packets_fwd"], fl["bytes_fwd"]) + tags] += 1
    if fl["packets_rev"]:
        want[(fl["dst"], fl["src"], fl["dport"], fl["sport"], fl["proto"],
              fl["packets_rev"], fl["bytes_rev"]) + tags] += 1

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
F.check(any(k[-1] != 64 for k in got) or not any(
    sum(fl["drops"].values()) for fl in flows), "no record shows a drop status")
print("%d flows, %d IPFIX records in %d messages" % (len(flows), len(records), len(seqs)))

# ---- nfcapd still reads the export ------------------------------------------
if not shutil_which("nfcapd") or not shutil_which("nfdump"):
    print("nfcapd/nfdump not installed: nfcapd check skipped")
    F.exit()
nport = xbtest.free_port("udp")
conf2, tmp2 = xbtest.conf_with("[ipfix]\ncollector = 127.0.0.1:%d\n" % nport)
nfdir = os.path.join(tmp2, "nf")
os.mkdir(nfdir)
nf = subprocess.Popen(["nfcapd", "-b", "127.0.0.1", "-p", str(nport), "-w", nfdir],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
time.sleep(1)
flowlog2 = os.path.join(tmp2, "flows.json")
p = xbtest.run_xbgw(["-c", conf2, "--replay", ",".join(wanted),
                     "--no-progress", "--flow-log", flowlog2], check=False)
F.check(p.returncode == 0, "xbgw exit %d: %s" % (p.returncode, p.stderr))
time.sleep(1)
nf.terminate()
nflog, _ = nf.communicate(timeout=30)
m = re.search(r"Flows: (\d+), Packets: (\d+), Bytes: (\d+), Sequence Errors: (\d+), "
              r"Bad Packets: (\d+)", nflog)
flows2 = xbtest.read_jsonl(flowlog2)
nrec = sum(2 if fl["packets_rev"] else 1 for fl in flows2)
F.check(m is not None and int(m.group(1)) == nrec and m.group(4) == "0" and
        m.group(5) == "0", "nfcapd: %s (expected %d flows)" % (nflog[-400:], nrec))
out = subprocess.run(["nfdump", "-R", nfdir, "-q", "-o", "csv"], capture_output=True,
                     text=True)
rows = [l.split(",") for l in out.stdout.splitlines() if l.count(",") > 10]
nf_got = collections.Counter((r[3], r[4], int(r[5]), int(r[6]), int(r[11]), int(r[12]))
                             for r in rows)
nf_want = collections.Counter()
for fl in flows2:
    nf_want[(fl["src"], fl["dst"], fl["sport"], fl["dport"], fl["packets_fwd"],
             fl["bytes_fwd"])] += 1
    if fl["packets_rev"]:
        nf_want[(fl["dst"], fl["src"], fl["dport"], fl["sport"], fl["packets_rev"],
                 fl["bytes_rev"])] += 1
F.check(nf_got == nf_want, "nfdump records differ from the flow log: %s / %s"
        % (list((nf_got - nf_want).items())[:3], list((nf_want - nf_got).items())[:3]))
F.exit()
