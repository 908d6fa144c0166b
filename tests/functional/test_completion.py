#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bash completion of xbgw and xbgwctl (scripts/completion/xbgw), run by
bash itself: the file is sourced, the completion function called with
COMP_WORDS/COMP_CWORD as bash sets them, and COMPREPLY compared with what
the command takes:

- every long option of `xbgw -- --help` is offered after "--" (and EAL
  options only before it);
- option values (--clock, --stages, --explain's protocol, xbgwctl's
  --action), files by type (-c: *.conf, --replay: captures, also after a
  comma), tenants, categories and countries read from the tables (checked
  against the CSV files as Python reads them);
- xbgwctl's commands, its flows filters and explain's options; with
  scripts/xbgwctl present, every option of its --help is offered.
"""
import csv
import os
import re
import subprocess

import xbtest

F = xbtest.begin(needs=("bash",))
COMPLETION = os.path.join(xbtest.SRC, "scripts", "completion", "xbgw")


def complete(words, env=None):
    """COMPREPLY for the command line `words`, the last one being
    completed (bash's COMP_WORDS and COMP_CWORD)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); '
              'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; '
              'complete -p "${COMP_WORDS[0]}" >/dev/null || exit 9; '
              'fn=$(complete -p "${COMP_WORDS[0]}" | '
              'sed -n "s/.*-F \\([^ ]*\\) .*/\\1/p"); '
              '"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[-1]}" '
              '"${COMP_WORDS[-2]}"; printf "%s\\n" "${COMPREPLY[@]}"')
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script,
                        "bash", COMPLETION] + list(words),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=e, timeout=30)
    F.check(p.returncode == 0 and p.stderr == "",
            "completing %r: rc %d, stderr %r" % (words, p.returncode,
                                                 p.stderr))
    return sorted(w for w in p.stdout.split("\n") if w)


def expect(words, want, env=None):
    got = complete(words, env)
    F.check(got == sorted(want), "completing %r: got %r, expected %r" %
            (words, got, sorted(want)))


def table_keys(path):
    """First column of a table's rows, as xbgw's CSV reader sees them."""
    with open(path, encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(
            line for line in f if line.strip() and not line.startswith("#"))]
    return [r[0] for r in rows[1:]]


# xbgw: the options of its own --help, all offered after "--".
p = subprocess.run([xbtest.BIN, "--", "--help"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True, timeout=60)
# The option lines (indented, starting with "-"), not the notes below them.
help_opts = {o for line in p.stdout.splitlines()
             if re.match(r"\s+-", line)
             for o in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", line)}
F.check(len(help_opts) >= 15, "xbgw --help lists only %r" % help_opts)
# --explain's own options are offered once --explain is on the line.
after = set(complete(["xbgw", "--", "--"])) | set(complete(
    ["xbgw", "--", "--explain", "tcp", "10.0.0.1", "1.2.3.4", "5", "443",
     "--"]))
for o in sorted(help_opts):
    F.check(o in after, "xbgw -- %s is not offered" % o)
F.check("-c" in set(complete(["xbgw", "--", "-"])), "xbgw -- -c not offered")
F.check("--huge-unlink" not in after,
        "an EAL option is offered after \"--\"")
expect(["xbgw", "--hu"], ["--huge-unlink"])
F.check("--" in complete(["xbgw", "-l", "0-2", "-"]),
        "\"--\" not offered among the EAL options")

# Option values.
expect(["xbgw", "--", "--clock", ""], ["wall", "capture"])
expect(["xbgw", "--", "--clock", "c"], ["capture"])
expect(["xbgw", "--", "--stages", "p"], ["parse"])
expect(["xbgw", "--", "--explain", ""],
       ["tcp", "udp", "icmp", "icmpv6", "sctp"])
expect(["xbgw", "--", "--explain", "tcp", "10.0.0.1", ""], [])
expect(["xbgw", "--", "--explain", "tcp", "10.0.0.1", "1.2.3.4", "5", "443",
        "--t"], ["--tenant", "--time"])

# Files by type, and the last item of a comma-separated list.
d = xbtest.tmpdir("completion")
for name in ("a.pcap", "a.pcapng", "a.txt", "x.conf", "x.csv"):
    open(os.path.join(d, name), "w").close()
os.mkdir(os.path.join(d, "sub"))
expect(["xbgw", "--", "--replay", d + "/"],
       [d + "/a.pcap", d + "/a.pcapng", d + "/sub"])
expect(["xbgw", "--", "--replay", d + "/a.pcap," + d + "/a.pcapn"],
       [d + "/a.pcap," + d + "/a.pcapng"])
expect(["xbgw", "--", "-c", d + "/"], [d + "/x.conf", d + "/sub"])
expect(["xbgw", "--", "--stats-json", d + "/x."], [])

# Tables: the tenants of the config given by -c, or of $XBGW_CONFDIR.
conf = os.path.join(xbtest.REPO_CONF, "xbgw.conf")
tenants = table_keys(os.path.join(xbtest.REPO_CONF, "tenants.csv"))
F.check(len(tenants) >= 3, "config/tenants.csv holds %r" % tenants)
expect(["xbgw", "--", "-c", conf, "--explain", "tcp", "a", "b", "1", "2",
        "--tenant", ""], tenants)
confdir = {"XBGW_CONFDIR": xbtest.REPO_CONF}
expect(["xbgwctl", "flows", "--tenant", ""], tenants, confdir)
first = tenants[0][:2]
expect(["xbgwctl", "flows", "--tenant", first],
       [t for t in tenants if t.startswith(first)], confdir)
expect(["xbgwctl", "flows", "--category", ""],
       table_keys(os.path.join(xbtest.REPO_CONF, "categories.csv")), confdir)
countries = table_keys(os.path.join(xbtest.REPO_CONF, "countries.csv"))
expect(["xbgwctl", "flows", "--country", "S"],
       [c for c in countries if c.startswith("S")], confdir)
expect(["xbgwctl", "flows", "--tenant", ""], [],
       {"XBGW_CONFDIR": os.path.join(d, "none")})

# xbgwctl: commands, filters, explain.
commands = ["status", "workers", "ports", "flows", "tenants", "meters",
            "rules", "reload", "explain", "cluster"]
expect(["xbgwctl", ""], commands + ["--json", "--file-prefix", "--help"])
expect(["xbgwctl", "--json", "--file-prefix", "xbgw", "fl"], ["flows"])
expect(["xbgwctl", "flows", "--"],
       ["--tenant", "--ip", "--name", "--country", "--category", "--action",
        "--top"])
expect(["xbgwctl", "flows", "--action", ""],
       ["channel", "public", "audit", "deny"])
expect(["xbgwctl", "flows", "--top", ""], [])
expect(["xbgwctl", "explain", "u"], ["udp"])
expect(["xbgwctl", "explain", "udp", "10.0.0.1", "8.8.8.8", "5353", ""], [])
expect(["xbgwctl", "explain", "udp", "10.0.0.1", "8.8.8.8", "5353", "53",
        "--"], ["--name", "--vlan", "--tenant", "--time"])
expect(["xbgwctl", "status", ""], [])

# The real client's options, when it is in the tree.
ctl = os.path.join(xbtest.SRC, "scripts", "xbgwctl")
if os.path.exists(ctl):
    p = subprocess.run(["python3", ctl, "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    offered = set(complete(["xbgwctl", ""]))
    for o in set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", p.stdout)):
        F.check(o in offered, "xbgwctl %s (its --help) is not offered" % o)
else:
    print("SKIP (part): scripts/xbgwctl not in this tree")
F.exit()
