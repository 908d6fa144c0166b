#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Debian package, end to end (root only):

- `dpkg-buildpackage -us -uc -b` on a copy of the tree (the files git
  knows, committed or not) gives xbgw_<meson version>_amd64.deb holding
  the binary, the XDP object, the unit, the logrotate snippet, the config
  and every table as conffiles under /etc/xbgw, the geo data, the man
  pages and the bash completion (and /usr/bin/xbgwctl when the tree has
  scripts/xbgwctl);
- its maintainer scripts never start or enable the unit, nor stop it on
  an upgrade;
- its Depends and Recommends name exactly the packages of
  `scripts/install-deps.sh --list run`;
- lintian reports no error (its warnings are printed);
- it installs with apt, without Recommends, into a fresh Debian 12 root
  (mmdebstrap --variant=apt; the root tarball, for a day, and the
  downloaded packages are cached in $XBGW_PACKAGE_CACHE, default
  ~/.cache/xbgw-package), where `xbgw -- --check-config` passes on
  /etc/xbgw/xbgw.conf, the installed xbgw-gen's sample replays through the
  installed config with every frame accounted for, the unit is not
  enabled and passes `systemd-analyze verify`;
- an upgrade to version+1 (the same package re-versioned with dpkg-deb,
  whose defaults of tenants.csv and qos.csv changed) with
  --force-confdef --force-confold keeps the operator's edit of
  tenants.csv (the new default beside it as .dpkg-dist) and takes the
  new qos.csv the operator never edited.
