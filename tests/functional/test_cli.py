#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Command line contract: exit codes, usage errors as one line, --help,
--version, --check-config on the default config and on broken ones."""
import os

import xbtest

F = xbtest.begin()


def run(args):
    return xbtest.run_xbgw(args, check=False)


p = run(["--help"])
F.check(p.returncode == 0 and "--check-config" in p.stdout, "--help exits 0 and lists options")
p = run(["--version"])
F.check(p.returncode == 0 and p.stdout.startswith("xbgw "), "--version")

usage_cases = [
    (["--bogus"], "unknown option"),
    (["--loops", "0", "--replay", "x.pcap"], "--loops"),
    (["--loops", "2"], "need --replay"),
    (["--clock", "sundial"], "--clock"),
    (["--duration", "-1", "--replay", "x.pcap"], "--duration"),
    (["--replay", "x.pcap", "--loops", "2", "--duration", "3"], "exclude"),
    (["-c"], "needs a value"),
    (["--", "stray"], "unexpected argument"),
]
for args, want in usage_cases:
    p = run(args)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    F.check(p.returncode == 2, "%s: exit %d, expected 2" % (args, p.returncode))
    F.check(len(lines) == 1 and want in lines[0],
            "%s: expected one line naming %r, got %r" % (args, want, p.stderr))

# The shipped default config is valid.
p = run(["-c", xbtest.DEFAULT_CONF, "--check-config"])
F.check(p.returncode == 0, "default config: --check-config exit %d:\n%s%s" % (p.returncode, p.stdout, p.stderr))

# Broken main configs: every error at file:line, exit 1.
conf, _ = xbtest.conf_with("")
bad = os.path.join(os.path.dirname(conf), "bad.conf")
with open(conf) as f:
    text = f.read()
text = text.replace("queues = 1", "queues = many")
text = text.replace("utc_offset = +08:00", "utc_offset = 8h")
text += "\n[bogus]\nkey = 1\n"
with open(bad, "w") as f:
    f.write(text)
lines = text.splitlines()
q_line = next(i + 1 for i, l in enumerate(lines) if l.startswith("queues ="))
u_line = next(i + 1 for i, l in enumerate(lines) if l.startswith("utc_offset ="))
b_line = next(i + 1 for i, l in enumerate(lines) if l.startswith("[bogus]"))
p = run(["-c", bad, "--check-config"])
F.check(p.returncode == 1, "bad config: exit %d, expected 1" % p.returncode)
for want in ("%s:%d: [ports] queues: got \"many\", expected an integer 1..64" % (bad, q_line),
             "%s:%d: [tariff] utc_offset: got \"8h\", expected +HH:MM or -HH:MM" % (bad, u_line),
             "%s:%d: unknown section [bogus]" % (bad, b_line)):
    F.check(want in p.stdout, "bad config: missing %r in:\n%s" % (want, p.stdout))

# A run with a broken config exits 1 before touching any port.
p = run(["-c", bad, "--replay", "/nonexistent.pcap"])
F.check(p.returncode == 1, "run with bad config: exit %d, expected 1" % p.returncode)
# A missing capture is a runtime failure (3) with one clear line.
p = run(["-c", xbtest.DEFAULT_CONF, "--replay", "/nonexistent.pcap", "--no-progress"])
F.check(p.returncode == 3 and "/nonexistent.pcap" in p.stderr,
        "missing capture: exit %d (expected 3): %s" % (p.returncode, p.stderr))
F.exit()
