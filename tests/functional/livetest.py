# SPDX-License-Identifier: BSD-3-Clause
"""Live-port functional tests on real kernel interfaces: a private network
namespace per test (unique name, always deleted), xbgw inside it on AF_XDP
or net_tap ports, tcpreplay feeding a real capture, tcpdump watching what
comes out.  Skips (77) without root, `ip netns`, tcpreplay or tcpdump:

    F = xbtest.begin(needs=lt.NEEDS)
    cap = lt.capture()
"""
import os
import signal
import struct
import subprocess
import sys
import time

import pcapgen
import xbtest

# Root (network namespaces, XDP), the tools, the real captures.
NEEDS = ("root", "ip", "tcpreplay", "tcpdump", "shared")
CAPTURE = "instagram.pcap"   # Ethernet, 847 frames, none above 1514 bytes


def capture():
    """The capture the live tests replay (skip when it is absent)."""
    cap = os.path.join(os.path.dirname(xbtest.PCAPS[0]), CAPTURE)
    if not os.path.exists(cap):
        xbtest.skip("%s not found" % cap)
    return cap


def write_pcap(path, header, frames):
    """frames after a classic pcap file header, 1000 a second apart."""
    with open(path, "wb") as f:
        f.write(header)
        e = pcapgen.MAGIC[header[:4]][0]
        for i, fr in enumerate(frames):
            f.write(struct.pack(e + "IIII", i // 1000, (i % 1000) * 1000,
                                len(fr), len(fr)))
            f.write(fr)


def five_tuple(frame):
    """(proto, (src, sport), (dst, dport)) of an untagged IPv4/IPv6 TCP/UDP
    frame, else None."""
    et = struct.unpack("!H", frame[12:14])[0]
    if et == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0xF) * 4
        proto = frame[23]
        src, dst = frame[26:30], frame[30:34]
        l4 = 14 + ihl
    elif et == 0x86DD and len(frame) >= 54:
        proto = frame[20]
        src, dst = frame[22:38], frame[38:54]
        l4 = 54
    else:
        return None
    if proto not in (6, 17) or len(frame) < l4 + 4:
        return None
    sp, dp = struct.unpack("!HH", frame[l4:l4 + 4])
    return proto, (src, sp), (dst, dp)


def split_by_direction(frames):
    """Initiator->responder frames and the rest (the flow's first packet
    names the initiator; non-TCP/UDP frames go with the first list)."""
    init, fwd, rev = {}, [], []
    for fr in frames:
        t = five_tuple(fr)
        if t is None:
            fwd.append(fr)
            continue
        key = (t[0],) + tuple(sorted([t[1], t[2]]))
        first = init.setdefault(key, t[1])
        (fwd if first == t[1] else rev).append(fr)
    return fwd, rev


def write_config(tmp, pairs, queues=1, extra=""):
    """The default config with absolute table paths and live ports."""
    src = xbtest.DEFAULT_CONF
    base = os.path.dirname(os.path.abspath(src))
    out, section = [], None
    with open(src) as f:
        for line in f:
            s = line.strip()
            if s.startswith("["):
                section = s
            if section == "[tables]" and "=" in s and not s.startswith(";"):
                k, v = s.split("=", 1)
                vals = [os.path.join(base, x.strip()) for x in v.split(",")]
                line = "%s = %s\n" % (k.strip(), ", ".join(vals))
            if section == "[ports]" and s.startswith("queues"):
                line = "queues = %d\npairs = %s\n" % (queues, pairs)
            out.append(line)
    path = os.path.join(tmp, "xbgw.conf")
    with open(path, "w") as f:
        f.write("".join(out) + extra)
    return path