Times of each step are printed."""
import glob
import json
import os
import re
import shutil
import subprocess
import time

import xbtest

F = xbtest.begin(needs=("root", "dpkg-buildpackage", "dh", "mmdebstrap",
                        "unshare"))
SUITE = "bookworm"
SOURCES = "/etc/apt/sources.list.d/debian.sources"
CACHE = os.environ.get("XBGW_PACKAGE_CACHE",
                       os.path.expanduser("~/.cache/xbgw-package"))
times = []


def step(name, t0):
    times.append((name, time.time() - t0))
    print("%-34s %6.1f s" % (name, times[-1][1]), flush=True)


def run(cmd, what, timeout=900, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout, **kw)
    if not F.check(p.returncode == 0, "%s: rc %d:\n%s" %
                   (what, p.returncode, p.stdout[-4000:])):
        F.exit()
    return p.stdout


version = json.loads(run(["meson", "introspect", "--projectinfo",
                          xbtest.BUILD], "meson introspect"))["version"]
work = xbtest.tmpdir("package")

# 1. Build, on a copy of the files git knows (no build directories).
t0 = time.time()
src = os.path.join(work, "xbgw-" + version)
if os.path.exists(os.path.join(xbtest.SRC, ".git")):
    files = run(["git", "-C", xbtest.SRC, "ls-files", "-z", "--cached",
                 "--others", "--exclude-standard"],
                "git ls-files").split("\0")
else:  # an unpacked source tarball: everything but build directories
    files = [os.path.relpath(os.path.join(d, f), xbtest.SRC)
             for d, dirs, fs in os.walk(xbtest.SRC)
             if not os.path.relpath(d, xbtest.SRC).startswith("build")
             for f in fs]
for f in files:
    if not f or not os.path.lexists(os.path.join(xbtest.SRC, f)):
        continue
    if f.split("/", 1)[0].startswith("build"):
        continue
    os.makedirs(os.path.join(src, os.path.dirname(f)), exist_ok=True)
    shutil.copy2(os.path.join(xbtest.SRC, f), os.path.join(src, f),
                 follow_symlinks=False)
env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=%d"
           % max(1, min(4, os.cpu_count() or 1)))
run(["dpkg-buildpackage", "-us", "-uc", "-b"], "dpkg-buildpackage",
    cwd=src, env=env, timeout=1500)
step("dpkg-buildpackage", t0)
debs = glob.glob(os.path.join(work, "xbgw_*.deb"))
if not F.check(len(debs) == 1, "expected one xbgw_*.deb, got %r" % debs):
    F.exit()
deb = debs[0]
F.check(os.path.basename(deb) == "xbgw_%s_amd64.deb" % version,
        "package %s is not xbgw_%s_amd64.deb (meson.build's version)" %
        (os.path.basename(deb), version))


def deb_field(path, field):
    return run(["dpkg-deb", "-f", path, field], "dpkg-deb -f").strip()


# 2. What it holds.
listing = run(["dpkg-deb", "-c", deb], "dpkg-deb -c")
paths = {re.sub(r" -> .*$", "", line.split(None, 5)[5])[1:].rstrip("/")
         for line in listing.splitlines()}
tables = sorted(f for f in os.listdir(xbtest.REPO_CONF) if f.endswith(".csv"))
want = ["/usr/bin/xbgw", "/usr/share/xbgw/xbgw_xdp.o",
        "/lib/systemd/system/xbgw.service", "/etc/logrotate.d/xbgw",
        "/etc/xbgw/xbgw.conf", "/usr/share/xbgw/defaults/xbgw.conf",
        "/usr/share/man/man8/xbgw.8.gz", "/usr/share/man/man8/xbgwctl.8.gz",
        "/usr/share/man/man5/xbgw.conf.5.gz",
        "/usr/share/man/man1/xbgw-gen.1.gz", "/usr/bin/xbgw-gen",
        "/usr/share/bash-completion/completions/xbgw",
        "/usr/share/bash-completion/completions/xbgwctl",
        "/usr/share/doc/xbgw/copyright", "/usr/share/doc/xbgw/DEPLOY.md",
        "/usr/share/doc/xbgw/README.md"]
want += ["/etc/xbgw/" + t for t in tables]
want += ["/usr/share/xbgw/geo/" + g
         for g in os.listdir(os.path.join(xbtest.REPO_CONF, "geo"))]
if os.path.exists(os.path.join(xbtest.SRC, "scripts", "xbgwctl")):
    want.append("/usr/bin/xbgwctl")
for p in want:
    F.check(p in paths, "package lacks %s" % p)
F.check(not any("/tests/" in p or p.endswith(".a") for p in paths),
        "package holds test or static-library files")
ctrl = os.path.join(work, "control")
run(["dpkg-deb", "-e", deb, ctrl], "dpkg-deb -e")
conffiles = set(open(os.path.join(ctrl, "conffiles")).read().split())
for p in ["/etc/xbgw/xbgw.conf", "/etc/logrotate.d/xbgw"] + \
        ["/etc/xbgw/" + t for t in tables]:
    F.check(p in conffiles, "%s is not a conffile" % p)
# The unit: never started nor enabled by the package, never stopped by an
# upgrade, stopped when the package is removed.
def script(name):
    path = os.path.join(ctrl, name)
    return open(path).read() if os.path.exists(path) else ""


scripts = {s: script(s) for s in ("preinst", "postinst", "prerm", "postrm")}
every = "".join(scripts.values())
F.check("deb-systemd-helper update-state 'xbgw.service'" in every,
        "maintainer scripts do not register the unit")
F.check(not re.search(r"deb-systemd-invoke\s+\$?\S*(start|restart)", every)
        and "_dh_action" not in every,
        "maintainer scripts start or restart the unit:\n" + every)
for s, text in scripts.items():
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "deb-systemd-helper enable" in line:
            F.check(any("was-enabled" in x for x in lines[max(0, i - 3):i]),
                    "%s enables the unit unless the operator had: %s" %
                    (s, line))
        if "deb-systemd-invoke stop" in line:
            cond = next((x for x in reversed(lines[:i])
                         if x.strip().startswith("if ")), "")
            F.check(s == "prerm" and '"remove"' in cond and
                    "upgrade" not in cond,
                    "%s stops the unit under %r (only a removal may)" %
                    (s, cond))
F.check("deb-systemd-invoke stop" in scripts["prerm"],
        "prerm does not stop the gateway when the package is removed")
F.check("daemon-reload" in scripts["postinst"],
        "postinst does not reload systemd's units")

# 3. Depends and Recommends match install-deps.sh's run set.
names = set()
for field in ("Depends", "Recommends"):
    for alt in deb_field(deb, field).split(","):
        if alt.strip():
            names.add(re.sub(r"[ (:].*", "", alt.split("|")[0].strip()))
run_set = set(run(["sh", os.path.join(xbtest.SRC, "scripts",
                                      "install-deps.sh"), "--list", "run"],
                  "install-deps.sh --list run").split())
F.check(names == run_set,
        "package Depends+Recommends and install-deps.sh run differ: only "
        "in the package %s, only in install-deps.sh %s" %
        (sorted(names - run_set), sorted(run_set - names)))

# 4. lintian: errors fail, warnings are shown.
lintian = shutil.which("lintian")
if lintian is None:
    print("SKIP (part): lintian not installed")
else:
    t0 = time.time()
    p = subprocess.run([lintian, "--tag-display-limit", "0", deb],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    step("lintian", t0)
    print(p.stdout.strip() or "lintian: clean")
    errors = [line for line in p.stdout.splitlines()
              if line.startswith("E:")]
    F.check(not errors, "lintian errors:\n" + "\n".join(errors))

# 5. A fresh Debian 12 root: mmdebstrap's tarball, cached for a day.
os.makedirs(os.path.join(CACHE, "archives"), exist_ok=True)
tarball = os.path.join(CACHE, "%s-apt-%s.tar" %
                       (SUITE, time.strftime("%Y%m%d")))
t0 = time.time()
if not os.path.exists(tarball):
    for old in glob.glob(os.path.join(CACHE, SUITE + "-apt-*.tar")):
        os.unlink(old)
    # Keep the package lists, so installing needs no `apt-get update`.
    p = subprocess.run(["mmdebstrap", "--variant=apt", "--format=tar",
                        "--quiet", "--skip=cleanup/apt/lists", SUITE,
                        tarball + ".tmp", SOURCES], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=1200)
    if p.returncode != 0:
        # No mirror reachable: the root cannot be made here.  What ran so
        # far still decides; the skip says what did not run.
        if F.items:
            F.exit()
        shutil.rmtree(work, ignore_errors=True)
        xbtest.skip("mmdebstrap cannot make a Debian 12 root here (rc %d: "
                    "%s); the package was built and checked, but not "
                    "installed" % (p.returncode, p.stdout.strip()[-500:]))
    os.rename(tarball + ".tmp", tarball)
    step("mmdebstrap (cache was empty)", t0)
t0 = time.time()
root = os.path.join(work, "root")
os.makedirs(root)
run(["tar", "-C", root, "-xf", tarball], "untar the root")
step("fresh root from %s" % os.path.basename(tarball), t0)


def in_root(cmd, what, timeout=600):
    """cmd in the root, with /proc, /sys and /dev mounted in a private
    mount namespace (gone when the command ends) and the download cache
    bound to apt's archive directory."""
    shutil.copy("/etc/resolv.conf", os.path.join(root, "etc", "resolv.conf"))
    mounts = ("mount -t proc proc %(r)s/proc && "
              "mount --rbind /sys %(r)s/sys && "
              "mount --rbind /dev %(r)s/dev && "
              "mount --bind %(c)s %(r)s/var/cache/apt/archives && "
              % {"r": root, "c": os.path.join(CACHE, "archives")})
    return run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                mounts + 'exec chroot "$0" "$@"', root] + cmd, what,
               timeout=timeout)


