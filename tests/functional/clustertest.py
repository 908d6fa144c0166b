# SPDX-License-Identifier: BSD-3-Clause
"""Gateways of the cluster tests (issue 18), several at once on a small
shared machine.

Each gateway runs on 4 KB pages (`--no-huge -m 1024`) with the smallest
mbuf pool and a small flow table, so that four of them, and the other
tests that run beside them, never compete for hugepages (a gateway that
could not get its mbuf pool failed the test before).  Its stderr goes to
a file, not a pipe (a pipe nobody reads while the test waits on
PostgreSQL would block the gateway once 64 KB of log lines fill it).

Every wait has a deadline and fails loudly: die() prints what it waited
for, each gateway's state (running, or its exit status) and the end of
its stderr, kills what still runs, stops PostgreSQL and exits 1, keeping
the temp dirs.  No wait ends silently to fail later on a confusing check.

    cl = clustertest.Cluster(F, tmp, pg)
    g = cl.start("gw1", conf, capture, ["--duration", "20"])
    cl.wait_sql("SELECT count(*) FROM xb_grants", lambda o: o != "0",
                "a first grant", timeout=30, watch=[g])
    err = g.finish(timeout=60)     # its stderr; dies unless exit 0
"""
import csv
import glob
import os
import subprocess
import sys
import time

import pcapgen
import xbtest

# Memory of one gateway (MB of 4 KB pages, touched only as used): the
# repository's world geo FIB, the mbuf pool (its minimum, sized from
# ports and workers) and the flow table, twice over for a reload, which
# builds the new ruleset beside the old (384 ran a gateway, 256 did not:
# mbuf pool; 512 failed a reload: FIB).
MEMORY_MB = 1024
# Config every cluster test gateway gets: the smallest mbuf pool the
# config allows (the pool is never below what ports and workers need) and
# a flow table that holds the tests' few thousand flows.
SMALL = "[ports]\nmbufs = 1024\n[flows]\ncapacity = 4096\n"
FRAME = 1514


def eal_args(prefix):
    cores = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    return ["-l", cores, "--file-prefix=" + prefix, "--no-huge", "-m", str(MEMORY_MB),
            "--no-pci", "--log-level=lib.eal:warning", "--log-level=lib.telemetry:error"]