class Netns:
    """A private namespace: run commands in it, always deleted."""

    def __init__(self, tag):
        self.name = "xbt-%s-%d" % (tag, os.getpid())
        self.procs = []
        subprocess.run(["ip", "netns", "del", self.name],
                       stderr=subprocess.DEVNULL)
        r = subprocess.run(["ip", "netns", "add", self.name],
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            xbtest.skip("ip netns add failed: " + r.stderr.strip())
        # No IPv6 chatter (RS, MLD, DAD) from the kernel on our links:
        # the test counts every frame.
        for k in ("all", "default"):
            self.run("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % k)
        self.run("ip", "link", "set", "lo", "up")

    def cmd(self, *args):
        return ["ip", "netns", "exec", self.name] + list(args)

    def run(self, *args, check=True, timeout=60):
        r = subprocess.run(self.cmd(*args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
        return r

    def spawn(self, args, out, err):
        p = subprocess.Popen(self.cmd(*args), stdout=out, stderr=err)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["ip", "netns", "del", self.name],
                       stderr=subprocess.DEVNULL)


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for " + what)


def file_has(path, text, count=1):
    try:
        with open(path) as f:
            return f.read().count(text) >= count
    except OSError:
        return False


class Capture:
    """tcpdump on an interface, frames the kernel receives there."""

    def __init__(self, ns, iface, tmp, direction="in"):
        self.path = os.path.join(tmp, "seen-%s.pcap" % iface)
        self.err = os.path.join(tmp, "tcpdump-%s.err" % iface)
        # --immediate-mode: no block timeout, every frame is written as it
        # arrives (SIGINT does not drain what the ring still holds).
        self.p = ns.spawn(["tcpdump", "-i", iface, "-Q", direction, "-U",
                           "--immediate-mode", "-B", "32768",
                           "-n", "-s", "0", "-w", self.path],
                          subprocess.DEVNULL, open(self.err, "w"))
        wait_for(lambda: file_has(self.err, "listening on"), 10,
                 "tcpdump on " + iface)

    def stop(self):
        # Until the file stops growing (at most 10 s).
        last, stable = -1, 0
        for _ in range(100):
            size = os.path.getsize(self.path) if os.path.exists(self.path) else 0
            stable = stable + 1 if size == last else 0
            if stable >= 5:
                break
            last = size
            time.sleep(0.1)
        self.p.send_signal(signal.SIGINT)
        self.p.wait(timeout=10)
        with open(self.err) as f:
            for line in f:
                if "dropped by kernel" in line and not line.startswith("0 "):
                    # The comparison would be meaningless: say so.
                    raise RuntimeError("tcpdump lost frames: " + line.strip())
        return pcapgen.read_frames(self.path)


class Xbgw:
    """xbgw in the namespace, with its own EAL file prefix."""

    def __init__(self, ns, tmp, conf, lcores, vdevs, ready_text, ready_count):
        self.tmp = tmp
        self.stats = os.path.join(tmp, "stats.json")
        self.flows = os.path.join(tmp, "flows.jsonl")
        self.out = os.path.join(tmp, "xbgw.out")
        self.errf = os.path.join(tmp, "xbgw.err")
        opt = "--lcores" if "@" in lcores else "-l"
        args = [xbtest.BIN, opt, lcores, "--no-pci", "--no-huge", "-m",
                "2048", "--file-prefix", "xbt%d" % os.getpid(),
                "--log-level=lib.eal:error"]
        for v in vdevs:
            args += ["--vdev", v]
        args += ["--", "-c", conf, "--no-progress", "--stats-json",
                 self.stats, "--flow-log", self.flows]
        self.p = ns.spawn(args, open(self.out, "w"), open(self.errf, "w"))
        try:
            wait_for(lambda: file_has(self.errf, ready_text, ready_count) or
                     self.p.poll() is not None, 30, "xbgw ports")
        except RuntimeError:
            self.dump()
            raise
        if self.p.poll() is not None:
            self.dump()
            raise RuntimeError("xbgw exited early (%d)" % self.p.returncode)

    def dump(self):
        for f in (self.out, self.errf):
            with open(f) as fh:
                sys.stdout.write(fh.read())

    def terminate(self, sig=signal.SIGTERM):
        """Signal xbgw and return (exit code, stats, flow records)."""
        self.p.send_signal(sig)
        rc = self.p.wait(timeout=30)
        stats, flows = None, []
        if os.path.exists(self.stats):
            stats = xbtest.read_json(self.stats)
        if os.path.exists(self.flows):
            flows = xbtest.read_jsonl(self.flows)
        return rc, stats, flows


def replay(ns, iface, pcap, pps=None):
    args = ["tcpreplay", "-q", "-i", iface]
    args += ["--pps=%d" % pps] if pps else ["-t"]
    ns.run(*(args + [pcap]), timeout=60)


def check_forwarded(F, seen, sent, stats, what):
    """tcpdump saw exactly what xbgw says it forwarded, frame for frame."""
    F.check(len(seen) == stats["packets"]["tx"],
            "%s: tcpdump saw %d frames, xbgw says tx %d" %
            (what, len(seen), stats["packets"]["tx"]))
    pool = {}
    for fr in sent:
        pool[fr] = pool.get(fr, 0) + 1
    foreign = 0
    for fr in seen:
        if pool.get(fr, 0) > 0:
            pool[fr] -= 1
        else:
            foreign += 1
    F.check(foreign == 0, "%s: %d frames seen that were never sent" %
            (what, foreign))


def check_flow_log(F, stats, flows, what):
    pk = stats["packets"]
    F.check(xbtest.conservation(stats), "%s: rx != tx + drops" % what)
    total = sum(r["packets"] for r in flows)
    want = pk["rx"] - pk["not_ip"] - pk["drop"]["malformed"]
    F.check(total == want, "%s: flow log holds %d packets, expected %d" %
            (what, total, want))
    F.check(stats["flows"]["logged"] == len(flows),
            "%s: %d flows logged, file has %d" %
            (what, stats["flows"]["logged"], len(flows)))
