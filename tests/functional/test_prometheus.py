#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Prometheus endpoint: scrape the real binary during a replay; values are
monotonic between scrapes, every drop reason is present (zero included),
HELP/TYPE lines are there, other paths give 404, and `promtool check
metrics` accepts the body when promtool is installed."""
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import xbtest

F = xbtest.begin(needs=("shared",))
port = xbtest.free_port()
conf, _ = xbtest.conf_with("[prometheus]\nlisten = 127.0.0.1:%d\n" % port)
url = "http://127.0.0.1:%d" % port
proc = xbtest.spawn_xbgw(["-c", conf, "--replay", xbtest.PCAPS[0],
                          "--duration", "4", "--no-progress"])

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def parse(body):
    vals, types = {}, {}
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        if not m:
            F.check(False, "unparsable sample line %r" % line)
            continue
        vals[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return vals, types


def get(path):
    try:
        with urllib.request.urlopen(url + path, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, ""


scrapes = []
deadline = time.time() + 15
while time.time() < deadline and len(scrapes) < 3 and proc.poll() is None:
    try:
        st, ctype, body = get("/metrics")
    except (urllib.error.URLError, ConnectionError):
        time.sleep(0.2)  # not listening yet
        continue
    F.check(st == 200, "/metrics status %s" % st)
    F.check(ctype is not None and ctype.startswith("text/plain; version=0.0.4"),
            "content type %r" % ctype)
    if not scrapes and 'xbgw_packets_total{direction="rx"} 0\n' in body:
        # The endpoint listens before the replay's first packet: the
        # scrapes compared below are the ones taken while traffic flows.
        time.sleep(0.05)
        continue
    scrapes.append(body)
    if len(scrapes) == 1:
        st, _, _ = get("/nope")
        F.check(st == 404, "/nope: %s, expected 404" % st)
    time.sleep(0.8)
out, err = proc.communicate(timeout=60)
F.check(proc.returncode == 0, "xbgw exit %s: %s" % (proc.returncode, err))
if not F.check(len(scrapes) >= 2, "got %d scrapes, expected >= 2" % len(scrapes)):
    F.exit()

parsed = [parse(b) for b in scrapes]
vals, types = parsed[-1]
for reason in xbtest.drop_reasons():
    F.check('xbgw_drops_total{reason="%s"}' % reason in vals,
            "drop reason %s missing" % reason)
for name, typ in [("xbgw_packets_total", "counter"),
                  ("xbgw_bytes_total", "counter"),
                  ("xbgw_drops_total", "counter"),
                  ("xbgw_country_packets_total", "counter"),
                  ("xbgw_category_bytes_total", "counter"),
                  ("xbgw_tenant_packets_total", "counter"),
                  ("xbgw_ruleset_generation", "gauge"),
                  ("xbgw_reloads_total", "counter"),
                  ("xbgw_worker_packets_total", "counter"),
                  ("xbgw_worker_busy_cycles_total", "counter"),
                  ("xbgw_port_rx_packets_total", "counter"),
                  ("xbgw_port_rx_missed_total", "counter")]:
    F.check(types.get(name) == typ, "TYPE of %s: %r, expected %s" % (name, types.get(name), typ))
    F.check("# HELP %s " % name in scrapes[-1], "HELP line of %s" % name)
F.check(vals.get("xbgw_ruleset_generation") == 1, "generation 1")
rx = vals['xbgw_packets_total{direction="rx"}']
F.check(rx > 0, "no packets received by the last scrape")
# Per-dimension totals never exceed rx (every received IP packet is
# counted once per dimension; non-IP and malformed ones not at all).  A
# scrape reads the counters one after the other while workers run, so a
# scrape's totals are compared with the rx of the next scrape.
for (v_now, _), (v_next, _) in zip(parsed, parsed[1:]):
    rx_next = v_next['xbgw_packets_total{direction="rx"}']
    for dim in ("country", "category", "tenant"):
        tot = sum(v for k, v in v_now.items()
                  if k.startswith("xbgw_%s_packets_total{" % dim))
        F.check(0 < tot <= rx_next + 1e-9,
                "%s packets %d vs next rx %d" % (dim, tot, rx_next))
workers = sum(v for k, v in vals.items() if k.startswith("xbgw_worker_packets_total{"))
F.check(workers >= rx, "workers' packets %d < rx %d read before" % (workers, rx))
# Counters are monotonic from one scrape to the next.
for (a, ta), (b, _) in zip(parsed, parsed[1:]):
    for k, v in a.items():
        name = k.split("{")[0]
        if ta.get(name) == "counter" and k in b:
            F.check(b[k] >= v, "%s went down: %s -> %s" % (k, v, b[k]))
F.check(parsed[-1][0]['xbgw_packets_total{direction="rx"}'] >
        parsed[0][0]['xbgw_packets_total{direction="rx"}'],
        "rx did not grow between scrapes during the replay")

promtool = shutil.which("promtool")
if promtool:
    p = subprocess.run([promtool, "check", "metrics"], input=scrapes[-1],
                       text=True, capture_output=True)
    F.check(p.returncode == 0, "promtool check metrics: %s%s" % (p.stdout, p.stderr))
else:
    print("promtool not installed: lint skipped (scripts/install-deps.sh installs it)")
F.exit()
