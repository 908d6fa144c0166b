#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Names that are not valid UTF-8 never break an output (issue 15).

A crafted capture: HTTP Hosts and TLS SNIs carrying ill-formed UTF-8
(0xff, an overlong '/', a surrogate, a truncated sequence), a C1 control
(CSI), quotes and backslashes, beside well-formed UTF-8; two of them are
finance names (suffix dbs.com.sg), so the event log gets negative-list
lines carrying them.  Replayed with --flow-log, --stats-json, an event log
and an IPFIX collector (a UDP socket of the test's own).  Checked:

- every line of the flow log and the event log, and the statistics
  document, is strict UTF-8 and parses as JSON;
- each name reads back as the wire bytes decoded with U+FFFD per
  ill-formed subpart (Python's errors="replace"), lower-cased;
- no raw control byte (C0, DEL) and no C1 control is in any line;
- the finance names are blocked (negative_list) and their events name them;
- every IPFIX string field is strict UTF-8, and the names are there.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import craft  # noqa: E402
import xbtest  # noqa: E402

F = xbtest.begin()

# (client port, protocol, name bytes on the wire)
CASES = [
    (41001, "http", b"bad\xff\xc0\xaf\xed\xa0\x80utf8.example\xe2\x82"),
    (41002, "http", b"csi\xc2\x9b31m.caf\xc3\xa9.example"),
    (41003, "tls", b'q"b\\s\xff\xfe.example'),
    (41004, "tls", b"\xf4\x90\x80\x80\xc2\x85sni.example"),
    (41005, "http", b"\xff\xfe.www.dbs.com.sg"),   # finance
    (41006, "tls", b"x\xe2\x82.dbs.com.sg"),        # finance
]
FINANCE = {41005, 41006}


def expected(raw):
    return raw.decode("utf-8", "replace").lower()


def http_request(host):
    return (b"GET / HTTP/1.1\r\nHost: " + host +
            b"\r\nUser-Agent: craft\r\n\r\n")


cap = craft.Capture()
for cport, proto, name in CASES:
    conn = craft.TcpConn(cport=cport, sport=80 if proto == "http" else 443)
    payload = http_request(name) if proto == "http" else \
        craft.client_hello(name)
    # What follows the name: for HTTP the connection's next request
    # (other bytes there would make it unnamed), for TLS application data.
    more = payload if proto == "http" else b"more data after the name"
    cap.add(conn.handshake(), conn.client(payload), conn.server(),
            conn.client(more), conn.close())

# A collector of our own: the datagrams arrive while the replay runs.
col = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
col.bind(("127.0.0.1", 0))
col.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
col.settimeout(0.2)
port = col.getsockname()[1]

conf, tmp = xbtest.conf_with("[events]\nfile = events.jsonl\n"
                             "[ipfix]\ncollector = 127.0.0.1:%d\n" % port)
events_path = os.path.join(os.path.dirname(conf), "events.jsonl")
pcap = cap.write(os.path.join(tmp, "names.pcap"))
flowlog = os.path.join(tmp, "flows.jsonl")
stats = os.path.join(tmp, "stats.json")
xbtest.run_xbgw(["-c", conf, "--replay", pcap, "--no-progress",
                 "--clock", "capture", "--stats-json", stats,
                 "--flow-log", flowlog])


def strict_lines(path, what):
    """Every line: strict UTF-8, no raw control or C1 byte, one JSON
    document.  Returns the documents."""
    import json
    docs = []
    with open(path, "rb") as f:
        for no, line in enumerate(f.read().splitlines(), 1):
            try:
                text = line.decode("utf-8", "strict")
            except UnicodeDecodeError as e:
                F.check(False, "%s line %d: not UTF-8 (%s)" % (what, no, e))
                continue
            bad = [c for c in text if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f]
            F.check(not bad, "%s line %d: raw control characters %r" %
                    (what, no, bad))
            try:
                docs.append(json.loads(text))
            except ValueError as e:
                F.check(False, "%s line %d: not JSON (%s)" % (what, no, e))
    return docs


def strict_doc(path, what):
    """A whole document: strict UTF-8, then JSON."""
    import json
    with open(path, "rb") as f:
        data = f.read()
    try:
        return json.loads(data.decode("utf-8", "strict"))
    except ValueError as e:  # UnicodeDecodeError is a ValueError
        F.check(False, "%s: %s" % (what, e))
        return None


flows = strict_lines(flowlog, "flow log")
doc = strict_doc(stats, "stats")
F.check(doc is not None and xbtest.conservation(doc), "stats: rx != tx + drops")
events = strict_lines(events_path, "event log")

by_port = {r["sport"]: r for r in flows if r.get("proto") == 6}
for cport, proto, raw in CASES:
    r = by_port.get(cport)
    if not F.check(r is not None, "flow from port %d missing" % cport):
        continue
    F.check(r.get("name") == expected(raw),
            "port %d: name %r, expected %r" % (cport, r.get("name"),
                                               expected(raw)))
    F.check(r.get("name_source") == proto,
            "port %d: name_source %r" % (cport, r.get("name_source")))
    if cport in FINANCE:
        F.check(r.get("category") == "finance" and
                r.get("action") == "negative_list",
                "port %d: %s / %s, expected finance / negative_list" %
                (cport, r.get("category"), r.get("action")))

neg = {e.get("sport"): e for e in events if e.get("type") == "negative_list"}
for cport in FINANCE:
    raw = [c[2] for c in CASES if c[0] == cport][0]
    e = neg.get(cport)
    if F.check(e is not None, "no negative_list event for port %d" % cport):
        F.check(e.get("name") == expected(raw),
                "event of port %d: name %r" % (cport, e.get("name")))

# ---- IPFIX: parse the messages, every string field strict UTF-8 --------
templates, names, msgs = {}, set(), 0
while True:
    try:
        m, _ = col.recvfrom(65536)
    except socket.timeout:
        break
    msgs += 1
    ver, length = struct.unpack("!HH", m[:4])
    if not F.check(ver == 10 and length == len(m), "bad IPFIX header"):
        continue
    off = 16
    while off + 4 <= length:
        sid, slen = struct.unpack("!HH", m[off:off + 4])
        body, off = m[off + 4:off + slen], off + slen
        if sid == 2:
            p = 0
            while p + 4 <= len(body):
                tid, n = struct.unpack("!HH", body[p:p + 4])
                p += 4
                fields = []
                for _ in range(n):
                    ie, fl = struct.unpack("!HH", body[p:p + 4])
                    p += 4
                    pen = None
                    if ie & 0x8000:
                        pen = struct.unpack("!I", body[p:p + 4])[0]
                        p += 4
                    fields.append((ie & 0x7fff, fl, pen))
                templates[tid] = fields
        elif sid >= 256 and sid in templates:
            p = 0
            while p < len(body):
                for ie, fl, pen in templates[sid]:
                    if fl == 65535:
                        fl = body[p]
                        p += 1
                        if fl == 255:
                            fl = struct.unpack("!H", body[p:p + 2])[0]
                            p += 2
                        value = body[p:p + fl]
                        try:
                            text = value.decode("utf-8", "strict")
                        except UnicodeDecodeError:
                            F.check(False, "IPFIX string IE %d not UTF-8: %r"
                                    % (ie, value))
                            text = None
                        if pen is not None and ie == 5 and text:
                            names.add(text)
                    p += fl
                if len(body) - p < 4:  # set padding
                    break
col.close()
F.check(msgs > 0, "no IPFIX message received")
if msgs:
    for cport, proto, raw in CASES:
        F.check(expected(raw) in names,
                "IPFIX: name of port %d (%r) not exported" %
                (cport, expected(raw)))

F.exit()
