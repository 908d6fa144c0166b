# SPDX-License-Identifier: BSD-3-Clause
"""Encapsulations and IP fragments are policed and billed like plain IP
(issue 15).

The shared scenario (craft.py): CLIENT (lotus-trade, no finance approval)
opens a TLS connection to SERVER (SG) and names FIN_NAME (finance, on the
negative list).  The plain flow is the control: its handshake passes
(billed under the 5-tuple verdict), the ClientHello and everything after
it drop as negative_list.  The same flow inside MPLS (1 and 3 labels, and
an Ethernet pseudowire), PPPoE, GRE (plain, with key, bridged Ethernet),
VXLAN, Geneve, and with its ClientHello split into IPv4 fragments (2 and 3,
out of order) or IPv6 fragments, must come out the same: one flow, action
negative_list, the name found, country SG, its tenant, every frame counted
in by_category / by_tenant / by_country and the forwarded ones billed in
usage exactly as the control's (fragments: one frame more per extra
fragment, all dropped with the ClientHello).  Frames that are not IP after
every encapsulation are counted as not_ip and forwarded, or dropped (drop
reason not_ip) with [dataplane] non_ip = drop; fragments that never
complete are dropped as `fragment`; rx == tx + drops throughout.
"""
import ipaddress
import struct

import craft as c
import xbtest

F = xbtest.begin()

SERVER6 = "2001:c10::10"  # SG (config/geo/world-ipv6.csv 2001:c10::/32)
TEP_IN, TEP_OUT = "10.1.0.1", "1.21.224.1"  # tunnel end points (lotus, SG)


# ------------------------------------------------------------ wrappers
# Each takes a plain Ethernet frame from craft (no VLAN) and returns the
# frame as it would cross the link inside the encapsulation.

def split(frame):
    """(ethertype, IP packet, from the client?)"""
    et = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    src = ip[12:16] if et == 0x0800 else ip[8:24]
    return et, ip, ipaddress.ip_address(bytes(src)) in (
        ipaddress.ip_address(c.CLIENT), ipaddress.ip_address(c.CLIENT6))


def mpls(labels, cw_eth=False):
    def wrap(frame):
        et, ip, _ = split(frame)
        stack = b"".join(struct.pack("!I", (100 + i) << 12 |
                                     (0x100 if i == labels - 1 else 0) | 64)
                         for i in range(labels))
        inner = (b"\0\0\0\0" + frame) if cw_eth else ip
        return c.eth(stack + inner, 0x8847)
    return wrap


def pppoe(frame):
    et, ip, _ = split(frame)
    body = struct.pack("!H", 0x0021 if et == 0x0800 else 0x0057) + ip
    return c.eth(struct.pack("!BBHH", 0x11, 0, 0x2a, len(body)) + body,
                 0x8864)


def outer4(fwd, proto, payload):
    a, b = (TEP_IN, TEP_OUT) if fwd else (TEP_OUT, TEP_IN)
    return c.eth(c.ipv4(a, b, proto, payload), 0x0800, rev=not fwd)


def gre(key=False, bridged=False):
    def wrap(frame):
        et, ip, fwd = split(frame)
        flags = 0x2000 if key else 0
        hdr = struct.pack("!HH", flags, 0x6558 if bridged else et)
        if key:
            hdr += struct.pack("!I", 0x0badcafe)
        return outer4(fwd, 47, hdr + (frame if bridged else ip))
    return wrap


def vxlan(frame):
    et, ip, fwd = split(frame)
    a, b = (TEP_IN, TEP_OUT) if fwd else (TEP_OUT, TEP_IN)
    hdr = struct.pack("!II", 0x08000000, 0x00123400)
    return outer4(fwd, 17, c.udp_datagram(a, b, 49152, 4789, hdr + frame))


def geneve(frame):
    et, ip, fwd = split(frame)
    a, b = (TEP_IN, TEP_OUT) if fwd else (TEP_OUT, TEP_IN)
    hdr = struct.pack("!BBHI", 1, 0, 0x6558, 0x00abcd00) + bytes(4)
    return outer4(fwd, 17, c.udp_datagram(a, b, 49152, 6081, hdr + frame))


