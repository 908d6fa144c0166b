#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The shipped monitoring files: `promtool check rules` and `promtool test
rules` (the alert rules' unit tests: each alert fires on its series and
stays quiet on the others) pass, and the Grafana dashboard is valid JSON
of the Grafana 9/10 schema with a ${DS_PROMETHEUS} datasource input, every
panel a query.  Which metrics the queries name is checked against a live
endpoint in test_xbgwctl.py."""
import json
import os
import re
import shutil
import subprocess

import xbtest

F = xbtest.begin()
mon = os.path.join(xbtest.SRC, "scripts")
rules = os.path.join(mon, "prometheus", "xbgw-alerts.yml")
tests = os.path.join(mon, "prometheus", "xbgw-alerts.test.yml")
dash_path = os.path.join(mon, "grafana", "xbgw-dashboard.json")

promtool = shutil.which("promtool")
if promtool is None:
    print("SKIP (part): promtool not installed (scripts/install-deps.sh "
          "installs the prometheus package for tests); rules not checked")
else:
    p = subprocess.run([promtool, "check", "rules", rules], capture_output=True,
                       text=True, timeout=120)
    F.check(p.returncode == 0 and "SUCCESS" in p.stdout,
            "promtool check rules: %s %s" % (p.stdout, p.stderr))
    p = subprocess.run([promtool, "test", "rules", os.path.basename(tests)],
                       cwd=os.path.dirname(tests), capture_output=True, text=True,
                       timeout=300)
    F.check(p.returncode == 0 and "SUCCESS" in p.stdout,
            "promtool test rules: %s %s" % (p.stdout, p.stderr))
    # Every alert of the rules file has a unit test.
    alerts = set(re.findall(r"^\s+- alert: (\w+)", open(rules).read(), re.M))
    tested = set(re.findall(r"alertname: (\w+)", open(tests).read()))
    F.check(alerts and alerts == tested, "alerts without a test: %s" % (alerts - tested))

dash = json.load(open(dash_path))
F.check(dash.get("schemaVersion", 0) >= 36, "schemaVersion %s" % dash.get("schemaVersion"))
F.check(any(i.get("name") == "DS_PROMETHEUS" and i.get("pluginId") == "prometheus"
            for i in dash.get("__inputs", [])), "no DS_PROMETHEUS input")
panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
F.check(len(panels) >= 20, "%d panels" % len(panels))
ids = [p["id"] for p in dash["panels"]]
F.check(len(ids) == len(set(ids)), "panel ids not unique")
for p in panels:
    F.check(p.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}",
            "panel %r: datasource %s" % (p.get("title"), p.get("datasource")))
    exprs = [t.get("expr", "") for t in p.get("targets", [])]
    F.check(exprs and all(re.search(r"\b(xbgw_\w+|up)\b", e) for e in exprs),
            "panel %r: queries %s" % (p.get("title"), exprs))
    g = p.get("gridPos", {})
    F.check(0 <= g.get("x", -1) and g.get("x", 0) + g.get("w", 0) <= 24 and g.get("h", 0) > 0,
            "panel %r: gridPos %s" % (p.get("title"), g))
# What the channel's operators asked for is on it.
titles = " ".join(p["title"].lower() for p in panels)
for want in ("country", "category", "tenant", "action", "drops by reason", "usage",
             "charges", "quota used", "quota left", "busy", "cycles per packet",
             "meter", "reload"):
    F.check(want in titles, "no panel about %r" % want)
F.exit()
