#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Flow-table evasion (issue 15): a flow on the negative list must stay
blocked whatever other flows an outsider sends to push it out of the
flow table, and a flow first seen mid-stream must still get its name.

Through the real binary, on the default tables with a tiny flow table
([flows] capacity = 1024 per worker) so that eviction really happens:

- control: an established TLS flow to FIN_NAME is dropped (negative_list);
- SYN flood: the same flow, then, mid-stream, thousands of bare SYNs of
  other flows (many times the table: every bucket pair, the flow's too,
  overflows over and over), then the rest of the flow: still dropped,
  still one flow-log record; no established flow evicted (the SYNs evict
  each other: stats flows.evicted.half_open);
- connection flood: the same with thousands of completed handshakes
  (established flows the table must make room for): the TLS flow is
  evicted, and its new entry gets its name and category back from the
  memory of evicted flows (flows.restored), so the rest stays dropped;
- mid-stream start: a capture that begins after the handshake, then a
  ClientHello: the flow gets its name (FIN_NAME: dropped; BENIGN_NAME:
  named).
"""
import craft
import xbtest
from craft import ACK, SYN

F = xbtest.begin()

CAPACITY = 1024


def small_table_conf():
    conf, _ = xbtest.conf_with("")
    xbtest.edit(conf, "capacity = 262144", "capacity = %d" % CAPACITY)
    return conf


CONF = small_table_conf()
EXTRA = ["--clock", "capture"]


def tls_start(conn, name):
    """Handshake, ClientHello, the server's first answer."""
    return (conn.handshake() + [conn.client(craft.client_hello(name))] +
            [conn.server(b"\x16\x03\x03\x00\x30" + bytes(48))])


def tls_more(conn, n):
    """n more exchanges of application data (client, server)."""
    out = []
    for i in range(n):
        out.append(conn.client(b"\x17\x03\x03\x00\x20" + bytes([i]) * 32))
        out.append(conn.server(b"\x17\x03\x03\x00\x20" + bytes([i]) * 32))
    return out


def syn_flood(n, first_port=20000):
    """n bare SYNs of other flows (other clients of the tenant's prefix
    and ports) to the same server."""
    out = []
    for i in range(n):
        src = "192.168.2.%d" % (100 + i % 100)
        out.append(craft.tcp(src, craft.SERVER, first_port + i,
                             443, 77 + i, 0, SYN))
    return out


def connection_flood(n, first_port=30000):
    """n completed handshakes (established flows: both sides seen)."""
    out = []
    for i in range(n):
        c = craft.TcpConn(client="192.168.2.%d" % (100 + i % 100),
                          cport=first_port + i, cisn=9000 + i, sisn=4000 + i)
        out += c.handshake()
    return out


def check_blocked(doc, recs, port, after, label):
    """The flow of client port `port` is dropped as negative_list in every
    record, and at least `after` packets (those after the trick) were
    dropped as such."""
    flows = craft.flow_of(recs, sport=port)
    F.check(len(flows) >= 1, "%s: flow logged (%d records)" % (label, len(flows)))
    for r in flows:
        F.check(r["action"] == "negative_list" and r["name"] == craft.FIN_NAME,
                "%s: record %r is negative_list with name %s" % (
                    label, {k: r.get(k) for k in ("action", "name",
                                                  "category", "packets")},
                    craft.FIN_NAME))
    drops = doc["packets"]["drop"].get("negative_list", 0)
    F.check(drops >= after, "%s: %d negative_list drops (>= %d expected)"
            % (label, drops, after))
    F.check(xbtest.conservation(doc), "%s: rx == tx + drops" % label)
    return flows


# Control: the plain flow is dropped.
conn = craft.TcpConn(cport=41001)
doc, recs = craft.run(tls_start(conn, craft.FIN_NAME) + tls_more(conn, 4),
                      conf=CONF, extra=EXTRA)
