# SPDX-License-Identifier: BSD-3-Clause
"""Negative-list enforcement against evasion over TCP, through the real
binary (issue 15).

Every case is a TLS or HTTP connection from CLIENT (lotus-trade, no
finance approval) to SERVER in Singapore that names FIN_NAME (finance, on
the negative list) with one trick an evader would try.  Each must end with
the action negative_list and its later packets dropped, like the control
(the same connection without the trick); the flow's category is finance,
or unnamed / evasive when the trick hides or contradicts the name.  A
benign connection with the same shape must still pass (the trick alone is
no evidence)."""
import craft
import xbtest
from craft import ACK, PSH, TcpConn

F = xbtest.begin()
NEGATIVE = ("finance", "unnamed", "evasive")


def after(c):
    """Bytes after the name: the server's answer and the client's next
    data (application data the gateway must stop)."""
    return [c.server(), c.server(b"\x16\x03\x03\x00\x04" + b"\x02\0\0\0"),
            c.client(b"\x17\x03\x03\x00\x20" + bytes(32)),
            c.client(b"\x17\x03\x03\x00\x20" + bytes(32))]


CASES = []


def case(name, cats=NEGATIVE, benign_passes=True, port=443):
    """A case: fn(conn, name) gives its frames; cats the categories the
    FIN_NAME flow may end in; benign_passes: the BENIGN_NAME flow of the
    same shape must pass (else it must be blocked too)."""
    def reg(fn):
        CASES.append((name, fn, cats, benign_passes, port))
        return fn
    return reg


@case("control: one segment", cats=("finance",))
def plain(c, sni):
    return c.handshake() + [c.client(craft.client_hello(sni))] + after(c)


def decoy_of(real):
    """A benign ClientHello as long as real (a decoy for its bytes); for
    a benign real one, the same bytes (a plain retransmission)."""
    return craft.client_hello(craft.BENIGN_NAME).ljust(len(real),
                                                       b"\0")[:len(real)]


@case("decoy with a bad TCP checksum first, same sequence numbers",
      cats=("evasive",))
def decoy_csum(c, sni):
    real = craft.client_hello(sni)
    decoy = decoy_of(real)
    return (c.handshake() + [c.client(decoy, off=0, bad_csum=True),
                             c.client(real, off=0)] + after(c))


@case("decoy with a TTL that expires before the server", cats=("evasive",))
def decoy_ttl(c, sni):
    real = craft.client_hello(sni)
    decoy = decoy_of(real)
    return (c.handshake() + [c.client(decoy, off=0, ttl=2),
                             c.client(real, off=0)] + after(c))


@case("decoy after the real copy", cats=("evasive", "finance"))
def decoy_late(c, sni):
    real = craft.client_hello(sni)
    decoy = decoy_of(real)
    return (c.handshake() + [c.client(real, off=0),
                             c.client(decoy, off=0, bad_csum=True)] +
            after(c))


@case("ClientHello in 40 segments")
def many_segments(c, sni):
    return (c.handshake() + c.segments(craft.client_hello(sni), 13) +
            after(c))


@case("ClientHello in 1-byte segments")
def one_byte_segments(c, sni):
    return (c.handshake() + c.segments(craft.client_hello(sni, pad_to=600),
                                       1) + after(c))


@case("ClientHello of 20 KB (beyond any 8 KB window)")
def big_hello(c, sni):
    hello = craft.client_hello(sni, pad_to=20000)
    return c.handshake() + c.segments(hello, 1400) + after(c)


@case("ClientHello of 20 KB, the name after the padding")
def big_hello_sni_last(c, sni):
    body = craft.client_hello_body(None, pad_to=20000,
                                   extra=craft.sni_ext(sni))
    return c.handshake() + c.segments(craft.tls_records(body), 1400) + \
        after(c)


@case("ClientHello in one 9 KB segment (GRO / jumbo), name past 2 KB")
def jumbo_segment(c, sni):
    body = craft.client_hello_body(None, pad_to=9000,
                                   extra=craft.sni_ext(sni))
    return c.handshake() + [c.client(craft.tls_records(body))] + after(c)


@case("ClientHello over many small TLS records")
def many_records(c, sni):
    return (c.handshake() +
            [c.client(craft.client_hello(sni, record_size=7))] + after(c))


@case("segments out of order: the tail first")
def tail_first(c, sni):
    hello = craft.client_hello(sni)
    segs = c.segments(hello, 60)
    return c.handshake() + segs[1:] + segs[:1] + after(c)


@case("the tail first, starting with an HTTP-looking byte")
def tail_looks_http(c, sni):
    hello = craft.client_hello(sni, pad_to=400)
    # Cut where the tail starts with an upper-case letter.
    cut = next(i for i in range(50, len(hello)) if 65 <= hello[i] <= 90) \
        if any(65 <= b <= 90 for b in hello[50:]) else 100
    tail = c.client(hello[cut:], off=cut)
    head = c.client(hello[:cut], off=0)
    return c.handshake() + [tail, head] + after(c)


@case("a decoy ClientHello placed before the handshake's start",
      cats=("finance",))
def decoy_before_start(c, sni):
    decoy = craft.client_hello(craft.BENIGN_NAME)
    before = craft.tcp(c.c, c.s, c.cp, c.sp, c.cisn + 1 - len(decoy),
                       c.sisn + 1, PSH | ACK, decoy)
    return (c.handshake() + [before, c.client(craft.client_hello(sni))] +
            after(c))


@case("ClientHello on port 8443", cats=("finance",), port=8443)
def port_8443(c, sni):
    return c.handshake() + [c.client(craft.client_hello(sni))] + after(c)


