#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a capture of hostile (and some normal) Ethernet frames.

Usage: gen_hostile_pcap.py OUT.pcap [--json FILE] > expected.json

The capture is classic pcap, DLT_EN10MB, every frame captured whole.  Each
frame is generated together with the status xb_parse() must give it ("ip",
"malformed" or "not_ip"); stdout (and FILE with --json) gets the counts:
{"frames": N, "malformed": M, "not_ip": K, "ip": I}.

Random frames come from a seeded RNG, so the output is the same on every
run; they are drawn only from shapes whose status is certain (a garbage IPv4
header with a wrong version or IHL < 5 is malformed, a consistent header
with an unknown protocol is IP, ...).  Each record's timestamp also
carries its expected status in the last digit of the microseconds (0 ip,
1 not_ip, 2 malformed).  Python standard library only.
"""

import json
import random
import struct
import sys

IP, BAD, NOT_IP = "ip", "malformed", "not_ip"
# Last digit of each record's microseconds (see write_pcap).
STATUS_CODE = {IP: 0, NOT_IP: 1, BAD: 2}

MAC = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
SRC4, DST4 = bytes([10, 1, 2, 3]), bytes([203, 0, 113, 9])
SRC6 = bytes.fromhex("20010db8000000000000000000000001")
DST6 = bytes.fromhex("24046800000000000000000000002004")


# ---- builders ------------------------------------------------------------

def eth(ethertype, payload, vlans=(), pad_to=0):
    """Ethernet II; vlans is a list of (tpid, vid), outermost first."""
    hdr = MAC
    for tpid, vid in vlans:
        hdr += struct.pack("!HH", tpid, vid)
    frame = hdr + struct.pack("!H", ethertype) + payload
    if len(frame) < pad_to:
        frame += bytes(pad_to - len(frame))
    return frame


def ip4(proto, payload, ihl=5, frag=0, tot=None, ver=4, dscp=0,
        src=SRC4, dst=DST4):
    opts = b"\x01" * (ihl * 4 - 20) if ihl > 5 else b""
    if tot is None:
        tot = 20 + len(opts) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 15), dscp << 2,
                      tot & 0xFFFF, 0x1234, frag, 64, proto, 0, src, dst)
    return hdr + opts + payload


def ip6(nh, payload, plen=None, ver=6, src=SRC6, dst=DST6):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", ver << 28, plen & 0xFFFF, nh, 64,
                       src, dst) + payload


def ext(nh, length, kind=60):
    """An IPv6 extension header of length bytes (AH: multiple of 4)."""
    if kind == 51:
        return bytes([nh, length // 4 - 2]) + bytes(length - 2)
    return bytes([nh, length // 8 - 1]) + bytes(length - 2)


def frag6(nh, offset, more):
    return struct.pack("!BBHI", nh, 0, (offset << 3) | (1 if more else 0),
                       0x12345678)


def tcp(sport, dport, payload=b"", doff=5, flags=0x18, opts=None):
    if opts is None:
        opts = b"\x01" * max(0, doff * 4 - 20)
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, doff << 4,
                       flags, 65535, 0, 0) + opts + payload


def udp(sport, dport, payload=b"", ulen=None):
    if ulen is None:
        ulen = 8 + len(payload)
    return struct.pack("!HHHH", sport, dport, ulen & 0xFFFF, 0) + payload


def sctp(sport, dport, payload=b""):
    return struct.pack("!HHII", sport, dport, 0x1234, 0) + payload


def icmp(typ, code, ident=0, payload=b""):
    return struct.pack("!BBHHH", typ, code, 0, ident, 1) + payload


def v4(l4proto, l4, **kw):
    return eth(0x0800, ip4(l4proto, l4, **kw))


def v6(nh, rest, **kw):
    return eth(0x86DD, ip6(nh, rest, **kw))


# ---- the frames ----------------------------------------------------------

def normal_frames(add):
    for i in range(20):
        add(v4(6, tcp(40000 + i, 443, b"x" * i)), IP)
        add(v4(17, udp(50000 + i, 53, b"q" * (i + 12))), IP)
        add(v6(6, tcp(40000 + i, 80, b"GET / HTTP/1.1\r\n")), IP)
        add(v6(17, udp(50000 + i, 443, b"\xc0" + bytes(30))), IP)
    add(v4(132, sctp(2905, 2905, bytes(16))), IP)
    add(v4(1, icmp(8, 0, 77, bytes(32))), IP)
    add(v6(58, icmp(128, 0, 77, bytes(32))), IP)
    add(v6(58, icmp(135, 0, 0, bytes(16))), IP)
    add(v4(47, bytes(24)), IP)  # GRE: IP, no ports
    add(v6(59, b""), IP)  # no next header
    add(v4(6, tcp(1, 2, doff=15)), IP)
    add(v4(17, udp(1, 2), ihl=15), IP)
    # 60-byte minimum frames carrying 40/28-byte packets.
    add(eth(0x0800, ip4(6, tcp(1, 2)), pad_to=60), IP)
    add(eth(0x0800, ip4(17, udp(1, 2)), pad_to=60), IP)
    add(eth(0x86DD, ip6(59, b""), pad_to=60), IP)
    # 9000-byte jumbo frames.
    add(v4(17, udp(4789, 4789, bytes(9000 - 42))), IP)
    add(v4(6, tcp(1, 2, bytes(9000 - 54))), IP)
    add(v6(17, udp(1, 2, bytes(9000 - 62))), IP)
    add(v6(6, tcp(1, 2, bytes(9000 - 74))), IP)


def l2_frames(add):
    add(eth(0x0806, bytes(28), pad_to=60), NOT_IP)  # ARP
    add(eth(0x88CC, bytes(40)), NOT_IP)  # LLDP
    add(eth(0x888E, bytes(20)), NOT_IP)  # 802.1X
    # MPLS and PPPoE sessions carry IP: the parser follows them.
    add(eth(0x8847, b"\x00\x01\x01\x40" + ip4(6, tcp(1, 2))), IP)
    add(eth(0x8847, b"\x00\x01\x01\x40" + b"\x10" + bytes(7)), NOT_IP)
    add(eth(0x8864, b"\x11\x00\x00\x01\x00\x0c\xc0\x21" + bytes(10)),
        NOT_IP)  # PPPoE session, LCP
    add(eth(0x8864, b"\x11\x00\x00\x01\x00\x2a\x00\x21" +
            ip4(6, tcp(1, 2))), IP)  # PPPoE session, IPv4
    add(eth(0x8864, bytes(30)), BAD)  # PPPoE version 0
    add(eth(0x8863, bytes(30)), NOT_IP)  # PPPoE discovery
    add(eth(0x0040, bytes(46)), NOT_IP)  # 802.3 length
    add(eth(0x0806, b""), NOT_IP)  # header only
    add(eth(0x0806, bytes(28), vlans=[(0x8100, 5)]), NOT_IP)
    add(eth(0x88CC, bytes(28), vlans=[(0x88A8, 5), (0x8100, 6)]), NOT_IP)
    # VLAN / QinQ carrying IP.
    add(eth(0x0800, ip4(6, tcp(1, 2)), vlans=[(0x8100, 100)]), IP)
    add(eth(0x86DD, ip6(17, udp(1, 2)), vlans=[(0x8100, 4094)]), IP)
    add(eth(0x0800, ip4(17, udp(1, 2)), vlans=[(0x88A8, 200), (0x8100, 300)]),
        IP)
    add(eth(0x86DD, ip6(6, tcp(1, 2)), vlans=[(0x9100, 7), (0x8100, 8)]), IP)
    add(eth(0x0800, ip4(17, udp(1, 2)),
            vlans=[(0x8100, 1), (0x8100, 2), (0x8100, 3)]), BAD)
    # Runts and truncated tags.
    for n in range(14):
        add(v4(6, tcp(1, 2))[:n], BAD)
    add(eth(0x0800, ip4(6, tcp(1, 2)), vlans=[(0x8100, 1)])[:16], BAD)
    add(eth(0x0800, ip4(6, tcp(1, 2)), vlans=[(0x88A8, 1), (0x8100, 2)])[:20],
        BAD)
    add(eth(0x0800, b""), BAD)
    add(eth(0x86DD, b""), BAD)


def truncations(add):
    """Every layer cut short (the frame ends early)."""
    f = v4(6, tcp(1, 2, b"data"))
    for n in range(14, len(f)):
        add(f[:n], BAD)
    f = v4(17, udp(1, 2, b"d"), ihl=8)
    for n in range(14, len(f)):
        add(f[:n], BAD)
    f = v6(0, ext(60, 8, 0) + ext(43, 24, 43) + ext(44, 8) +
           frag6(51, 0, True) + ext(17, 16, 51) + udp(1, 2, b"z"))
    for n in range(14, len(f)):
        add(f[:n], BAD)
    for proto, body in ((132, sctp(1, 2)), (1, icmp(8, 0, 1))):
        f = v4(proto, body)
        for n in range(14, len(f)):
            add(f[:n], BAD)
    f = v6(58, icmp(128, 0, 1))
    for n in range(14, len(f)):
        add(f[:n], BAD)
    # L4 shorter than its header, with consistent IP lengths.
    for proto, need in ((6, 20), (17, 8), (132, 12), (1, 8)):
        for n in range(need):
            add(v4(proto, bytes(n)), BAD)
    for proto, need in ((6, 20), (17, 8), (132, 12), (58, 8)):
        for n in range(need):
            add(v6(proto, bytes(n)), BAD)


def bad_lengths(add):
    for ihl in range(5):
        add(v4(6, tcp(1, 2), ihl=ihl), BAD)
    for ver in (0, 5, 6, 15):
        add(v4(6, tcp(1, 2), ver=ver), BAD)
    add(v6(6, tcp(1, 2), ver=4), BAD)
    add(v6(6, tcp(1, 2), ver=0), BAD)
    payload = tcp(1, 2, b"abcd")
    add(v4(6, payload, tot=20 + len(payload) + 1), BAD)
    add(v4(6, payload, tot=65535), BAD)
    add(v4(6, payload, tot=19), BAD)
    add(v4(6, payload, tot=0), BAD)
    add(v4(6, payload, ihl=6, tot=22), BAD)
    add(v4(6, payload, tot=30), BAD)  # TCP cut by total length
    add(v6(6, payload, plen=len(payload) + 1), BAD)
    add(v6(6, payload, plen=10), BAD)
    add(v6(0, ext(17, 8) + udp(1, 2), plen=0), BAD)  # jumbogram
    # TCP data offset.
    for doff in range(5):
        add(v4(6, tcp(1, 2, b"x" * 40, doff=doff, opts=b"")), BAD)
    add(v4(6, tcp(1, 2, b"", doff=6, opts=b"")), BAD)
    add(v4(6, tcp(1, 2, b"12345678", doff=15, opts=b"")), BAD)
    add(v6(6, tcp(1, 2, b"", doff=8, opts=b"\x01" * 8)), BAD)
    # UDP length.
    for ulen in (0, 1, 7, 13, 65535):
        add(v4(17, udp(1, 2, b"abcd", ulen=ulen)), BAD)
        add(v6(17, udp(1, 2, b"abcd", ulen=ulen)), BAD)
    add(v4(17, udp(1, 2, b"abcd", ulen=10)), IP)  # shorter than IP: fine
    # A header cut by padding that is not part of the datagram.
    add(eth(0x0800, ip4(17, udp(1, 2), tot=20), pad_to=60), BAD)
    # Hop-by-hop not first, extension header longer than the payload.
    add(v6(60, ext(0, 8) + ext(17, 8) + udp(1, 2)), BAD)
    add(v6(0, bytes([17, 5]) + bytes(6) + udp(1, 2)), BAD)
    add(v6(43, bytes([17, 200]) + bytes(6) + udp(1, 2)), BAD)
    add(v6(51, bytes([17, 100]) + bytes(10) + udp(1, 2)), BAD)


def fragments(add):
    add(v4(17, udp(1, 53, bytes(100), ulen=1400), frag=0x2000), IP)
    add(v4(6, tcp(1, 80, bytes(64)), frag=0x2000), IP)
    add(v4(17, bytes(200), frag=0x2000 | 100), IP)
    add(v4(17, bytes(3), frag=185), IP)
    add(v4(6, bytes(1), frag=1), IP)
    add(v4(6, bytes(8), frag=0x2000), BAD)  # tiny first fragment
    add(v4(17, bytes(4), frag=0x2000), BAD)
    add(v6(44, frag6(17, 0, True) + udp(1, 53, bytes(100), ulen=1400)), IP)
    add(v6(44, frag6(17, 10, True) + bytes(48)), IP)
    add(v6(0, ext(44, 8) + frag6(6, 3, False) + bytes(4)), IP)
    add(v6(44, frag6(6, 0, False) + tcp(1, 2)), IP)  # atomic
    add(v6(44, frag6(6, 0, True) + bytes(10)), BAD)  # tiny first fragment
    add(v6(44, frag6(17, 0, True)[:7]), BAD)


def ext_chains(add):
    def chain(n, last=17, body=None):
        kinds = [60, 43, 60, 43, 51, 60, 43, 60, 60, 43, 60]
        kinds = kinds[:n]
        if body is None:
            body = udp(1, 2, b"e")
        out = body
        nh = last
        for k in reversed(kinds):
            out = ext(nh, 12 if k == 51 else 8, k) + out
            nh = k
        return nh, out

    for n in range(0, 9):
        nh, rest = chain(n)
        add(v6(nh, rest), IP)
    for n in range(9, 12):
        nh, rest = chain(n)
        add(v6(nh, rest), BAD)
    nh, rest = chain(9, last=59, body=b"")
    add(v6(nh, rest), BAD)
    nh, rest = chain(8, last=59, body=b"")
    add(v6(nh, rest), IP)
    # Long but few: two 2048-byte options headers put TCP past 512 bytes.
    add(v6(60, ext(60, 2048) + ext(6, 2048) + tcp(1, 2)), BAD)
    # Hop-by-hop first with big options, TCP inside the first 512 bytes.
    add(v6(0, ext(6, 256) + tcp(1, 2)), IP)


def tunnels(add):
    add(v4(4, ip4(6, tcp(1, 2, b"in"))), IP)  # 4in4
    add(v4(41, ip6(17, udp(1, 2, b"in"))), IP)  # 6in4
    add(v6(4, ip4(17, udp(1, 2))), IP)  # 4in6
    add(v6(41, ip6(6, tcp(1, 2))), IP)  # 6in6
    add(v6(60, ext(41, 8) + ip6(6, tcp(1, 2))), IP)
    add(eth(0x0800, ip4(41, ip6(6, tcp(1, 2))),
            vlans=[(0x88A8, 10), (0x8100, 20)]), IP)
    # Nested: followed, keyed on the innermost header.
    add(v4(4, ip4(4, ip4(6, tcp(1, 2)))), IP)
    add(v6(4, ip4(41, ip6(17, udp(1, 2)))), IP)
    add(v4(41, ip6(41, ip6(41, ip6(6, tcp(1, 2))))), IP)
    # Nested tunnels are followed (up to four encapsulations): garbage
    # two levels down is looked at, and malformed.
    add(v4(4, ip4(4, b"garbage that is now looked at.")), BAD)
    add(v4(4, ip4(4, ip4(4, ip4(4, ip4(4, ip4(6, tcp(1, 2))))))), BAD)
    # Fragmented outer: not followed.
    add(v4(4, ip4(6, tcp(1, 2)), frag=0x2000), IP)
    add(v4(41, b"\xff" * 30, frag=20), IP)
    add(v6(44, frag6(4, 0, True) + ip4(17, udp(1, 2))), IP)
    # Inner fragments.
    add(v4(4, ip4(17, bytes(12), frag=33)), IP)
    add(v4(41, ip6(44, frag6(6, 0, True) + tcp(1, 2))), IP)
    # Broken inner headers.
    add(v4(4, ip6(6, tcp(1, 2))), BAD)
    add(v4(41, ip4(6, tcp(1, 2))), BAD)
    inner = ip4(17, udp(1, 2), tot=36)
    add(v4(4, inner + bytes(8), tot=20 + len(inner)), BAD)
    add(v4(4, ip4(17, udp(1, 2))[:12]), BAD)
    add(v4(41, b""), BAD)
    add(v4(4, ip4(17, bytes(4))), BAD)
    add(v6(41, ip6(6, tcp(1, 2))[:39]), BAD)
    add(v4(4, ip4(6, tcp(1, 2), ihl=3)), BAD)


def garbage(add, rng):
    """Random frames whose status follows from a few forced fields."""
    def rbytes(n):
        return bytes(rng.getrandbits(8) for _ in range(n))

    known4 = {1, 4, 6, 17, 41, 132}
    known6 = {0, 4, 6, 17, 41, 43, 44, 51, 58, 60, 132}
    for _ in range(80):  # IPv4 header with a wrong version
        b = bytearray(rbytes(rng.randrange(0, 120)))
        if b:
            b[0] = (rng.choice([0, 1, 2, 3, 5, 6, 7, 9, 15]) << 4) | (b[0] & 15)
        add(eth(0x0800, bytes(b)), BAD)
    for _ in range(60):  # version 4, IHL < 5
        b = bytearray(rbytes(rng.randrange(20, 120)))
        b[0] = 0x40 | rng.randrange(5)
        add(eth(0x0800, bytes(b)), BAD)
    for _ in range(80):  # version 6 ethertype, wrong version
        b = bytearray(rbytes(rng.randrange(0, 120)))
        if b:
            b[0] = (rng.choice([0, 4, 5, 7, 15]) << 4) | (b[0] & 15)
        add(eth(0x86DD, bytes(b)), BAD)
    for _ in range(60):  # IPv4, consistent lengths, unknown protocol
        proto = rng.choice([p for p in range(256) if p not in known4])
        ihl = rng.randrange(5, 16)
        opts = rbytes(ihl * 4 - 20)
        body = rbytes(rng.randrange(0, 200))
        hdr = bytearray(ip4(proto, b"", ihl=ihl, tot=ihl * 4 + len(body),
                            frag=rng.getrandbits(16),
                            dscp=rng.randrange(64),
                            src=rbytes(4), dst=rbytes(4)))
        hdr[20:] = opts
        add(eth(0x0800, bytes(hdr) + body, pad_to=rng.choice([0, 60])), IP)
    for _ in range(60):  # IPv6, consistent length, unknown next header
        nh = rng.choice([p for p in range(256) if p not in known6])
        body = rbytes(rng.randrange(0, 200))
        add(eth(0x86DD, ip6(nh, body, src=rbytes(16), dst=rbytes(16))), IP)
    for _ in range(60):  # IPv6 payload length beyond the frame
        body = rbytes(rng.randrange(0, 100))
        plen = len(body) + 1 + rng.randrange(2000)
        add(eth(0x86DD, ip6(rng.randrange(256), body, plen=plen)), BAD)
    for _ in range(60):  # IPv4 total length beyond the frame
        body = rbytes(rng.randrange(0, 100))
        tot = 20 + len(body) + 1 + rng.randrange(1000)
        add(eth(0x0800, ip4(rng.randrange(256), body, tot=tot)), BAD)
    for _ in range(60):  # random TCP header fields
        doff = rng.randrange(16)
        total = rng.randrange(0, 80)
        seg = bytearray(rbytes(max(total, 20)))[:total]
        if total > 12:
            seg[12] = (doff << 4) | (seg[12] & 15)
        ok = total >= 20 and doff >= 5 and doff * 4 <= total
        add(v4(6, bytes(seg)), IP if ok else BAD)
    for _ in range(60):  # random UDP lengths
        total = rng.randrange(0, 40)
        seg = bytearray(rbytes(total))
        ulen = rng.randrange(0, 48)
        if total >= 6:
            seg[4:6] = struct.pack("!H", ulen)
        ok = total >= 8 and 8 <= ulen <= total
        add(v6(17, bytes(seg)), IP if ok else BAD)
    for _ in range(40):  # non-IP ethertypes with garbage
        et = rng.choice([0x0806, 0x88CC, 0x888E, 0x8863, 0x22F0, 0x88F7,
                         0x0842, 0x88E5, 0x8915, rng.randrange(0x600)])
        add(eth(et, rbytes(rng.randrange(0, 100))), NOT_IP)
    for _ in range(20):  # runts
        add(rbytes(rng.randrange(0, 14)), BAD)


def build_all():
    frames = []

    def add(frame, status):
        frames.append((bytes(frame), status))

    normal_frames(add)
    l2_frames(add)
    truncations(add)
    bad_lengths(add)
    fragments(add)
    ext_chains(add)
    tunnels(add)
    garbage(add, random.Random(20240611))
    return frames


def write_pcap(path, frames):
    with open(path, "wb") as f:
        # magic, v2.4, thiszone, sigfigs, snaplen, DLT_EN10MB
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (frame, status) in enumerate(frames):
            # The microseconds' last digit is the expected status, so a
            # reader can check frame by frame, not only the totals.
            f.write(struct.pack("<IIII", 1700000000 + i // 1000,
                                (i % 1000) * 1000 + STATUS_CODE[status],
                                len(frame), len(frame)))
            f.write(frame)


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--json"):
        sys.stderr.write("usage: gen_hostile_pcap.py OUT.pcap [--json FILE]"
                         " > expected.json\n")
        return 2
    frames = build_all()
    write_pcap(argv[1], frames)
    counts = {"frames": len(frames), "malformed": 0, "not_ip": 0, "ip": 0}
    for _, status in frames:
        counts[status] += 1
    text = json.dumps(counts)
    if len(argv) == 4:
        with open(argv[3], "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
