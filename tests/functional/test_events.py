#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The event log against tampering, through the real binary.

A replay with a config naming an event log, its HMAC key and a state
directory: three flows hit the negative list.  Checked: every line
carries seq 1..n and an hmac (HMAC-SHA256 with the key over the line
before ,"hmac" -- recomputed here); the usage checkpoint carries the
log's head ("# events SEQ HASH": the stop line and its SHA-256); a
restart continues seq and chain, and the whole log still verifies.

Then the two attacks of issue 16, which the keyless chain cannot see:
the tail cut from the first negative_list line on, and a middle line
deleted with every later prev (and seq) recomputed.  --verify-events
catches each with the key (the forged lines) and with the anchor from
the usage checkpoint (both), and passes the untouched log.  Key file
rules (mode, size, presence) are config errors, exit 1.  A log cut while
xbgw is down is reported by the next start (its start line carries
anchor_problem)."""
import hashlib
import hmac
import json
import os
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pcapgen  # noqa: E402
import xbtest  # noqa: E402

F = xbtest.Failures()
EXTRA = ("[tariff]\nutc_offset = +08:00\n[state]\ndir = state\n"
         "[events]\nfile = events.jsonl\nkey = events.key\n")
TABLES = {
    "tenants": "tenant,name,class,quota_gb,over_quota\n"
               "ent,Enterprise One,enterprise,0,notify\n",
    "tenant_prefixes": "prefix,tenant\n10.1.0.0/16,ent\n",
    "categories": "category,name,list\nfin,Finance,negative\nweb,Web,general\n",
    "approvals": "tenant,category,country,expires\n",
    "category_rules": "priority,category,proto,src,dst,sport,dport,dscp\n"
                      "10,fin,udp,*,*,*,7000,*\n1,web,*,*,*,*,*,*\n",
    "domains": "pattern,category\n",
    "qos": "country,category,tenant_class,action,tc,cir_kbps,cbs_bytes,pir_kbps,pbs_bytes,dscp\n"
           "*,*,*,public,0,*,*,*,*,*\n",
    "bands": "band,start,end\nall,00:00,24:00\n",
    "tariffs": "tenant_class,country,category,band,price_per_gb,currency\n"
               "*,*,*,*,1,USD\n",
}
conf, tmp = xbtest.own_config(TABLES, extra=EXTRA)
events = os.path.join(tmp, "events.jsonl")
keyfile = os.path.join(tmp, "events.key")
KEY = os.urandom(32)
with open(keyfile, "wb") as f:
    f.write(KEY)
os.chmod(keyfile, 0o600)
state = os.path.join(tmp, "state")

# 2026-06-15 10:00 +08:00; three negative-list flows among web flows.
T0 = 1781488800 * 10**9
frames = []
for k in range(20):
    at = T0 + k * 10**6
    frames.append((at, pcapgen.udp_frame("10.1.0.5", "8.8.8.8", 40000 + k % 4, 443, size=300)))
    if k % 2 == 0:
        frames.append((at + 500, pcapgen.udp_frame("10.1.0.6", "8.8.4.4", 41000 + k % 3, 7000, size=200)))
cap = os.path.join(tmp, "events.pcap")
pcapgen.write_pcap(cap, frames)
USAGE = os.path.join(state, "usage-2026-06.csv")


def verify(log, *extra):
    return xbtest.run_xbgw(["--verify-events", log] + list(extra), check=False)


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def sha(line):
    return hashlib.sha256(line).hexdigest()


def usage_anchor(path):
    for line in open(path):
        if line.startswith("# events "):
            _, _, seq, h = line.split()
            return int(seq), h
    return None


def run():
    doc, p, _ = xbtest.replay([cap], ["-c", conf, "--clock", "capture"], conf=conf)
    F.check(p.returncode == 0, "replay: exit %d\n%s" % (p.returncode, p.stderr[-1500:]))
    return doc


# ---- Key file rules: config errors, exit 1 ---------------------------------
def check_config_with(keytext, mode, want_in_msg, extra=None):
    c2, t2 = xbtest.own_config(TABLES, extra=extra or EXTRA)
    if keytext is not None:
        kf = os.path.join(t2, "events.key")
        with open(kf, "wb") as f:
            f.write(keytext)
        os.chmod(kf, mode)
    p = xbtest.run_xbgw(["-c", c2, "--check-config"], check=False)
    out = p.stdout + p.stderr
    F.check(p.returncode == 1 and want_in_msg in out and "[events] key" in out,
            "key %r mode %o: exit %d, expected 1 naming %r:\n%s"
            % (keytext and keytext[:8], mode, p.returncode, want_in_msg, out[-600:]))
    shutil.rmtree(t2)


check_config_with(os.urandom(32), 0o644, "chmod 600")
check_config_with(b"", 0o600, "too short")
check_config_with(b"short", 0o600, "too short")
check_config_with(None, 0, "cannot read the key")
check_config_with(os.urandom(32), 0o600, "without [events] file",
                  extra="[events]\nkey = events.key\n")
p = xbtest.run_xbgw(["-c", conf, "--check-config"], check=False)
F.check(p.returncode == 0, "--check-config with a good key: %d %s" % (p.returncode, p.stdout))

# ---- A run: seq, hmac, anchor ------------------------------------------------
doc = run()
if doc is not None:
    F.check(doc["packets"]["drop"]["negative_list"] == 10,
            "negative_list drops: %s" % doc["packets"]["drop"])
lines = read_lines(events)
ev = [json.loads(l) for l in lines]
types = [e["type"] for e in ev]
print("events:", types)
F.check(types[0] == "start" and types[-1] == "stop" and types.count("negative_list") == 3,
        "event types: %s" % types)
F.check([e.get("seq") for e in ev] == list(range(1, len(ev) + 1)), "seq: %s" % [e.get("seq") for e in ev])
F.check(ev[0].get("keyed") is True, "start event: %s" % ev[0])
prev = sha(b"")
for i, l in enumerate(lines):
    F.check(l.startswith(b'{"prev":"' + prev.encode() + b'","seq":%d,' % (i + 1)),
            "line %d: prev/seq layout: %r" % (i + 1, l[:100]))
    cut = l.rfind(b',"hmac":"')
    mac = hmac.new(KEY, l[:cut], hashlib.sha256).hexdigest()
    F.check(cut > 0 and l[cut:] == b',"hmac":"' + mac.encode() + b'"}',
            "line %d: hmac is not HMAC-SHA256(key, line before ,\"hmac\")" % (i + 1))
    prev = sha(l)
anchor = usage_anchor(USAGE)
F.check(anchor == (len(lines), sha(lines[-1])),
        "usage checkpoint's events line %s, expected the stop line %d:%s"
        % (anchor, len(lines), sha(lines[-1])[:12]))
with open(USAGE) as f:
    utext = f.read()
F.check("\n# events " in utext and utext.index("# events") < utext.index("# sha256"),
        "usage file layout:\n%s" % utext)

# ---- A restart continues seq and chain --------------------------------------
n1 = len(lines)
run()
lines = read_lines(events)
ev = [json.loads(l) for l in lines]
F.check([e.get("seq") for e in ev] == list(range(1, len(ev) + 1)) and len(ev) > n1 and
        ev[n1]["type"] == "start" and ev[n1]["prev"] == sha(lines[n1 - 1]),
        "after a restart: seq %s, line %d %s" % ([e.get("seq") for e in ev], n1 + 1, ev[n1] if len(ev) > n1 else None))
F.check("resume_problem" not in ev[n1] and "anchor_problem" not in ev[n1],
        "restart reported a problem: %s" % ev[n1])
anchor = usage_anchor(USAGE)
F.check(anchor == (len(lines), sha(lines[-1])), "usage anchor after the restart: %s" % (anchor,))
literal = "%d:%s" % anchor if anchor else "1:" + "0" * 64

# ---- The untouched log passes every check -----------------------------------
for args in ([], ["--events-key", keyfile], ["--events-anchor", USAGE],
             ["--events-anchor", literal],
             ["--events-key", keyfile, "--events-anchor", USAGE]):
    p = verify(events, *args)
    F.check(p.returncode == 0 and "hash chain intact" in p.stdout,
            "untouched log, %s: exit %d %s %s" % (args, p.returncode, p.stdout, p.stderr))
p = verify(events, "--events-key", keyfile, "--events-anchor", USAGE)
F.check("hmac verified on lines 1..%d" % len(lines) in p.stdout and "anchor %d:" % len(lines) in p.stdout,
        "OK line: %s" % p.stdout)

orig = list(lines)


def write(path, ls):
    with open(path, "wb") as f:
        f.write(b"".join(l + b"\n" for l in ls))


def recompute(ls, start, renumber=True):
    """The forger's job without the key: every prev (and seq) from start."""
    out = list(ls)
    for i in range(start, len(out)):
        e = json.loads(out[i])
        p = sha(out[i - 1]) if i > 0 else sha(b"")
        rest = out[i][out[i].index(b',"ts":'):]
        seq = i + 1 if renumber else e["seq"]
        out[i] = b'{"prev":"%s","seq":%d' % (p.encode(), seq) + rest
    return out