# ----------------------------------------------------------- fragments

def frag4(frame, cuts, order):
    """The IPv4 packet of frame as fragments cut at byte offsets of its
    payload (multiples of 8), sent in the given order."""
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    src, dst = (str(ipaddress.ip_address(ip[12:16])),
                str(ipaddress.ip_address(ip[16:20])))
    payload = ip[ihl:]
    edges = [0] + cuts + [len(payload)]
    parts = []
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        parts.append(c.eth(c.ipv4(src, dst, ip[9], payload[lo:hi],
                                  ident=0x4242, frag=lo,
                                  mf=hi < len(payload)), 0x0800))
    return [parts[i] for i in order]


def frag6(frame, cuts, order):
    ip = frame[14:]
    src, dst = (str(ipaddress.ip_address(ip[8:24])),
                str(ipaddress.ip_address(ip[24:40])))
    nh, payload = ip[6], ip[40:]
    edges = [0] + cuts + [len(payload)]
    parts = []
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        fh = struct.pack("!BBHI", nh, 0, lo | (1 if hi < len(payload) else 0),
                         0x51525354)
        parts.append(c.eth(c.ipv6(src, dst, 44, fh + payload[lo:hi]), 0x86dd))
    return [parts[i] for i in order]


# ---------------------------------------------------------------- flows

def tls_flow(client=c.CLIENT, server=c.SERVER, frag=None):
    """The FIN_NAME TLS flow: handshake, ClientHello (fragmented by frag),
    a server ACK, client data, FIN both ways.  Returns (frames, extra
    frames the fragmentation added)."""
    conn = c.TcpConn(client=client, server=server, cport=40001)
    ch = conn.client(c.client_hello(c.FIN_NAME))
    chs = frag(ch) if frag else [ch]
    frames = (conn.handshake() + chs + [conn.server(),
              conn.client(b"x" * 100)] + conn.close())
    return frames, len(chs) - 1


def summary(doc, recs, tenant):
    """What must match the control: per flow and per counter."""
    tcp = [r for r in recs if r["proto"] == 6]
    u = [x for x in doc.get("usage", []) if x["tenant"] == tenant]
    return {
        "flows": len(tcp),
        "flow": {k: tcp[0].get(k) for k in ("action", "name", "country",
                                             "tenant", "category", "packets",
                                             "sport", "dport")}
        if tcp else None,
        "negative_list": doc["packets"]["drop"]["negative_list"],
        # by_category of the flow's category (the control's: finance for
        # IPv4; the IPv6 server's 5-tuple rule says personal_data, as
        # strict, and a category only ever gets stricter)
        "category": doc["by_category"].get(
            tcp[0]["category"] if tcp else "", {}).get("packets", 0),
        "tenant": doc["by_tenant"].get(tenant, {}).get("packets", 0),
        "SG": doc["by_country"].get("SG", {}).get("packets", 0),
        "billed": sorted((x["category"], x["packets"]) for x in u),
    }


def expect(base, extra):
    """The control's summary with `extra` more frames in the dropped
    ClientHello."""
    e = dict(base)
    e["flow"] = dict(base["flow"], packets=base["flow"]["packets"] + extra)
    for k in ("negative_list", "category", "tenant", "SG"):
        e[k] = base[k] + extra
    return e


def run(frames):
    doc, recs = c.run(frames, extra=["--clock", "capture"])
    F.check(xbtest.conservation(doc), "rx == tx + drops: %s" % doc["packets"])
    return doc, recs


