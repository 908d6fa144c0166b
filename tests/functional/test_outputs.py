#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What a run leaves behind and writes (issue 16):

- no DPDK runtime directory (/var/run/dpdk/<file-prefix>) after a run,
  whatever its end: a normal replay, --check-config, a config error, a
  runtime failure, SIGTERM in the middle of a replay, with xbgw's own private prefix or
  one given on the command line;
- a bad --stats-json / --flow-log / --pcap-out path is a usage error
  (exit 2, one line naming the option, the path and the reason) at once,
  before EAL starts or a packet flows, and leaves no file behind; a valid
  one that the check creates is gone again when the run fails later, and
  an existing one is not truncated by it;
- --pcap-out under --clock capture writes every forwarded frame with its
  capture timestamp, to the nanosecond for a nanosecond capture (and a
  nanosecond pcap), to the microsecond for a microsecond one; with two
  workers too; under the wall clock, the time the run wrote it."""
import errno
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import pcapgen  # noqa: E402
import xbtest  # noqa: E402

F = xbtest.Failures()
tmp = tempfile.mkdtemp(prefix="xbgw-outputs-")
# EAL options of the runs with an explicit prefix: no hugepages, so that
# nothing here depends on what other processes hold.
EAL = ["-l", "0,1", "--no-pci", "--no-huge", "-m", "2048",
       "--log-level=lib.eal:warning"]


def runtime_base():
    """Where EAL 22.11 puts runtime directories (eal_get_runtime_dir)."""
    if os.getuid() == 0:
        return "/var/run/dpdk"
    return os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")


def rundir(prefix):
    return os.path.join(runtime_base(), prefix)


def read_pcap(path):
    """(magic kind, [(ts_ns, frame)]) of a classic pcap, either byte
    order, read without libpcap."""
    with open(path, "rb") as f:
        data = f.read()
    magics = {b"\xd4\xc3\xb2\xa1": ("<", "us"), b"\xa1\xb2\xc3\xd4": (">", "us"),
              b"\x4d\x3c\xb2\xa1": ("<", "ns"), b"\xa1\xb2\x3c\x4d": (">", "ns")}
    endian, kind = magics[data[:4]]
    scale = 1 if kind == "ns" else 1000
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        out.append((sec * 10**9 + frac * scale, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return kind, out


def write_pcap_us(path, frames):
    """A microsecond pcap of (ts_ns, frame); ts_ns must be whole us."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, fr in frames:
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000,
                                len(fr), len(fr)))
            f.write(fr)


def tshark_times(path):
    """Frame timestamps as tshark prints them (9 decimals), or None."""
    if shutil.which("tshark") is None:
        return None
    p = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e",
                        "frame.time_epoch"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return [l for l in p.stdout.splitlines() if l]


def flows(n, t0, step, nano=True):
    """n UDP frames of a few flows that the default config forwards."""
    frames = []
    for i in range(n):
        ts = t0 + i * step
        if not nano:
            ts -= ts % 1000
        fr = pcapgen.udp_frame("192.168.1.%d" % (1 + i % 7), "8.8.8.8",
                               20000 + i % 13, 9999, payload=b"q%05d" % i,
                               size=64 + (i * 37) % 1400)
        frames.append((ts, fr))
    return frames


# ---- the runtime directory ------------------------------------------------

cap_ns = os.path.join(tmp, "ns.pcap")
# Sub-microsecond digits on every frame: a nanosecond capture.
ns_frames = flows(3000, 1600000000 * 10**9 + 123456789, 1000003)
pcapgen.write_pcap(cap_ns, ns_frames)

def gone(prefix, what):
    F.check(not os.path.exists(rundir(prefix)),
            "%s: %s is left behind: %s" % (what, rundir(prefix),
                                           sorted(os.listdir(rundir(prefix)))
                                           if os.path.isdir(rundir(prefix)) else "?"))


