#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Usage months with --clock capture when the clock goes back and forth,
and SIGTERM/SIGINT during long replays (project issue 16).

1. Nov -> Jan -> Nov: the late November traffic is billed in January (the
   current month) and reported; November's file is closed and never
   reopened, not even by a restart with a November-stamped capture; the
   usage rows add up to exactly the forwarded packets and bytes.
2. SIGTERM during a long replay (the capture's clock crossing months on
   every loop) ends xbgw within a second, exit 0, records flushed (the
   usage files parse, their sha256 trailers hold).
3. With ../shared/data: the 13 real captures, comma-separated in directory
   order, with --clock capture and a [state] dir finish, with usage ==
   forwarded IP traffic exactly; the same looped, then SIGTERM: ends
   within a second."""
import datetime
import glob
import hashlib
import os
import signal
import subprocess
import time

import pcapgen
import xbtest

F = xbtest.begin()
TZ = datetime.timezone(datetime.timedelta(hours=8))


def ts(y, mo, d, h=12, mi=0):
    return int(datetime.datetime(y, mo, d, h, mi, tzinfo=TZ).timestamp()) * 10**9


def config(tag):
    conf, tmp = xbtest.own_config({
        "tenants": "tenant,name,class,quota_gb,over_quota\n"
                   "ent,Enterprise One,enterprise,0,notify\n",
        "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,ent\n",
        "categories": "category,name,list\nweb,Web,general\n",
        "approvals": "tenant,category,country,expires\n",
        "category_rules": "priority,category,proto,src,dst,sport,dport,dscp\n"
                          "1,web,*,*,*,*,*,*\n",
        "domains": "pattern,category\n",
        "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
               "*,*,*,public,0,*,*,*,*,*\n",
        "bands": "band,start,end\nday,00:00,24:00\n",
        "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n"
                   "*,*,*,*,1,USD\n",
    }, extra="[tariff]\nutc_offset = +08:00\n[state]\ndir = state\n")
    return conf, os.path.join(tmp, "state")


def record_file(path):
    """(rows, closed, trailer ok) of a usage record file."""
    with open(path, "rb") as f:
        data = f.read()
    body, _, last = data.rstrip(b"\n").rpartition(b"\n")
    body += b"\n"
    ok = last.startswith(b"# sha256 ") and \
        last[9:].decode().lower() == hashlib.sha256(body).hexdigest()
    lines = body.decode().splitlines()
    rows = [l.split(",") for l in lines if l and not l.startswith("#")
            and not l.startswith("month,")]
    return rows, "# closed" in lines, ok


def sums(rows):
    return sum(int(r[5]) for r in rows), sum(int(r[6]) for r in rows)


def forwarded_ip(doc):
    """Forwarded IP packets and bytes (what usage counts): by action."""
    a = doc["by_action"]
    return (sum(a[k]["packets"] for k in ("channel", "public", "audit")),
            sum(a[k]["bytes"] for k in ("channel", "public", "audit")))


def usage_sum(doc):
    return (sum(u["packets"] for u in doc["usage"]),
            sum(u["bytes"] for u in doc["usage"]))


def run(conf, files, extra=(), timeout=120):
    tmp = xbtest.tmpdir("months")
    stats = os.path.join(tmp, "stats.json")
    args = [xbtest.BIN, "-c", conf, "--replay", ",".join(files),
            "--no-progress", "--clock", "capture", "--stats-json", stats] + list(extra)
    t0 = time.monotonic()
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        F.check(False, "%s did not finish within %d s (hang)" % (" ".join(files)[:200], timeout))
        return None, None
    print("replay of %d file(s): %.1f s, exit %d" % (len(files), time.monotonic() - t0, p.returncode))
    F.check(p.returncode == 0, "exit %d:\n%s" % (p.returncode, p.stderr[-2000:]))
    doc = xbtest.read_json(stats) if os.path.exists(stats) else None
    F.check(doc is not None, "no statistics document")
    return doc, p


def sigterm_run(conf, files, state, sig=signal.SIGTERM, extra=()):
    """Start a long replay, wait until it checkpoints, send sig: must end
    within a second with exit 0 and its records flushed."""
    tmp = xbtest.tmpdir("months")
    stats = os.path.join(tmp, "stats.json")
    p = xbtest.spawn_xbgw(["-c", conf, "--replay", ",".join(files), "--no-progress",
                           "--clock", "capture", "--loops", "1000000000",
                           "--stats-json", stats] + list(extra))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and p.poll() is None and \
            not glob.glob(os.path.join(state, "usage-*.csv")):
        time.sleep(0.1)
    time.sleep(1.5)  # into the month switches
    F.check(p.poll() is None, "the long replay ended before the signal")
    t0 = time.monotonic()
    p.send_signal(sig)
    try:
        p.wait(timeout=30)
        took = time.monotonic() - t0
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        took = None
    err = p.stderr.read()
    print("%s: ended after %s s, exit %s" % (signal.Signals(sig).name,
                                              "%.2f" % took if took else "never", p.returncode))
    F.check(took is not None and took < 1.0,
            "%s: did not end within 1 s (%s)\n%s" % (signal.Signals(sig).name, took, err[-1500:]))
    F.check(p.returncode == 0, "exit %s after %s" % (p.returncode, signal.Signals(sig).name))
    files_ = sorted(glob.glob(os.path.join(state, "usage-*.csv")))
    F.check(files_, "no usage records after %s" % signal.Signals(sig).name)
    for path in files_:
        F.check(record_file(path)[2], "%s: sha256 trailer does not hold" % path)
    doc = xbtest.read_json(stats) if os.path.exists(stats) else None
    F.check(doc is not None and xbtest.conservation(doc),
            "statistics after %s: %s" % (signal.Signals(sig).name, doc and doc["packets"]))
    if doc is not None:
        F.check(usage_sum(doc) == forwarded_ip(doc),
                "usage %s != forwarded %s after %s" % (usage_sum(doc), forwarded_ip(doc),
                                                       signal.Signals(sig).name))


# ---- 1. Nov -> Jan -> Nov ----
conf, state = config("nov")
tmp = os.path.dirname(conf)
frames, nov1, jan, nov2 = [], [], [], []
for k in range(5):
    nov1.append((ts(2025, 11, 15) + k * 10**6, 100 + k))
    jan.append((ts(2026, 1, 15) + k * 10**6, 200 + k))
    nov2.append((ts(2025, 11, 20) + k * 10**6, 300 + k))
for at, size in nov1 + jan + nov2:
    frames.append((at, pcapgen.udp_frame("10.1.0.5", "8.8.8.8", 40000, 443, size=size)))
cap = pcapgen.write_pcap(os.path.join(tmp, "nov-jan-nov.pcap"), frames)
doc, p = run(conf, [cap])
if doc is not None:
    rows = {u["month"]: (u["packets"], u["bytes"]) for u in doc["usage"]}
    nb = sum(s for _, s in nov1)
    jb = sum(s for _, s in jan + nov2)
    F.check(xbtest.conservation(doc), "conservation: %s" % doc["packets"])
    F.check(doc["packets"]["tx"] == 15 and usage_sum(doc) == (15, nb + jb),
            "usage %s, forwarded %s: expected 15 packets, %d bytes" %
            (usage_sum(doc), doc["packets"]["tx"], nb + jb))
    F.check(rows == {"2025-11": (5, nb), "2026-01": (10, jb)},
            "usage by month %s, expected Nov (5, %d) and Jan (10, %d)" % (rows, nb, jb))
    late = doc.get("usage_late", {})
    F.check(late.get("packets") == 5 and late.get("bytes") == sum(s for _, s in nov2),
            "late usage reported: %s, expected 5 packets" % late)
    F.check("late" in p.stderr and "202511" in p.stderr,
            "late November traffic not reported in the log:\n%s" % p.stderr[-1500:])
nov_path = os.path.join(state, "usage-2025-11.csv")
jan_path = os.path.join(state, "usage-2026-01.csv")
F.check(os.path.exists(nov_path) and os.path.exists(jan_path),
        "record files: %s" % (os.listdir(state) if os.path.isdir(state) else None))
if os.path.exists(nov_path) and os.path.exists(jan_path):
    nrows, nclosed, nok = record_file(nov_path)
    jrows, jclosed, jok = record_file(jan_path)
    F.check(nok and nclosed and sums(nrows) == (5, sum(s for _, s in nov1)),
            "November's file: closed %s, trailer %s, %s" % (nclosed, nok, sums(nrows)))
    F.check(jok and not jclosed and sums(jrows)[0] == 10,
            "January's file: closed %s, trailer %s, %s" % (jclosed, jok, sums(jrows)))
    with open(nov_path, "rb") as f:
        nov_before = f.read()
    # A restart with a November-stamped capture after January was reached:
    # November stays closed, the traffic is billed in January.
    late_frames = [(ts(2025, 11, 25) + k * 10**6,
                    pcapgen.udp_frame("10.1.0.5", "8.8.8.8", 40001, 443, size=400 + k))
                   for k in range(3)]
    cap2 = pcapgen.write_pcap(os.path.join(tmp, "nov-again.pcap"), late_frames)
    doc2, p2 = run(conf, [cap2])
    with open(nov_path, "rb") as f:
        F.check(f.read() == nov_before, "November's closed file was rewritten by a restart")
    jrows2 = record_file(jan_path)[0]
    F.check(sums(jrows2) == (13, sums(jrows)[1] + 400 + 401 + 402),
            "January after the restart: %s, expected 13 packets" % (sums(jrows2),))
    if doc2 is not None:
        months2 = sorted({u["month"] for u in doc2["usage"]})
        F.check(months2 == ["2026-01"], "months billed after the restart: %s" % months2)
        F.check(doc2.get("usage_late", {}).get("packets") == 3,
                "late usage after the restart: %s" % doc2.get("usage_late"))
        F.check("reopen" not in p2.stderr.lower() or "late" in p2.stderr,
                "restart log:\n%s" % p2.stderr[-1500:])

# ---- 2. SIGTERM / SIGINT during a long replay crossing months ----
for sig in (signal.SIGTERM, signal.SIGINT):
    conf, state = config("sig")
    tmp = os.path.dirname(conf)
    frames = []
    for k in range(2000):
        at = ts(2025, 11, 30, 23, 59) + k * 36 * 10**9  # ~20 h: crosses Dec 1
        frames.append((at, pcapgen.udp_frame("10.1.%d.5" % (k % 7), "8.8.%d.8" % (k % 13),
                                             40000 + k % 50, 443, size=100 + k % 400)))
    cap = pcapgen.write_pcap(os.path.join(tmp, "long.pcap"), frames)
    sigterm_run(conf, [cap], state, sig)

# ---- 3. The 13 real captures ----
if not xbtest.PCAPS:
    print("shared captures absent: the real-capture part is skipped")
else:
    conf, state = config("real")
    t0 = time.monotonic()
    doc, p = run(conf, xbtest.PCAPS, timeout=120)
    if doc is not None:
        F.check(xbtest.conservation(doc), "conservation: %s" % doc["packets"])
        F.check(usage_sum(doc) == forwarded_ip(doc),
                "13 captures: usage %s != forwarded IP %s" % (usage_sum(doc), forwarded_ip(doc)))
        F.check(usage_sum(doc)[0] > 0, "13 captures: nothing billed")
        disk = (0, 0)
        for path in glob.glob(os.path.join(state, "usage-*.csv")):
            rows, _, ok = record_file(path)
            F.check(ok, "%s: sha256 trailer does not hold" % path)
            disk = (disk[0] + sums(rows)[0], disk[1] + sums(rows)[1])
        F.check(disk == usage_sum(doc), "records on disk %s != usage %s" % (disk, usage_sum(doc)))
        F.check(p.stderr.count("No space left") == 0, "open months ran out:\n%s" % p.stderr[-1500:])
    conf, state = config("real-sig")
    sigterm_run(conf, xbtest.PCAPS, state, signal.SIGTERM)
F.exit()