tampered = os.path.join(tmp, "tampered.jsonl")
wrongkey = os.path.join(tmp, "wrong.key")
with open(wrongkey, "wb") as f:
    f.write(os.urandom(32))
os.chmod(wrongkey, 0o600)

# ---- Attack 1: the tail cut from the first negative_list line on ------------
first_neg = next(i for i, l in enumerate(orig) if json.loads(l)["type"] == "negative_list")
write(tampered, orig[:first_neg])
p = verify(tampered)
F.check(p.returncode == 0, "a cut tail passes the keyless chain (as it must): %d %s" % (p.returncode, p.stdout))
p = verify(tampered, "--events-key", keyfile)
F.check(p.returncode == 0, "a cut tail passes the hmacs: %d %s" % (p.returncode, p.stdout))
for args in (["--events-anchor", USAGE], ["--events-anchor", literal],
             ["--events-key", keyfile, "--events-anchor", USAGE]):
    p = verify(tampered, *args)
    want = "%s:%d:" % (tampered, first_neg + 1)
    F.check(p.returncode == 1 and p.stdout.startswith(want) and "cut off the end" in p.stdout,
            "cut tail, %s: exit %d %r (expected 1, %r, cut off the end)" % (args, p.returncode, p.stdout, want))

# ---- Attack 2: a middle line deleted, later prev and seq recomputed ---------
negs = [i for i, l in enumerate(orig) if json.loads(l)["type"] == "negative_list"]
gone = negs[1]
forged = recompute(orig[:gone] + orig[gone + 1:], gone)
write(tampered, forged)
p = verify(tampered)
F.check(p.returncode == 0, "a forged deletion passes the keyless chain (as it must): %d %s" % (p.returncode, p.stdout))
p = verify(tampered, "--events-key", keyfile)
F.check(p.returncode == 1 and p.stdout.startswith("%s:%d:" % (tampered, gone + 1)) and "hmac" in p.stdout,
        "forged deletion with the key: exit %d %r (expected 1 at line %d)" % (p.returncode, p.stdout, gone + 1))
