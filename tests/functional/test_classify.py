#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Country and tenant classification through the real binary.

A capture of many one-packet flows (sources in tenant prefixes, remote
ends inside geo prefixes, on their first and last address, and anywhere)
is written here, replayed, and every flow-log line's country and tenant is
compared with an independent reference over the same config files.  Then
the real captures: every name nDPI found must be in the flow log, with the
same protocol source."""
import ipaddress
import json
import os
import random
import re

import georef
import pcapgen
import xbtest

F = xbtest.begin()
CONF_DIR = xbtest.REPO_CONF
countries = georef.load_countries(os.path.join(CONF_DIR, "countries.csv"))
geo_files = [os.path.join(CONF_DIR, "geo", f) for f in
             ("world-ipv4.csv", "world-ipv6.csv", "delegated-apnic-asean.txt")]
geo = georef.load_geo(geo_files, countries)
tenants = georef.load_tenant_prefixes(os.path.join(CONF_DIR, "tenant_prefixes.csv"))


rng = random.Random(20261126)
sources = {4: [], 6: []}
for fam in (4, 6):
    for plen, nets in tenants[fam].items():
        for net in nets:
            sources[fam].append(ipaddress.ip_network((net, plen)))
v4_prefixes = [(p, n) for p, nets in geo[4].items() for n in nets]
v6_prefixes = [(p, n) for p, nets in geo[6].items() for n in nets]


def remote_addr(fam):
    bits = 32 if fam == 4 else 128
    pick = rng.random()
    if pick < 0.15:
        return ipaddress.ip_address(rng.getrandbits(bits)) if fam == 4 else \
            ipaddress.IPv6Address((0x2 << 124) | rng.getrandbits(125))
    plen, net = rng.choice(v4_prefixes if fam == 4 else v6_prefixes)
    size = 1 << (bits - plen)
    off = {0: 0, 1: size - 1, 2: -1, 3: size}.get(rng.randrange(8), rng.randrange(size))
    a = (net + off) % (1 << bits)
    return ipaddress.ip_address(a) if fam == 4 else ipaddress.IPv6Address(a)


frames, expect = [], {}
for i in range(20000):
    fam = 6 if (i % 5 == 4 and sources[6]) else 4
    src_net = rng.choice(sources[fam])
    src = src_net.network_address + rng.randrange(src_net.num_addresses)
    dst = remote_addr(fam)
    if ipaddress.ip_address(dst).is_private:
        continue
    sport, dport = 1024 + i % 60000, 443
    frames.append((1800000000 * 10**9 + i * 1000000,
                   pcapgen.udp_frame(str(src), str(dst), sport, dport, payload=b"xbgw-test")))
    expect[(str(src), str(dst), sport, dport)] = (
        georef.lookup(geo, str(dst)), georef.lookup(tenants, str(src), "unknown"))

tmp = xbtest.tmpdir("classify")
cap = pcapgen.write_pcap(os.path.join(tmp, "flows.pcap"), frames)
log = os.path.join(tmp, "flows.jsonl")
doc, p, _ = xbtest.replay([cap], ["--flow-log", log])
seen = 0
with open(log) as f:
    for line in f:
        r = json.loads(line)
        k = (r["src"], r["dst"], r["sport"], r["dport"])
        if k not in expect:
            F.check(False, "unexpected flow %s" % (k,))
            continue
        seen += 1
        cc, tenant = expect[k]
        F.check(r["country"] == cc, "%s: country %s, reference %s" % (k, r["country"], cc))
        F.check(r["tenant"] == tenant, "%s: tenant %s, reference %s" % (k, r["tenant"], tenant))
        if len(F.items) > 20:
            break
F.check(seen == len(expect), "flow log has %d of %d flows" % (seen, len(expect)))
print("generated flows checked: %d" % seen)

# Real captures: names against nDPI's published results.
pcaps = xbtest.PCAPS
if pcaps:
    line_re = re.compile(r"^\s*\d+\s+(\w+)\s+(\S+)\s+<?->\s+(\S+)\s.*\[Hostname/SNI: ([^\]]+)\]")

    def endpoint(s):
        m = re.match(r"^\[?([0-9a-fA-F:.]+?)\]?:(\d+)$", s)
        return (m.group(1), int(m.group(2))) if m else (s, 0)

    total = found = 0
    for path in pcaps:
        res = os.path.join(xbtest.SHARED, "pcap", "result", os.path.basename(path) + ".out")
        if not os.path.exists(res):
            continue
        log = os.path.join(tmp, os.path.basename(path) + ".jsonl")
        xbtest.replay([path], ["--flow-log", log])
        names = {}
        with open(log) as f:
            for line in f:
                r = json.loads(line)
                ends = frozenset([(r["src"], r["sport"]), (r["dst"], r["dport"])])
                names[ends] = r["name"]
        with open(res) as f:
            for line in f:
                m = line_re.match(line)
                if not m:
                    continue
                a, b = endpoint(m.group(2)), endpoint(m.group(3))
                want = m.group(4).strip().lower()
                ends = frozenset([(str(ipaddress.ip_address(a[0])), a[1]),
                                  (str(ipaddress.ip_address(b[0])), b[1])])
                if ends not in names:
                    continue  # flows inside tunnels are keyed on inner headers
                total += 1
                got = (names[ends] or "").lower()
                if got == want or got.replace("*", "_") == want:
                    found += 1
                else:
                    print("  %s: %s: name %r, nDPI %r" % (os.path.basename(path), sorted(ends), got, want))
    print("real captures: %d of %d nDPI names found end to end" % (found, total))
    F.check(total > 150, "too few nDPI flows matched by 5-tuple (%d)" % total)
    F.check(found >= 0.95 * total, "names: %d of %d" % (found, total))
F.exit()
