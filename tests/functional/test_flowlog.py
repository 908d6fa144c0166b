#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The flow log as a config key ([flowlog] file): appended across runs
(a restart never truncates it), overridden by --flow-log, and reopened on
SIGUSR1 and SIGHUP so logrotate can rename it: records written after the
signal land in a new file of the configured name, none is cut or lost."""
import json
import os
import signal
import time

import xbtest

F = xbtest.begin()
SAMPLE = os.path.join(xbtest.BUILD, "scripts", "sample.pcap")
if not os.path.exists(SAMPLE):
    xbtest.skip("no sample capture (%s)" % SAMPLE)

# Relative to the config file, like every path of the config.
conf, tmp = xbtest.conf_with("[flowlog]\nfile = flows.jsonl")
log = os.path.join(os.path.dirname(conf), "flows.jsonl")


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def valid(path):
    """Every line one complete JSON record (nothing cut by a reopen)."""
    try:
        return all(json.loads(l)["proto"] >= 0 for l in lines(path))
    except (ValueError, KeyError):
        return False


# 1. Appended across two runs.
_, p, _ = xbtest.replay([SAMPLE], conf=conf)
first = lines(log)
F.check(len(first) > 0, "run 1 wrote no flow record to [flowlog] file")
_, p, _ = xbtest.replay([SAMPLE], conf=conf)
both = lines(log)
F.check(len(both) == 2 * len(first),
        "after two runs the log has %d records, expected %d (appended)" %
        (len(both), 2 * len(first)))
F.check(both[:len(first)] == first, "run 2 changed run 1's records")
F.check(valid(log), "the appended log has a line that is not a record")

# 2. --flow-log overrides the key (and the configured file is untouched).
other = os.path.join(tmp, "other.jsonl")
_, p, _ = xbtest.replay([SAMPLE], ["--flow-log", other], conf=conf)
F.check(os.path.exists(other) and len(lines(other)) == len(first),
        "--flow-log did not get the run's records")
F.check(len(lines(log)) == len(both), "--flow-log run wrote to [flowlog] file")

# 3. Reopened on SIGUSR1 and SIGHUP while xbgw runs.
os.unlink(log)
proc = xbtest.spawn_xbgw(["-c", conf, "--replay", SAMPLE, "--duration", "8",
                          "--no-progress"])
end = time.time() + 60
while not os.path.exists(log) and time.time() < end and proc.poll() is None:
    time.sleep(0.05)
F.check(os.path.exists(log), "the flow log was not created at start")
time.sleep(0.5)
rotated = []
for n, sig in ((1, signal.SIGUSR1), (2, signal.SIGHUP)):
    old = log + "." + str(n)
    os.rename(log, old)
    rotated.append(old)
    proc.send_signal(sig)
    end = time.time() + 10
    while not os.path.exists(log) and time.time() < end:
        time.sleep(0.05)
    F.check(os.path.exists(log),
            "%s did not reopen the flow log under its name" % sig.name)
out, err = proc.communicate(timeout=120)
F.check(proc.returncode == 0, "xbgw exited %s: %s" % (proc.returncode, err))
F.check(err.count("xbgw: flow log %s reopened" % log) == 2,
        "expected two 'flow log ... reopened' lines, got: %s" % err)
F.check(len(lines(log)) > 0,
        "no record landed in the new file after the reopen")
for f in rotated + [log]:
    F.check(valid(f), "%s: a line is not a complete record" % f)
total = sum(len(lines(f)) for f in rotated + [log])
F.check(total >= len(first),
        "records over the rotated files: %d, fewer than one pass's %d" %
        (total, len(first)))
F.exit()
