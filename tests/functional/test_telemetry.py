#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK telemetry commands under /xbgw/ on the real binary during a replay:
/xbgw/stats (rx, tx, drops by reason, conservation-consistent), /xbgw/flows,
/xbgw/ruleset, /xbgw/reload (ok, generation 2); the reload event lands in
the hash-chained event log, which --verify-events accepts, and rejects at
the right line once a line is changed.  Also the stock dpdk-telemetry.py
when it is installed."""
import json
import os
import shutil
import subprocess
import time

import xbtest

F = xbtest.begin(needs=("shared",))
conf, _ = xbtest.conf_with("[events]\nfile = events.log\n")
events = os.path.join(os.path.dirname(conf), "events.log")
proc = xbtest.spawn_xbgw(["-c", conf, "--replay", xbtest.PCAPS[0],
                          "--duration", "6", "--no-progress"])
prefix = "xbgw%d" % proc.pid
sock_path = xbtest.telemetry_socket(prefix)


def query(cmd):
    return xbtest.telemetry(sock_path, cmd)


deadline = time.time() + 20
while not os.path.exists(sock_path) and time.time() < deadline and proc.poll() is None:
    time.sleep(0.1)
if not F.check(os.path.exists(sock_path), "no telemetry socket at %s" % sock_path):
    proc.kill()
    F.exit()
# Commands are registered once the ruleset is loaded, and packets flow
# once the capture is in memory: wait for both.
st = xbtest.wait_rx(sock_path, proc, 1, 20)

stock = shutil.which("dpdk-telemetry.py")
if stock and os.getuid() == 0:
    p = subprocess.run([stock, "-f", prefix], input="/xbgw/stats\nquit\n",
                       capture_output=True, text=True, timeout=30)
    F.check('"/xbgw/stats"' in p.stdout and '"rx"' in p.stdout,
            "dpdk-telemetry.py -f %s: %s %s" % (prefix, p.stdout[-300:], p.stderr[-300:]))
else:
    print("dpdk-telemetry.py not usable here: stock client check skipped")

banner, _ = query("/")
F.check("max_output_len" in banner, "banner: %s" % banner)
_, cmds = query("/")
for c in ("/xbgw/stats", "/xbgw/flows", "/xbgw/ruleset", "/xbgw/reload"):
    F.check(c in cmds.get("/", []), "%s not listed" % c)

for k in ("rx", "tx", "drop", "drop_total", "rx_bytes", "by_country_packets"):
    F.check(k in st, "/xbgw/stats lacks %s: %s" % (k, st))
if "drop" in st:
    F.check(sorted(st["drop"]) == sorted(xbtest.drop_reasons()),
            "drop reasons %s" % sorted(st["drop"]))
    F.check(st["drop_total"] == sum(st["drop"].values()), "drop_total")
    # Read while packets flow: each counter is read once, rx first, so
    # what was forwarded or dropped can only lag rx by the packets in flight.
    F.check(st["rx"] > 0, "rx 0 during the replay")
_, r2 = query("/xbgw/stats")
F.check(r2["/xbgw/stats"]["rx"] >= st.get("rx", 0), "rx not monotonic")
# Per-dimension lists: names are values (telemetry would rename a key
# such as "acme-pay" to "acme_pay"), entries keyed "0".."N-1".
for dim in ("country", "category", "tenant"):
    _, r = query("/xbgw/stats," + dim)
    v = r.get("/xbgw/stats") or {}
    F.check(v and sorted(v, key=int) == [str(i) for i in range(len(v))] and
            all(set(e) == {dim, "packets", "bytes"} for e in v.values()),
            "/xbgw/stats,%s: %s" % (dim, r))
_, r = query("/xbgw/tenants")
names = [e.get("tenant") for e in (r.get("/xbgw/tenants") or {}).values()]
F.check("acme-pay" in names, "/xbgw/tenants names: %s" % names)

_, r = query("/xbgw/flows,5")
fl = r.get("/xbgw/flows", {})
F.check(fl.get("workers_answered") == fl.get("workers") and fl.get("workers", 0) > 0,
        "/xbgw/flows: workers %s" % fl)
top = [fl[k] for k in sorted((k for k in fl if k.isdigit()), key=int)]
F.check(0 < len(top) <= 5, "/xbgw/flows,5 gave %d flows" % len(top))
F.check(all(a["bytes"] >= b["bytes"] for a, b in zip(top, top[1:])),
        "flows not sorted by bytes")
F.check(all({"src", "dst", "country", "category", "tenant", "action"} <= set(f) for f in top),
        "flow fields: %s" % top[:1])

_, r = query("/xbgw/ruleset")
rs = r.get("/xbgw/ruleset", {})
F.check(rs.get("generation") == 1 and rs.get("countries", 0) > 0 and
        rs.get("geo_prefixes_v4", 0) > 0, "/xbgw/ruleset: %s" % rs)

_, r = query("/xbgw/reload")
rl = r.get("/xbgw/reload", {})
F.check(rl.get("result") == "ok" and rl.get("generation") == 2, "/xbgw/reload: %s" % rl)
_, r = query("/xbgw/ruleset")
F.check(r["/xbgw/ruleset"].get("generation") == 2, "generation after reload: %s" % r)

out, err = proc.communicate(timeout=60)
F.check(proc.returncode == 0, "xbgw exit %s: %s" % (proc.returncode, err))
# After the run: conservation holds exactly (the run's report says so).
F.check("rx == tx + drop: yes" in out, "conservation line: %s" % out[-400:])

# The event log: start, reload (ok, by telemetry), stop; chain intact.
with open(events) as f:
    lines = f.readlines()
ev = [json.loads(l) for l in lines]
F.check([e["type"] for e in ev] == ["start", "reload", "stop"],
        "events: %s" % [e["type"] for e in ev])
if len(ev) == 3:
    F.check(ev[1]["result"] == "ok" and ev[1]["trigger"] == "telemetry" and
            ev[1]["generation"] == 2, "reload event: %s" % ev[1])
p = xbtest.run_xbgw(["--verify-events", events], check=False)
F.check(p.returncode == 0, "--verify-events on an intact log: %d %s" % (p.returncode, p.stdout))
lines[1] = lines[1].replace('"generation":2', '"generation":3')
with open(events, "w") as f:
    f.writelines(lines)
p = xbtest.run_xbgw(["--verify-events", events], check=False)
F.check(p.returncode == 1 and ":3:" in p.stdout,
        "--verify-events after editing line 2: exit %d, %r (expected 1 and line 3)"
        % (p.returncode, p.stdout))
F.exit()
