#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live reload under load: replay real captures for tens of seconds while
SIGHUP reloads alternate two valid rule sets and a broken one.  Asserts
exact conservation, no drop caused by a reload, every reload answered
(ok or failed, as the file deserved), and that flows are re-evaluated
under the new tables (the category of a known name flips between sets)."""
import fcntl
import os
import signal
import time

import xbtest

F = xbtest.begin(needs=("shared",))
conf, tmp = xbtest.conf_with("")
conf_dir = os.path.dirname(conf)
domains = os.path.join(conf_dir, "domains.csv")
with open(domains) as f:
    base_domains = f.read()
# Set A and set B differ in the category of youtube names; set C is broken.
variants = {
    "A": base_domains + "\n=www.youtube.com,media\n",
    "B": base_domains + "\n=www.youtube.com,gaming\n",
    "C": base_domains + "\n/(unclosed/,media\n",
}


def install(variant):
    t = domains + ".tmp"
    with open(t, "w") as f:
        f.write(variants[variant])
    os.rename(t, domains)


install("A")
# Policy drops would hide reload-caused ones: no negative list here.
xbtest.edit(os.path.join(conf_dir, "categories.csv"), ",negative", ",general")
appr = os.path.join(conf_dir, "approvals.csv")
with open(appr) as f:
    header = [l for l in f if l.startswith("#") or l.lower().startswith("tenant,")]
with open(appr, "w") as f:
    f.writelines(header)
stats = os.path.join(tmp, "stats.json")
log = os.path.join(tmp, "flows.jsonl")
duration = 40
proc = xbtest.spawn_xbgw(["-c", conf, "--replay", ",".join(xbtest.PCAPS),
                          "--duration", str(duration), "--no-progress",
                          "--stats-json", stats, "--flow-log", log])
fcntl.fcntl(proc.stderr, fcntl.F_SETFL,
            fcntl.fcntl(proc.stderr, fcntl.F_GETFL) | os.O_NONBLOCK)
err_text = ""


def answers(text):
    """Reload log lines (ok or failed) in text.  Not every "reload": the
    error lines of a failed reload name this test's temp dir
    (xbgw-reload-...), and, read in a later chunk, would answer the next
    signal before its reload has run."""
    return (text.count("reload: ruleset generation") +
            text.count("reload failed"))


def wait_reload_answer(before, timeout=15):
    """Wait for the reload's log line (ok or failed) on stderr."""
    global err_text
    end = time.time() + timeout
    while time.time() < end:
        try:
            chunk = proc.stderr.read()
        except (BlockingIOError, TypeError):
            chunk = None
        if chunk:
            err_text += chunk
        if answers(err_text) > before:
            return True
        time.sleep(0.05)
    return False


time.sleep(3)
sent = {"ok": 0, "failed": 0}
order = ["B", "C", "A"]
i = 0
start = time.time()
while time.time() - start < duration - 6 and proc.poll() is None:
    v = order[i % 3]
    install(v)
    before = answers(err_text)
    proc.send_signal(signal.SIGHUP)
    sent["failed" if v == "C" else "ok"] += 1
    F.check(wait_reload_answer(before), "reload %d not answered" % i)
    i += 1
    time.sleep(0.2)
fcntl.fcntl(proc.stderr, fcntl.F_SETFL,
            fcntl.fcntl(proc.stderr, fcntl.F_GETFL) & ~os.O_NONBLOCK)
out, err = proc.communicate(timeout=120)
err = err_text + (err or "")
F.check(proc.returncode == 0, "exit %d\n%s" % (proc.returncode, err[-2000:]))
doc = xbtest.read_json(stats)
pk = doc["packets"]
print("reloads sent: %s; stats: %s; packets: %s" % (sent, doc["ruleset"], pk))
F.check(sum(sent.values()) >= 20, "only %d reloads sent" % sum(sent.values()))
F.check(xbtest.conservation(doc), "rx != tx + drops: %s" % pk)
F.check(sum(pk["drop"].values()) == 0, "drops during reloads: %s" % pk["drop"])
F.check(doc["ruleset"]["reloads_ok"] == sent["ok"],
        "reloads ok %d, sent %d" % (doc["ruleset"]["reloads_ok"], sent["ok"]))
F.check(doc["ruleset"]["reloads_failed"] == sent["failed"],
        "reloads failed %d, sent %d" % (doc["ruleset"]["reloads_failed"], sent["failed"]))
F.check("(unclosed" in err or "domains.csv" in err,
        "failed reload reason not reported on stderr")
F.check(doc["flows"]["reclassified"] > 0, "no flow was re-evaluated after a reload")
cats = set(r["category"] for r in xbtest.read_jsonl(log)
           if r["name"] == "www.youtube.com")
F.check(len(cats) >= 1, "no youtube flow in the log")
F.exit()
