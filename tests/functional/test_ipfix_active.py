#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""IPFIX active timeout: a long flow is exported while it lives.

With --clock capture and [ipfix] active_timeout = 2, a UDP flow spanning
10 s of capture time must reach the collector as interim records
(flowEndReason 2, active timeout) and a final one; their packet and octet
deltas add up exactly to the flow's totals in the flow log, and the
short flows are exported once.  The collector here is a UDP socket with
a small decoder of the IPv4 template (independent of xbgw's encoder)."""
import os
import socket
import struct
import threading
import time

import pcapgen
import xbtest

F = xbtest.begin()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
sock.settimeout(0.5)
port = sock.getsockname()[1]
# A small flow table: the aging sweep (which also drives the active
# timeout) then goes round it many times during the 10 s of capture time.
conf, tmp = xbtest.conf_with("[ipfix]\ncollector = 127.0.0.1:%d\nactive_timeout = 2\n" % port)
xbtest.edit(conf, "capacity = 262144", "capacity = 1024")

t0 = 1800000000 * 10**9
frames = []
for i in range(100):  # the long flow: 10 s, both directions
    frames.append((t0 + i * 10**8, pcapgen.udp_frame("10.1.0.5", "8.8.8.8", 5000, 443, size=200)))
    frames.append((t0 + i * 10**8 + 10**6, pcapgen.udp_frame("8.8.8.8", "10.1.0.5", 443, 5000, size=300)))
    if i % 10 == 0:  # short flows, one packet each
        frames.append((t0 + i * 10**8 + 2 * 10**6,
                       pcapgen.udp_frame("10.1.0.6", "8.8.4.4", 6000 + i, 53, size=80)))
cap = pcapgen.write_pcap(os.path.join(tmp, "long.pcap"), frames)

messages = []
done = threading.Event()


def receive():
    while not done.is_set():
        try:
            data, _ = sock.recvfrom(65535)
            messages.append(data)
        except socket.timeout:
            pass


rx = threading.Thread(target=receive)
rx.start()
log = os.path.join(tmp, "flows.jsonl")
doc, p, _ = xbtest.replay([cap], ["--clock", "capture", "--flow-log", log], conf=conf)
time.sleep(1.5)
done.set()
rx.join()

# Decode template 256 (IPv4) records: fixed fields, 5 strings, fixed tail.
records = []
for m in messages:
    ver, length = struct.unpack("!HH", m[:4])
    F.check(ver == 10 and length == len(m), "IPFIX header: version %d length %d/%d" % (ver, length, len(m)))
    off = 16
    while off + 4 <= len(m):
        sid, slen = struct.unpack("!HH", m[off:off + 4])
        if sid == 256:
            p2 = off + 4
            while p2 + 49 <= off + slen:
                src, dst, sp, dp, proto, octets, pkts, start, end, reason, vlan, bidir = \
                    struct.unpack("!4s4sHHBQQQQBHB", m[p2:p2 + 49])
                p2 += 49
                strs = []
                for _ in range(5):
                    n = m[p2]
                    strs.append(m[p2 + 1:p2 + 1 + n].decode())
                    p2 += 1 + n
                # forwardingStatus, DSCP, ingress and egress interface
                # (10 bytes), six table lines and the dropped packets (32).
                fwd = m[p2]
                F.check(fwd == 64, "forwardingStatus %d (nothing dropped)" % fwd)
                p2 += 42
                records.append((socket.inet_ntoa(src), socket.inet_ntoa(dst), sp, dp,
                                proto, octets, pkts, reason, bidir))
        off += slen

flows = xbtest.read_jsonl(log)
long_fwd = [r for r in records if r[:4] == ("10.1.0.5", "8.8.8.8", 5000, 443)]
long_rev = [r for r in records if r[:4] == ("8.8.8.8", "10.1.0.5", 443, 5000)]
lf = [fl for fl in flows if fl["sport"] == 5000][0]
print("long flow: %d forward records (%d interim), flow log %d/%d packets" % (
    len(long_fwd), sum(1 for r in long_fwd if r[7] == 2), lf["packets_fwd"], lf["packets_rev"]))
F.check(sum(1 for r in long_fwd if r[7] == 2) >= 3, "interim records of the long flow: %s" % long_fwd)
F.check(sum(r[6] for r in long_fwd) == lf["packets_fwd"] and sum(r[5] for r in long_fwd) == lf["bytes_fwd"],
        "forward deltas do not add up to the flow's totals: %s vs %s" % (long_fwd, lf))
F.check(sum(r[6] for r in long_rev) == lf["packets_rev"] and sum(r[5] for r in long_rev) == lf["bytes_rev"],
        "reverse deltas do not add up to the flow's totals: %s vs %s" % (long_rev, lf))
F.check(sum(1 for r in long_fwd if r[7] != 2) == 1, "one final record expected: %s" % long_fwd)
# The one-packet flows stay alive (UDP idle timeout 60 s) past 2 s: each
# has an interim record, then a final one; deltas add up to its packet.
for sp in range(6000, 6100, 10):
    rs = [r for r in records if r[0] == "10.1.0.6" and r[2] == sp]
    F.check(sum(r[6] for r in rs) == 1 and sum(1 for r in rs if r[7] != 2) == 1,
            "short flow %d: %s" % (sp, rs))
F.check(len(flows) == 11, "flow log: %d lines, expected 11 (interim records stay out)" % len(flows))
F.exit()
