#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""--check-config runs every check a start runs short of binding ports,
and a start with a configuration error exits 1 with the same message
(issue 16): addresses that do not parse or resolve, directories that
cannot be made, INI lines without "=", duplicate keys and sections; a
byte order mark is accepted in xbgw.conf and in tables; the errors of
xbgw.conf and of the tables come in one pass."""
import os

import xbtest

F = xbtest.begin()
BOM = "\ufeff"


def run(args):
    return xbtest.run_xbgw(args, check=False)


def check(conf):
    return run(["-c", conf, "--check-config"])


def start(conf):
    # The config is validated before the capture is opened: a config
    # error must exit 1 whatever the capture.
    return run(["-c", conf, "--replay", "/nonexistent.pcap", "--no-progress"])


def line_of(path, needle, nth=1):
    """1-based line of the nth line of path that starts with needle."""
    with open(path, encoding="utf-8-sig") as f:
        hits = [i + 1 for i, l in enumerate(f.read().splitlines())
                if l.lstrip().startswith(needle)]
    return hits[nth - 1]


def expect_errors(tag, conf, wants, prefix=False):
    """--check-config and a start both exit 1 and print every line of
    wants (a start on stderr); with prefix, a line need only start so."""
    def has(text, want):
        lines = text.splitlines()
        return any(l.startswith(want) if prefix else l == want for l in lines)

    p = check(conf)
    F.check(p.returncode == 1, "%s: --check-config exit %d, expected 1:\n%s%s"
            % (tag, p.returncode, p.stdout, p.stderr))
    for want in wants:
        F.check(has(p.stdout, want), "%s: --check-config: missing %r in:\n%s"
                % (tag, want, p.stdout))
    s = start(conf)
    F.check(s.returncode == 1, "%s: start exit %d, expected 1:\n%s"
            % (tag, s.returncode, s.stderr))
    for want in wants:
        F.check(has(s.stderr, want), "%s: start: missing %r in:\n%s"
                % (tag, want, s.stderr))
    return p, s


# --- what the config names outside itself -------------------------------
tmp = xbtest.tmpdir("checkcfg")
a_file = os.path.join(tmp, "file")
with open(a_file, "w") as f:
    f.write("not a directory\n")

cases = [
    ("prometheus port", "[prometheus]\nlisten = 0.0.0.0:99999", "listen =",
     '[prometheus] listen: got "0.0.0.0:99999", expected PORT, HOST:PORT '
     'or [IPv6]:PORT with a port of 0..65535', False),
    ("prometheus address of another host",
     "[prometheus]\nlisten = 192.0.2.77:9100", "listen =",
     '[prometheus] listen: got "192.0.2.77:9100", expected an address of '
     'this host (Cannot assign requested address)', False),
    ("ipfix without a port", "[ipfix]\ncollector = nohost", "collector =",
     '[ipfix] collector: got "nohost", expected HOST:PORT or [IPv6]:PORT '
     'with a port of 1..65535', False),
    ("ipfix host that does not resolve",
     "[ipfix]\ncollector = no-such-host.invalid:4739", "collector =",
     '[ipfix] collector: got "no-such-host.invalid:4739", expected a host '
     'that resolves (', True),
    ("state dir under a file", "[state]\ndir = %s/x/y" % a_file, "dir =",
     '[state] dir: got "%s/x/y", expected a writable directory that exists '
     'or can be created (%s: not a directory)' % (a_file, a_file), False),
    ("events file under a file", "[events]\nfile = %s/ev.log" % a_file,
     "file =",
     '[events] file: got "%s/ev.log", expected a file in a directory that '
     'exists or can be created (%s: not a directory)' % (a_file, a_file),
     False),
    ("events file is a directory", "[events]\nfile = %s" % tmp, "file =",
     '[events] file: got "%s", expected a file (not a directory or device)'
     % tmp, False),
]
for tag, extra, key, msg, prefix in cases:
    conf, _ = xbtest.conf_with(extra)
    expect_errors(tag, conf, ["%s:%d: %s" % (conf, line_of(conf, key), msg)],
                  prefix)

# --- the INI text itself ---------------------------------------------------
conf, _ = xbtest.conf_with("[prometheus]\nlisten = 127.0.0.1:9100\n"
                           "listen = 127.0.0.1:9101")
expect_errors("duplicate key", conf, [
    "%s:%d: [prometheus] listen: duplicate key (first at line %d)"
    % (conf, line_of(conf, "listen =", 2), line_of(conf, "listen ="))])

conf, _ = xbtest.conf_with("[flows]\nudp_timeout = 90")
expect_errors("duplicate section", conf, [
    "%s:%d: duplicate section [flows] (first at line %d)"
    % (conf, line_of(conf, "[flows]", 2), line_of(conf, "[flows]")),
    "%s:%d: [flows] udp_timeout: duplicate key (first at line %d)"
    % (conf, line_of(conf, "udp_timeout", 2), line_of(conf, "udp_timeout"))])

conf, _ = xbtest.conf_with("[ipfix]\ncollector 127.0.0.1:4739")
expect_errors("line without =", conf, [
    '%s:%d: line without "=" (got "collector 127.0.0.1:4739", expected '
    'key = value, [section] or a comment)'
    % (conf, line_of(conf, "collector"))])

# --- a misspelt key and a broken table: both in one pass -------------------
conf, ctmp = xbtest.conf_with("[ipfix]\nactive_timout = 5")
tenants = os.path.join(os.path.dirname(conf), "tenants.csv")
xbtest.edit(tenants, "tenant,name,class,quota_gb,over_quota",
            "tenant,name,klass,quota_gb,over_quota")
expect_errors("misspelt key and broken table", conf, [
    "%s:%d: [ipfix] active_timout: unknown key"
    % (conf, line_of(conf, "active_timout")),
    '%s:%d: bad header (got "tenant,...", expected '
    '"tenant,name,class,quota_gb,over_quota")'
    % (tenants, line_of(tenants, "tenant,name"))])

# --- byte order marks: xbgw.conf and a table -------------------------------
conf, _ = xbtest.conf_with("")
with open(conf, encoding="utf-8") as f:
    text = f.read()
# The mark right before a section line, as a spreadsheet or Notepad saves
# it (before a comment line it would hide nothing).
with open(conf, "w", encoding="utf-8") as f:
    f.write(BOM + text[text.index("[ports]"):])
tenants = os.path.join(os.path.dirname(conf), "tenants.csv")
with open(tenants, encoding="utf-8") as f:
    ttext = f.read()
with open(tenants, "w", encoding="utf-8") as f:
    f.write(BOM + ttext.replace("\n", "\r\n"))
p = check(conf)
F.check(p.returncode == 0 and p.stdout.strip() == "%s: OK" % conf,
        "BOM in xbgw.conf and tenants.csv: exit %d:\n%s%s"
        % (p.returncode, p.stdout, p.stderr))

# --- the listener forms the endpoint takes pass the check (PORT alone is
# loopback), and a [flowlog] file in a directory that cannot be made fails
for listen in ("9100", ":9100", "127.0.0.1:9100"):
    conf, _ = xbtest.conf_with("[prometheus]\nlisten = %s" % listen)
    p = check(conf)
    F.check(p.returncode == 0, "listen = %s: --check-config exit %d:\n%s%s"
            % (listen, p.returncode, p.stdout, p.stderr))
conf, _ = xbtest.conf_with("[flowlog]\nfile = /proc/version/x/flows.jsonl")
p = check(conf)
F.check(p.returncode == 1 and "[flowlog] file: got" in p.stdout,
        "[flowlog] file under a file: exit %d:\n%s%s"
        % (p.returncode, p.stdout, p.stderr))

# --- a start makes the missing levels of [state] dir and [events] file ----
sample = os.path.join(xbtest.BUILD, "scripts", "sample.pcap")
if os.path.exists(sample):
    conf, ctmp = xbtest.conf_with("[state]\ndir = st/a/b\n[events]\nfile = ev/c/events.jsonl")
    cdir = os.path.dirname(conf)
    p = check(conf)
    F.check(p.returncode == 0, "creatable dirs: --check-config exit %d:\n%s"
            % (p.returncode, p.stdout))
    F.check(not os.path.exists(os.path.join(cdir, "st")),
            "--check-config created [state] dir")
    p = run(["-c", conf, "--replay", sample, "--no-progress"])
    F.check(p.returncode == 0, "creatable dirs: start exit %d:\n%s"
            % (p.returncode, p.stderr))
    F.check(os.path.isdir(os.path.join(cdir, "st", "a", "b")),
            "start did not create [state] dir st/a/b")
    F.check(os.path.isfile(os.path.join(cdir, "ev", "c", "events.jsonl")),
            "start did not create the event log under ev/c")
F.exit()
