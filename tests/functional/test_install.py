#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""`meson install --destdir` gives production defaults:

- the installed config keeps usage in /var/lib/xbgw, the event log and
  the flow log in /var/log/xbgw, and reads the geo data from
  <prefix>/share/xbgw/geo (none of it in the config directory); it passes
  --check-config (its absolute paths moved into the destdir);
- the installed binary defaults to <confdir>/xbgw.conf;
- a second install keeps an edited table and config and puts back a
  deleted one; the pristine defaults stay under share/xbgw/defaults;
- the unit passes `systemd-analyze verify` (without a word) and says
  Type=notify, a watchdog, State/Logs/RuntimeDirectory and
  RestartPreventExitStatus; the logrotate snippet parses (`logrotate -d`).
Each tool check is skipped, saying so, when the tool is missing
(scripts/install-deps.sh installs both)."""
import configparser
import json
import os
import shutil
import subprocess

import xbtest

F = xbtest.begin(needs=("meson",))
opts = {o["name"]: o["value"] for o in json.loads(subprocess.run(
    ["meson", "introspect", "--buildoptions", xbtest.BUILD],
    check=True, stdout=subprocess.PIPE, text=True).stdout)}
prefix = opts["prefix"]


def absolute(p):
    return p if os.path.isabs(p) else os.path.join(prefix, p)


confdir = opts["confdir"]
bindir = absolute(opts["bindir"])
share = os.path.join(absolute(opts["datadir"]), "xbgw")
unitdir = absolute(opts["systemd_unit_dir"])
dest = xbtest.tmpdir("install")


def under(p):
    return os.path.join(dest, os.path.relpath(p, "/"))


def install():
    p = subprocess.run(["meson", "install", "-C", xbtest.BUILD, "--destdir",
                        dest, "--no-rebuild", "--quiet"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if not F.check(p.returncode == 0, "meson install failed: " + p.stdout):
        F.exit()


def read_conf(path):
    c = configparser.ConfigParser(comment_prefixes=(";", "#"),
                                  inline_comment_prefixes=(";",))
    c.read(path)
    return c


install()
conf = under(os.path.join(confdir, "xbgw.conf"))
F.check(os.path.exists(conf), "no installed config at " + conf)
c = read_conf(conf)
F.check(c.get("state", "dir", fallback="") == "/var/lib/xbgw",
        "installed [state] dir is %r, expected /var/lib/xbgw" %
        c.get("state", "dir", fallback=None))
for sec in ("events", "flowlog"):
    v = c.get(sec, "file", fallback="")
    F.check(v.startswith("/var/log/xbgw/"),
            "installed [%s] file is %r, expected under /var/log/xbgw" %
            (sec, v))
geo = [g.strip() for g in c.get("tables", "geo", fallback="").split(",")
       if g.strip()]
F.check(len(geo) >= 1, "installed config names no geo source")
for g in geo:
    F.check(g.startswith(os.path.join(share, "geo") + "/"),
            "geo source %s not under %s/geo" % (g, share))
    F.check(os.path.exists(under(g)), "geo source %s not installed" % g)
F.check(not os.path.exists(under(os.path.join(confdir, "geo"))),
        "geo data still installed in the config directory")
conf_bytes = sum(os.path.getsize(os.path.join(r, f))
                 for r, _, fs in os.walk(under(confdir)) for f in fs)
F.check(conf_bytes < 1 << 20, "config directory holds %d bytes" % conf_bytes)
tables = sorted(f for f in os.listdir(xbtest.REPO_CONF) if f.endswith(".csv"))
for t in tables:
    F.check(os.path.exists(under(os.path.join(confdir, t))),
            "table %s not installed in %s" % (t, confdir))
    F.check(os.path.exists(under(os.path.join(share, "defaults", t))),
            "table %s has no default under %s/defaults" % (t, share))

# The installed binary: default config, and the installed config is valid
# (its absolute paths moved into the destdir; state and logs in a temp).
xbgw = under(os.path.join(bindir, "xbgw"))
p = subprocess.run([xbgw, "--", "--help"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True)
F.check("(default: %s/xbgw.conf)" % confdir in p.stdout,
        "installed binary's default config is not %s/xbgw.conf: %s" %
        (confdir, p.stdout.splitlines()[1:2]))
check_dir = os.path.join(dest, "check")
shutil.copytree(under(confdir), check_dir)
text = open(os.path.join(check_dir, "xbgw.conf")).read()
text = text.replace(os.path.join(share, "geo"), under(os.path.join(share, "geo")))
text = text.replace("/var/lib/xbgw", os.path.join(dest, "var-lib"))
text = text.replace("/var/log/xbgw", os.path.join(dest, "var-log"))
with open(os.path.join(check_dir, "xbgw.conf"), "w") as f:
    f.write(text)
p = subprocess.run([xbgw, "--", "-c", os.path.join(check_dir, "xbgw.conf"),
                    "--check-config"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True, timeout=300)
F.check(p.returncode == 0, "installed config fails --check-config: " +
        p.stdout)

# A second install keeps what the operator edited, restores what is gone.
tenants = under(os.path.join(confdir, "tenants.csv"))
with open(tenants, "a") as f:
    f.write("# edited by the operator\n")
edited_tenants = open(tenants).read()
with open(conf, "a") as f:
    f.write("; edited by the operator\n")
edited_conf = open(conf).read()
os.unlink(under(os.path.join(confdir, "bands.csv")))
install()
F.check(open(tenants).read() == edited_tenants,
        "a reinstall overwrote the edited tenants.csv")
F.check(open(conf).read() == edited_conf,
        "a reinstall overwrote the edited xbgw.conf")
F.check(os.path.exists(under(os.path.join(confdir, "bands.csv"))),
        "a reinstall did not put back the deleted bands.csv")
F.check("edited" not in open(under(os.path.join(share, "defaults",
                                                "tenants.csv"))).read(),
        "the pristine default tenants.csv changed")

# The unit.
unit = under(os.path.join(unitdir, "xbgw.service"))
F.check(os.path.exists(unit), "no unit at " + unit)
utext = open(unit).read()
for want in ("Type=notify", "WatchdogSec=", "StateDirectory=xbgw",
             "LogsDirectory=xbgw", "RuntimeDirectory=xbgw",
             "RestartPreventExitStatus=1", "-c %s/xbgw.conf" % confdir,
             "NoNewPrivileges=yes", "ProtectSystem="):
    F.check(want in utext, "unit lacks %s" % want)
analyze = shutil.which("systemd-analyze")
if analyze is None:
    print("SKIP (part): systemd-analyze not installed, unit not verified "
          "(scripts/install-deps.sh installs systemd)")
else:
    # verify checks that each command exists: point them into the destdir.
    vdir = os.path.join(dest, "verify")
    os.makedirs(vdir)
    with open(os.path.join(vdir, "xbgw.service"), "w") as f:
        f.write(utext.replace(os.path.join(bindir, "xbgw"),
                              under(os.path.join(bindir, "xbgw"))))
    p = subprocess.run([analyze, "verify", "--man=no",
                        os.path.join(vdir, "xbgw.service")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    F.check(p.returncode == 0 and p.stdout.strip() == "",
            "systemd-analyze verify: rc %d: %s" % (p.returncode, p.stdout))

# The logrotate snippet.
snippet = under(os.path.join(os.path.dirname(confdir), "logrotate.d",
                             "xbgw"))
F.check(os.path.exists(snippet), "no logrotate snippet at " + snippet)
logrotate = shutil.which("logrotate") or (
    "/usr/sbin/logrotate" if os.path.exists("/usr/sbin/logrotate") else None)
if logrotate is None:
    print("SKIP (part): logrotate not installed, snippet not parsed "
          "(scripts/install-deps.sh installs it)")
elif os.path.exists(snippet):
    p = subprocess.run([logrotate, "-d", "-s", os.path.join(dest, "lr.state"),
                        snippet], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    F.check(p.returncode == 0 and "error" not in p.stdout.lower(),
            "logrotate -d: rc %d: %s" % (p.returncode, p.stdout))
    F.check("/var/log/xbgw/flows.jsonl" in p.stdout,
            "logrotate does not rotate the flow log: " + p.stdout)
F.exit()
