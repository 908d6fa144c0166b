#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Several gateways as one channel (issue 18): one gateway cut off from
PostgreSQL while the other goes on, against a real PostgreSQL 15 started
here (pgtest.py) on its Unix socket and on a TCP port of 127.0.0.1.

gw1 reaches PostgreSQL only through a TCP proxy run by this test (its dsn
names the proxy's port); gw2 through the Unix socket.  Both carry the same
two tenants, with quotas large enough not to run out: `term` (class sme:
on_unreachable terminate) and `cont` (enterprise: continue with an
allowance).  The proxy is cut twice:

1. closed: the listener and every open connection closed (FIN), so a
   reconnection is refused at once;
2. silent: the connections stay open, the listener still accepts, and
   nothing is forwarded any more, either way: a black hole the TCP stack
   cannot see (its peer, the proxy, acknowledges everything), as a hung
   pooler or a PostgreSQL stalled in a synchronous commit would look.
   Only the gateway's own deadline on each round trip can notice it.

Each time:
- gw1 reports the outage within the bound CLUSTER.md states (telemetry
  /xbgw/cluster reachable 0), then follows on_unreachable: `term`
  forwards no more than PostgreSQL granted it (+ one frame per worker),
  `cont` draws on its allowance and no more than its grants + allowance;
- gw2 goes on: new grants for both tenants (xb_grants rows with a larger
  seq) and new usage in its ledger during the cut;
- after restore(), gw1 reports PostgreSQL reachable again and registers
  the allowance once, as a forced grant.
At the end: the outage and return logged and in the event log twice on
gw1, never on gw2; both gateways forwarded no more than their grants
(+ allowances for cont); both tenants got grants again after the last
return; the ledger equals every gateway's usage files exactly; each
pool's debits equal the sum of its grants.
"""
import os
import signal
import socket
import threading
import time

import clustertest
import pgtest
import xbtest

F = xbtest.begin()
if not pgtest.available():
    xbtest.skip("PostgreSQL 15 not installed (scripts/install-deps.sh installs postgresql-15)")

FRAME = clustertest.FRAME
GRANT_MAX = 20 * 10**6
# Larger than a grant: PostgreSQL's sum of gw1's grants may include one
# whose answer the cut lost (the thread asks one at a time, so at most
# one), and the allowance must still show above it.
ALLOWANCE = 3 * GRANT_MAX
# Outage detection bounds of app/ctl/CLUSTER.md ("Detecting an outage"),
# default period_ms: a closed connection at the next round trip (the
# next heartbeat starts within 1.05 s, + the main lcore's 10 ms poll); a
# silent one when that round trip's 5 s deadline passes.  MARGIN:
# scheduling on a loaded 2-core machine (the cluster thread, the main
# lcore, this test's telemetry poll).
DETECT_CLOSED = 1.06
DETECT_SILENT = 6.06
# Back: a connection attempt into the black hole may be under way when it
# heals (connect_timeout, 2 s), then the next attempt (0.5 s later).
DETECT_BACK = 2.6
MARGIN = 2.0

TABLES = {
    "tenants": "tenant,name,class,quota_gb,over_quota\n"
               "term,Term Co,sme,1000,block\ncont,Cont Co,enterprise,1000,block\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,term\n10.3.0.0/16,cont\n",
    "categories": "category,name,list\nweb,Web,general\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,channel,0,*,*,*,*,*\n",
    "bands": "band,start,end\nall,00:00,00:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n*,*,*,*,1,USD\n",
}
TENANTS = ("term", "cont")


class Proxy:
    """127.0.0.1:port -> PostgreSQL's TCP port: a listener, and for each
    accepted connection one pump thread per direction.

    cut():     the listener and every connection closed (shutdown: FIN,
               and it wakes the pumps blocked in recv);
    silence(): nothing forwarded any more, nothing closed: data and EOFs
               swallowed, new connections accepted and never answered;
    restore(): forwarding again on the same port (connections swallowed
               during a silence are closed: their peers have given up)."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.port = xbtest.free_port()
        self.mu = threading.Lock()
        self.socks = []
        self.listener = None
        self.silent = False
        self.restore()

    @staticmethod
    def _close(s):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def restore(self):
        with self.mu:
            self.silent = False
            old, self.socks = self.socks, []
        for s in old:
            self._close(s)
        if self.listener is None:
            lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst.bind(("127.0.0.1", self.port))
            lst.listen(16)
            self.listener = lst
            threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def cut(self):
        with self.mu:
            lst, self.listener = self.listener, None
            old, self.socks = self.socks, []
        if lst is not None:
            self._close(lst)  # shutdown wakes the thread blocked in accept
        for s in old:
            self._close(s)

    def silence(self):
        with self.mu:
            self.silent = True

    def _accept(self, lst):
        while True:
            try:
                c, _ = lst.accept()
            except OSError:
                return  # cut
            with self.mu:
                silent = self.silent
                self.socks.append(c)
            if silent:
                continue  # a black hole: accepted, never answered
            try:
                u = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
                u.settimeout(None)
            except OSError:
                self._close(c)
                continue
            with self.mu:
                self.socks.append(u)
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if self.silent:
                if not data:
                    return  # an EOF swallowed too: the far side sees nothing
                continue
            if not data:
                break
            try:
                dst.sendall(data)
            except OSError:
                break
        self._close(src)
        self._close(dst)


tmp = xbtest.tmpdir("cluster")
pg = pgtest.Postgres(tmp, tcp_port=xbtest.free_port())
cl = clustertest.Cluster(F, tmp, pg)
proxy = Proxy(pg.tcp_port)
files_usage = clustertest.files_usage
ledger = cl.ledger
granted = cl.granted


def gateway_conf(name, dsn):
    return cl.conf(name, TABLES, dsn=dsn, cluster_keys=(
        "grant_max = %d\non_unreachable = sme:terminate,enterprise:continue:%d"
        % (GRANT_MAX, ALLOWANCE)))


def tenant_used(state, tenant):
    return sum(b for (t, _), b in files_usage(state).items() if t == tenant)


def max_seq(gateway, tenant):
    return int(cl.sql("SELECT COALESCE(max(seq), 0) FROM xb_grants WHERE gateway = '%s' "
                      "AND tenant = '%s'" % (gateway, tenant)))


def forced_rows(gateway, tenant):
    out = cl.sql("SELECT granted FROM xb_grants WHERE gateway = '%s' AND tenant = '%s' "
                 "AND forced ORDER BY seq" % (gateway, tenant))
    return [int(x) for x in out.split()]


def reachable(g):
    """gw's /xbgw/cluster reachable (None while the socket is not up)."""
    try:
        return xbtest.telemetry(g.socket(), "/xbgw/cluster")[1]["/xbgw/cluster"]["reachable"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def wait_reachable(g, want, since, bound, what):
    """Poll g's telemetry until reachable == want; dies after bound +
    MARGIN s from since.  Returns the seconds it took."""
    while True:
        if reachable(g) == want:
            return time.time() - since
        if g.proc.poll() is not None:
            cl.die("waiting for %s: %s exited" % (what, g.name))
        if time.time() - since > bound + MARGIN:
            cl.die("%s: not within %.1f s (+%.1f s margin)" % (what, bound, MARGIN))
        time.sleep(0.05)


def wait_until(pred, what, timeout):
    deadline = time.time() + timeout
    while not pred():
        for g in cl.gateways:
            if g.proc.poll() is not None:
                cl.die("waiting for %s: %s exited" % (what, g.name))
        if time.time() > deadline:
            cl.die("waiting for %s: not within %d s" % (what, timeout))
        time.sleep(0.2)


conf1, state1 = gateway_conf("gw1", pg.tcp_dsn.replace("port=%d" % pg.tcp_port,
                                                       "port=%d" % proxy.port))
conf2, state2 = gateway_conf("gw2", pg.dsn)
p = xbtest.run_xbgw(["-c", conf2, "--cluster-init"], check=False)
F.check(p.returncode == 0, "--cluster-init: exit %d: %s" % (p.returncode, p.stderr))
T0 = 1804000000 * 10**9
cap = clustertest.capture(os.path.join(tmp, "cutoff.pcap"), T0, ["10.1.0", "10.3.0"])
# Stopped by SIGINT once the phases are done; --duration only caps a
# test that went wrong.
g1 = cl.start("gw1", conf1, cap, ["--duration", "150"])
g2 = cl.start("gw2", conf2, cap, ["--duration", "150"])
cl.wait_sql("SELECT count(DISTINCT (gateway, tenant)) FROM xb_grants WHERE granted > 0 AND seq > 4",
            lambda o: o == "4", "grants of both tenants on both gateways",
            timeout=40, watch=[g1, g2])
wait_reachable(g1, 1, time.time(), 10, "gw1's telemetry")

snapshots = []
for phase, (cut, bound) in enumerate(((proxy.cut, DETECT_CLOSED), (proxy.silence, DETECT_SILENT)), 1):
    name = "closed" if phase == 1 else "silent"
    seq2 = {t: max_seq("gw2", t) for t in TENANTS}
    ledger2 = sum(ledger("gw2").values())
    t_cut = time.time()
    cut()
    took = wait_reachable(g1, 0, t_cut, bound, "gw1 reporting the %s cut" % name)
    print("%s cut: gw1 unreachable after %.2f s (bound %.2f s)" % (name, took, bound))
    # The other gateway goes on: new grants for both tenants, new usage
    # shipped to its ledger.
    cl.wait_sql("SELECT count(DISTINCT tenant) FROM xb_grants WHERE gateway = 'gw2' AND granted > 0 "
                "AND ((tenant = 'term' AND seq > %d) OR (tenant = 'cont' AND seq > %d))"
                % (seq2["term"], seq2["cont"]),
                lambda o: o == "2", "gw2's grants during the %s cut" % name, timeout=20,
                watch=[g1, g2])
    wait_until(lambda: sum(ledger("gw2").values()) > ledger2,
               "gw2's ledger growing during the %s cut" % name, 20)
    # The cut one follows on_unreachable: cont spends its allowance (its
    # usage passes what PostgreSQL granted it, even counting a grant whose
    # answer the cut lost), then stops with term.
    wait_until(lambda: tenant_used(state1, "cont") > granted("gw1", "cont") + GRANT_MAX,
               "gw1's cont drawing on its allowance during the %s cut" % name, 20)
    time.sleep(1.5)  # a checkpoint more, with both tenants refused
    snapshots.append((name, {t: (tenant_used(state1, t), granted("gw1", t)) for t in TENANTS}))
    t_back = time.time()
    proxy.restore()
    took = wait_reachable(g1, 1, t_back, DETECT_BACK, "gw1 reporting PostgreSQL back after the %s cut" % name)
    print("%s cut restored: gw1 reachable after %.2f s" % (name, took))
    wait_until(lambda: len(forced_rows("gw1", "cont")) >= phase,
               "gw1's allowance registered after the %s cut" % name, 15)

back = {t: max_seq("gw1", t) for t in TENANTS}
cl.wait_sql("SELECT count(DISTINCT tenant) FROM xb_grants WHERE gateway = 'gw1' AND granted > 0 "
            "AND NOT forced AND ((tenant = 'term' AND seq > %d) OR (tenant = 'cont' AND seq > %d))"
            % (back["term"], back["cont"]),
            lambda o: o == "2", "gw1's grants after the return", timeout=20, watch=[g1, g2])
outs = {}
for g in (g1, g2):
    g.proc.send_signal(signal.SIGINT)
for g in (g1, g2):
    outs[g.name] = g.finish(timeout=60)
workers = max(len(g.doc()["workers"]) for g in (g1, g2))
slack = workers * FRAME

for name, snap in snapshots:
    (tu, tg), (cu, cg) = snap["term"], snap["cont"]
    print("end of the %s cut, gw1: term used %d of %d granted; cont used %d of %d granted + %d" % (
        name, tu, tg, cu, cg, ALLOWANCE))
    F.check(tu <= tg + slack, "%s cut: gw1's terminate tenant used %d > granted %d + %d" % (
        name, tu, tg, slack))
    F.check(cg + GRANT_MAX < cu <= cg + ALLOWANCE + slack,
            "%s cut: gw1's continue tenant used %d, not within (granted %d + %d, + allowance %d + %d]" % (
                name, cu, cg, GRANT_MAX, ALLOWANCE, slack))

F.check(outs["gw1"].count("PostgreSQL unreachable") == 2 and
        outs["gw1"].count("reachable again") == 2,
        "gw1's outages logged twice:\n%s" % outs["gw1"][-1500:])
F.check("unreachable" not in outs["gw2"], "gw2 saw no outage:\n%s" % outs["gw2"][-1500:])
for name, state, n in (("gw1", state1, 2), ("gw2", state2, 0)):
    ev = [e.get("type") or e.get("event") for e in
          xbtest.read_jsonl(os.path.join(state, "events.jsonl"))]
    F.check(ev.count("cluster_unreachable") == n and ev.count("cluster_reachable") == n,
            "%s: %d outage events expected: %s" % (name, n, ev))

for gw, state in (("gw1", state1), ("gw2", state2)):
    usage = files_usage(state)
    for t in TENANTS:
        used, got = tenant_used(state, t), granted(gw, t)
        forced = forced_rows(gw, t)
        print("%s %s: used %d, granted %d (forced %s)" % (gw, t, used, got, forced))
        F.check(used <= got + slack, "%s %s used %d > granted %d + %d" % (gw, t, used, got, slack))
        want = [ALLOWANCE, ALLOWANCE] if (gw, t) == ("gw1", "cont") else []
        F.check(forced == want, "%s %s: forced grants %s, expected %s" % (gw, t, forced, want))
    lu = ledger(gw)
    F.check(usage == lu and usage, "%s: ledger %s != usage files %s" % (gw, lu, usage))
pools = cl.sql("SELECT p.tenant, p.month, p.granted_bytes, (SELECT COALESCE(sum(g.granted), 0) "
               "FROM xb_grants g WHERE g.tenant = p.tenant AND g.month = p.month) FROM xb_pools p")
for row in pools.splitlines():
    tenant, month, debited, grants = row.split("|")
    F.check(debited == grants, "pool %s %s debited %s != its grants %s" % (tenant, month, debited, grants))
F.check(len(pools.splitlines()) == 2, "one pool per tenant: %s" % pools)
proxy.cut()
pg.stop("fast")
F.exit()
