# SPDX-License-Identifier: BSD-3-Clause
"""Hand-made traffic for the evasion tests: frames whose every field the
test chooses (sequence numbers, TTL, checksums, fragments), and the
name-bearing payloads an evader plays with (TLS ClientHello, HTTP requests,
DNS queries and answers).

The scenario every evasion test shares, on the default config:
CLIENT (tenant lotus-trade, no finance approval) talks to SERVER (an
address in Singapore).  FIN_NAME is on the negative list (finance); a flow
that shows it is dropped (drop reason negative_list).  BENIGN_NAME matches
no domain pattern and passes on the channel.  A test builds the plain
flow (the control: must be dropped) and the same flow with one trick (must
be dropped the same way, or carry category unnamed / evasive).

Python standard library only.
"""
import ipaddress
import os
import struct

import pcapgen
import xbtest

CLIENT = "192.168.2.10"        # lotus-trade (SME): no finance approval
CLIENT_B = "192.168.1.10"      # acme-pay: finance approved for ASEAN
CLIENT6 = "2001:db8:100::10"   # silk-logistics
SERVER = "1.21.224.10"         # SG (config/geo/world-ipv4.csv 1.21.224.0/19)
SERVER2 = "1.21.224.20"        # SG
SERVER6 = "2401:7400::10"      # placeholder, see server6()
FIN_NAME = "www.dbs.com.sg"    # finance: negative list
BENIGN_NAME = "www.example.org"  # no domain pattern

MAC = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02"
MAC_REV = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01"

# ------------------------------------------------------------- headers


def csum(data):
    return pcapgen.csum(data)


def eth(payload, ethertype, vlan=None, rev=False):
    """Ethernet II (one 802.1Q tag with vlan) around payload."""
    hdr = MAC_REV if rev else MAC
    if vlan is not None:
        hdr += struct.pack("!HH", 0x8100, vlan & 0xfff)
    return hdr + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0, mf=False,
         dscp=0, df=False, total_len=None):
    """An IPv4 header (checksum right) + payload.  frag: fragment offset
    in bytes (a multiple of 8)."""
    flags = (0x2000 if mf else 0) | (0x4000 if df else 0) | (frag >> 3)
    tl = total_len if total_len is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, dscp << 2, tl, ident, flags, ttl,
                    proto, 0, ipaddress.ip_address(src).packed,
                    ipaddress.ip_address(dst).packed)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64, dscp=0):
    return struct.pack("!IHBB16s16s", (6 << 28) | (dscp << 22), len(payload),
                       nh, hlim, ipaddress.ip_address(src).packed,
                       ipaddress.ip_address(dst).packed) + payload


def l4_csum(src, dst, proto, seg):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, proto, len(seg))
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", len(seg), proto)
    return csum(pseudo + seg)


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b"",
                bad_csum=False, window=64240, options=b""):
    """A TCP header + payload with its checksum (wrong when bad_csum)."""
    doff = (20 + len(options)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                    ack & 0xffffffff, doff << 4, flags, window, 0, 0) + options
    c = l4_csum(src, dst, 6, h + payload)
    if bad_csum:
        c ^= 0x5a5a
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp_datagram(src, dst, sport, dport, payload, bad_csum=False):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = l4_csum(src, dst, 17, h + payload) or 0xffff
    if bad_csum:
        c ^= 0x5a5a
    return h[:6] + struct.pack("!H", c) + payload


def ip_frame(src, dst, proto, l4, ttl=64, vlan=None, ident=1, rev=False):
    """Ethernet + IPv4/IPv6 (by src's family) around an L4 segment."""
    if ipaddress.ip_address(src).version == 4:
        return eth(ipv4(src, dst, proto, l4, ttl=ttl, ident=ident), 0x0800,
                   vlan, rev)
    return eth(ipv6(src, dst, proto, l4, hlim=ttl), 0x86dd, vlan, rev)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", ttl=64,
        bad_csum=False, vlan=None):
    return ip_frame(src, dst, 6, tcp_segment(src, dst, sport, dport, seq, ack,
                                             flags, payload, bad_csum),
                    ttl=ttl, vlan=vlan)


