#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Prometheus endpoint under slow and hostile clients (issue 16), on the
real binary during a replay:

- `[prometheus] listen = PORT` (no host) listens on loopback only;
- with a client that sends a byte every 1.5 s and several idle connections
  open, concurrent scrapes each complete within 1 s of a scrape alone, and
  `promtool check metrics` accepts every body;
- the slow and idle clients are closed at the request deadline (408);
- a request header over the limit gets 431 and a concurrent scrape is not
  delayed;
- more idle connections than the connection limit do not lock a scrape out;
- HTTP/1.0, 404, 405 and 400 answers; every outcome is counted in
  xbgw_prometheus_requests_total{result}."""
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import xbtest  # noqa: E402

pcaps = xbtest.shared_pcaps()
if not pcaps:
    print("shared captures not found: skipped")
    sys.exit(xbtest.SKIP)

HEADER = os.path.join(xbtest.SRC, "app", "ops", "xb_prometheus.h")
with open(HEADER) as f:
    _h = f.read()
MAX_CONNS = int(re.search(r"#define XB_PROM_MAX_CONNS (\d+)", _h).group(1))
HEADER_S = int(re.search(r"#define XB_PROM_HEADER_MS (\d+)", _h).group(1)) / 1000
HEADER_MAX = int(re.search(r"#define XB_PROM_HEADER_MAX (\d+)", _h).group(1))

F = xbtest.Failures()
port = xbtest.free_port()
conf, tmp = xbtest.conf_with("[prometheus]\nlisten = %d\n" % port)
url = "http://127.0.0.1:%d/metrics" % port
promtool = shutil.which("promtool")
proc = subprocess.Popen([xbtest.BIN, "-c", conf, "--replay", pcaps[0],
                         "--duration", "120", "--no-progress"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True)


def scrape(timeout=15):
    """(status, body, seconds) of one GET /metrics."""
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(), time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, "", time.monotonic() - t0
    except (urllib.error.URLError, OSError) as e:
        return str(e), "", time.monotonic() - t0


def raw(request, timeout=10):
    """Send raw bytes, read to EOF; (status line, headers+body bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data = b""
    try:
        try:
            s.sendall(request)
        except OSError:
            pass  # the server may answer before it has read everything
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return data.split(b"\r\n", 1)[0].decode(errors="replace"), data


def lint(body, what):
    if not promtool:
        return
    p = subprocess.run([promtool, "check", "metrics"], input=body,
                       text=True, capture_output=True)
    F.check(p.returncode == 0, "promtool check metrics (%s): %s%s"
            % (what, p.stdout, p.stderr))


def sample(body, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), body, re.M)
    return float(m.group(1)) if m else None


def in_parallel(fns):
    """Run the callables in threads at once; their results in order."""
    out = [None] * len(fns)

    def run(i, fn):
        out[i] = fn()
    ts = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return out


class SlowClient(threading.Thread):
    """Sends a request one byte every 1.5 s; notes when the server closes
    the connection and what it said."""

    def __init__(self):
        super().__init__(daemon=True)
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.t_open = time.monotonic()
        self.t_closed = None
        self.reply = b""
        self.sent = 0

    def run(self):
        req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: 1\r\n" * 50
        while self.t_closed is None and time.monotonic() - self.t_open < 30:
            try:
                if self.sent < len(req):
                    self.s.send(req[self.sent:self.sent + 1])
                    self.sent += 1
                r, _, _ = select.select([self.s], [], [], 1.5)
                if r:
                    chunk = self.s.recv(4096)
                    self.reply += chunk
                    if not chunk:
                        self.t_closed = time.monotonic()
            except OSError:
                self.t_closed = time.monotonic()
        self.s.close()


def idle_closed(socks, wait):
    """How many of the idle sockets the server closed within wait s."""
    n = 0
    end = time.monotonic() + wait
    for s in socks:
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    n += 1
                    break
        except ConnectionResetError:
            n += 1
        except OSError:
            pass
    return n


# Wait until the endpoint answers and the replay is running.
deadline = time.time() + 30
ready = False
while time.time() < deadline and proc.poll() is None:
    st, body, _ = scrape(timeout=5)
    if st == 200 and sample(body, 'xbgw_packets_total{direction="rx"}'):
        ready = True
        break
    time.sleep(0.2)
if not F.check(ready, "endpoint on port-only listen never answered (xbgw %s)"
               % ("exited %s" % proc.returncode if proc.poll() is not None
                  else "running")):
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate(timeout=60)
    print(err[-2000:])
    F.exit()

# 1. Port only: loopback, nowhere else.
listening = []
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, st = line.split()[1], line.split()[3]
                if st == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    listening.append(local.rsplit(":", 1)[0])
    except OSError:
        pass
F.check(listening == ["0100007F"],
        "listen = PORT: listening on %s, expected 127.0.0.1 only" % listening)
addrs = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True,
                       text=True).stdout if shutil.which("ip") else ""
