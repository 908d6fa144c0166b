#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""xbgw's log lines go through its own DPDK log type "xbgw" (not USER1):
they read "xbgw: ...", follow --log-level=xbgw:LEVEL, and a default run
prints no telemetry legacy-socket notice (while the telemetry socket
itself keeps working: test_telemetry)."""
import os
import signal
import time

import xbtest

F = xbtest.begin()
SAMPLE = os.path.join(xbtest.BUILD, "scripts", "sample.pcap")
if not os.path.exists(SAMPLE):
    xbtest.skip("no sample capture (%s)" % SAMPLE)
conf, tmp = xbtest.conf_with("[flowlog]\nfile = flows.jsonl")
log = os.path.join(os.path.dirname(conf), "flows.jsonl")

# A default run (default EAL arguments): nothing about legacy telemetry,
# nothing tagged USER1.
_, p, _ = xbtest.replay([SAMPLE], conf=conf)
text = p.stdout + p.stderr
F.check("legacy" not in text.lower(),
        "a default run still prints the legacy telemetry notice: %s" %
        p.stderr)
F.check("USER1" not in text, "a log line is still tagged USER1")


def run_and_reopen(eal):
    """Run with these EAL options, reopen the flow log once (an INFO
    line); returns stderr."""
    if os.path.exists(log):
        os.unlink(log)
    args = ["-c", conf, "--replay", SAMPLE, "--duration", "3",
            "--no-progress"]
    if eal:
        args = ["--no-huge", "-m", "1024", "--no-pci", "-l", "0-1",
                "--file-prefix", "xbgwlog%d" % os.getpid()] + eal + \
               ["--"] + args
    proc = xbtest.spawn_xbgw(args)
    end = time.time() + 60
    while not os.path.exists(log) and time.time() < end and \
            proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=120)
    F.check(proc.returncode == 0, "xbgw %s exited %s: %s" %
            (eal, proc.returncode, err))
    return out + err


text = run_and_reopen([])
lines = [l for l in text.splitlines() if "flow log" in l and "reopened" in l]
F.check(len(lines) == 1 and lines[0].startswith("xbgw: "),
        "the reopen line is not one 'xbgw: ' line: %r" % lines)
F.check("legacy" not in text.lower(), "legacy telemetry notice printed")
# The same line is gone at --log-level=xbgw:warning and present at
# xbgw:info: it is logged under the type "xbgw".
text = run_and_reopen(["--log-level=xbgw:warning"])
F.check("reopened" not in text,
        "--log-level=xbgw:warning did not silence an INFO line of xbgw")
text = run_and_reopen(["--log-level=*:warning", "--log-level=xbgw:info"])
F.check("xbgw: flow log" in text,
        "--log-level=xbgw:info did not bring back the INFO line")
F.check("legacy" not in text.lower(),
        "with EAL options of the user's, the legacy notice is back")
F.exit()
