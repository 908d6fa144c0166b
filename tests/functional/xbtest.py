# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for functional tests that drive the real xbgw binary.

Environment (set by tests/meson.build):
  XBGW_BIN          path of build/app/xbgw
  XBGW_SOURCE_ROOT  repository root (config/ lives there)
  XBGW_BUILD_ROOT   build directory
  XBGW_SHARED_DATA  ../shared/data (tests needing it skip when absent)
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

SKIP = 77

BIN = os.environ.get("XBGW_BIN", "build/app/xbgw")
SRC = os.environ.get("XBGW_SOURCE_ROOT", ".")
BUILD = os.environ.get("XBGW_BUILD_ROOT", "build")
SHARED = os.environ.get("XBGW_SHARED_DATA",
                        os.path.join(SRC, "..", "shared", "data"))
DEFAULT_CONF = os.path.join(SRC, "config", "xbgw.conf")


def shared_pcaps():
    d = os.path.join(SHARED, "pcap", "pcap")
    if not os.path.isdir(d):
        return None
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.endswith((".pcap", ".pcapng")))


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


def replay(files, extra=(), conf=DEFAULT_CONF, check=True):
    """Replay files; returns (stats dict, CompletedProcess, tmpdir)."""
    tmp = tempfile.mkdtemp(prefix="xbgw-test-")
    stats = os.path.join(tmp, "stats.json")
    args = ["-c", conf, "--replay", ",".join(files), "--no-progress",
            "--stats-json", stats] + list(extra)
    p = run_xbgw(args, check=check)
    doc = None
    if os.path.exists(stats):
        with open(stats) as f:
            doc = json.load(f)
    return doc, p, tmp


def conservation(doc):
    pk = doc["packets"]
    return pk["rx"] == pk["tx"] + sum(pk["drop"].values())


class Failures:
    def __init__(self):
        self.items = []

    def check(self, cond, msg):
        if not cond:
            self.items.append(msg)
            print("FAIL: " + msg)
        return cond

    def exit(self):
        if self.items:
            print("%d failure(s)" % len(self.items))
            sys.exit(1)
        print("ok")
        sys.exit(0)


def conf_with(extra):
    """A copy of the default config directory in a temp dir with extra
    INI text appended to xbgw.conf; returns (conf path, temp dir)."""
    import shutil
    tmp = tempfile.mkdtemp(prefix="xbgw-conf-")
    d = os.path.join(tmp, "config")
    shutil.copytree(os.path.join(SRC, "config"), d)
    path = os.path.join(d, "xbgw.conf")
    with open(path, "a") as f:
        f.write("\n" + extra + "\n")
    return path, tmp


def free_port(kind="tcp"):
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp"
                      else socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def drop_reasons():
    """Drop reason names from classifiers/common/xb_drop.h's X-macro."""
    import re
    with open(os.path.join(SRC, "classifiers", "common", "xb_drop.h")) as f:
        return re.findall(r'X\(\s*\w+\s*,\s*"(\w+)"', f.read())


REPO_CONF = os.path.abspath(os.path.join(SRC, "config"))


def own_config(tables, geo=("world-ipv4.csv",), extra=""):
    """A config of the test's own tables in a temp dir: geo sources and
    countries.csv from the repository, every other table from `tables`
    ({key: csv text}, e.g. {"tenants": "tenant,name,..."}), then `extra`
    INI text.  Returns (conf path, temp dir)."""
    tmp = tempfile.mkdtemp(prefix="xbgw-own-")
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
