# SPDX-License-Identifier: BSD-3-Clause
"""An independent reference for the country and tenant of an address:
the geo sources and tenant prefixes parsed here in Python (RIR delegated
ranges split into exact CIDRs, later source wins) and searched by
brute-force longest prefix (one dict per prefix length)."""
import ipaddress


def _split_range(start, count):
    out = []
    a = int(ipaddress.IPv4Address(start))
    while count > 0:
        size = a & -a if a else 1 << 32
        while size > count:
            size >>= 1
        out.append(ipaddress.IPv4Network((a, 32 - size.bit_length() + 1)))
        a += size
        count -= size
    return out


def load_geo(paths, countries):
    """Return {family: {plen: {network_int: cc}}} with later-wins."""
    table = {4: {}, 6: {}}

    def add(net, cc):
        fam = 4 if net.version == 4 else 6
        table[fam].setdefault(net.prefixlen, {})[int(net.network_address)] = cc

    for path in paths:
        with open(path) as f:
            lines = f.read().splitlines()
        rir = any(l.startswith("2|") for l in lines[:200] if not l.startswith("#"))
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if rir:
                parts = line.split("|")
                if len(parts) < 7 or parts[2] not in ("ipv4", "ipv6"):
                    continue
                if parts[6] not in ("allocated", "assigned"):
                    continue
                cc = parts[1].upper()
                if cc not in countries:
                    continue
                if parts[2] == "ipv4":
                    for net in _split_range(parts[3], int(parts[4])):
                        add(net, cc)
                else:
                    add(ipaddress.ip_network("%s/%s" % (parts[3], parts[4])), cc)
            else:
                if line.lower().startswith("prefix,"):
                    continue
                pfx, cc = [x.strip() for x in line.split(",")[:2]]
                add(ipaddress.ip_network(pfx), cc.upper())
    return table


def lookup(table, addr, default="ZZ"):
    ip = ipaddress.ip_address(addr)
    fam = 4 if ip.version == 4 else 6
    bits = 32 if fam == 4 else 128
    a = int(ip)
    for plen in sorted(table[fam], reverse=True):
        net = a >> (bits - plen) << (bits - plen) if plen else 0
        v = table[fam][plen].get(net)
        if v is not None:
            return v
    return default


def load_countries(path):
    codes = set()
    with open(path) as f:
        for line in f:
            if line.startswith("#") or line.lower().startswith("code,") or not line.strip():
                continue
            codes.add(line.split(",")[0].strip().upper())
    return codes


def load_tenant_prefixes(path):
    table = {4: {}, 6: {}}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or line.lower().startswith(("prefix,", "vlan,")):
                continue
            key, tenant = [x.strip() for x in line.split(",")[:2]]
            if key.startswith("vlan:"):
                continue
            net = ipaddress.ip_network(key)
            fam = 4 if net.version == 4 else 6
            table[fam].setdefault(net.prefixlen, {})[int(net.network_address)] = tenant
    return table
