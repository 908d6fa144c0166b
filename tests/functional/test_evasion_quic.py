# SPDX-License-Identifier: BSD-3-Clause
"""QUIC evasion (issue 15) through the real binary: hand-made v1 client
Initials (craft_quic) from CLIENT (lotus-trade, no finance approval) to
SERVER (SG) on the default config.

Controls: a plain Initial naming FIN_NAME is blocked (action
negative_list, the name seen); the same with BENIGN_NAME passes, also when
the client re-sends its Initial and the server answers (verification ends
clean: no false `evasive`).  Each trick must end blocked like the control,
with the name seen or the category `unnamed` / `evasive`:
  - a decoy Initial naming BENIGN_NAME with a bad UDP checksum (the server
    drops it) first, then the real one at the same CRYPTO offsets, with the
    same DCID and with another one;
  - junk datagrams before the Initial (short-header junk, a long header of
    no known version, an Initial under 1,200 bytes);
  - more junk than the gateway looks past, on UDP/443;
  - a coalesced datagram: an Initial that fails authentication next to one
    that decrypts (in both orders), and the decoy next to the real one;
  - the Initial on non-standard ports, also after junk;
  - the ClientHello's CRYPTO data split over three Initials, in order and
    out of order.
"""
import craft
import craft_quic as q
import xbtest

F = xbtest.begin()

CPORT = 50001
STRICT = ("finance", "unnamed", "evasive")


def udp_c(payload, dport=443, bad_csum=False, cport=CPORT):
    return craft.udp(craft.CLIENT, craft.SERVER, cport, dport, payload,
                     bad_csum=bad_csum)


def udp_s(payload, sport=443, cport=CPORT):
    return craft.udp(craft.SERVER, craft.CLIENT, sport, cport, payload)


def server_answer(sport=443):
    """What a server sends back: an Initial-sized datagram (its Initial +
    Handshake, opaque to the gateway) and a short header."""
    return [udp_s(q.junk(1200, long_header=True), sport),
            udp_s(q.short_header(), sport)]


def run_case(name, frames, dport=443, expect_blocked=True,
             categories=STRICT, name_seen=None):
    doc, recs = craft.run(frames)
    flows = craft.flow_of(recs, sport=CPORT, dport=dport, proto="udp") or \
        craft.flow_of(recs, sport=CPORT, dport=dport)
    if len(flows) != 1:
        F.check(False, "%s: expected one flow log record for %d->%d, got "
                "%d: %s" % (name, CPORT, dport, len(flows), recs))
        return
    r = flows[0]
    desc = "%s: action %s category %s name %s source %s, drops %s" % (
        name, r.get("action"), r.get("category"), r.get("name"),
        r.get("name_source"), doc["packets"]["drop"])
    if expect_blocked:
        F.check(craft.blocked(doc, recs, sport=CPORT, dport=dport),
                desc + " (expected blocked)")
        F.check(r.get("category") in categories,
                desc + " (expected category in %s)" % (categories,))
    else:
        F.check(r.get("action") != "negative_list" and
                doc["packets"]["drop"].get("negative_list", 0) == 0,
                desc + " (expected forwarded)")
        F.check(r.get("category") not in ("unnamed", "evasive"),
                desc + " (honest flow taken as unnamed/evasive)")
    if name_seen is not None:
        F.check(r.get("name") == name_seen and
                r.get("name_source") == "quic",
                desc + " (expected the name %s from quic)" % name_seen)
    print("ok  " + desc)


dcid = q.new_dcid()
fin = q.hello_initial(dcid, craft.FIN_NAME)

# ---- controls ----------------------------------------------------------
run_case("control", [udp_c(fin)] + server_answer(),
         categories=("finance",), name_seen=craft.FIN_NAME)
benign = q.hello_initial(dcid, craft.BENIGN_NAME)
benign_again = q.initial(dcid, q.crypto_frame(0, q.hello(craft.BENIGN_NAME)),
                         pn=1)
run_case("benign control, re-sent and answered",
         [udp_c(benign), udp_c(benign_again)] + server_answer() +
         [udp_c(q.short_header()) for _ in range(4)],
         expect_blocked=False, name_seen=craft.BENIGN_NAME)

# ---- decoy first ------------------------------------------------------
run_case("decoy with a bad UDP checksum, same DCID",
         [udp_c(benign, bad_csum=True), udp_c(fin)] + server_answer(),
         categories=("finance", "evasive"))
fin_b = q.hello_initial(q.new_dcid(), craft.FIN_NAME)
run_case("decoy with a bad UDP checksum, another DCID",
         [udp_c(benign, bad_csum=True), udp_c(fin_b)] + server_answer(),
         categories=("finance", "evasive"))
# The decoy and the real Initial coalesced, decoy first (700 bytes each:
# a datagram of 1,400).
run_case("decoy and real Initial in one datagram",
         [udp_c(q.hello_initial(dcid, craft.BENIGN_NAME, size=700) +
                q.hello_initial(dcid, craft.FIN_NAME, size=700))] +
         server_answer(),
         categories=("finance", "evasive"))

# ---- junk before the Initial -----------------------------------------
small = q.hello_initial(q.new_dcid(), craft.BENIGN_NAME, size=1000)
run_case("junk datagrams before the Initial",
         [udp_c(q.junk(100)), udp_c(q.junk(300, long_header=True)),
          udp_c(small), udp_c(fin)] + server_answer(),
         name_seen=craft.FIN_NAME)
run_case("more junk than looked past, UDP/443",
         [udp_c(q.junk(120)) for _ in range(12)] + [udp_c(fin)] +
         server_answer(),
         name_seen=craft.FIN_NAME)

# ---- coalesced packets, one failing authentication --------------------
bad = q.hello_initial(dcid, craft.BENIGN_NAME, size=700, corrupt=True)
fin700 = q.hello_initial(dcid, craft.FIN_NAME, size=700)
run_case("coalesced: failing Initial, then the real one",
         [udp_c(bad + fin700)] + server_answer(), name_seen=craft.FIN_NAME)
run_case("coalesced: the real Initial, then a failing one",
         [udp_c(fin700 + bad)] + server_answer(), name_seen=craft.FIN_NAME)
# Two full-size Initials: a 2,400-byte datagram (jumbo frames, or IP
# fragments reassembled before extraction).
run_case("coalesced: failing Initial, then the real one, 2,400 bytes",
         [udp_c(q.hello_initial(dcid, craft.BENIGN_NAME, corrupt=True) +
                fin)] + server_answer(), name_seen=craft.FIN_NAME)

# ---- any port ------------------------------------------------------------
for port in (4433, 8443, 9999):
    run_case("Initial on UDP port %d" % port,
             [udp_c(fin, dport=port)] + server_answer(sport=port),
             dport=port, name_seen=craft.FIN_NAME)
run_case("junk then the Initial on UDP port 7000",
         [udp_c(q.junk(80), dport=7000), udp_c(q.junk(1300), dport=7000),
          udp_c(fin, dport=7000)] + server_answer(sport=7000),
         dport=7000, name_seen=craft.FIN_NAME)

# ---- CRYPTO split over several Initials ---------------------------------
parts = q.split_initials(q.new_dcid(), craft.FIN_NAME, parts=3, pad_to=1500)
run_case("CRYPTO split over three Initials",
         [udp_c(p) for p in parts] + server_answer(),
         name_seen=craft.FIN_NAME)
run_case("CRYPTO split over three Initials, out of order",
         [udp_c(parts[2]), udp_c(parts[0]), udp_c(parts[1])] +
         server_answer(), name_seen=craft.FIN_NAME)

F.exit()