# The controls: plain IPv4 and IPv6.
ctl = {}
for fam, client, server, tenant in ((4, c.CLIENT, c.SERVER, "lotus-trade"),
                                    (6, c.CLIENT6, SERVER6,
                                     "silk-logistics")):
    frames, _ = tls_flow(client, server)
    doc, recs = run(frames)
    s = summary(doc, recs, tenant)
    ctl[fam] = s
    F.check(s["flows"] == 1 and s["flow"]["action"] == "negative_list" and
            s["flow"]["name"] == c.FIN_NAME and s["flow"]["country"] == "SG"
            and s["flow"]["tenant"] == tenant and
            s["flow"]["category"] in ("finance", "personal_data"),
            "control v%d blocked on the negative list: %s" % (fam, s))
    F.check(s["negative_list"] > 0, "control v%d: drops: %s" % (fam, s))

cases = [
    ("mpls 1 label", 4, mpls(1), None),
    ("mpls 3 labels", 4, mpls(3), None),
    ("mpls ethernet pseudowire", 4, mpls(2, cw_eth=True), None),
    ("mpls 3 labels v6", 6, mpls(3), None),
    ("pppoe", 4, pppoe, None),
    ("pppoe v6", 6, pppoe, None),
    ("gre", 4, gre(), None),
    ("gre key", 4, gre(key=True), None),
    ("gre bridged ethernet", 4, gre(bridged=True), None),
    ("vxlan", 4, vxlan, None),
    ("vxlan v6 inside", 6, vxlan, None),
    ("geneve", 4, geneve, None),
    ("ipv4 2 fragments, out of order", 4, None,
     lambda f: frag4(f, [24], [1, 0])),
    ("ipv4 3 fragments, out of order", 4, None,
     lambda f: frag4(f, [24, 96], [2, 0, 1])),
    ("ipv6 3 fragments, out of order", 6, None,
     lambda f: frag6(f, [24, 104], [1, 2, 0])),
    ("ipv4 fragments inside gre", 4, gre(),
     lambda f: frag4(f, [32], [1, 0])),
]
for name, fam, wrap, frag in cases:
    client, server, tenant = ((c.CLIENT, c.SERVER, "lotus-trade") if fam == 4
                              else (c.CLIENT6, SERVER6, "silk-logistics"))
    frames, extra = tls_flow(client, server, frag)
    if wrap is not None:
        frames = [wrap(f) for f in frames]
    doc, recs = run(frames)
    s = summary(doc, recs, tenant)
    want = expect(ctl[fam], extra)
    F.check(s == want, "%s: like the control\n  got  %s\n  want %s" %
            (name, s, want))
    if frag is not None:
        F.check(doc["packets"]["reassembled"] == 1 and
                doc["packets"]["drop"]["fragment"] == 0,
                "%s: one datagram reassembled, no fragment dropped: %s" %
                (name, doc["packets"]))

# A benign flow in fragments and in a tunnel passes whole: every frame
# forwarded as received (the originals, not a refragmented datagram).
conn = c.TcpConn(cport=40002)
ch = conn.client(c.client_hello(c.BENIGN_NAME))
frames = (conn.handshake() + frag4(ch, [40, 120], [2, 1, 0]) +
          [conn.server()] + conn.close())
doc, recs = run(frames)
F.check(doc["packets"]["tx"] == doc["packets"]["rx"] == len(frames) and
        doc["bytes"]["tx"] == doc["bytes"]["rx"],
        "benign fragments forwarded frame for frame: %s %s" %
        (doc["packets"], doc["bytes"]))
F.check(len(recs) == 1 and recs[0]["name"] == c.BENIGN_NAME and
        recs[0]["packets"] == len(frames),
        "benign fragments: one flow with its name: %s" % recs)

# A first fragment too short for the TCP header (RFC 1858) is malformed;
# the rest of its datagram then never completes: dropped as fragments.
conn = c.TcpConn(cport=40004)
ch = conn.client(c.client_hello(c.BENIGN_NAME))
frames = conn.handshake() + frag4(ch, [16, 96], [2, 0, 1])
doc, recs = run(frames)
F.check(doc["packets"]["drop"]["malformed"] == 1 and
        doc["packets"]["drop"]["fragment"] == 2 and doc["packets"]["tx"] == 3,
        "tiny first fragment: malformed, the others dropped: %s" %
        doc["packets"])

