#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""net_tap ports in a private namespace, single and multi-queue.

1. One queue, one worker: tcpreplay into the inside tap; tcpdump on the
   outside tap sees exactly what xbgw says it forwarded.
2. Two queues, two workers (EAL --lcores: three lcores on any CPUs): the capture split by direction,
   initiator->responder frames into the inside tap, the answers into the
   outside tap.  Both directions of every flow must reach one worker:
   exactly one flow-log record per 5-tuple, carrying packets both ways
   where the capture has both.  (On net_tap the kernel's tun driver picks
   the RX queue with its symmetric flow hash, so this checks the queue to
   worker spread and the flow table, not the Toeplitz key; the key itself
   is checked by tests/unit/test_rss.c.)
Both runs end with SIGTERM and must exit 0 with complete outputs.

On net_tap the kernel interface is the DPDK port itself, so there is no
"host traffic" to steer: that check is the AF_XDP test's.
"""
import os
import threading

import livetest as lt
import pcapgen
import xbtest

F = xbtest.begin(needs=lt.NEEDS)
cap = lt.capture()
header, records = pcapgen.read_pcap(cap)
sent = [fr for _, fr in records]


def run(tag, queues, lcores, split):
    tmp = xbtest.tmpdir("tap-" + tag)
    ns = lt.Netns("tap" + tag)
    try:
        conf = lt.write_config(tmp, "net_tap0:net_tap1", queues=queues)
        xb = lt.Xbgw(ns, tmp, conf, lcores,
                     ["net_tap0,iface=xbtin", "net_tap1,iface=xbtout"],
                     "port 1: link", 1)
        # Frames xbgw writes are what the kernel receives on the taps.
        dumps = [lt.Capture(ns, "xbtout", tmp), lt.Capture(ns, "xbtin", tmp)]
        if split:
            fwd, rev = lt.split_by_direction(sent)
            pf = os.path.join(tmp, "fwd.pcap")
            pr = os.path.join(tmp, "rev.pcap")
            lt.write_pcap(pf, header, fwd)
            lt.write_pcap(pr, header, rev)
            t = [threading.Thread(target=lt.replay, args=(ns, i, p, 1500))
                 for i, p in (("xbtin", pf), ("xbtout", pr))]
            for x in t:
                x.start()
            for x in t:
                x.join()
        else:
            lt.replay(ns, "xbtin", cap, pps=2000)
        # tcpdump first: the taps vanish when xbgw exits.
        seen = dumps[0].stop() + dumps[1].stop()
        rc, stats, flows = xb.terminate()
        F.check(rc == 0, "%s: exit %d after SIGTERM, expected 0" % (tag, rc))
        if stats is None:
            xb.dump()
            F.check(False, "%s: no statistics document" % tag)
            return
        F.check(stats["packets"]["rx"] == len(sent),
                "%s: xbgw received %d frames, tcpreplay sent %d" %
                (tag, stats["packets"]["rx"], len(sent)))
        lt.check_forwarded(F, seen, sent, stats, tag)
        lt.check_flow_log(F, stats, flows, tag)
        if split:
            check_symmetric(tag, stats, flows, queues)
        print("%s: rx %d tx %d flows %d workers %s" % (
            tag, stats["packets"]["rx"], stats["packets"]["tx"], len(flows),
            [w["rx"] for w in stats["workers"]]))
    finally:
        ns.close()


def check_symmetric(tag, stats, flows, nworkers):
    keys = {}
    for r in flows:
        if r["proto"] not in (6, 17):
            continue
        k = (r["proto"],) + tuple(sorted([(r["src"], r["sport"]),
                                          (r["dst"], r["dport"])]))
        keys.setdefault(k, []).append(r)
    dup = {k: [x["worker"] for x in v] for k, v in keys.items() if len(v) > 1}
    F.check(not dup, "%s: flows split over workers (5-tuple: workers): %r" %
            (tag, dup))
    both = sum(1 for v in keys.values()
               if v[0]["packets_fwd"] > 0 and v[0]["packets_rev"] > 0)
    F.check(both > 0, "%s: no flow seen in both directions" % tag)
    used = set(r["worker"] for r in flows)
    F.check(len(stats["workers"]) == nworkers,
            "%s: %d workers, expected %d" % (tag, len(stats["workers"]),
                                            nworkers))
    F.check(len(used) == nworkers,
            "%s: flows on workers %r, expected all %d in use" %
            (tag, sorted(used), nworkers))


run("1q", 1, "0,1", False)
# Three lcores (main + two workers) on however many CPUs there are: EAL
# lcores are threads, and this test is about placement, not speed.
run("2q", 2, "0@(0-1),1@(0-1),2@(0-1)", True)
F.exit()
