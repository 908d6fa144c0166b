#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The man pages (app/man, as the build configured them): xbgw(8),
xbgwctl(8), xbgw.conf(5) and xbgw-gen(1)

- format without a warning (`groff -ww -z`, `man --warnings` at 80
  columns);
- xbgw(8) names every option of `xbgw -- --help`, xbgw-gen(1) every
  option of `xbgw-gen --help`;
- xbgw.conf(5) names every section and key xbgw accepts (the key table of
  app/ctl/xb_config.c, read from the source) and has a section for every
  table with each column of its shipped header row (config/*.csv);
- xbgwctl(8) names every command and filter of the contract and, with
  scripts/xbgwctl present, every option of its --help;
- each page carries the project's version.
"""
import json
import os
import re
import shutil
import subprocess

import xbtest

F = xbtest.begin(needs=("groff",))
MAN_DIR = os.path.join(xbtest.BUILD, "app", "man")
pages = {name: os.path.join(MAN_DIR, name)
         for name in ("xbgw.8", "xbgwctl.8", "xbgw.conf.5", "xbgw-gen.1")}
for name, path in pages.items():
    if not F.check(os.path.exists(path), "%s not built at %s" % (name, path)):
        F.exit()


def rendered(path):
    """The page as man shows it at 80 columns, without hyphenation (a
    name is never cut in two), hyphens made plain."""
    p = subprocess.run(["groff", "-man", "-Tutf8", "-rLL=80n", "-rHY=0",
                        "-P-cbou",
                        path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    return p.stdout.replace("\u2010", "-").replace("\u2212", "-")


version = json.loads(subprocess.run(
    ["meson", "introspect", "--projectinfo", xbtest.BUILD],
    stdout=subprocess.PIPE, text=True, check=True).stdout)["version"]
man = shutil.which("man")
for name, path in pages.items():
    p = subprocess.run(["groff", "-ww", "-z", "-man", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    F.check(p.returncode == 0 and p.stdout == "",
            "groff -ww: %s: %s" % (name, p.stdout))
    if man:
        p = subprocess.run([man, "--warnings", "-l", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=60,
                           env=dict(os.environ, MANWIDTH="80"))
        F.check(p.returncode == 0 and p.stderr == "",
                "man --warnings: %s: %s" % (name, p.stderr))
    F.check(("xbgw " + version) in open(path).read(),
            "%s does not carry version %s" % (name, version))
if not man:
    print("SKIP (part): man not installed (man-db), only groff checked")

# xbgw(8) and xbgw-gen(1): every option of their --help.
for page, cmd in (("xbgw.8", [xbtest.BIN, "--", "--help"]),
                  ("xbgw-gen.1", [os.path.join(xbtest.BUILD, "scripts",
                                               "xbgw-gen"), "--help"])):
    text = rendered(pages[page])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    opts = {o for line in p.stdout.splitlines() if re.match(r"\s+-", line)
            for o in re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", line)}
    F.check(len(opts) >= 15, "%s --help lists only %r" % (cmd[0], opts))
    for o in sorted(opts):
        F.check(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), text),
                "%s does not name %s" % (page, o))

# xbgw.conf(5): every section and key of the config parser's table.
text = rendered(pages["xbgw.conf.5"])
src = open(os.path.join(xbtest.SRC, "app", "ctl", "xb_config.c")).read()
table = re.search(r"known_keys\[\] = \{(.*?)\n\};", src, re.S)
if F.check(table, "no known_keys table in app/ctl/xb_config.c"):
    entries = re.findall(r'\{"(\w+)", \{([^}]*)\}\}', table.group(1))
    F.check(len(entries) >= 14, "known_keys parsed as %r" % entries)
    for section, keys in entries:
        F.check("[%s]" % section in text,
                "xbgw.conf(5) has no section [%s]" % section)
        part = text.split("[%s]" % section, 1)[-1]
        part = re.split(r"\n {3}\[\w+\]", part, 1)[0]
        for key in re.findall(r'"(\w+)"', keys):
            F.check(re.search(r"(?<![\w-])%s(?![\w-])" % key, part),
                    "xbgw.conf(5) [%s] does not describe %s" %
                    (section, key))
for section in ("cluster",):
    F.check("[%s]" % section in text, "xbgw.conf(5) has no [%s]" % section)

# Every table: a section of its own naming each column of its header.
tables = text.split("\nTABLES\n", 1)[-1]
for name in sorted(os.listdir(xbtest.REPO_CONF)):
    if not name.endswith(".csv"):
        continue
    with open(os.path.join(xbtest.REPO_CONF, name), encoding="utf-8-sig") as f:
        header = next(line for line in f
                      if line.strip() and not line.startswith("#"))
    m = re.search(r"\n {3}%s\n(.*?)(\n {3}\S|\Z)" % re.escape(name), tables,
                  re.S)
    if not F.check(m, "xbgw.conf(5) has no section for %s" % name):
        continue
    body = re.sub(r"\s+", " ", m.group(1))
    for col in header.strip().split(","):
        F.check(col in body, "xbgw.conf(5) %s does not name column %s" %
                (name, col))

# xbgwctl(8): the contract's commands and filters.
text = rendered(pages["xbgwctl.8"])
for word in ("status", "workers", "ports", "flows", "tenants", "meters",
             "rules", "reload", "explain", "cluster", "--json",
             "--file-prefix", "--tenant", "--ip", "--name", "--country",
             "--category", "--action", "--top", "--vlan"):
    F.check(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(word), text),
            "xbgwctl(8) does not name %s" % word)
ctl = os.path.join(xbtest.SRC, "scripts", "xbgwctl")
if os.path.exists(ctl):
    p = subprocess.run(["python3", ctl, "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    for o in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", p.stdout)):
        F.check(o in text, "xbgwctl(8) does not name %s (its --help)" % o)
else:
    print("SKIP (part): scripts/xbgwctl not in this tree")
F.exit()
