#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""systemd notification (Type=notify) as the unit uses it, with a notify
socket of the test's own in place of systemd: READY=1 once the workers
run, WATCHDOG=1 pings at about half of WatchdogSec while the workers make
progress, STOPPING=1 at SIGTERM, RELOADING=1 then READY=1 around a
reload.  Skipped when xbgw was built without libsystemd."""
import os
import signal
import socket
import subprocess
import time

import xbtest

F = xbtest.begin()
SAMPLE = os.path.join(xbtest.BUILD, "scripts", "sample.pcap")
if not os.path.exists(SAMPLE):
    xbtest.skip("no sample capture (%s)" % SAMPLE)
nm = subprocess.run(["nm", "-D", "--undefined-only", xbtest.BIN],
                    stdout=subprocess.PIPE, text=True)
if "sd_notify" not in nm.stdout:
    xbtest.skip("xbgw built without libsystemd (libsystemd-dev missing)")

tmp = xbtest.tmpdir("notify")
path = os.path.join(tmp, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.2)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")
proc = subprocess.Popen([xbtest.BIN, "--", "-c", xbtest.DEFAULT_CONF,
                         "--replay", SAMPLE, "--duration", "60",
                         "--no-progress"], env=env,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True)
msgs = []  # (time, message)


def collect(until, stop=None):
    while time.time() < until:
        try:
            m = sock.recv(4096).decode()
        except socket.timeout:
            if proc.poll() is not None:
                return
            continue
        msgs.append((time.time(), m))
        if stop and stop in m:
            return


collect(time.time() + 90, stop="READY=1")
F.check(any("READY=1" in m for _, m in msgs), "no READY=1")
ready_at = len(msgs)
collect(time.time() + 4)
pings = [t for t, m in msgs[ready_at:] if m == "WATCHDOG=1"]
F.check(len(pings) >= 4,
        "%d WATCHDOG=1 in 4 s with WatchdogSec=1s, expected >= 4" %
        len(pings))
F.check(all(b - a < 1.0 for a, b in zip(pings, pings[1:])),
        "watchdog pings further apart than WatchdogSec: %r" % pings)
n = len(msgs)
proc.send_signal(signal.SIGHUP)
collect(time.time() + 60, stop="READY=1")
F.check(any("RELOADING=1" in m for _, m in msgs[n:]), "no RELOADING=1")
F.check(any("READY=1" in m for _, m in msgs[n:]),
        "no READY=1 after the reload")
n = len(msgs)
proc.send_signal(signal.SIGTERM)
collect(time.time() + 60, stop="STOPPING=1")
F.check(any("STOPPING=1" in m for _, m in msgs[n:]), "no STOPPING=1")
out, err = proc.communicate(timeout=120)
F.check(proc.returncode == 0, "xbgw exited %s: %s" % (proc.returncode, err))
sock.close()
F.exit()