t0 = time.time()
shutil.copy(deb, os.path.join(root, "tmp"))
# Depends alone must run the gateway: Recommends (DPDK's tools and NIC
# drivers) are left out here; they match install-deps.sh's run set above.
out = in_root(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install",
               "-y", "-q", "--no-install-recommends",
               "/tmp/" + os.path.basename(deb)], "apt-get install")
m = re.search(r"(\d+) newly installed", out)
step("apt-get install (%s packages)" % (m.group(1) if m else "?"), t0)

t0 = time.time()
out = in_root(["xbgw", "--", "--check-config"], "--check-config in the root")
step("xbgw --check-config in the root", t0)
# A replay of the sample capture on the installed config: the DPDK
# drivers it loads at run time (ring mempools, the null sink) come with the
# package's Depends, and every frame is accounted for.
t0 = time.time()
in_root(["xbgw-gen", "--out", "/tmp/sample.pcap"], "xbgw-gen in the root")
in_root(["xbgw", "--", "--replay", "/tmp/sample.pcap", "--no-progress",
         "--stats-json", "/tmp/stats.json"], "replay in the root")
stats = json.load(open(os.path.join(root, "tmp/stats.json")))
frames = xbtest.count_frames(os.path.join(root, "tmp/sample.pcap"))[0]
pk = stats["packets"]
F.check(pk["rx"] == frames and pk["rx"] == pk["tx"] + sum(pk["drop"].values()),
        "replay in the root: %d frames, packets %r" % (frames, pk))
