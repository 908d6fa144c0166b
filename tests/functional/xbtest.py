# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for functional tests that drive the real xbgw binary.

Every test starts the same way, then keeps only what it tests:

    import xbtest

    F = xbtest.begin(needs=("shared",))

begin() exits 77 (meson's "skipped") when a need is missing and returns
the Failures collector; the test ends with F.exit(): 0 when every check
held (the temp dirs it made through this module removed), 1 otherwise
(the temp dirs kept and named).

Environment (set by tests/meson.build):
  XBGW_BIN          path of build/app/xbgw
  XBGW_SOURCE_ROOT  repository root (config/ lives there)
  XBGW_BUILD_ROOT   build directory
  XBGW_SHARED_DATA  ../shared/data (tests needing it skip when absent)
"""
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77

BIN = os.environ.get("XBGW_BIN", "build/app/xbgw")
SRC = os.environ.get("XBGW_SOURCE_ROOT", ".")
BUILD = os.environ.get("XBGW_BUILD_ROOT", "build")
SHARED = os.environ.get("XBGW_SHARED_DATA",
                        os.path.join(SRC, "..", "shared", "data"))
REPO_CONF = os.path.abspath(os.path.join(SRC, "config"))
DEFAULT_CONF = os.path.join(SRC, "config", "xbgw.conf")


def shared_pcaps():
    d = os.path.join(SHARED, "pcap", "pcap")
    if not os.path.isdir(d):
        return None
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.endswith((".pcap", ".pcapng")))


# The real captures of ../shared/data, [] without them.
PCAPS = shared_pcaps() or []
_tmpdirs = []


def skip(why):
    """End the test as skipped (exit 77), saying why."""
    print("SKIP: " + why)
    sys.exit(SKIP)


def begin(needs=()):
    """The start of every test: skip unless each need is met, then the
    Failures collector.  Needs: "shared" (the real captures), "root", or
    the name of a program that must be on PATH."""
    for need in needs:
        if need == "shared":
            if not PCAPS:
                skip("shared captures not found (XBGW_SHARED_DATA=%s)" % SHARED)
        elif need == "root":
            if os.geteuid() != 0:
                skip("needs root")
        elif shutil.which(need) is None:
            skip("%s not installed (scripts/install-deps.sh installs it)" % need)
    return Failures()


def tmpdir(tag):
    """A new temp dir, removed by F.exit() when the test passes."""
    d = tempfile.mkdtemp(prefix="xbgw-%s-" % tag)
    _tmpdirs.append(d)
    return d


class Failures:
    """The checks of one test: a failed check is printed at once and
    counted, the test goes on; exit() gives the verdict."""

    def __init__(self):
        self.items = []

    def check(self, cond, msg):
        if not cond:
            self.items.append(msg)
            print("FAIL: " + msg)
        return cond

    def exit(self):
        if self.items:
            if _tmpdirs:
                print("files kept in " + " ".join(_tmpdirs))
            print("%d failure(s)" % len(self.items))
            sys.exit(1)
        for d in _tmpdirs:
            shutil.rmtree(d, ignore_errors=True)
        print("ok")
        sys.exit(0)


def count_frames(path):
    """Count frames and captured bytes in a pcap or pcapng file, read
    independently of libpcap (so the test does not trust xbgw's reader)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    frames = 0
    nbytes = 0
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1",
                 b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = "<" if magic[0] in (0xd4, 0x4d) else ">"
        off = 24
        while off + 16 <= len(data):
            _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
            off += 16 + incl
            if off > len(data):
                break
            frames += 1
            nbytes += incl
        return frames, nbytes
    if magic == b"\x0a\x0d\x0d\x0a":
        off = 0
        endian = "<"
        while off + 12 <= len(data):
            btype = struct.unpack(endian + "I", data[off:off + 4])[0]
            if btype == 0x0A0D0D0A:
                bom = data[off + 8:off + 12]
                endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            blen = struct.unpack(endian + "I", data[off + 4:off + 8])[0]
            if blen < 12:
                break
            if btype == 6:  # enhanced packet block
                caplen = struct.unpack(endian + "I",
                                       data[off + 20:off + 24])[0]
                frames += 1
                nbytes += caplen
            elif btype == 3:  # simple packet block
                frames += 1
            off += blen
        return frames, nbytes
    raise ValueError("%s: not a pcap/pcapng file" % path)


def run_xbgw(args, check=True, timeout=300):
    """Run xbgw with default EAL arguments; returns CompletedProcess."""
    cmd = [BIN] + list(args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        sys.stderr.write("command failed (%d): %s\n%s\n%s\n" % (
            p.returncode, " ".join(cmd), p.stdout, p.stderr))
        raise SystemExit(1)
    return p


def spawn_xbgw(args):
    """Start xbgw (text pipes for stdout and stderr); returns the Popen."""
    return subprocess.Popen([BIN] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def replay(files, extra=(), conf=DEFAULT_CONF, check=True):
    """Replay files; returns (stats dict, CompletedProcess, tmpdir)."""
    tmp = tmpdir("test")
    stats = os.path.join(tmp, "stats.json")
    args = ["-c", conf, "--replay", ",".join(files), "--no-progress",
            "--stats-json", stats] + list(extra)
    p = run_xbgw(args, check=check)
    doc = read_json(stats) if os.path.exists(stats) else None
    return doc, p, tmp


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_jsonl(path):
    """The records of a JSON-lines file (flow log, event log): every line
    one JSON document."""
    with open(path) as f:
        return [json.loads(l) for l in f]


def edit(path, old, new):
    """Replace old by new in a text file; old must be there."""
    with open(path) as f:
        text = f.read()
    if old not in text:
        raise ValueError("%s: %r not found" % (path, old))
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def conservation(doc):
    pk = doc["packets"]
    return pk["rx"] == pk["tx"] + sum(pk["drop"].values())


def conf_with(extra):
    """A copy of the default config directory in a temp dir with extra
    INI text appended to xbgw.conf; returns (conf path, temp dir)."""
    tmp = tmpdir("conf")
    d = os.path.join(tmp, "config")
    shutil.copytree(os.path.join(SRC, "config"), d)
    path = os.path.join(d, "xbgw.conf")
    with open(path, "a") as f:
        f.write("\n" + extra + "\n")
    return path, tmp


def free_port(kind="tcp"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp"
                      else socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def drop_reasons():
    """Drop reason names from classifiers/common/xb_drop.h's X-macro."""
    with open(os.path.join(SRC, "classifiers", "common", "xb_drop.h")) as f:
        return re.findall(r'X\(\s*\w+\s*,\s*"(\w+)"', f.read())


def own_config(tables, geo=("world-ipv4.csv",), extra=""):
    """A config of the test's own tables in a temp dir: geo sources and
    countries.csv from the repository, every other table from `tables`
    ({key: csv text}, e.g. {"tenants": "tenant,name,..."}), then `extra`
    INI text.  Returns (conf path, temp dir)."""
    tmp = tmpdir("own")
    lines = ["[tables]",
             "geo = " + ",".join(os.path.join(REPO_CONF, "geo", g) for g in geo),
             "countries = " + os.path.join(REPO_CONF, "countries.csv")]
    for key, text in tables.items():
        with open(os.path.join(tmp, key + ".csv"), "w") as f:
            f.write(text)
        lines.append("%s = %s.csv" % (key, key))
    path = os.path.join(tmp, "xbgw.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + extra)
    return path, tmp


def telemetry_socket(prefix):
    """DPDK's telemetry socket of the xbgw run with EAL file prefix."""
    if os.getuid() == 0:
        return "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    return os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"),
                        "dpdk", prefix, "dpdk_telemetry.v2")


def telemetry(sock_path, cmd):
    """One telemetry command; returns (banner, reply), both decoded."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(70)
    s.connect(sock_path)
    banner = json.loads(s.recv(16384).decode())
    s.send(cmd.encode())
    reply = json.loads(s.recv(65536).decode())
    s.close()
    return banner, reply


def wait_rx(sock_path, proc, packets, timeout):
    """Poll /xbgw/stats until rx reaches packets (the ruleset is loaded and
    traffic flows), proc exits or timeout seconds pass; returns the last
    /xbgw/stats answer ({} when none)."""
    st = {}
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            _, r = telemetry(sock_path, "/xbgw/stats")
            st = r.get("/xbgw/stats") or {}
            if st.get("rx", 0) >= packets:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    return st