pfx = "xbo%d" % os.getpid()
# A normal replay, explicit prefix.
p = xbtest.run_xbgw(EAL + ["--file-prefix", pfx + "a", "--", "-c",
                           xbtest.DEFAULT_CONF, "--replay", cap_ns,
                           "--no-progress"], check=False)
F.check(p.returncode == 0, "replay: exit %d: %s" % (p.returncode, p.stderr[-800:]))
gone(pfx + "a", "replay")
# A normal replay with xbgw's own defaults: prefix xbgw<pid>.
p = subprocess.Popen([xbtest.BIN, "-c", xbtest.DEFAULT_CONF, "--replay", cap_ns,
                      "--no-progress"], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, text=True)
_, err = p.communicate(timeout=300)
F.check(p.returncode == 0, "replay (default EAL): exit %d: %s" % (p.returncode, err[-800:]))
gone("xbgw%d" % p.pid, "replay (default EAL)")
# --check-config: explicit prefix (honoured: the directory exists while
# the tables are checked), and its own default.
p = subprocess.Popen([xbtest.BIN, "--file-prefix", pfx + "c", "--", "-c",
                      xbtest.DEFAULT_CONF, "--check-config"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seen = False
while p.poll() is None:
    seen = seen or os.path.isdir(rundir(pfx + "c"))
    time.sleep(0.005)
F.check(p.returncode == 0, "--check-config: exit %d" % p.returncode)
F.check(seen, "--check-config: %s never existed (its --file-prefix ignored?)"
        % rundir(pfx + "c"))
gone(pfx + "c", "--check-config")
p = subprocess.Popen([xbtest.BIN, "-c", xbtest.DEFAULT_CONF, "--check-config"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
p.wait(timeout=300)
F.check(p.returncode == 0, "--check-config (default EAL): exit %d" % p.returncode)
gone("xbgw%d" % p.pid, "--check-config (default EAL)")
# A config error after EAL started: exit 1.
bad_conf = os.path.join(tmp, "bad.conf")
with open(bad_conf, "w") as f:
    f.write("[bogus]\nkey = 1\n")
p = xbtest.run_xbgw(EAL + ["--file-prefix", pfx + "e", "--", "-c", bad_conf,
                           "--replay", cap_ns, "--no-progress"], check=False)
F.check(p.returncode == 1, "config error: exit %d, expected 1" % p.returncode)
gone(pfx + "e", "config error")
# A runtime failure after EAL started (a capture that is not there): exit 3.
p = xbtest.run_xbgw(EAL + ["--file-prefix", pfx + "r", "--", "-c", xbtest.DEFAULT_CONF,
                           "--replay", os.path.join(tmp, "missing.pcap"),
                           "--no-progress"], check=False)
F.check(p.returncode == 3, "missing capture: exit %d, expected 3" % p.returncode)
gone(pfx + "r", "runtime failure")
# SIGTERM in the middle of a long replay: exit 0, statistics written.
stats = os.path.join(tmp, "sigterm.json")
p = subprocess.Popen([xbtest.BIN] + EAL + ["--file-prefix", pfx + "t", "--", "-c",
                     xbtest.DEFAULT_CONF, "--replay", cap_ns, "--duration", "600",
                     "--progress", "--stats-json", stats],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seen, buf, t_end = False, b"", time.time() + 120
while time.time() < t_end and p.poll() is None:
    chunk = os.read(p.stderr.fileno(), 4096)
    if not chunk:
        break
    buf += chunk
    if re.search(rb"rx [1-9][0-9]* pkts", buf):
        seen = True
        break
F.check(seen, "SIGTERM run: no progress line with packets: %r" % buf[-400:])
F.check(os.path.isdir(rundir(pfx + "t")),
        "SIGTERM run: %s does not exist while it runs (wrong path?)" % rundir(pfx + "t"))
p.send_signal(signal.SIGTERM)
try:
    p.communicate(timeout=60)
except subprocess.TimeoutExpired:
    p.kill()
    p.communicate()
F.check(p.returncode == 0, "SIGTERM: exit %s, expected 0" % p.returncode)
if F.check(os.path.exists(stats), "SIGTERM: no statistics document"):
    with open(stats) as f:
        doc = json.load(f)
    F.check(doc["packets"]["rx"] > 0 and xbtest.conservation(doc),
            "SIGTERM: statistics %s" % doc["packets"])
gone(pfx + "t", "SIGTERM")

# ---- output paths checked before the run ----------------------------------

afile = os.path.join(tmp, "a-file")
with open(afile, "w") as f:
    f.write("x")
bad_paths = [
    (os.path.join(tmp, "no-such-dir", "out"), errno.ENOENT),
    (tmp, errno.EISDIR),
    (os.path.join(afile, "out"), errno.ENOTDIR),
]


def run_quick(args):
    """A run that must end at once; None (a failure) if it does not."""
    try:
        return xbtest.run_xbgw(args, check=False, timeout=30)
    except subprocess.TimeoutExpired:
        F.check(False, "%s: still running after 30 s" % " ".join(args))
        return None


for opt in ("--stats-json", "--flow-log", "--pcap-out"):
    for path, err in bad_paths:
        t0 = time.time()
        p = run_quick(["-c", xbtest.DEFAULT_CONF, "--replay", cap_ns,
                       "--duration", "600", "--no-progress", opt, path])
        if p is None:
            continue
        dt = time.time() - t0
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        F.check(p.returncode == 2, "%s %s: exit %d, expected 2" % (opt, path, p.returncode))
        F.check(dt < 1.0, "%s %s: failed after %.2f s, expected at once" % (opt, path, dt))
        F.check(len(lines) == 1 and opt in lines[0] and path in lines[0] and
                os.strerror(err) in lines[0],
                "%s %s: expected one line naming the option, the path and %r, got %r"
                % (opt, path, os.strerror(err), p.stderr))
        F.check(not os.path.exists(os.path.join(tmp, "no-such-dir")),
                "%s: a directory was created" % opt)
# Two outputs on one file.
same = os.path.join(tmp, "same")
p = run_quick(["-c", xbtest.DEFAULT_CONF, "--replay", cap_ns, "--duration", "600",
               "--stats-json", same, "--flow-log", same])
if p is not None:
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    F.check(p.returncode == 2 and len(lines) == 1 and "same file" in lines[0],
            "same file twice: exit %d, %r" % (p.returncode, p.stderr))
# Valid paths and a run that fails later (config error, exit 1): the check
# leaves no new file behind and does not truncate an existing one.
new_out = os.path.join(tmp, "new.json")
old_out = os.path.join(tmp, "old.ndjson")
with open(old_out, "w") as f:
    f.write("previous run\n")
p = xbtest.run_xbgw(["-c", bad_conf, "--replay", cap_ns, "--stats-json", new_out,
                     "--flow-log", old_out], check=False)
F.check(p.returncode == 1, "valid outputs, bad config: exit %d, expected 1" % p.returncode)
F.check(not os.path.exists(new_out), "the output check left %s behind" % new_out)
with open(old_out) as f:
    F.check(f.read() == "previous run\n", "the output check truncated %s" % old_out)

# ---- --pcap-out timestamps ------------------------------------------------


def check_capture_times(tag, inp, want_kind, eal=None):
    """Replay inp under --clock capture; the output must hold tx frames,
    each with its input frame's timestamp (one worker: in input order)."""
    out = os.path.join(tmp, "out-%s.pcap" % tag)
    args = ["-c", xbtest.DEFAULT_CONF, "--replay", inp, "--no-progress",
            "--clock", "capture", "--pcap-out", out]
    stats = os.path.join(tmp, "stats-%s.json" % tag)
    if eal:
        args = eal + ["--file-prefix", "%s%s" % (pfx, tag), "--"] + args
    p = xbtest.run_xbgw(args + ["--stats-json", stats], check=False)
    if not F.check(p.returncode == 0, "%s: exit %d: %s" % (tag, p.returncode, p.stderr[-800:])):
        return
    with open(stats) as f:
        doc = json.load(f)
    kind, got = read_pcap(out)
    t_in = tshark_times(inp)
    if want_kind is None:  # ns when any input time has sub-us digits
        want_kind = "ns" if any(not t.endswith("000") for t in t_in) else "us"
    F.check(kind == want_kind, "%s: output is a %s pcap, expected %s" % (tag, kind, want_kind))
    F.check(len(got) == doc["packets"]["tx"] and xbtest.conservation(doc) and
            doc["mbufs_in_use_at_exit"] == 0,
            "%s: %d frames written, tx %d, %s, mbufs %d" % (
                tag, len(got), doc["packets"]["tx"], doc["packets"],
                doc["mbufs_in_use_at_exit"]))
    t_out = tshark_times(out)
    if t_in is None:  # no tshark: the test's own reader
        t_in = ["%d.%09d" % divmod(ts, 10**9) for ts, _ in read_pcap(inp)[1]]
        t_out = ["%d.%09d" % divmod(ts, 10**9) for ts, _ in got]
    if eal is None:
        # One worker: the forwarded frames in input order, each with
        # its own input timestamp.
        it = iter(t_in)
        F.check(all(t in it for t in t_out),
                "%s: output timestamps are not the input's (first %s, input %s)" %
                (tag, t_out[:2], t_in[:2]))
    else:
        F.check(sorted(t_out) == sorted(t_in) if len(t_out) == len(t_in) else
                set(t_out) <= set(t_in),
                "%s: output timestamps are not the input's" % tag)
    return got


got = check_capture_times("ns", cap_ns, "ns")
if got is not None:
    F.check(len(got) == len(ns_frames) and
            [ts for ts, _ in got] == [ts for ts, _ in ns_frames],
            "ns: %d frames, timestamps differ from the generated ones" % len(got))
    F.check([fr for _, fr in got] == [fr for _, fr in ns_frames],
            "ns: frame bytes differ from the input")
cap_us = os.path.join(tmp, "us.pcap")
us_frames = flows(2000, 1700000000 * 10**9 + 654321000, 777000, nano=False)
write_pcap_us(cap_us, us_frames)
got = check_capture_times("us", cap_us, "us")
if got is not None:
    F.check([ts for ts, _ in got] == [ts for ts, _ in us_frames],
            "us: timestamps differ from the generated ones")
# Two workers (the replay port spreads flows over two queues).
check_capture_times("w2", cap_ns, "ns", eal=["--lcores", "0@0,1@1,2@1", "--no-pci",
                                              "--no-huge", "-m", "2048",
                                              "--log-level=lib.eal:warning"])
# Real captures: a microsecond pcap, and a pcapng whose interfaces mix
# microsecond and nanosecond resolutions (so: a nanosecond output).
pcaps = xbtest.shared_pcaps() or []
for name, kind in (("quic.pcap", "us"), ("sites.pcapng", None)):
    path = next((x for x in pcaps if os.path.basename(x) == name), None)
    if path is None:
        print("%s: shared capture absent, skipped" % name)
    elif name.endswith(".pcapng") and shutil.which("tshark") is None:
        print("%s: no tshark to read it, skipped" % name)
    else:
        check_capture_times(name.replace(".", "-"), path, kind)

# Wall clock: the time the run wrote each frame.
out = os.path.join(tmp, "out-wall.pcap")
t0 = time.time_ns()
p = xbtest.run_xbgw(["-c", xbtest.DEFAULT_CONF, "--replay", cap_ns, "--no-progress",
                     "--pcap-out", out], check=False)
t1 = time.time_ns()
if F.check(p.returncode == 0, "wall: exit %d" % p.returncode):
    _, got = read_pcap(out)
    F.check(len(got) == len(ns_frames), "wall: %d frames of %d" % (len(got), len(ns_frames)))
    F.check(all(t0 <= ts <= t1 for ts, _ in got),
            "wall: timestamps outside the run (%d..%d): first %s" %
            (t0, t1, [ts for ts, _ in got[:2]]))

shutil.rmtree(tmp)
F.exit()
