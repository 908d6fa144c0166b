#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""AF_XDP ports with xbgw's XDP program, on two veth pairs in a private
namespace:

    peer namespace                      xbgw namespace
    tcpreplay, ping -> vin1 ==veth== vin0 [net_af_xdp0]
    tcpdump <- vout1 ==veth== vout0 [net_af_xdp1]

- tcpdump on vout1 sees exactly the frames xbgw says it forwarded, all of
  them frames of the capture;
- host traffic (UDP echo to the management address on vin0, and ARP)
  reaches the kernel: the ping is answered, xbgw never sees it, and the XDP
  program's per-CPU counters (statistics "afxdp") count it;
- SIGTERM: xbgw stops, flushes the flow log, writes the statistics, exits 0.
"""
import sys

import livetest as lt
import pcapgen
import xbtest

MGMT = "192.0.2.10"
ECHO_SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
"""
ECHO_CLIENT = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
got = 0
for i in range(20):
    s.sendto(b"xbgw-host-%d" % i, (sys.argv[1], 7777))
    try:
        d, _ = s.recvfrom(2048)
        got += d.startswith(b"xbgw-host")
    except OSError:
        pass
    if got >= 3:
        sys.exit(0)
print("echo replies: %d" % got)
sys.exit(1)
"""

F = xbtest.begin(needs=lt.NEEDS)
cap = lt.capture()
sent = pcapgen.read_frames(cap)
tmp = xbtest.tmpdir("afxdp")
ns = lt.Netns("afxdp")      # xbgw and its ends of the links
peer = lt.Netns("afxdp-peer")  # the far ends: tcpreplay, tcpdump, ping
try:
    for a, b in (("vin0", "vin1"), ("vout0", "vout1")):
        ns.run("ip", "link", "add", a, "type", "veth", "peer", "name", b,
               "netns", peer.name)
        ns.run("ip", "link", "set", a, "up")
        peer.run("ip", "link", "set", b, "up")
    ns.run("ip", "addr", "add", MGMT + "/24", "dev", "vin0")
    peer.run("ip", "addr", "add", "192.0.2.1/24", "dev", "vin1")
    conf = lt.write_config(tmp, "net_af_xdp0:net_af_xdp1", extra=(
        "\n[afxdp]\nhost_macs = auto\nhost_addresses = %s, 2001:db8::10\n" % MGMT))
    dump = lt.Capture(peer, "vout1", tmp)
    xb = lt.Xbgw(ns, tmp, conf, "0,1",
                 ["net_af_xdp0,iface=vin0", "net_af_xdp1,iface=vout0"],
                 "go to the kernel", 2)
    prog = ns.run("ip", "link", "show", "vin0").stdout
    F.check("xbgw_" in prog, "vin0 runs xbgw's XDP program:\n" + prog)
    # Host traffic: a UDP echo server on the management address in xbgw's
    # namespace, a client on the far side (ARP, then UDP both ways).
    ns.spawn([sys.executable, "-c", ECHO_SERVER, MGMT], None, None)
    echo = peer.run(sys.executable, "-c", ECHO_CLIENT, MGMT, check=False)
    F.check(echo.returncode == 0,
            "host traffic to %s not answered by the kernel:\n%s" %
            (MGMT, echo.stdout + echo.stderr))
    lt.replay(peer, "vin1", cap, pps=2000)
    rc, stats, flows = xb.terminate()
    seen = dump.stop()
    F.check(rc == 0, "xbgw exit %d after SIGTERM, expected 0" % rc)
    if stats is None:
        xb.dump()
        F.check(False, "no statistics document after SIGTERM")
        F.exit()
    F.check(stats["packets"]["rx"] == len(sent),
            "xbgw received %d frames, tcpreplay sent %d" %
            (stats["packets"]["rx"], len(sent)))
    lt.check_forwarded(F, seen, sent, stats, "af_xdp")
    lt.check_flow_log(F, stats, flows, "af_xdp")
    ax = stats.get("afxdp")
    F.check(ax is not None, "statistics lack the afxdp section")
    if ax:
        vin0 = [p for p in ax["ports"] if p["iface"] == "vin0"][0]
        F.check(vin0["program"].startswith("xbgw_"), "program name %r" %
                vin0["program"])
        F.check(vin0["to_xsk"] == len(sent),
                "XDP to_xsk on vin0 = %d, expected %d" %
                (vin0["to_xsk"], len(sent)))
        F.check(vin0["host_arp"] >= 1 and
                vin0["host_mac"] + vin0["host_ip"] >= 3,
                "XDP host counters on vin0: %r" % vin0)
        F.check(ax["to_kernel"] == sum(ax[k] for k in (
            "host_mac", "host_ip", "host_arp", "host_nd", "no_socket")),
            "to_kernel is the sum of its reasons: %r" % ax)
    print("af_xdp: rx %d tx %d, kernel got %d host frames" % (
        stats["packets"]["rx"], stats["packets"]["tx"],
        ax["to_kernel"] if ax else -1))
finally:
    ns.close()
    peer.close()
F.exit()
