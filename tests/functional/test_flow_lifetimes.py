#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow lifetimes under a capture clock, where one burst can span hours.

The worker looks a whole burst up before it counts its packets; a flow that
idles out and comes back inside one burst must still end with exactly the
packets of its first lifetime, and the new lifetime start with the packet
after the gap.  The capture interleaves such flows (UDP, idle timeout
60 s: one back after an hour, one just past the timeout) with a steady one,
in fewer frames than one burst, and checks every flow-log record: packets,
bytes, first/last times and end reason, against what the capture says."""
import os

import pcapgen
import xbtest

F = xbtest.begin()
conf, tmp = xbtest.conf_with("")
S = 10**9
t0 = 1800000000 * S

# (time, src, dst, sport, dport, size); every flow's lifetimes are listed
# by hand in `expect` below.
plan = []
# A: three packets, silent for an hour, then two more: two lifetimes.
for k, dt in enumerate([0, 1, 2, 3600, 3601]):
    plan.append((t0 + dt * S, "10.1.0.5", "8.8.8.8", 5000, 443, 100 + k))
# B: one packet, back 61 s later (just past the 60 s UDP timeout), then
# again 59 s after that (inside it): two lifetimes of 1 and 2 packets.
for k, dt in enumerate([0, 61, 120]):
    plan.append((t0 + dt * S + 500, "10.1.0.6", "8.8.4.4", 5001, 53, 200 + k))
# C: steady, every 30 s: one lifetime of 6 packets.
for k in range(6):
    plan.append((t0 + k * 30 * S + 700, "10.1.0.7", "1.1.1.1", 5002, 123, 300 + k))
plan.sort(key=lambda x: x[0])
assert len(plan) < 32  # one burst
frames = [(at, pcapgen.udp_frame(s, d, sp, dp, size=sz)) for at, s, d, sp, dp, sz in plan]
cap = pcapgen.write_pcap(os.path.join(tmp, "lifetimes.pcap"), frames)


def lifetime(src, idx, end):
    """Expected record of the packets idx of src's flow in plan order."""
    pk = [p for p in plan if p[1] == src]
    sel = [pk[i] for i in idx]
    return {"src": src, "packets": len(sel), "bytes": sum(p[5] for p in sel),
            "first_ns": sel[0][0], "last_ns": sel[-1][0], "end": end}


expect = [
    lifetime("10.1.0.5", [0, 1, 2], "idle"),
    lifetime("10.1.0.5", [3, 4], "exit"),
    lifetime("10.1.0.6", [0], "idle"),
    lifetime("10.1.0.6", [1, 2], "exit"),
    lifetime("10.1.0.7", [0, 1, 2, 3, 4, 5], "exit"),
]

log = os.path.join(tmp, "flows.jsonl")
doc, p, _ = xbtest.replay([cap], ["--clock", "capture", "--flow-log", log], conf=conf)
F.check(doc["packets"]["rx"] == len(plan), "rx %d, expected %d" % (doc["packets"]["rx"], len(plan)))
got = [{k: r[k] for k in ("src", "packets", "bytes", "first_ns", "last_ns", "end")}
       for r in xbtest.read_jsonl(log)]
key = lambda r: (r["src"], r["first_ns"])  # noqa: E731
got.sort(key=key)
expect.sort(key=key)
F.check(len(got) == len(expect), "%d flow records, expected %d" % (len(got), len(expect)))
for g, e in zip(got, expect):
    F.check(g == e, "record %s, expected %s" % (g, e))
F.exit()
