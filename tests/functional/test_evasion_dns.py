#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""DNS cache evasion (issue 15): a forged DNS answer must not name a flow.

The cache names flows that show no name of their own from the answers
their tenant's clients got.  It learns an answer only when it travels
from outside to an inside client and answers a query the gateway saw on
the same flow (transaction id, 5-tuple, question); a name learnt for one
tenant names only that tenant's flows; and the workers share it.

Through the real binary, on a copy of the default config with one more
5-tuple rule (tcp to SERVER:443 is finance):
  (a) the control: CLIENT's flow to SERVER without a name is denied
      (negative_list); forged answers mapping SERVER to a benign name
      (from an inside host, from outside without a query, with a wrong
      transaction id, to another question, from an inside resolver, for
      another tenant) name nothing and it stays denied the same way;
  (b) an answer learnt for tenant A (real or forged) never names another
      tenant's flow to that address;
  (c) the honest case: a real query and answer (UDP and TCP DNS) name a
      later flow of the same tenant without a name of its own (TLS
      without SNI, ECH without an outer name, a binary protocol), and a
      finance name from the cache denies it;
  (d) two workers: the DNS lookup and the flows on different workers,
      the name still comes from the cache.
"""
import os

import craft
import xbtest
from craft import (BENIGN_NAME, CLIENT, FIN_NAME, SERVER, SERVER2, TcpConn,
                   dns_answer, dns_query, udp)

F = xbtest.begin()

conf, _ = xbtest.conf_with("")
rules = os.path.join(os.path.dirname(conf), "category_rules.csv")
with open(rules, "a") as f:
    f.write("200,finance,tcp,*,%s/32,*,443,*\n" % SERVER)

RESOLVER = "8.8.8.8"             # outside (US)
INSIDE_HOST = "192.168.2.66"     # lotus-trade, the forger
INSIDE_RESOLVER = "192.168.2.1"  # lotus-trade's own resolver, inside
CLIENT_C = "192.168.0.10"        # mekong-ecom: no finance approval
BLOB = b"\x00\x01\x02\x03binary protocol, no name\x00"


def dns_pair(client, cport, txid, qname, addrs, resolver=RESOLVER,
             answer_txid=None, answer_qname=None, answer_from=None,
             qtype=1):
    """A query from client to resolver:53 and its answer (fields of the
    answer can be made to differ from the query's)."""
    q = udp(client, resolver, cport, 53, dns_query(txid, qname, qtype))
    a = udp(answer_from or resolver, client, 53, cport,
            dns_answer(txid if answer_txid is None else answer_txid,
                       answer_qname or qname, addrs))
    return [q, a]


def nameless_tls(client, server, cport, ech=False):
    """A TLS connection whose ClientHello carries no server name."""
    c = TcpConn(client=client, server=server, cport=cport, sport=443)
    return c.handshake() + [c.client(craft.client_hello(None, ech=ech)),
                            c.server(b"\x16\x03\x03\x00\x04\x0e\x00\x00\x00")]


def nameless_blob(client, server, cport, port=9000):
    """A connection of a protocol that carries no name at all."""
    c = TcpConn(client=client, server=server, cport=cport, sport=port)
    return c.handshake() + [c.client(BLOB), c.server(b"\x00ok")]


def one(records, **match):
    flows = craft.flow_of(records, **match)
    return flows[0] if len(flows) == 1 else None


def from_cache(rec):
    return rec is not None and rec.get("name_source") == "dns-cache"


# ---- (a) forged answers never name the denied flow ----------------------

def denied_flow():
    return nameless_tls(CLIENT, SERVER, 40001)


doc, recs = craft.run(denied_flow(), conf=conf)
F.check(craft.blocked(doc, recs, sport=40001),
        "control: the nameless flow to SERVER:443 is not denied: %s" % recs)

forgeries = {
    "from an inside host, no query": [
        udp(INSIDE_HOST, CLIENT, 53, 35000,
            dns_answer(0x1111, BENIGN_NAME, [SERVER]))],
    "from an inside host spoofing nothing, after a real query": [
        udp(CLIENT, RESOLVER, 35001, 53, dns_query(0x2222, BENIGN_NAME)),
        udp(INSIDE_HOST, CLIENT, 53, 35001,
            dns_answer(0x2222, BENIGN_NAME, [SERVER]))],
    "from outside without a query": [
        udp(RESOLVER, CLIENT, 53, 35002,
            dns_answer(0x3333, BENIGN_NAME, [SERVER]))],
    "wrong transaction id": dns_pair(CLIENT, 35003, 0x4444, BENIGN_NAME,
                                     [SERVER], answer_txid=0x4445),
    "wrong question name": dns_pair(CLIENT, 35004, 0x5555, "ads.example.net",
                                    [SERVER], answer_qname=BENIGN_NAME),
    "wrong question type": [
        udp(CLIENT, RESOLVER, 35005, 53,
            dns_query(0x6666, BENIGN_NAME, qtype=28)),
        udp(RESOLVER, CLIENT, 53, 35005,
            dns_answer(0x6666, BENIGN_NAME, [SERVER]))],
    "from another outside server than the one asked": dns_pair(
        CLIENT, 35006, 0x7777, BENIGN_NAME, [SERVER],
        answer_from="9.9.9.9"),
    "inside resolver (inside to inside)": dns_pair(
        CLIENT, 35007, 0x8888, BENIGN_NAME, [SERVER],
        resolver=INSIDE_RESOLVER),
    "real answer for another tenant": dns_pair(
        CLIENT_C, 35008, 0x9999, BENIGN_NAME, [SERVER]),
}
for why, frames in forgeries.items():
    doc, recs = craft.run(frames + denied_flow(), conf=conf)
    rec = one(recs, sport=40001)
    F.check(craft.blocked(doc, recs, sport=40001),
            "%s: the denied flow passed: %s" % (why, rec))
    F.check(rec is not None and rec.get("name") is None,
            "%s: the denied flow got a name: %s" % (why, rec))
    dc = doc.get("dns_cache", {})
    F.check(dc.get("hits", -1) == 0, "%s: cache hits %s" % (why, dc))
    refused = (dc.get("rejected_no_query", 0) + dc.get("rejected_question", 0) +
               dc.get("rejected_direction", 0))
    if why == "real answer for another tenant":
        F.check(dc.get("answers_learnt") == 1,
                "%s: the other tenant's answer was not learnt: %s" % (why, dc))
    elif why == "inside resolver (inside to inside)":
        F.check(dc.get("rejected_direction") == 1 and dc.get("learnt") == 0,
                "%s: not refused as wrong direction: %s" % (why, dc))
    else:
        F.check(refused >= 1 and dc.get("learnt") == 0,
                "%s: not counted as refused: %s" % (why, dc))

# ---- (b) tenant A's answers never name tenant C's flows -----------------
# A's real answer maps SERVER2 to the finance name, and a forger inside
# tries the same for everyone; C's nameless flow to SERVER2 keeps its own
# verdict (forwarded), A's own is named and denied.
frames = (dns_pair(CLIENT, 36000, 0x0a0a, FIN_NAME, [SERVER2]) +
          [udp(INSIDE_HOST, CLIENT_C, 53, 36001,
               dns_answer(0x0b0b, FIN_NAME, [SERVER2]))] +
          nameless_blob(CLIENT_C, SERVER2, 41000) +
          nameless_blob(CLIENT, SERVER2, 41001))
doc, recs = craft.run(frames, conf=conf)
c_rec, a_rec = one(recs, sport=41000), one(recs, sport=41001)
F.check(c_rec is not None and c_rec.get("name") is None and
        c_rec.get("action") != "negative_list",
        "(b) tenant C's flow was affected by A's answer: %s" % c_rec)
F.check(from_cache(a_rec) and a_rec.get("name") == FIN_NAME and
        a_rec.get("action") == "negative_list",
        "(b) tenant A's flow not named from its own answer: %s" % a_rec)

# ---- (c) the honest case keeps working ------------------------------------
tcp_dns = TcpConn(client=CLIENT, server=RESOLVER, cport=36100, sport=53)
q = dns_query(0x0c0c, "api.example.org")
a = dns_answer(0x0c0c, "api.example.org", ["1.21.224.30"])
tcp_frames = tcp_dns.handshake() + [
    tcp_dns.client(len(q).to_bytes(2, "big") + q),
    tcp_dns.server(len(a).to_bytes(2, "big") + a)]
frames = (dns_pair(CLIENT, 36002, 0x0d0d, BENIGN_NAME, [SERVER2]) +
          dns_pair(CLIENT, 36003, 0x0e0e, FIN_NAME, ["1.21.224.40"]) +
          tcp_frames +
          nameless_tls(CLIENT, SERVER2, 42000) +
          nameless_tls(CLIENT, SERVER2, 42001, ech=True) +
          nameless_blob(CLIENT, SERVER2, 42002) +
          nameless_blob(CLIENT, "1.21.224.30", 42003) +
          nameless_blob(CLIENT, "1.21.224.40", 42004))
doc, recs = craft.run(frames, conf=conf)
for cport, what, name in ((42000, "TLS without SNI", BENIGN_NAME),
                          (42001, "ECH without an outer name", BENIGN_NAME),
                          (42002, "a nameless protocol", BENIGN_NAME),
                          (42003, "named by a TCP DNS answer",
                           "api.example.org"),
                          (42004, "a finance name", FIN_NAME)):
    rec = one(recs, sport=cport)
    F.check(from_cache(rec) and rec.get("name") == name,
            "(c) %s: not named %s from the cache: %s" % (what, name, rec))
fin = one(recs, sport=42004)
F.check(fin is not None and fin.get("action") == "negative_list",
        "(c) the flow the cache names finance is not denied: %s" % fin)
blob = one(recs, sport=42002)
F.check(blob is not None and blob.get("action") != "negative_list",
        "(c) the honest benign flow was denied: %s" % blob)
dc = doc.get("dns_cache", {})
# Five flows named from the cache (lookups may repeat while a flow's
# name is still being verified).
F.check(dc.get("answers_learnt") == 3 and dc.get("hits", 0) >= 5 and
        dc.get("rejected_no_query") == 0 and dc.get("rejected_question") == 0 and
        dc.get("rejected_direction") == 0,
        "(c) counters: %s" % dc)

# ---- (d) two workers share the cache ---------------------------------------
# The DNS flow, then more of its own packets (so that the feeder, which
# keeps the workers within 1 ms of capture time of each other, cannot hand
# out the later flows before the answer's worker is past it), then 16
# nameless flows: some land on the other worker.
cap = craft.Capture()
cap.add(dns_pair(CLIENT, 37000, 0x0f0f, FIN_NAME, [SERVER2]))
for _ in range(40):
    cap.add(udp(CLIENT, RESOLVER, 37000, 53, b"\x00not dns"))
for k in range(16):
    cap.add(nameless_blob(CLIENT, SERVER2, 43000 + k))
tmp = xbtest.tmpdir("dns2w")
pcap = cap.write(os.path.join(tmp, "in.pcap"))
log, stats = os.path.join(tmp, "flows.jsonl"), os.path.join(tmp, "s.json")
xbtest.run_xbgw(["--lcores", "0@0,1@1,2@1", "--no-huge", "-m", "2048",
                 "--no-pci", "--file-prefix", "xbdns%d" % os.getpid(),
                 "--log-level=lib.eal:warning", "--",
                 "-c", conf, "--replay", pcap, "--clock", "capture",
                 "--no-progress", "--stats-json", stats, "--flow-log", log])
doc, recs = xbtest.read_json(stats), xbtest.read_jsonl(log)
F.check(len(doc["workers"]) == 2, "(d) not two workers: %s" % doc["workers"])
dns = one(recs, sport=37000)
flows = [one(recs, sport=43000 + k) for k in range(16)]
other = [r for r in flows if r is not None and dns is not None and
         r.get("worker") != dns.get("worker")]
print("(d) DNS flow on worker %s; %d of 16 flows on the other one" %
      (dns and dns.get("worker"), len(other)))
F.check(len(other) > 0, "(d) no flow landed on the other worker")
for r in flows:
    F.check(from_cache(r) and r.get("name") == FIN_NAME and
            r.get("action") == "negative_list",
            "(d) flow not named from the shared cache: %s" % r)
F.check(xbtest.conservation(doc), "(d) conservation")
F.exit()