step("replay of the sample in the root", t0)
F.check(os.path.exists(os.path.join(root, "usr/share/man/man8/xbgw.8.gz")),
        "man page not installed in the root")
F.check(not os.path.exists(os.path.join(
    root, "etc/systemd/system/multi-user.target.wants/xbgw.service")),
    "the package enabled xbgw.service")
if os.path.exists(os.path.join(root, "usr/bin/xbgwctl")):
    p = in_root(["xbgwctl", "--help"], "xbgwctl --help in the root")
analyze = shutil.which("systemd-analyze")
if analyze is None:
    print("SKIP (part): systemd-analyze not installed")
else:
    unit = open(os.path.join(root, "lib/systemd/system/xbgw.service")).read()
    vdir = os.path.join(work, "verify")
    os.makedirs(vdir)
    with open(os.path.join(vdir, "xbgw.service"), "w") as f:
        f.write(unit.replace("/usr/bin/xbgw",
                             os.path.join(root, "usr/bin/xbgw")))
    p = subprocess.run([analyze, "verify", "--man=no",
                        os.path.join(vdir, "xbgw.service")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    F.check(p.returncode == 0 and p.stdout.strip() == "",
            "systemd-analyze verify: rc %d: %s" % (p.returncode, p.stdout))

# 6. Upgrade to version+1 with the operator's edit in place.
t0 = time.time()
tree = os.path.join(work, "v2")
run(["dpkg-deb", "-R", deb, tree], "dpkg-deb -R")
new_version = version + "+1"
control = os.path.join(tree, "DEBIAN", "control")
text = open(control).read()
F.check("\nVersion: %s\n" % version in text, "no Version line in control")
with open(control, "w") as f:
    f.write(text.replace("\nVersion: %s\n" % version,
                         "\nVersion: %s\n" % new_version))
for t in ("tenants.csv", "qos.csv"):
    for p in ("etc/xbgw/" + t, "usr/share/xbgw/defaults/" + t):
        with open(os.path.join(tree, p), "a") as f:
            f.write("# changed in %s\n" % new_version)
sums = run(["sh", "-c", "find . -type f ! -path './DEBIAN/*' ! -path "
            "'./etc/*' -printf '%P\\0' | sort -z | xargs -0 md5sum"],
           "md5sum", cwd=tree)
with open(os.path.join(tree, "DEBIAN", "md5sums"), "w") as f:
    f.write(sums)
deb2 = os.path.join(work, "xbgw_%s_amd64.deb" % new_version)
run(["dpkg-deb", "--root-owner-group", "-b", tree, deb2], "dpkg-deb -b")
tenants = os.path.join(root, "etc/xbgw/tenants.csv")
with open(tenants, "a") as f:
    f.write("# edited by the operator\n")
edited = open(tenants).read()
shutil.copy(deb2, os.path.join(root, "tmp"))
in_root(["dpkg", "--force-confdef", "--force-confold", "-i",
         "/tmp/" + os.path.basename(deb2)], "dpkg -i version+1")
step("upgrade to %s" % new_version, t0)
status = in_root(["dpkg-query", "-W", "-f", "${Version}", "xbgw"],
                 "dpkg-query")
F.check(status == new_version, "installed version is %r after the upgrade"
        % status)
F.check(open(tenants).read() == edited,
        "the upgrade changed the operator's tenants.csv")
F.check(os.path.exists(tenants + ".dpkg-dist") and
        ("changed in %s" % new_version) in open(tenants + ".dpkg-dist").read(),
        "no tenants.csv.dpkg-dist with the new default beside the edit")
F.check(("changed in %s" % new_version) in
        open(os.path.join(root, "etc/xbgw/qos.csv")).read(),
        "the upgrade did not take the new qos.csv the operator never edited")
in_root(["xbgw", "--", "--check-config"], "--check-config after upgrade")
print("times: " + ", ".join("%s %.0f s" % t for t in times))
F.exit()
