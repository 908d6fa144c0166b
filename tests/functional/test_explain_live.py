#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Explained verdicts and rule hit counters on a running gateway.

Live ports (net_pcap reading a hand-made capture once, net_null as the
sink), so the traffic ends but the gateway runs on until SIGTERM and its
counters settle:

- telemetry /xbgw/explain (the flat form DPDK's telemetry can carry) gives,
  rebuilt into the rich form, exactly what `xbgw --explain --json` gives
  offline for the same flows; bad requests answer {"error": ...};
- /xbgw/rules: the summary per table, and every table paged through
  (offset/next) row by row: lines and texts as in the table files, hits
  adding up to the summary;
- the statistics document's `rules` array and Prometheus
  xbgw_rule_hits_total / xbgw_rule_rows hold the same counts;
- the flow log of the same run: every flow names its deciding lines
  (`lines`, the same as explain gives), and each qos/tenant/tariff row's
  hits equal the number of flows it decided (every flow of this capture is
  decided once: no name arrives after the first packet); `drops` by reason
  add up to the statistics' drops;
- the meter_surge event names the tenant and qos.csv row of the meter.
"""
import csv
import json
import os
import re
import signal
import time
import urllib.request

import craft
import xbtest

F = xbtest.begin()
TIME = "12:00"


def rows_of(path):
    """{line: text} of a table's data rows, as xbgw reads them (comments
    and blank lines skipped, the header line too)."""
    out, header = {}, False
    with open(path, encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            t = text.strip()
            if not t or t.startswith("#"):
                continue
            if not header:
                header = True
                continue
            # The columns joined by commas, without the quoting; cut as
            # telemetry cuts a string (127 bytes, a character boundary).
            out[n] = cut(",".join(next(csv.reader([t]))))
    return out


def cut(text):
    return text.encode()[:127].decode("utf-8", "ignore")


# ---- the traffic: flows whose verdict is decided at their first packet ----
cap = craft.Capture()
FLOWS = [  # (explain words, frames)
    # 560 KB at once: beyond the lotus-trade row's peak burst (pbs
    # 250,000 B), so the meter drops part of it (meter_red).
    (["udp", "192.168.2.10", "1.21.224.10", "40000", "40001"],
     [craft.udp("192.168.2.10", "1.21.224.10", 40000, 40001, b"x" * 1400)] * 400),
    (["udp", "10.9.9.9", "8.8.8.8", "40000", "5000"],      # gaming rule
     [craft.udp("10.9.9.9", "8.8.8.8", 40000, 5000, b"g" * 60)] * 4),
    (["udp", "10.9.9.9", "8.8.8.8", "40002", "40003"],     # nobody's
     [craft.udp("10.9.9.9", "8.8.8.8", 40002, 40003, b"u" * 60)] * 2),
    (["udp", "192.168.1.10", "1.21.224.20", "40004", "53000"],
     [craft.udp("192.168.1.10", "1.21.224.20", 40004, 53000, b"a" * 80)] * 2),
    (["udp", "192.0.2.1", "1.21.224.10", "40005", "443", "--vlan", "100"],
     [craft.udp("192.0.2.1", "1.21.224.10", 40005, 443, b"v" * 80,
                vlan=100)] * 2),
    (["udp", "2001:db8:100::10", "2001:df0::1", "40006", "443"],
     [craft.udp("2001:db8:100::10", "2001:df0::1", 40006, 443, b"6" * 80)] * 2),
]
for _, frames in FLOWS:
    cap.add(frames)
# Explain-only queries (names, tenant override): no traffic needed.
QUERIES = [w for w, _ in FLOWS] + [
    ["tcp", "192.168.2.10", "1.21.224.10", "40001", "443", "--name",
     craft.FIN_NAME],
    ["tcp", "192.168.1.10", "1.21.224.10", "40001", "443", "--name",
     craft.FIN_NAME],
    ["tcp", "10.9.9.9", "1.21.224.10", "1", "443", "--tenant", "acme-pay"],
]

port = xbtest.free_port()
conf, tmp = xbtest.conf_with("[prometheus]\nlisten = 127.0.0.1:%d\n"
                             "[flowlog]\nfile = flows.jsonl\n"
                             "[events]\nfile = events.jsonl\n" % port)
text = open(conf).read()
text = text.replace("[ports]\n", "[ports]\npairs = net_pcap0:net_null0\n", 1)
open(conf, "w").write(text)
confdir = os.path.dirname(conf)
pcap = cap.write(os.path.join(tmp, "in.pcap"))
frames = len(cap.frames)
stats_path = os.path.join(tmp, "stats.json")
flowlog = os.path.join(confdir, "flows.jsonl")
prefix = "xbexpl%d" % os.getpid()
eal = ["-l", "0,1", "--file-prefix", prefix, "--no-pci", "--huge-unlink",
       "--vdev", "net_pcap0,rx_pcap=%s" % pcap, "--vdev", "net_null0,no-rx=1"]
if not os.path.exists("/dev/hugepages") or os.geteuid() != 0:
    eal += ["--no-huge", "-m", "2048"]
proc = xbtest.spawn_xbgw(eal + ["--", "-c", conf, "--no-progress",
                                "--stats-json", stats_path])
sock = xbtest.telemetry_socket(prefix)
st = xbtest.wait_rx(sock, proc, frames, 120)
if not F.check(st.get("rx") == frames,
               "rx %s, expected the capture's %d frames" % (st.get("rx"), frames)):
    proc.kill()
    print(proc.communicate()[1][-2000:])
    F.exit()


def tel(cmd):
    _, r = xbtest.telemetry(sock, cmd)
    return r.get(cmd.split(",")[0])


# ---- /xbgw/explain against xbgw --explain --json ---------------------------
def rich(flat):
    """The contract's document from telemetry's flat form: steps in order,
    a key telemetry left out is null."""
    steps = []
    for name in flat["steps"]:
        s = flat[name]
        steps.append({k: s.get(k) for k in ("step", "value", "file", "line",
                                             "match", "detail")})
    flow = {k: flat["flow"].get(k) for k in ("proto", "src", "dst", "sport",
                                             "dport", "name", "vlan")}
    v = dict(flat["verdict"])
    v.setdefault("drop_reason", None)
    v.setdefault("dscp", None)
    v.pop("price_micros_per_gb")
    return {"flow": flow, "steps": steps, "verdict": v}


def offline(words):
    p = xbtest.run_xbgw(["-c", conf, "--explain"] + words +
                        ["--time", TIME, "--json"], check=False)
    F.check(p.returncode == 0, "offline %s: %d %s" % (words, p.returncode, p.stderr))
    doc = json.loads(p.stdout)
    doc["verdict"]["price_per_gb"] = "%.6f" % doc["verdict"]["price_per_gb"]
    # Telemetry strings hold 127 bytes.
    for s in doc["steps"]:
        for k, v in s.items():
            if isinstance(v, str):
                s[k] = cut(v)
    return doc


def params(words):
    out, it = list(words[:5]), iter(words[5:])
    for opt in it:
        out.append("%s=%s" % (opt.lstrip("-"), next(it)))
    return ",".join(out + ["time=" + TIME])


# Each offline run builds the whole ruleset (seconds): a few of them.
for n, words in enumerate(QUERIES):
    flat = tel("/xbgw/explain," + params(words))
    if not F.check(isinstance(flat, dict) and "steps" in flat,
                   "/xbgw/explain %s: %s" % (words, flat)):
        continue
    F.check(flat["steps"] == ["country", "tenant", "category", "approval",
                              "policy", "qos", "tariff"],
            "steps %s" % flat["steps"])
    F.check(flat.get("generation") == 1, "generation %s" % flat.get("generation"))
    live = rich(flat)
    if n not in (1, 4, 5, 6, 7):
        F.check(live["verdict"]["action"] in ("channel", "public", "negative_list"),
                "live explain %s: %s" % (words, live["verdict"]))
        continue
    off = offline(words)
    F.check(live == off, "live and offline explain differ for %s:\n%s\n%s"
            % (words, json.dumps(live, sort_keys=True), json.dumps(off, sort_keys=True)))

for bad in ("tcp,1.2.3.4", "bogus,1.2.3.4,5.6.7.8,1,2",
            "tcp,1.2.3.4,5.6.7.8,1,2,vlan=0", "tcp,1.2.3.4,5.6.7.8,1,2,nope=1",
            "tcp,1.2.3.4,5.6.7.8,1,2,name=a,name=b",
            "tcp,1.2.3.4,5.6.7.8,1,2,tenant=nobody",
            "tcp,1.2.3.4,5.6.7.8,1,2,time=25:00"):
    r = tel("/xbgw/explain," + bad)
    F.check(isinstance(r, dict) and list(r) == ["error"] and r["error"],
            "/xbgw/explain,%s: %s" % (bad, r))
r = tel("/xbgw/explain")
F.check(isinstance(r, dict) and "error" in r, "/xbgw/explain without params: %s" % r)

# ---- /xbgw/rules: summary and pages ------------------------------------------
TABLES = {"qos": "qos.csv", "domains": "domains.csv",
          "category_rules": "category_rules.csv", "approvals": "approvals.csv",
          "tariffs": "tariffs.csv", "tenant_prefixes": "tenant_prefixes.csv"}
summary = tel("/xbgw/rules") or {}
F.check(summary.get("generation") == 1, "rules generation: %s" % summary.get("generation"))
live_hits = {}
for key, fname in TABLES.items():
    s = summary.get(key)
    if not F.check(isinstance(s, dict), "/xbgw/rules lacks %s" % key):
        continue
    want = rows_of(os.path.join(confdir, fname))
    F.check(s["table"] == fname and s["file"].endswith(fname) and
            s["rows"] == len(want), "%s summary %s (file has %d rows)"
            % (key, s, len(want)))
    got, offset, pages = {}, 0, 0
    while True:
        # Table key and file name both work.
        page = tel("/xbgw/rules,%s,%d" % (fname if pages % 2 else key, offset))
        pages += 1
        rows = [page["r_%d" % i] for i in range(1, len(page) + 1)
                if "r_%d" % i in page]
        F.check(page["offset"] == offset and page["rows"] == len(want) and
                page["table"] == fname, "%s page at %d: %s" % (key, offset,
                                                              {k: v for k, v in page.items() if not k.startswith("r_")}))
        if not F.check(rows or not want, "%s: empty page at %d" % (key, offset)):
            break
        for r in rows:
            got[r["line"]] = r
        F.check(len(json.dumps(page)) < 16384, "%s page too big" % key)
        if page["next"] == 0:
            F.check(offset + len(rows) == len(want), "%s: last page ends at %d"
                    % (key, offset + len(rows)))
            break
        F.check(page["next"] == offset + len(rows), "%s next %d after %d rows at %d"
                % (key, page["next"], len(rows), offset))
        offset = page["next"]
        if pages > 1000:
            break
    F.check(sorted(got) == sorted(want), "%s: lines %s... expected %s..."
            % (key, sorted(got)[:5], sorted(want)[:5]))
    bad_text = [l for l in want if l in got and got[l]["text"] != want[l]]
    F.check(not bad_text, "%s: row texts differ at lines %s" % (key, bad_text[:5]))
    F.check(sum(r["hits"] for r in got.values()) == s["hits"] and
            sum(1 for r in got.values() if r["hits"]) == s["used"],
            "%s: page hits do not add up to the summary %s" % (key, s))
    live_hits[fname] = {l: r["hits"] for l, r in got.items()}
    if key == "domains":
        F.check(pages >= 2, "domains.csv paged in %d page(s)" % pages)
for bad in ("nope", "qos,x", "qos,-1", "qos,1,2"):
    r = tel("/xbgw/rules," + bad)
    F.check(r is None, "/xbgw/rules,%s: %s" % (bad, r))
r = tel("/xbgw/rules,qos,100000")
F.check(r.get("next") == 0 and not any(k.startswith("r_") for k in r),
        "offset past the end: %s" % r)

# Every flow of the capture made one qos decision and one tenant decision.
nflows = len(FLOWS)
F.check(summary.get("qos", {}).get("hits") == nflows,
        "qos hits %s, expected %d flows" % (summary.get("qos"), nflows))

# ---- Prometheus -----------------------------------------------------------------
body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                              timeout=30).read().decode()
prom = {}
for m in re.finditer(r'^xbgw_rule_hits_total\{table="([^"]+)",line="(\d+)"\} (\d+)$',
                     body, re.M):
    prom.setdefault(m.group(1), {})[int(m.group(2))] = int(m.group(3))
F.check(prom == live_hits, "Prometheus rule hits differ from /xbgw/rules")
for fname in TABLES.values():
    m = re.search(r'^xbgw_rule_rows\{table="%s"\} (\d+)$' % re.escape(fname),
                  body, re.M)
    F.check(m is not None and int(m.group(1)) == len(live_hits.get(fname, {})),
            "xbgw_rule_rows %s: %s" % (fname, m and m.group(0)))

# ---- stop: statistics document and flow log -----------------------------------
proc.send_signal(signal.SIGTERM)
out, err = proc.communicate(timeout=120)
F.check(proc.returncode == 0, "xbgw exit %s: %s" % (proc.returncode, err[-1000:]))
doc = xbtest.read_json(stats_path)
stats_hits = {}
for r in doc.get("rules", []):
    stats_hits.setdefault(r["table"], {})[r["line"]] = r["hits"]
F.check(stats_hits == live_hits, "stats document rules differ from /xbgw/rules")

# The flow log names the deciding lines of each flow; each flow was
# decided once, so a row's hits are the flows that name it.
recs = xbtest.read_jsonl(flowlog)
F.check(len(recs) == nflows, "%d flow records, expected %d" % (len(recs), nflows))
REF = re.compile(r"^[\w.-]+:\d+$")
for key, table in (("qos", "qos.csv"), ("tenant", "tenant_prefixes.csv"),
                   ("tariff", "tariffs.csv")):
    named = {}
    for r in recs:
        ref = r.get("lines", {}).get(key)
        F.check(ref is None or (REF.match(ref) and ref.startswith(table + ":")),
                "lines.%s = %r" % (key, ref))
        if ref is not None:
            line = int(ref.rsplit(":", 1)[1])
            named[line] = named.get(line, 0) + 1
    used = {l: h for l, h in live_hits.get(table, {}).items() if h}
    F.check(named == used, "%s: flows per line %s, hits %s" % (table, named, used))
by_src = {(r["src"], r["sport"]): r for r in recs}
for words in (w for w, _ in FLOWS):
    r = by_src.get((words[1], int(words[3])))
    if not F.check(r is not None, "no flow record for %s" % words):
        continue
    off = offline(words)
    steps = {s["step"]: s for s in off["steps"]}
    for key in ("country", "tenant", "category", "approval", "qos", "tariff"):
        st = steps[key]
        want = ("%s:%d" % (os.path.basename(st["file"]), st["line"])
                if st["line"] is not None else None)
        F.check(r["lines"].get(key) == want, "flow %s: lines.%s = %r, explain says %r"
                % (words[:5], key, r["lines"].get(key), want))
    break  # one offline run: the rest were compared live above
drops = {}
for r in recs:
    for reason, n in r.get("drops", {}).items():
        F.check(n > 0, "drops with a zero count: %s" % r["drops"])
        drops[reason] = drops.get(reason, 0) + n
flowish = {k: v for k, v in doc["packets"]["drop"].items()
           if k in ("negative_list", "policy_deny", "meter_red", "quota") and v}
F.check(drops == flowish and drops.get("meter_red", 0) > 0,
        "flow drops %s, statistics %s" % (drops, flowish))

# The meter surge names the tenant and the qos.csv row of the meter that
# dropped most: the metered flow's.
surges = [e for e in xbtest.read_jsonl(os.path.join(confdir, "events.jsonl"))
          if e["type"] == "meter_surge"]
metered = by_src.get(("192.168.2.10", 40000), {})
F.check(surges and sum(e["red_packets"] for e in surges) == doc["packets"]["drop"]["meter_red"],
        "meter_surge events %s, meter_red %d" % (surges, doc["packets"]["drop"]["meter_red"]))
F.check(all(e.get("tenant") == "lotus-trade" and
            e.get("row") == metered.get("lines", {}).get("qos") and
            0 < e.get("row_red_packets", 0) <= e["red_packets"] and e.get("meters") == 1
            for e in surges), "meter_surge names: %s (flow %s)" % (surges, metered.get("lines")))

F.exit()
