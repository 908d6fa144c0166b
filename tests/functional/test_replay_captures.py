#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Replay every real capture through the binary: exact conservation
(rx == tx + drops), rx equal to the frame count read independently, the
pcap-out file holds exactly the forwarded frames, and no mbuf leaks."""
import os

import xbtest

F = xbtest.begin(needs=("shared",))
pcaps = xbtest.PCAPS
for loops in (1, 3):
    for path in pcaps:
        name = os.path.basename(path)
        frames, nbytes = xbtest.count_frames(path)
        tmp_out = "/tmp/xbgw-out-%d.pcap" % os.getpid()
        doc, p, tmp = xbtest.replay(
            [path], ["--loops", str(loops), "--pcap-out", tmp_out])
        pk = doc["packets"]
        F.check(pk["rx"] == frames * loops,
                "%s x%d: rx %d, capture holds %d" % (name, loops, pk["rx"], frames * loops))
        F.check(doc["bytes"]["rx"] == nbytes * loops,
                "%s x%d: rx bytes %d, capture holds %d" % (name, loops, doc["bytes"]["rx"], nbytes * loops))
        F.check(xbtest.conservation(doc), "%s: rx != tx + drops: %s" % (name, pk))
        out_frames, _ = xbtest.count_frames(tmp_out)
        F.check(out_frames == pk["tx"],
                "%s: pcap-out holds %d frames, tx says %d" % (name, out_frames, pk["tx"]))
        F.check(doc.get("mbufs_in_use_at_exit", 0) == 0,
                "%s: %s mbufs leaked" % (name, doc.get("mbufs_in_use_at_exit")))
        os.unlink(tmp_out)

# All captures in one run, as the contract's FILE,FILE.. form.
total = sum(xbtest.count_frames(p)[0] for p in pcaps)
doc, p, tmp = xbtest.replay(pcaps)
F.check(doc["packets"]["rx"] == total, "all captures: rx %d, expected %d" % (doc["packets"]["rx"], total))
F.check(xbtest.conservation(doc), "all captures: conservation")
F.exit()