@case("ClientHello on an unusual port (2222)", cats=("finance",), port=2222)
def odd_port(c, sni):
    return c.handshake() + [c.client(craft.client_hello(sni))] + after(c)


@case("ECH without an outer name", cats=("unnamed",), benign_passes=False)
def ech_no_sni(c, sni):
    return (c.handshake() + [c.client(craft.client_hello(None, ech=True))] +
            after(c))


@case("ECH behind a provider's cover name", cats=("unnamed",),
      benign_passes=False)
def ech_cover_name(c, sni):
    return (c.handshake() +
            [c.client(craft.client_hello("cloudflare-ech.com", ech=True))] +
            after(c))


@case("GREASE-like ECH beside the real name", cats=("finance",))
def ech_grease(c, sni):
    return (c.handshake() + [c.client(craft.client_hello(sni, ech=True))] +
            after(c))


@case("broken ClientHello (extension length past the end)",
      cats=("unnamed",), benign_passes=False)
def broken(c, sni):
    hello = bytearray(craft.client_hello(sni))
    hello[5 + 4 + 2 + 32 + 1 + 32 + 2 + 4 + 2] = 0xff  # extensions length
    return c.handshake() + [c.client(bytes(hello))] + after(c)


@case("a tunnel on port 443 that is not TLS", cats=("unnamed",),
      benign_passes=False)
def not_tls_443(c, sni):
    return (c.handshake() + [c.client(b"\x00\x0e\x38" + bytes(60))] +
            after(c))


@case("connection first seen mid-stream on 443, no ClientHello",
      cats=("unnamed",), benign_passes=False)
def midstream(c, sni):
    rec = b"\x17\x03\x03\x00\x20" + bytes(32)
    return [c.client(rec, off=700), c.server(rec)] + \
        [c.client(rec, off=737 + 37 * k) for k in range(6)]


@case("connection seen after its handshake, then its ClientHello",
      cats=("finance",))
def after_handshake(c, sni):
    return [c.client(craft.client_hello(sni), off=0)] + after(c)


def http_case(name, req, cats=NEGATIVE):
    """An HTTP case: req(host) is the request; it is sent three times on
    one keep-alive connection."""
    def fn(c, host):
        return (c.handshake() + [c.client(req(host))] +
                [c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                 c.client(req(host)), c.client(req(host))])
    CASES.append((name, fn, cats, True, 80))


http_case("HTTP control", lambda h: craft.http_request(h), cats=("finance",))
http_case("HTTP with a leading CRLF",
          lambda h: craft.http_request(h, leading=b"\r\n\r\n"),
          cats=("finance",))
http_case("HTTP absolute-form target beats a benign Host",
          lambda h: craft.http_request(craft.BENIGN_NAME,
                                       target="http://%s/pay" % h),
          cats=("finance",))



@case("HTTP: the name in the second request of a keep-alive connection",
      cats=("finance",), port=80)
def http_second(c, host):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    return (c.handshake() +
            [c.client(craft.http_request(craft.BENIGN_NAME)), c.server(ok),
             c.client(b"POST /a HTTP/1.1\r\nHost: " +
                      craft.BENIGN_NAME.encode() +
                      b"\r\nContent-Length: 3\r\n\r\nabc" +
                      craft.http_request(host)),
             c.server(ok), c.client(craft.http_request(host)),
             c.client(craft.http_request(host))])


@case("HTTP request split across segments, the tail first",
      cats=("finance",), port=80)
def http_tail_first(c, host):
    req = craft.http_request(host)
    return (c.handshake() + [c.client(req[20:], off=20),
                             c.client(req[:20], off=0)] +
            [c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
             c.client(req)])


@case("HTTP decoy request with a bad checksum", cats=("evasive",), port=80)
def http_decoy(c, host):
    real = craft.http_request(host)
    decoy = craft.http_request(craft.BENIGN_NAME).ljust(len(real),
                                                        b" ")[:len(real)]
    return (c.handshake() + [c.client(decoy, off=0, bad_csum=True),
                             c.client(real, off=0)] +
            [c.server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
             c.client(real)])


frames, expect = [], []
cport = 41000
for i, (name, fn, cats, benign_passes, port) in enumerate(CASES):
    for sni, want_block in ((craft.FIN_NAME, True),
                            (craft.BENIGN_NAME, not benign_passes)):
        cport += 1
        c = TcpConn(cport=cport, sport=port, cisn=1000 + 7919 * i,
                    sisn=90000 + 104729 * i)
        frames += fn(c, sni)
        expect.append((name, cport, sni, want_block, cats))

doc, recs = craft.run(frames)
F.check(xbtest.conservation(doc), "rx == tx + drops")
by_port = {r["sport"]: r for r in recs if r["proto"] == 6}
for name, cp, sni, want_block, cats in expect:
    r = by_port.get(cp)
    if not F.check(r is not None, "%s (%s): no flow record" % (name, sni)):
        continue
    blocked = r["action"] == "negative_list"
    label = "%s (%s): action %s category %s name %s packets %d/%d" % (
        name, sni, r["action"], r["category"], r["name"], r["packets_fwd"],
        r["packets_rev"])
    if want_block:
        F.check(blocked and r["category"] in cats, label +
                ", expected negative_list in " + "/".join(cats))
    else:
        F.check(not blocked and r["category"] not in ("unnamed", "evasive"),
                label + ", expected to pass")
    print(("ok    " if blocked == want_block else "WRONG ") + label)
F.exit()
