#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every capture format replay meets gives the same flows.

One traffic set (TLS, QUIC, HTTP and DNS names, IPv4 and IPv6, a
negative-list flow) is written as an Ethernet pcap, then as a nanosecond
pcap, a big-endian pcap, pcapng files whose interfaces have different
link types (Ethernet beside raw IP; IPv4 beside IPv6 in a big-endian
section), Linux cooked v1 and v2, raw IP (101, 12, 14), NULL in both byte
orders and LOOP.  The replay of each must give the flows of the Ethernet
version (5-tuple, name, category, country, tenant, action, packets) and,
since a converted frame is counted as the Ethernet frame it becomes,
exactly the same bytes.  A VLAN tag a cooked header carries (protocol
0x8100) still picks the VLAN's tenant.  Frames of an unknown link type
(147, USER0), too short for their header, or of an unknown address
family are counted by reason; the run exits 0.  With ../shared/data, real
captures converted to cooked and raw IP give the flows of the originals.

tshark dissects every file written here (so the writers are checked
against an independent reader, not only against xbgw).
"""
import os
import shutil
import struct
import subprocess

import craft as c
import craft_quic as q
import pcapgen
import xbtest

F = xbtest.begin()
tmp = xbtest.tmpdir("linktypes")
SERVER6 = "2001:c10::10"  # SG (config/geo/world-ipv6.csv 2001:c10::/32)
T0 = 1793577600 * 10**9

# ------------------------------------------------------------ traffic

frames = []
tls = c.TcpConn(client=c.CLIENT_B, server=c.SERVER, cport=40001, sport=443)
frames += tls.handshake() + [tls.client(c.client_hello("shopee.sg")),
                             tls.server(b"\x16\x03\x03" + bytes(300))]
frames += tls.close()
fin = c.TcpConn(client=c.CLIENT, server=c.SERVER2, cport=40002, sport=443)
frames += fin.handshake() + [fin.client(c.client_hello(c.FIN_NAME)),
                             fin.client(b"\x17\x03\x03" + bytes(200))]
http6 = c.TcpConn(client=c.CLIENT6, server=SERVER6, cport=40003, sport=80)
frames += http6.handshake() + [
    http6.client(c.http_request("shopee.co.id")),
    http6.server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]
frames += [c.udp(c.CLIENT_B, "8.8.8.8", 5353, 53,
                 c.dns_query(0x1234, "maps.google.com")),
           c.udp("8.8.8.8", c.CLIENT_B, 53, 5353,
                 c.dns_answer(0x1234, "maps.google.com", ["1.21.224.30"]))]
frames += [c.udp(c.CLIENT_B, c.SERVER, 50000, 443,
                 q.hello_initial(q.new_dcid(), "shopee.sg")),
           c.udp(c.CLIENT6, SERVER6, 50001, 443,
                 q.hello_initial(q.new_dcid(), "www.example.org"))]
frames += [c.udp(c.CLIENT6, SERVER6, 50002, 9999, bytes(100))]
STEP = 10**6
recs = [(T0 + i * STEP, fr) for i, fr in enumerate(frames)]
for _, fr in recs:
    assert fr[12:14] in (b"\x08\x00", b"\x86\xdd")

# ------------------------------------------------------------ writers


def pcap(path, linktype, recs, nano=False, e="<"):
    """A classic pcap: recs [(ts_ns, frame)], either byte order."""
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", 0xa1b23c4d if nano else 0xa1b2c3d4,
                            2, 4, 0, 0, 262144, linktype))
        for ts, fr in recs:
            frac = ts % 10**9 if nano else ts % 10**9 // 1000
            f.write(struct.pack(e + "IIII", ts // 10**9, frac, len(fr),
                                len(fr)) + fr)
    return path


def pad4(b):
    return b + bytes(-len(b) % 4)


def block(e, btype, body):
    n = 12 + len(pad4(body))
    return struct.pack(e + "II", btype, n) + pad4(body) + struct.pack(e + "I", n)


def pcapng(path, ifaces, recs, e="<"):
    """A pcapng section: ifaces [(linktype, tsresol)], recs [(iface, ts_ns,
    frame)] as Enhanced Packet Blocks; the section in byte order e."""
    out = block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    for lt, res in ifaces:
        opts = b""
        if res is not None:
            opts = struct.pack(e + "HH", 9, 1) + pad4(bytes([res]))
            opts += struct.pack(e + "HH", 0, 0)
        out += block(e, 1, struct.pack(e + "HHI", lt, 0, 262144) + opts)
    for ifc, ts, fr in recs:
        res = ifaces[ifc][1]
        units = ts // 1000 if res in (None, 6) else ts
        out += block(e, 6, struct.pack(e + "IIIII", ifc, units >> 32,
                                       units & 0xffffffff, len(fr),
                                       len(fr)) + fr)
    with open(path, "wb") as f:
        f.write(out)
    return path


# Link headers in place of an Ethernet frame's (no VLAN tag: raw IP and
# the loopbacks cannot carry one).
def ethertype(fr):
    return struct.unpack("!H", fr[12:14])[0]


def sll(fr):
    return struct.pack("!HHH8sH", 4, 1, 6, fr[6:12] + bytes(2),
                       ethertype(fr)) + fr[14:]


def sll2(fr):
    return struct.pack("!HHIHBB8s", ethertype(fr), 0, 2, 1, 0, 6,
                       fr[6:12] + bytes(2)) + fr[14:]


def raw(fr):
    return fr[14:]


def bsd(e, af6):
    return lambda fr: struct.pack(e + "I", 2 if ethertype(fr) == 0x0800
                                  else af6) + fr[14:]


def convert(fn, recs):
    return [(ts, fn(fr)) for ts, fr in recs]


def is4(fr):
    return ethertype(fr) == 0x0800


formats = {
    "pcap_ns": pcap(os.path.join(tmp, "ns.pcap"), 1,
                    [(ts + 123, fr) for ts, fr in recs], nano=True),
    "pcap_big_endian": pcap(os.path.join(tmp, "be.pcap"), 1, recs, e=">"),
    "pcapng_eth_raw": pcapng(os.path.join(tmp, "eth_raw.pcapng"),
                             [(1, None), (101, 9)],
                             [(i % 2, ts, fr if i % 2 == 0 else raw(fr))
                              for i, (ts, fr) in enumerate(recs)]),
    "pcapng_ipv4_ipv6_be": pcapng(os.path.join(tmp, "v4v6.pcapng"),
                                  [(228, 6), (229, 9)],
                                  [(0 if is4(fr) else 1, ts, raw(fr))
                                   for ts, fr in recs], e=">"),
    "sll": pcap(os.path.join(tmp, "sll.pcap"), 113, convert(sll, recs)),
    "sll2": pcap(os.path.join(tmp, "sll2.pcap"), 276, convert(sll2, recs)),
    "raw_101": pcap(os.path.join(tmp, "raw101.pcap"), 101, convert(raw, recs)),
    "raw_12": pcap(os.path.join(tmp, "raw12.pcap"), 12, convert(raw, recs)),
    "raw_14": pcap(os.path.join(tmp, "raw14.pcap"), 14, convert(raw, recs)),
    "null_le": pcap(os.path.join(tmp, "null_le.pcap"), 0,
                    convert(bsd("<", 30), recs)),
    "null_be": pcap(os.path.join(tmp, "null_be.pcap"), 0,
                    convert(bsd(">", 28), recs), e=">"),
    "loop": pcap(os.path.join(tmp, "loop.pcap"), 108,
                 convert(bsd(">", 24), recs)),
}
reference = pcap(os.path.join(tmp, "eth.pcap"), 1, recs)

# ------------------------------------------------------------ tshark


def tshark_protocols(path):
    p = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e",
                        "frame.protocols"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    return p.stdout.split()


if shutil.which("tshark"):
    for name, path in sorted(formats.items()):
        protos = tshark_protocols(path)
        ok = len(protos) == len(recs) and all(
            (":ip:" in p or ":ipv6:" in p or p.startswith(("ip:", "ipv6:")) or
             p.startswith(("raw:ip", "raw:ipv6")))
            for p in protos)
        F.check(ok, "%s: tshark does not read %d IP frames: %s" %
                (name, len(recs), sorted(set(protos))))
else:
    print("tshark not installed: the writers are not cross-checked")
if shutil.which("tcpdump"):
    # What libpcap 1.10 does with interfaces of different link types
    # (why replay reads pcapng itself); informational.
    p = subprocess.run(["tcpdump", "-r", formats["pcapng_eth_raw"], "-c",
                        "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    print("libpcap (tcpdump -r) on two link types: exit %d, %s" %
          (p.returncode, p.stderr.strip().splitlines()[-1:]))

# ------------------------------------------------------------ replay

KEYS = ("proto", "src", "dst", "sport", "dport", "name", "name_source",
        "category", "country", "tenant", "action", "packets", "packets_fwd",
        "packets_rev", "bytes", "bytes_fwd", "bytes_rev")


def run(files, extra=()):
    log = os.path.join(xbtest.tmpdir("lt"), "flows.jsonl")
    doc, p, _ = xbtest.replay(files, ["--clock", "capture", "--flow-log", log]
                              + list(extra), check=False)
    if p.returncode != 0:
        return None, None, p
    flows = sorted(tuple(r.get(k) for k in KEYS)
                   for r in xbtest.read_jsonl(log))
    return doc, flows, p


ref_doc, ref_flows, p = run([reference])
F.check(ref_doc is not None, "Ethernet reference run failed: %s" %
        (p.stderr[-500:] if p else ""))
if ref_doc is None:
    F.exit()
names = {f[KEYS.index("name")] for f in ref_flows}
print("reference: %d flows, names %s, drops %s" % (
    len(ref_flows), sorted(n for n in names if n), ref_doc["packets"]["drop"]))
F.check({"shopee.sg", "shopee.co.id", "maps.google.com", c.FIN_NAME,
         "www.example.org"} <= names,
        "the reference run misses names: %s" % sorted(n for n in names if n))
F.check(ref_doc["packets"]["drop"]["negative_list"] > 0,
        "the negative-list flow was not dropped in the reference")
F.check(ref_doc["replay"]["frames"] == len(recs) and
        ref_doc["replay"]["converted"] == 0 and
        ref_doc["replay"]["linktypes"] == {"ethernet": len(recs)},
        "reference replay object: %s" % ref_doc["replay"])


def same_run(name, doc, flows, p, converted, linktypes):
    if doc is None:
        F.check(False, "%s: exit %d: %s" % (name, p.returncode,
                                            p.stderr[-500:]))
        return
    F.check(flows == ref_flows, "%s: flows differ from Ethernet:\n%s\n%s" % (
        name, sorted(set(flows) - set(ref_flows)),
        sorted(set(ref_flows) - set(flows))))
    for k in ("rx", "tx"):
        F.check(doc["packets"][k] == ref_doc["packets"][k] and
                doc["bytes"][k] == ref_doc["bytes"][k],
                "%s: %s packets/bytes %d/%d, Ethernet %d/%d" % (
                    name, k, doc["packets"][k], doc["bytes"][k],
                    ref_doc["packets"][k], ref_doc["bytes"][k]))
    F.check(doc["packets"]["drop"] == ref_doc["packets"]["drop"],
            "%s: drops %s" % (name, doc["packets"]["drop"]))
    rp = doc.get("replay", {})
    F.check(rp.get("frames") == len(recs) and rp.get("loaded") == len(recs) and
            rp.get("converted") == converted and rp.get("skipped") == {} and
            rp.get("linktypes") == linktypes,
            "%s: replay object %s (expected %d converted, link types %s)" % (
                name, rp, converted, linktypes))


n = len(recs)
n4 = sum(1 for _, fr in recs if is4(fr))
expect = {
    "pcap_ns": (0, {"ethernet": n}),
    "pcap_big_endian": (0, {"ethernet": n}),
    "pcapng_eth_raw": (n // 2, {"ethernet": n - n // 2, "raw": n // 2}),
    "pcapng_ipv4_ipv6_be": (n, {"ipv4": n4, "ipv6": n - n4}),
    "sll": (n, {"sll": n}),
    "sll2": (n, {"sll2": n}),
    "raw_101": (n, {"raw": n}),
    "raw_12": (n, {"raw": n}),
    "raw_14": (n, {"raw": n}),
    "null_le": (n, {"null": n}),
    "null_be": (n, {"null": n}),
    "loop": (n, {"loop": n}),
}
for name in sorted(formats):
    doc, flows, p = run([formats[name]])
    same_run(name, doc, flows, p, *expect[name])

# The nanosecond pcap's timestamps reach --pcap-out to the nanosecond.
out = os.path.join(tmp, "fwd.pcap")
doc, _, p = run([formats["pcap_ns"]], ["--pcap-out", out])
if doc is not None:
    hdr, got = pcapgen.read_pcap(out)
    F.check(hdr[:4] == b"\x4d\x3c\xb2\xa1" and got and
            all(ts % 1000 == 123 for ts, _ in got),
            "pcap-out of a nanosecond input keeps ns: magic %s, %s" % (
                hdr[:4].hex(), [ts % 1000 for ts, _ in got[:3]]))

# ------------------------------------------------ a VLAN tag in SLL v1

vlan_frame = c.udp("10.99.0.1", "8.8.8.8", 7000, 7001, bytes(64), vlan=100)
vlan_recs = [(T0, vlan_frame)]
# SLL v1's protocol 0x8100: the tag and the inner ethertype follow.
vlan_sll = struct.pack("!HHH8sH", 0, 1, 6, vlan_frame[6:12] + bytes(2),
                       0x8100) + vlan_frame[14:]
doc_e, flows_e, _ = run([pcap(os.path.join(tmp, "vlan_eth.pcap"), 1,
                              vlan_recs)])
doc_s, flows_s, p = run([pcap(os.path.join(tmp, "vlan_sll.pcap"), 113,
                              [(T0, vlan_sll)])])
F.check(flows_e is not None and flows_s == flows_e and
        flows_s[0][KEYS.index("tenant")] == "silk-logistics",
        "SLL with a VLAN tag: %s, Ethernet %s" % (flows_s, flows_e))

# ------------------------------------------- frames that cannot be replayed

bad = [(0, T0 + i * STEP, fr) for i, (_, fr) in enumerate(recs)]
t = T0 + len(recs) * STEP
bad += [(1, t + i, b"\x01\x02\x03\x04" * 10) for i in range(3)]  # USER0
bad += [(2, t + 10, bytes(10))]                 # SLL header is 16 bytes
bad += [(3, t + 11, struct.pack("<I", 7) + raw(recs[0][1]))]  # AF 7
mixed = pcapng(os.path.join(tmp, "mixed.pcapng"),
               [(1, None), (147, None), (113, None), (0, None)], bad)
doc, flows, p = run([mixed])
if doc is None:
    F.check(False, "unknown link type ends the run: exit %d: %s" % (
        p.returncode, p.stderr[-500:]))
else:
    F.check(flows == ref_flows, "mixed: flows differ from Ethernet")
    rp = doc["replay"]
    F.check(rp["skipped"] == {"linktype_147": 3, "truncated": 1,
                              "unknown_protocol": 1} and
            rp["frames"] == len(recs) + 5 and rp["loaded"] == len(recs),
            "mixed: replay object %s" % rp)
    F.check("left out: linktype_147 3 truncated 1 unknown_protocol 1"
            in p.stdout, "the report does not name what was left out:\n%s" %
            [ln for ln in p.stdout.splitlines() if "replay" in ln])
# Nothing that can be replayed: a clear error, exit 3.
only = pcapng(os.path.join(tmp, "only147.pcapng"), [(147, None)],
              [(0, T0, b"\x01" * 40)])
_, _, p = run([only])
F.check(p.returncode == 3 and "none of a supported link type" in p.stderr,
        "a capture of link type 147 only: exit %d, %s" % (
            p.returncode, p.stderr.strip()[-300:]))

# ------------------------------------------------- real captures (shared)

real = [x for x in xbtest.PCAPS if x.endswith(".pcap")][:4]
if not real:
    print("SKIP part: no real captures in %s" % xbtest.SHARED)
else:
    ref_files, sll_files, raw_files = [], [], []
    for k, path in enumerate(real):
        _, rr = pcapgen.read_pcap(path)
        ip = [(ts, fr) for ts, fr in rr if len(fr) > 14 and
              fr[12:14] in (b"\x08\x00", b"\x86\xdd")]
        base = os.path.join(tmp, "real%d" % k)
        ref_files.append(pcap(base + "_eth.pcap", 1, ip))
        sll_files.append(pcap(base + "_sll.pcap", 113, convert(sll, ip)))
        raw_files.append(pcap(base + "_raw.pcap", 101, convert(raw, ip)))
    rdoc, rflows, p = run(ref_files)
    F.check(rdoc is not None, "real captures (Ethernet): %s" %
            (p.stderr[-300:] if p else ""))
    for name, files in (("real sll", sll_files), ("real raw", raw_files)):
        doc, flows, p = run(files)
        F.check(doc is not None and flows == rflows and
                doc["bytes"] == rdoc["bytes"],
                "%s: %d flows vs %d, bytes %s vs %s" % (
                    name, len(flows or []), len(rflows or []),
                    doc and doc["bytes"], rdoc and rdoc["bytes"]))
    print("real captures: %s, %d flows each way" % (
        [os.path.basename(x) for x in real], len(rflows or [])))
F.exit()