for args in (["--events-anchor", USAGE], ["--events-anchor", literal]):
    p = verify(tampered, *args)
    F.check(p.returncode == 1 and "anchor" in p.stdout,
            "forged deletion with %s: exit %d %r" % (args, p.returncode, p.stdout))
# The same deletion without renumbering: the seq gap shows without a key.
write(tampered, recompute(orig[:gone] + orig[gone + 1:], gone, renumber=False))
p = verify(tampered)
F.check(p.returncode == 1 and p.stdout.startswith("%s:%d:" % (tampered, gone + 1)) and '"seq"' in p.stdout,
        "deletion, prev recomputed, seq kept: exit %d %r" % (p.returncode, p.stdout))
# An edited field (the tenant of a negative-list hit), hashes recomputed.
edited = list(orig)
edited[negs[0]] = edited[negs[0]].replace(b'"tenant":"ent"', b'"tenant":"xyz"')
write(tampered, recompute(edited, negs[0] + 1))
p = verify(tampered, "--events-key", keyfile)
F.check(p.returncode == 1 and p.stdout.startswith("%s:%d:" % (tampered, negs[0] + 1)),
        "edited field with the key: exit %d %r" % (p.returncode, p.stdout))
# The wrong key fails the first line.
p = verify(events, "--events-key", wrongkey)
F.check(p.returncode == 1 and p.stdout.startswith("%s:1:" % events) and "hmac" in p.stdout,
        "wrong key: exit %d %r" % (p.returncode, p.stdout))

# ---- The tail cut while xbgw is down: the restart sees it --------------------
# The last checkpoint anchors the stop line; the restart finds the log
# shorter, says so, and records it in its start line.
write(events, orig[:first_neg])
doc, p, _ = xbtest.replay([cap], ["-c", conf, "--clock", "capture"], conf=conf)
now = [json.loads(l) for l in read_lines(events)]
F.check(p.returncode == 0 and "cut off" in p.stderr and
        "cut off" in now[first_neg].get("anchor_problem", "") and now[first_neg]["seq"] == first_neg + 1,
        "restart on a cut log: exit %d, start line %s\n%s" % (p.returncode, now[first_neg] if len(now) > first_neg else None, p.stderr[-800:]))

# ---- Usage errors and unreadable inputs -------------------------------------
p = verify(events, "--events-anchor", "5:zz")
F.check(p.returncode == 2, "malformed anchor: exit %d %s" % (p.returncode, p.stderr))
p = verify(events, "--events-anchor", os.path.join(tmp, "no-such.csv"))
F.check(p.returncode == 3, "missing anchor file: exit %d %s" % (p.returncode, p.stderr))
p = verify(events, "--events-key", os.path.join(tmp, "no-such.key"))
F.check(p.returncode == 3, "missing key file: exit %d %s" % (p.returncode, p.stderr))
p = xbtest.run_xbgw(["--events-key", keyfile], check=False)
F.check(p.returncode == 2 and "--verify-events" in p.stderr,
        "--events-key alone: exit %d %s" % (p.returncode, p.stderr))
p = verify(os.path.join(tmp, "no-such.jsonl"))
F.check(p.returncode == 3, "missing log: exit %d" % p.returncode)

shutil.rmtree(tmp)
F.exit()
