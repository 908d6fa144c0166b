#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live ports with a public egress: [ports] pairs = IN:CHANNEL and
public = PUBLIC.  Flows whose qos row says `channel` leave by the channel
port, `public` ones by the public port, as the statistics count them
(net_pcap vdevs: the inside port reads a capture, the two egress ports
write theirs).  SIGINT ends the run with exit 0 and complete outputs."""
import os
import signal
import time

import pcapgen
import xbtest

F = xbtest.begin()
conf, tmp = xbtest.conf_with("")
xbtest.edit(conf, "; pairs = 0000:3b:00.0:0000:3b:00.1",
            "pairs = net_pcap0:net_pcap1\npublic = net_pcap2")
inp, chan, pub = (os.path.join(tmp, n) for n in ("in.pcap", "chan.pcap", "pub.pcap"))
frames = []
t0 = 1800000000 * 10**9
for i in range(300):
    # acme-pay (enterprise) to Singapore: an ASEAN channel row; to
    # 8.8.8.8 (US): the `*,*,*,public` row.
    dst = "8.128.0.1" if i % 3 else "8.8.8.8"
    frames.append((t0 + i * 10**6, pcapgen.udp_frame("192.168.1.%d" % (1 + i % 50), dst,
                                                     30000 + i % 50, 443, size=200)))
pcapgen.write_pcap(inp, frames)
stats = os.path.join(tmp, "stats.json")
prefix = "xbe%d" % os.getpid()
p = xbtest.spawn_xbgw([
    "-l", "0,1", "--no-pci", "--no-huge", "-m", "2048",
    "--file-prefix", prefix, "--log-level=lib.eal:warning",
    "--vdev", "net_pcap0,rx_pcap=%s" % inp,
    "--vdev", "net_pcap1,tx_pcap=%s" % chan,
    "--vdev", "net_pcap2,tx_pcap=%s" % pub,
    "--", "-c", conf, "--no-progress", "--stats-json", stats])
# The inside port reads its capture once: wait until xbgw has received all
# of it (the ruleset build takes seconds, more on a loaded machine), give
# the last burst time to leave, then stop as an operator would.
xbtest.wait_rx(xbtest.telemetry_socket(prefix), p, len(frames), 120)
time.sleep(1)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=60)
F.check(p.returncode == 0, "exit %d: %s" % (p.returncode, err[-1500:]))
doc = xbtest.read_json(stats)
act = doc["by_action"]
n_chan, _ = xbtest.count_frames(chan)
n_pub, _ = xbtest.count_frames(pub)
print("channel %d (file %d), public %d (file %d)" % (
    act["channel"]["packets"], n_chan, act["public"]["packets"], n_pub))
F.check(doc["packets"]["rx"] == 300, "rx %d of 300" % doc["packets"]["rx"])
F.check(act["channel"]["packets"] == 200 and n_chan == 200,
        "channel: %d counted, %d written, expected 200" % (act["channel"]["packets"], n_chan))
F.check(act["public"]["packets"] == 100 and n_pub == 100,
        "public: %d counted, %d written, expected 100" % (act["public"]["packets"], n_pub))
F.exit()