def capture(path, t0, prefixes, n=1000, gap_ns=1000, dst="8.8.8.8"):
    """n UDP frames of FRAME bytes per prefix ("10.1.0": sources
    10.1.0.1..200), interleaved, gap_ns apart from t0 (ns)."""
    frames = []
    for i in range(n):
        for k, p in enumerate(prefixes):
            frames.append((t0 + i * gap_ns + k * (gap_ns // (len(prefixes) + 1)),
                           pcapgen.udp_frame("%s.%d" % (p, 1 + i % 200), dst,
                                             1000 + i, 443, size=FRAME)))
    return pcapgen.write_pcap(path, frames)


def files_usage(state):
    """{(tenant, month): bytes} of a gateway's usage files."""
    out = {}
    for path in glob.glob(os.path.join(state, "usage-*.csv")):
        with open(path) as f:
            for row in csv.reader(l for l in f if not l.startswith("#")):
                if row[0] == "month":
                    continue
                key = (row[1], int(row[0].replace("-", "")))
                out[key] = out.get(key, 0) + int(row[6])
    return out


class Gateway:
    """One xbgw replay process of the cluster."""

    def __init__(self, cluster, name, conf, cap, args, clock):
        cluster.count += 1
        self.cluster = cluster
        self.name = name
        self.prefix = "xbcl%d-%s-%d" % (os.getpid(), name, cluster.count)
        tag = "%s-%d" % (name, cluster.count)
        self.stats = os.path.join(cluster.tmp, "stats-%s.json" % tag)
        self.err_path = os.path.join(cluster.tmp, "stderr-%s.txt" % tag)
        self.started = time.time()
        self.ended = None
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(
                [xbtest.BIN] + eal_args(self.prefix) +
                ["--", "-c", conf, "--replay", cap, "--no-progress", "--clock", clock,
                 "--stats-json", self.stats] + list(args),
                stdout=subprocess.DEVNULL, stderr=err)

    @property
    def pid(self):
        return self.proc.pid

    def socket(self):
        return xbtest.telemetry_socket(self.prefix)

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def describe(self):
        rc = self.proc.poll()
        state = "running" if rc is None else "exit %d" % rc
        return "%s (pid %d, %s), stderr %s:\n%s" % (
            self.name, self.pid, state, self.err_path, self.stderr()[-2500:])

    def finish(self, timeout):
        """Wait for the exit (dies after timeout s, or on an exit status
        other than 0); returns its stderr."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.cluster.die("%s did not end within %d s" % (self.name, timeout))
        self.ended = time.time()
        if self.proc.returncode != 0:
            self.cluster.die("%s failed" % self.name)
        return self.stderr()

    def kill(self, sig):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        self.ended = time.time()

    def doc(self):
        return xbtest.read_json(self.stats)


class Cluster:
    """The gateways of one test and the PostgreSQL they share."""

    def __init__(self, failures, tmp, pg):
        self.F = failures
        self.tmp = tmp
        self.pg = pg
        self.gateways = []
        self.count = 0

    def start(self, name, conf, cap, args, clock="capture"):
        g = Gateway(self, name, conf, cap, args, clock)
        self.gateways.append(g)
        return g

    def die(self, why):
        """Fail now: why, every gateway's state and stderr; exit 1."""
        print("FAIL: " + why)
        for g in self.gateways:
            print("--- " + g.describe())
        for g in self.gateways:
            if g.proc.poll() is None:
                g.proc.kill()
                g.proc.wait()
        try:
            print("--- PostgreSQL log (end):\n" + open(self.pg.log).read()[-1500:])
        except OSError:
            pass
        self.pg.stop("immediate")
        self.F.check(False, why)
        self.F.exit()
        sys.exit(1)  # F.exit() exits 1 with a failure recorded

    def wait_sql(self, text, pred, what, timeout=30, watch=()):
        """Poll text until pred(its output) holds; dies after timeout s,
        or as soon as a watched gateway has exited.  Returns the output."""
        deadline = time.time() + timeout
        out = None
        while time.time() < deadline:
            try:
                out = self.pg.sql(text)
                if pred(out):
                    return out
            except RuntimeError as e:
                out = str(e)
            for g in watch:
                if g.proc.poll() is not None:
                    self.die("waiting for %s: %s exited (last answer %r)" % (what, g.name, out))
            time.sleep(0.2)
        self.die("waiting for %s: not within %d s (last answer %r)" % (what, timeout, out))

    def sql(self, text):
        try:
            return self.pg.sql(text)
        except RuntimeError as e:
            self.die("SQL failed: %s: %s" % (text, e))

    def conf(self, name, tables, cluster_keys="", extra="", dsn=None):
        """A gateway's config of the test's own tables: its state dir and
        event log in the temp dir, [cluster] with dsn (PostgreSQL's by
        default), gateway name and cluster_keys (INI lines), then extra
        INI text and the small pool and flow table.  Returns (conf path,
        state dir)."""
        state = os.path.join(self.tmp, "state-" + name)
        path = xbtest.own_config(tables, extra=(
            "[state]\ndir = %s\n[events]\nfile = %s/events.jsonl\n"
            "[cluster]\ndsn = %s\ngateway = %s\n%s\n%s\n%s"
            % (state, state, dsn or self.pg.dsn, name, cluster_keys, extra, SMALL)))[0]
        return path, state

    def ledger(self, gateway):
        """{(tenant, month): bytes} of the gateway's ledger rows."""
        rows = self.sql("SELECT tenant, month, sum(bytes) FROM xb_ledger WHERE gateway = '%s' "
                        "GROUP BY tenant, month" % gateway)
        return {(t, int(m)): int(b) for t, m, b in (l.split("|") for l in rows.splitlines() if l)}

    def granted(self, gateway, tenant, where=""):
        return int(self.sql("SELECT COALESCE(sum(granted), 0) FROM xb_grants WHERE gateway = '%s' "
                            "AND tenant = '%s' %s" % (gateway, tenant, where)))