def udp(src, dst, sport, dport, payload, ttl=64, bad_csum=False, vlan=None):
    return ip_frame(src, dst, 17, udp_datagram(src, dst, sport, dport,
                                               payload, bad_csum),
                    ttl=ttl, vlan=vlan)


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class TcpConn:
    """One TCP connection's frames, with the sequence numbers right:
    client(data, off) is client stream bytes at offset off (0 = the first
    byte after the SYN), server(data, off) likewise."""

    def __init__(self, client=CLIENT, server=SERVER, cport=40001, sport=443,
                 cisn=1000, sisn=5000, vlan=None):
        self.c, self.s, self.cp, self.sp = client, server, cport, sport
        self.cisn, self.sisn, self.vlan = cisn, sisn, vlan
        self.cnext, self.snext = 0, 0  # stream offsets acknowledged

    def handshake(self):
        return [
            tcp(self.c, self.s, self.cp, self.sp, self.cisn, 0, SYN,
                vlan=self.vlan),
            tcp(self.s, self.c, self.sp, self.cp, self.sisn, self.cisn + 1,
                SYN | ACK, vlan=self.vlan),
            tcp(self.c, self.s, self.cp, self.sp, self.cisn + 1,
                self.sisn + 1, ACK, vlan=self.vlan),
        ]

    def client(self, data, off=None, ttl=64, bad_csum=False, flags=PSH | ACK):
        if off is None:
            off = self.cnext
        self.cnext = max(self.cnext, off + len(data))
        return tcp(self.c, self.s, self.cp, self.sp, self.cisn + 1 + off,
                   self.sisn + 1 + self.snext, flags, data, ttl=ttl,
                   bad_csum=bad_csum, vlan=self.vlan)

    def server(self, data=b"", off=None, flags=ACK):
        """A server segment (data, or a pure ACK of the client's bytes)."""
        if off is None:
            off = self.snext
        self.snext = max(self.snext, off + len(data))
        return tcp(self.s, self.c, self.sp, self.cp, self.sisn + 1 + off,
                   self.cisn + 1 + self.cnext, flags, data, vlan=self.vlan)

    def segments(self, data, size, **kw):
        """data as client segments of at most size bytes, in order."""
        return [self.client(data[i:i + size], off=i, **kw)
                for i in range(0, len(data), size)]

    def close(self):
        return [tcp(self.c, self.s, self.cp, self.sp,
                    self.cisn + 1 + self.cnext, self.sisn + 1 + self.snext,
                    FIN | ACK, vlan=self.vlan),
                tcp(self.s, self.c, self.sp, self.cp,
                    self.sisn + 1 + self.snext, self.cisn + 2 + self.cnext,
                    FIN | ACK, vlan=self.vlan)]


# ------------------------------------------------------------ payloads


def tls_ext(etype, body):
    return struct.pack("!HH", etype, len(body)) + body


def sni_ext(name):
    n = name.encode() if isinstance(name, str) else name
    entry = b"\0" + struct.pack("!H", len(n)) + n
    return tls_ext(0, struct.pack("!H", len(entry)) + entry)


def ech_ext(payload_len=200):
    """An outer encrypted_client_hello extension (0xfe0d): the real name
    is inside the encrypted payload."""
    body = (b"\0" + struct.pack("!HH", 1, 1) + b"\x42" +
            struct.pack("!H", 32) + os.urandom(32) +
            struct.pack("!H", payload_len) + os.urandom(payload_len))
    return tls_ext(0xfe0d, body)


