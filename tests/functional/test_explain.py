#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""xbgw --explain on the shipped config: known verdicts, each step naming
the table line that decided it (lines looked up in the tables themselves,
so an edited table moves the expectation with it); usage errors exit 2."""
import json
import os

import xbtest

F = xbtest.begin()
CONF = xbtest.DEFAULT_CONF
CDIR = os.path.dirname(CONF)


def line_of(table, startswith):
    with open(os.path.join(CDIR, table), encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            if text.strip().startswith(startswith):
                return n
    raise SystemExit("%s: no row starting %r" % (table, startswith))


def explain(*args):
    p = xbtest.run_xbgw(["-c", CONF, "--explain"] + list(args) + ["--json"],
                        check=False)
    F.check(p.returncode == 0, "explain %s: exit %d: %s" % (args, p.returncode,
                                                            p.stderr))
    doc = json.loads(p.stdout)
    return doc, {s["step"]: s for s in doc["steps"]}


def at(step, table, line):
    F.check(step["file"] is not None and step["file"].endswith(table) and
            step["line"] == line,
            "%s: expected %s:%d, got %s:%s" % (step["step"], table, line,
                                                step["file"], step["line"]))


# A finance name from a tenant without an approval: negative list.
fin_dom = line_of("domains.csv", "dbs.com.sg,finance")
fin_qos = line_of("qos.csv", "ASEAN,finance,*,")
doc, s = explain("tcp", "10.1.0.5", "1.21.224.1", "40000", "443",
                 "--name", "www.dbs.com.sg")
F.check(s["country"]["value"] == "SG", "country %s" % s["country"])
F.check(s["country"]["match"] == "1.21.224.0/19", "prefix %s" % s["country"])
F.check(s["tenant"]["value"] == "lotus-trade", "tenant %s" % s["tenant"])
at(s["tenant"], "tenant_prefixes.csv",
   line_of("tenant_prefixes.csv", "10.1.0.0/16,lotus-trade"))
F.check(s["category"]["value"] == "finance", "category %s" % s["category"])
at(s["category"], "domains.csv", fin_dom)
F.check(s["approval"]["line"] is None, "approval %s" % s["approval"])
at(s["policy"], "qos.csv", fin_qos)
F.check(doc["verdict"]["action"] == "negative_list" and
        doc["verdict"]["drop_reason"] == "negative_list",
        "verdict %s" % doc["verdict"])

# The same flow from the tenant holding the approval: forwarded.
doc, s = explain("tcp", "192.168.1.5", "1.21.224.1", "40000", "443",
                 "--name", "www.dbs.com.sg")
F.check(s["tenant"]["value"] == "acme-pay", "tenant %s" % s["tenant"])
at(s["approval"], "approvals.csv",
   line_of("approvals.csv", "acme-pay,finance,ASEAN"))
at(s["qos"], "qos.csv", fin_qos)
F.check(doc["verdict"]["action"] == "channel" and
        doc["verdict"]["drop_reason"] is None and doc["verdict"]["dscp"] == 26,
        "verdict %s" % doc["verdict"])
F.check(s["tariff"]["file"] is not None and s["tariff"]["line"] is not None,
        "tariff %s" % s["tariff"])

# A VLAN tenant.
doc, s = explain("tcp", "192.0.2.1", "1.21.224.1", "1", "443",
                 "--vlan", "100")
F.check(s["tenant"]["value"] == "silk-logistics", "vlan tenant %s" % s["tenant"])
at(s["tenant"], "tenant_prefixes.csv",
   line_of("tenant_prefixes.csv", "vlan:100,"))

# Nobody's flow to the world: unknown tenant, no category row.
doc, s = explain("udp", "10.9.9.9", "8.8.8.8", "40000", "40001")
F.check(s["tenant"]["value"] == "unknown" and s["tenant"]["line"] is None,
        "unknown tenant %s" % s["tenant"])
F.check(s["category"]["value"] == "unclassified" and
        s["category"]["line"] is None, "unclassified %s" % s["category"])
F.check(s["country"]["value"] == "US", "country %s" % s["country"])

# A category rule (UDP ports of the gaming row).
doc, s = explain("udp", "10.9.9.9", "8.8.8.8", "40000", "5000")
F.check(s["category"]["value"] == "gaming", "gaming %s" % s["category"])
at(s["category"], "category_rules.csv",
   line_of("category_rules.csv", "50,gaming,udp,*,*,*,5000-5221,"))

# IPv6.
doc, s = explain("tcp", "fd00::5", "2001:df0::1", "40000", "443")
F.check(doc["flow"]["dst"] == "2001:df0::1", "ipv6 flow %s" % doc["flow"])
F.check(s["country"]["file"] is not None, "ipv6 country %s" % s["country"])

# Human output: one line per step and the verdict.
p = xbtest.run_xbgw(["-c", CONF, "--explain", "tcp", "10.1.0.5", "1.21.224.1",
                     "40000", "443", "--name", "www.dbs.com.sg"])
lines = p.stdout.splitlines()
F.check(lines[0].split()[:2] == ["country", "SG"], "text %s" % lines[:1])
F.check(("domains.csv:%d" % fin_dom) in p.stdout, "text %s" % p.stdout)

# Usage errors.
for bad in (["bogus", "1.2.3.4", "5.6.7.8", "1", "2"],
            ["tcp", "1.2.3.999", "5.6.7.8", "1", "2"],
            ["tcp", "1.2.3.4", "5.6.7.8", "1"],
            ["tcp", "1.2.3.4", "::1", "1", "2"]):
    p = xbtest.run_xbgw(["-c", CONF, "--explain"] + bad, check=False)
    F.check(p.returncode == 2, "%s: exit %d (expected 2)" % (bad, p.returncode))
p = xbtest.run_xbgw(["-c", CONF, "--explain", "tcp", "1.2.3.4", "5.6.7.8",
                     "1", "2", "--tenant", "nobody"], check=False)
F.check(p.returncode == 2, "unknown tenant: exit %d" % p.returncode)
F.exit()