check_blocked(doc, recs, 41001, 10, "control")
F.check(len(craft.flow_of(recs, sport=41001)) == 1, "control: one record")

# SYN flood mid-stream: the flow is never evicted.
conn = craft.TcpConn(cport=41002)
frames = (tls_start(conn, craft.FIN_NAME) + tls_more(conn, 2) +
          syn_flood(6 * CAPACITY) + tls_more(conn, 6))
doc, recs = craft.run(frames, conf=CONF, extra=EXTRA)
flows = check_blocked(doc, recs, 41002, 12 + 6, "syn flood")
F.check(len(flows) == 1, "syn flood: the flow kept its entry (%d records)"
        % len(flows))
ev = doc["flows"]["evicted"]
F.check(ev["established"] == 0,
        "syn flood: no established flow evicted (%r)" % ev)
F.check(ev["half_open"] > 4 * CAPACITY,
        "syn flood: the SYNs evicted each other (%r)" % ev)

# Connection flood mid-stream: the flow is evicted, and restored.
conn = craft.TcpConn(cport=41003)
frames = (tls_start(conn, craft.FIN_NAME) + tls_more(conn, 2) +
          connection_flood(3 * CAPACITY) + tls_more(conn, 6))
doc, recs = craft.run(frames, conf=CONF, extra=EXTRA)
flows = check_blocked(doc, recs, 41003, 12 + 6, "connection flood")
fl = doc["flows"]
F.check(fl["evicted"]["established"] > 0,
        "connection flood: established flows evicted (%r)" % fl["evicted"])
F.check(len(flows) == 2,
        "connection flood: the flow was evicted and came back (%d records)"
        % len(flows))
F.check(fl["restored"] >= 1 and fl["remembered"] >= 1,
        "connection flood: restored from the memory of evicted flows "
        "(remembered %d, restored %d)" % (fl["remembered"], fl["restored"]))
# The half-open handshakes' first SYNs evicted none of the established
# ones: those were all evicted for a SYN-ACK or ACK.
F.check(fl["evicted"]["half_open"] >= 0 and
        fl["evicted"]["established"] <= 3 * CAPACITY,
        "connection flood: bounded evictions (%r)" % fl["evicted"])

# The same connection flood without the finance flow's name: the
# restored flow keeps what it was (a benign name, forwarded), so the
# memory never makes an honest flow stricter.
conn = craft.TcpConn(cport=41004)
frames = (tls_start(conn, craft.BENIGN_NAME) + tls_more(conn, 2) +
          connection_flood(3 * CAPACITY) + tls_more(conn, 6))
doc, recs = craft.run(frames, conf=CONF, extra=EXTRA)
flows = craft.flow_of(recs, sport=41004)
F.check(len(flows) == 2 and all(r["name"] == craft.BENIGN_NAME and
                                r["action"] != "negative_list"
                                for r in flows),
        "benign flow evicted and restored keeps its name and action: %r" % [
            {k: r.get(k) for k in ("action", "name", "category")}
            for r in flows])

# Mid-stream start: no handshake in the capture, a ClientHello later.
for name, port in ((craft.FIN_NAME, 41005), (craft.BENIGN_NAME, 41006)):
    conn = craft.TcpConn(cport=port)
    frames = ([conn.client(b"", flags=ACK), conn.server(b"", flags=ACK)] +
              [conn.client(craft.client_hello(name))] +
              [conn.server(b"\x16\x03\x03\x00\x30" + bytes(48))] +
              tls_more(conn, 3))
    doc, recs = craft.run(frames, conf=CONF, extra=EXTRA)
    flows = craft.flow_of(recs, sport=port)
    F.check(len(flows) == 1 and flows[0]["name"] == name,
            "mid-stream start (%s): named %r" % (
                name, [r.get("name") for r in flows]))
    if name == craft.FIN_NAME:
        check_blocked(doc, recs, port, 8, "mid-stream start")

F.exit()