def client_hello_body(sni=None, ech=False, pad_to=None, extra=b""):
    """The ClientHello handshake message (type 1 + 24-bit length + body)."""
    exts = b""
    if sni is not None:
        exts += sni_ext(sni)
    exts += tls_ext(10, bytes.fromhex("0004001d0017"))      # groups
    exts += tls_ext(43, bytes.fromhex("0403040303"))         # versions
    exts += tls_ext(13, bytes.fromhex("000404030804"))       # sig algs
    if ech:
        exts += ech_ext()
    exts += extra
    body = (b"\x03\x03" + bytes(range(32)) + b"\x20" + bytes(32) +
            bytes.fromhex("0004130113020100"))
    if pad_to is not None:
        need = pad_to - (len(body) + 2 + len(exts) + 4) - 4
        if need > 0:
            exts += tls_ext(21, bytes(need))                 # padding
    body += struct.pack("!H", len(exts)) + exts
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def tls_records(hs, record_size=16384, version=b"\x03\x01"):
    """Handshake bytes as TLS records of at most record_size bytes."""
    out = b""
    for i in range(0, len(hs), record_size):
        chunk = hs[i:i + record_size]
        out += b"\x16" + version + struct.pack("!H", len(chunk)) + chunk
    return out


def client_hello(sni=None, **kw):
    """A ClientHello in TLS records, as a client sends it."""
    record_size = kw.pop("record_size", 16384)
    return tls_records(client_hello_body(sni, **kw), record_size)


def http_request(host, method="GET", target="/", leading=b"",
                 headers=b""):
    req = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: craft\r\n" % (
        method, target, host)
    return leading + req.encode() + headers + b"\r\n"


def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(txid, qname, qtype=1):
    return (struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0) +
            dns_name(qname) + struct.pack("!HH", qtype, 1))


def dns_answer(txid, qname, addrs, ttl=300):
    """A response to dns_query(txid, qname): one A/AAAA record per
    address (name compressed to the question)."""
    q = dns_name(qname)
    out = struct.pack("!HHHHHH", txid, 0x8180, 1, len(addrs), 0, 0) + q
    qtype = 1 if ipaddress.ip_address(addrs[0]).version == 4 else 28
    out += struct.pack("!HH", qtype, 1)
    for a in addrs:
        ip = ipaddress.ip_address(a)
        out += struct.pack("!HHHIH", 0xc00c, 1 if ip.version == 4 else 28, 1,
                           ttl, len(ip.packed)) + ip.packed
    return out


# ------------------------------------------------------------- running


class Capture:
    """Frames with timestamps 1 ms apart (from 2026-11-02 00:00 UTC)."""

    def __init__(self, start_ns=1793577600 * 10**9, step_ns=10**6):
        self.frames, self.t, self.step = [], start_ns, step_ns

    def add(self, *frames):
        for fr in frames:
            if isinstance(fr, (list, tuple)):
                self.add(*fr)
                continue
            self.frames.append((self.t, fr))
            self.t += self.step
        return self

    def write(self, path):
        return pcapgen.write_pcap(path, self.frames)


def run(frames, conf=xbtest.DEFAULT_CONF, extra=()):
    """Replay frames (a Capture or a list of frames) through the real
    binary with a flow log: (stats document, flow-log records)."""
    cap = frames if isinstance(frames, Capture) else Capture().add(frames)
    tmp = xbtest.tmpdir("craft")
    pcap = cap.write(os.path.join(tmp, "in.pcap"))
    log = os.path.join(tmp, "flows.jsonl")
    doc, _, _ = xbtest.replay([pcap], extra=["--flow-log", log] + list(extra),
                              conf=conf)
    return doc, xbtest.read_jsonl(log)


def flow_of(records, sport=None, dport=None, proto=None):
    """The flow-log records matching the given ports / protocol."""
    out = []
    for r in records:
        if sport is not None and r.get("sport") != sport:
            continue
        if dport is not None and r.get("dport") != dport:
            continue
        if proto is not None and r.get("proto") != proto:
            continue
        out.append(r)
    return out


def blocked(doc, records, **match):
    """True when the matching flow was stopped: its category is on the
    negative list (finance, unnamed, evasive) and no packet after the
    name reached the server, i.e. the stats count negative_list drops."""
    flows = flow_of(records, **match)
    return (len(flows) == 1 and flows[0]["action"] == "negative_list" and
            doc["packets"]["drop"].get("negative_list", 0) > 0)