for a in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", addrs):
    if a.startswith("127."):
        continue
    try:
        socket.create_connection((a, port), timeout=2).close()
        F.check(False, "listen = PORT: reachable on %s" % a)
    except OSError:
        pass
    break

# 2. A scrape alone, for reference (the slowest of three).
alone = 0.0
for _ in range(3):
    st, body, dt = scrape()
    F.check(st == 200, "scrape alone: %s" % st)
    alone = max(alone, dt)
print("scrape alone: %.3f s" % alone)
limit = alone + 1.0

# 3. A slow client and idle connections, then concurrent scrapes.
slow = SlowClient()
slow.start()
idle = [socket.create_connection(("127.0.0.1", port), timeout=5)
        for _ in range(6)]
t_idle = time.monotonic()
time.sleep(0.5)
for rnd in range(2):
    res = in_parallel([scrape] * 4)
    for i, (st, body, dt) in enumerate(res):
        F.check(st == 200, "round %d scrape %d with a slow client: %s"
                % (rnd, i, st))
        F.check(dt <= limit, "round %d scrape %d took %.2f s with a slow "
                "client open (alone %.2f s)" % (rnd, i, dt, alone))
        if st == 200:
            lint(body, "concurrent scrape")
    time.sleep(0.5)

# 4. A huge request header: an error for it, no delay for a scrape beside it.
big = (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (8 * HEADER_MAX)
       + b"\r\n\r\n")
(big_status, _), (st, body, dt) = in_parallel([lambda: raw(big),
                                               lambda: scrape()])
F.check(big_status.split(" ")[1:2] in (["431"], ["400"]),
        "huge header: got %r, expected 431" % big_status)
F.check(st == 200 and dt <= limit,
        "scrape beside a huge header: %s in %.2f s" % (st, dt))

# 5. The slow client and the idle ones are closed at the request deadline.
slow.join(HEADER_S + 10)
F.check(slow.t_closed is not None, "slow client still open after %.0f s"
        % (time.monotonic() - slow.t_open))
if slow.t_closed is not None:
    held = slow.t_closed - slow.t_open
    F.check(HEADER_S - 0.5 <= held <= HEADER_S + 2.0,
            "slow client closed after %.1f s, expected the %.0f s deadline"
            % (held, HEADER_S))
    F.check(slow.reply.startswith(b"HTTP/1.1 408"),
            "slow client got %r, expected 408" % slow.reply[:40])
n = idle_closed(idle, max(0.1, t_idle + HEADER_S + 2.0 - time.monotonic()))
F.check(n == len(idle), "%d of %d idle connections closed at the deadline"
        % (n, len(idle)))
for s in idle:
    s.close()

# 6. More idle connections than the limit: a scrape still gets through.
flood = []
for _ in range(MAX_CONNS + 8):
    try:
        flood.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError as e:
        F.check(False, "connection %d refused: %s" % (len(flood), e))
        break
time.sleep(0.3)
st, body, dt = scrape()
F.check(st == 200 and dt <= limit,
        "scrape with %d idle connections open: %s in %.2f s"
        % (len(flood), st, dt))
for s in flood:
    s.close()

# 7. HTTP basics.
status, data = raw(b"GET /metrics HTTP/1.0\r\n\r\n")
F.check(status == "HTTP/1.1 200 OK", "HTTP/1.0 GET: %r" % status)
head, _, payload = data.partition(b"\r\n\r\n")
m = re.search(rb"Content-Length: (\d+)", head)
F.check(m is not None and int(m.group(1)) == len(payload),
        "HTTP/1.0 GET: Content-Length %s, body %d bytes"
        % (m and m.group(1), len(payload)))
for req, want in [(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", "404"),
                  (b"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "405"),
                  (b"HELLO\r\n\r\n", "400")]:
    status, _ = raw(req)
    F.check(status.split(" ")[1:2] == [want], "%r: %r, expected %s"
            % (req[:20], status, want))

# 8. Outcomes are counted; the last body still lints.
st, body, _ = scrape()
F.check(st == 200, "final scrape: %s" % st)
F.check("# TYPE xbgw_prometheus_requests_total counter" in body,
        "xbgw_prometheus_requests_total missing")
for result, least in [("ok", 10), ("timeout", 1 + 6), ("too_large", 1),
                      ("evicted", 1), ("not_found", 1), ("bad_method", 1),
                      ("bad_request", 1)]:
    v = sample(body, 'xbgw_prometheus_requests_total{result="%s"}' % result)
    F.check(v is not None and v >= least,
            "requests_total{result=%s} = %s, expected >= %d"
            % (result, v, least))
lint(body, "final scrape")

proc.send_signal(signal.SIGINT)
out, err = proc.communicate(timeout=60)
F.check(proc.returncode == 0, "xbgw exit %s: %s" % (proc.returncode, err[-2000:]))
shutil.rmtree(tmp)
F.exit()