# Fragments that never complete (a missing middle, an overlap, a
# duplicate first fragment) are dropped, counted, never forwarded.
conn = c.TcpConn(cport=40003)
ch = conn.client(c.client_hello(c.BENIGN_NAME))
parts = frag4(ch, [40, 120], [0, 1, 2])
overlap = frag4(ch, [48], [0, 1])  # same id, overlaps parts[1]
frames = conn.handshake() + [parts[0], parts[2]]  # middle missing
doc, recs = run(frames)
F.check(doc["packets"]["drop"]["fragment"] == 2 and
        doc["packets"]["tx"] == 3,
        "incomplete datagram: its 2 fragments dropped at the end: %s" %
        doc["packets"])
frames = conn.handshake() + [parts[0], overlap[1], parts[1], parts[2]]
doc, recs = run(frames)
F.check(doc["packets"]["drop"]["fragment"] == 4 and
        doc["packets"]["tx"] == 3,
        "overlapping fragments: all 4 dropped: %s" % doc["packets"])
frames = conn.handshake() + [parts[0], parts[0], parts[1], parts[2]]
doc, recs = run(frames)
F.check(doc["packets"]["drop"]["fragment"] == 4 and
        doc["packets"]["tx"] == 3,
        "duplicate first fragment: all 4 dropped: %s" % doc["packets"])

# Other ethertypes: counted as not_ip; forwarded by default, dropped with
# [dataplane] non_ip = drop.  ARP over VXLAN keys the VXLAN datagram (it
# is IP, policed and billed as the tunnel's flow), never not_ip.
arp = c.eth(bytes(28), 0x0806)
lldp = c.eth(bytes(40), 0x88cc)
lcp = c.eth(struct.pack("!BBHHH", 0x11, 0, 1, 6, 0xc021) + bytes(4), 0x8864)
disc = c.eth(bytes(30), 0x8863)
oam = c.eth(struct.pack("!I", 100 << 12 | 0x100 | 64) + b"\x10" + bytes(20),
            0x8847)
others = [arp, lldp, lcp, disc, oam]
bridged_arp = outer4(True, 17, c.udp_datagram(
    TEP_IN, TEP_OUT, 49152, 4789, struct.pack("!II", 0x08000000, 0x100) +
    c.eth(bytes(28), 0x0806)))
frames = others + [bridged_arp]
doc, recs = run(frames)
F.check(doc["packets"]["not_ip"] == len(others) and
        doc["packets"]["tx"] == len(frames) and
        doc["packets"]["drop"]["not_ip"] == 0,
        "non-IP forwarded by default, counted: %s" % doc["packets"])
F.check(len(recs) == 1 and recs[0]["proto"] == 17 and
        recs[0]["dport"] == 4789,
        "ARP over VXLAN is the VXLAN datagram's flow: %s" % recs)
conf, _ = xbtest.conf_with("[dataplane]\nnon_ip = drop\n")
cap = c.Capture().add(frames)
tmp = xbtest.tmpdir("nonip")
pcap = cap.write(tmp + "/in.pcap")
doc, _, _ = xbtest.replay([pcap], conf=conf)
F.check(doc["packets"]["not_ip"] == len(others) and
        doc["packets"]["drop"]["not_ip"] == len(others) and
        doc["packets"]["tx"] == 1 and xbtest.conservation(doc),
        "non_ip = drop: non-IP dropped and counted: %s" % doc["packets"])

# A bad value is a config error with its line.
conf, _ = xbtest.conf_with("[dataplane]\nnon_ip = maybe\n")
p = xbtest.run_xbgw(["-c", conf, "--check-config"], check=False)
F.check(p.returncode == 1 and "xbgw.conf:" in p.stderr + p.stdout and
        "non_ip" in p.stderr + p.stdout,
        "non_ip = maybe: config error with file:line (rc %d): %s" %
        (p.returncode, (p.stderr + p.stdout)[-300:]))

F.exit()
