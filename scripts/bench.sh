#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark harness: xbgw against dpdk-testpmd's io forwarding (the zero-work
# baseline), both on one worker core, pcap (infinite replay) -> null port.
# Not a timed test: `meson test -C build --suite bench` runs it with --quick.
#
# For each scenario the capture is generated with xbgw-gen; then, per round,
# testpmd and xbgw run one after the other (interleaved, so drift in the
# machine's load hits both alike).  Both rates are read the same way: the
# DPDK telemetry socket of the process, /ethdev/stats of the null TX port,
# sampled twice WINDOW seconds apart after a warm-up.
#
# Output: a table on stdout, build/bench/report.md and build/bench/report.png
# (bars per scenario: testpmd vs xbgw Mpps with the ratio).
#
# Usage: scripts/bench.sh [--scenarios LIST] [--rounds N] [--window S]
#                         [--warmup S] [--quick] [--build DIR]
#   scenarios (comma separated): parse, flowtable, flows, newflows, imix
#             (default: all)
#     captures  the 13 real captures of ../shared/data merged (mergecap),
#               beside ndpiReader's rate on the same file
#     parse     the flows capture through parse only (--stages parse)
#     flowtable the flows capture through parse + flow table (--stages flow)
#     flows     60-byte frames (64 B on the wire), 65,536 flows, 131,072 pkts
#     newflows  131,072 packets, each a new 5-tuple opening with a TLS
#               ClientHello (names and Hyperscan on every packet), against
#               a flow table of 16,384 entries so that every packet misses
#               and evicts, also after the capture loops
#     imix      simple IMIX 7:4:1 of 64/594/1518 B on the wire, 65,536 flows
#   --quick: 1 round, 3 s samples (smoke test).
#
# Hugepages: when none are free and we are root, the script mounts hugetlbfs
# on /dev/hugepages if needed and reserves 1024 x 2 MB pages; otherwise both
# programs run with --no-huge -m 2048 (40-60 % slower, see NOTES.md).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${MESON_BUILD_ROOT:-$src/build}
scenarios=parse,flowtable,flows,newflows,imix,captures
rounds=3
window=10
warmup=3
pkts=131072
mbufs=262144

while [ $# -gt 0 ]; do
	case "$1" in
	--scenarios) scenarios=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--window) window=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--quick) rounds=1; window=3; warmup=2; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d'; exit 0 ;;
	*) echo "bench.sh: unknown option \"$1\" (see --help)" >&2; exit 2 ;;
	esac
done

gen=$build/scripts/xbgw-gen
xbgw=$build/app/xbgw
testpmd=$(command -v dpdk-testpmd || true)
out=$build/bench
tmp=$(mktemp -d /tmp/xbgw-bench.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null
		sleep 2
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$gen" "$xbgw"; do
	if [ ! -x "$f" ]; then
		echo "bench.sh: $f missing (build first: meson compile -C $build)" >&2
		exit 1
	fi
done
if [ -z "$testpmd" ]; then
	echo "bench.sh: dpdk-testpmd not found (apt-get install dpdk); skipped" >&2
	exit 77
fi
# Debian's python3 (it has python3-matplotlib) before any other on PATH.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
command -v "$py" >/dev/null || { echo "bench.sh: python3 needed" >&2; exit 77; }
mkdir -p "$out"

# ---------------------------------------------------------------- memory --
free_hugepages() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }
if [ "$(free_hugepages)" -lt 1024 ] && [ "$(id -u)" = 0 ]; then
	if ! mount | grep -q 'on /dev/hugepages type hugetlbfs'; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
	total=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)
	want=$((total + 1024 - $(free_hugepages)))
	echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
if [ "$(free_hugepages)" -ge 1024 ] && mount | grep -q 'on /dev/hugepages type hugetlbfs'; then
	mem=(--huge-unlink)
	memnote="hugepages (2 MB)"
else
	mem=(--no-huge -m 2048)
	memnote="--no-huge -m 2048 (4 KB pages: expect 40-60 % lower rates)"
fi

# ------------------------------------------------------- telemetry probe --
# rate.py SOCKET PORT WARMUP WINDOW: waits for the socket, samples ipackets
# of PORT (the capture's RX port) twice WINDOW s apart after WARMUP s,
# prints Mpps.  RX, not TX: xbgw's policy drops packets (meters, negative
# list) that it has fully processed, and both programs must be read alike.
cat > "$tmp/rate.py" <<'EOF'
import json, socket, sys, time

path, port, warmup, window = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])

def connect(deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
            s.recv(16384)  # the banner: version, pid, max_output_len
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                sys.exit("no telemetry socket at " + path)
            time.sleep(0.2)

def opackets(s):
    s.send(("/ethdev/stats," + port).encode())
    reply = json.loads(s.recv(1 << 16).decode())
    return int(reply["/ethdev/stats"]["ipackets"])

s = connect(time.monotonic() + 60)
# The socket exists early in EAL init: wait until packets flow, so the
# warm-up starts with forwarding, not with the mempool set-up.
t_start, deadline = time.monotonic(), time.monotonic() + 120
while opackets(s) == 0:
    if time.monotonic() > deadline:
        sys.exit("no packets forwarded after 120 s")
    time.sleep(0.1)
print("forwarding after %.1f s" % (time.monotonic() - t_start), file=sys.stderr)
time.sleep(warmup)
t0, p0 = time.monotonic(), opackets(s)
time.sleep(window)
t1, p1 = time.monotonic(), opackets(s)
print("%.3f" % ((p1 - p0) / (t1 - t0) / 1e6))
EOF

# port_id PREFIX NAME: port id of the device called NAME, via telemetry.
cat > "$tmp/portid.py" <<'EOF'
import json, socket, sys, time
path, name = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path); s.recv(16384)
s.send(b"/ethdev/list"); ids = json.loads(s.recv(1 << 16).decode())["/ethdev/list"]
for i in ids:
    s.send(("/ethdev/info,%d" % i).encode())
    info = json.loads(s.recv(1 << 20).decode())["/ethdev/info"]
    if info.get("name") == name:
        print(i); sys.exit(0)
print(ids[-1])
EOF

# run_one KIND CAPTURE LOG: runs the program, sets $rate (Mpps or nan).
run_one() {
	local kind=$1 cap=$2 log=$3 prefix sock port
	rate=nan
	local vdevs=(--vdev "net_pcap0,rx_pcap=$cap,infinite_rx=1" --vdev net_null0,no-rx=1)
	local eal=(-l 0,1 --main-lcore 0 --no-pci "${mem[@]}" --log-level=lib.eal:warning)

	if [ "$kind" = testpmd ]; then
		prefix=bench-tp$$
		"$testpmd" "${eal[@]}" --file-prefix "$prefix" "${vdevs[@]}" -- \
			--nb-cores=1 --forward-mode=io --stats-period 3600 \
			--total-num-mbufs=$mbufs >"$log" 2>&1 </dev/null &
	else
		prefix=bench-xb$$
		# shellcheck disable=SC2086
		"$xbgw" "${eal[@]}" --file-prefix "$prefix" "${vdevs[@]}" -- \
			-c "$runconf" --no-progress $stages >"$log" 2>&1 </dev/null &
	fi
	pid=$!
	sock=/var/run/dpdk/$prefix/dpdk_telemetry.v2
	for _ in $(seq 1 300); do
		[ -S "$sock" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if ! [ -S "$sock" ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "bench.sh: $kind did not start (log: $log):" >&2
		tail -5 "$log" >&2
		wait "$pid" 2>/dev/null; pid=
		return
	fi
	sleep 1
	port=$("$py" "$tmp/portid.py" "$sock" net_pcap0 2>/dev/null || echo 0)
	rate=$("$py" "$tmp/rate.py" "$sock" "$port" "$warmup" "$window" 2>"$tmp/rate.err" || echo nan)
	cat "$tmp/rate.err" >&2
	kill -INT "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	rm -rf "/var/run/dpdk/$prefix"
}

# xbgw config: the default one with the bench ports; relative paths of
# [tables], [state] and [events] are made absolute (against config/) so the
# copy in $tmp still finds the repository's tables.
conf=$tmp/xbgw.conf
awk -v mbufs=$mbufs -v dir="$src/config" '
	function abs(v,   n, i, a, o) {
		n = split(v, a, ",")
		for (i = 1; i <= n; i++) {
			gsub(/^[ \t]+|[ \t]+$/, "", a[i])
			if (a[i] != "" && substr(a[i], 1, 1) != "/")
				a[i] = dir "/" a[i]
			o = o (i > 1 ? ", " : "") a[i]
		}
		return o
	}
	/^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec) }
	sec == "ports" && /^[ \t;]*(pairs|mbufs)[ \t]*=/ { next }
	(sec == "tables" || (sec == "state" && $1 == "dir") || (sec == "events" && $1 == "file")) &&
	    /^[ \t]*[a-z_]+[ \t]*=/ {
		k = $0; sub(/[ \t]*=.*/, "", k); gsub(/[ \t]/, "", k)
		v = $0; sub(/^[^=]*=[ \t]*/, "", v)
		print k " = " abs(v); next
	}
	{ print }
	sec == "ports" && /^[ \t]*\[/ { print "pairs = net_pcap0:net_null0"; print "mbufs = " mbufs }
' "$src/config/xbgw.conf" > "$conf"
# The newflows scenario: a flow table smaller than the capture's flows, so
# every packet misses (and evicts) even after the capture loops.
conf_small=$tmp/xbgw-small.conf
sed 's/^capacity = .*/capacity = 16384/' "$conf" > "$conf_small"

# ------------------------------------------------------------- scenarios --
# xbgw's --stages per scenario: parse and flowtable run the pipeline only up
# to that stage (same capture as flows), to cost each stage.
stage_args() {
	case "$1" in
	parse) echo "--stages parse" ;;
	flowtable) echo "--stages flow" ;;
	*) echo "" ;;
	esac
}
gen_args() {
	case "$1" in
	flows|parse|flowtable)
		echo "--mode flows --flows 65536 --packets $pkts --size 60" ;;
	newflows) echo "--mode newflows --packets $pkts --size 60 --names" ;;
	imix) echo "--mode imix --flows 65536 --packets $pkts" ;;
	captures) echo "" ;; # the real captures, merged (see below)
	*) return 1 ;;
	esac
}
geo=
for f in "$src/config/geo/world-ipv4.csv" "$src/config/geo/world-ipv6.csv"; do
	[ -f "$f" ] && geo=${geo:+$geo,}$f
done

echo "xbgw bench: $(nproc) CPUs, memory: $memnote, rounds $rounds, window ${window}s"
results=$out/results.csv
echo "scenario,round,testpmd_mpps,xbgw_mpps,ratio,xbgw_cycles_per_pkt" > "$results"
IFS=, read -r -a list <<< "$scenarios"
for sc in "${list[@]}"; do
	args=$(gen_args "$sc") || { echo "bench.sh: unknown scenario \"$sc\" (expected parse, flowtable, flows, newflows, imix, captures)" >&2; exit 2; }
	cap=$tmp/$sc.pcap
	stages=$(stage_args "$sc")
	runconf=$conf
	[ "$sc" = newflows ] && runconf=$conf_small
	ndpi=
	if [ "$sc" = captures ]; then
		# The real captures of ../shared/data, merged into one file (both
		# programs loop it); ndpiReader's own rate on it is the reference.
		shared=${XBGW_SHARED_DATA:-$src/../shared/data}
		if ! ls "$shared"/pcap/pcap/*.pcap* >/dev/null 2>&1 ||
		   ! command -v mergecap >/dev/null; then
			echo "captures: skipped (no $shared/pcap/pcap or no mergecap)"
			continue
		fi
		mergecap -F pcap -a -w "$cap" "$shared"/pcap/pcap/*.pcap* || exit 1
		if command -v ndpiReader >/dev/null; then
			ndpi=$(for _ in 1 2 3 4 5; do
				ndpiReader -i "$cap" 2>/dev/null |
					sed -n 's/.*nDPI throughput: *\([0-9.]*\) K pps.*/\1/p'
			done | sort -n | sed -n 3p)
			echo "captures: ndpiReader ${ndpi:-?} K pps (median of 5 runs)"
			echo "ndpireader_kpps,$ndpi" > "$out/ndpi.csv"
		fi
	else
		# shellcheck disable=SC2086
		"$gen" $args --seed 7 ${geo:+--dst-prefixes "$geo"} --out "$cap" || exit 1
	fi
	for r in $(seq 1 "$rounds"); do
		if [ "$sc" = captures ]; then
			# Real captures hold frames longer than one mbuf, which
			# net_pcap's infinite_rx cannot replay: xbgw replays them
			# itself (--replay, the same worker loop) and there is
			# no testpmd figure; the reference is ndpiReader.
			tp=nan
			"$xbgw" -l 0,1 --main-lcore 0 --no-pci "${mem[@]}" \
				--file-prefix bench-xr$$ --log-level=lib.eal:warning -- \
				-c "$conf" --replay "$cap" --duration "$window" \
				--no-progress >"$out/xbgw-$sc-$r.log" 2>&1 </dev/null
			xb=$(sed -n 's/.* pkts *\([0-9.]*\) Mpps .*/\1/p' \
				"$out/xbgw-$sc-$r.log" | head -1)
			xb=${xb:-nan}
		else
			run_one testpmd "$cap" "$out/testpmd-$sc-$r.log"; tp=$rate
			run_one xbgw "$cap" "$out/xbgw-$sc-$r.log"; xb=$rate
		fi
		cpp=$(sed -n 's/.* \([0-9.]*\) cycles\/pkt.*/\1/p' "$out/xbgw-$sc-$r.log" | head -1)
		ratio=$("$py" -c "import math,sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('nan' if math.isnan(a*b) or a==0 else '%.3f'%(b/a))" "$tp" "$xb")
		printf '%-9s round %d: testpmd %7s Mpps  xbgw %7s Mpps  ratio %s  (%s cycles/pkt)\n' \
			"$sc" "$r" "$tp" "$xb" "$ratio" "${cpp:-?}"
		echo "$sc,$r,$tp,$xb,$ratio,${cpp:-}" >> "$results"
	done
done

# ---------------------------------------------------------------- report --
if ! "$py" -c 'import matplotlib' 2>/dev/null && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-matplotlib >/dev/null 2>&1 || true
fi
"$py" - "$results" "$out" "$memnote" "$window" <<'EOF'
import csv, math, statistics, sys, time
results, out, memnote, window = sys.argv[1:5]
rows = list(csv.DictReader(open(results)))
def num(v):
    try:
        x = float(v)
        return None if math.isnan(x) else x
    except ValueError:
        return None
scen = []
for r in rows:
    if r["scenario"] not in scen:
        scen.append(r["scenario"])
med = {}
lines = ["# xbgw benchmark", "",
         "One worker core each, net_pcap (infinite replay) -> net_null, "
         "rates from the telemetry socket over %s s; memory: %s. "
         "Frame sizes as written, FCS excluded (60 B = 64 B on the wire). "
         "Generated %s." % (window, memnote, time.strftime("%Y-%m-%d %H:%M")),
         "",
         "| scenario | round | testpmd Mpps | xbgw Mpps | ratio xbgw/testpmd | xbgw cycles/pkt |",
         "|---|---|---|---|---|---|"]
for s in scen:
    rs = [r for r in rows if r["scenario"] == s]
    for r in rs:
        lines.append("| %s | %s | %s | %s | %s | %s |" % (s, r["round"], r["testpmd_mpps"],
                     r["xbgw_mpps"], r["ratio"], r["xbgw_cycles_per_pkt"] or "-"))
    tp = [num(r["testpmd_mpps"]) for r in rs if num(r["testpmd_mpps"]) is not None]
    xb = [num(r["xbgw_mpps"]) for r in rs if num(r["xbgw_mpps"]) is not None]
    ra = [num(r["ratio"]) for r in rs if num(r["ratio"]) is not None]
    med[s] = (statistics.median(tp) if tp else float("nan"),
              statistics.median(xb) if xb else float("nan"),
              statistics.median(ra) if ra else float("nan"))
    lines.append("| **%s** | median | **%.2f** | **%.2f** | **%.3f** | |" % ((s,) + med[s]))
try:
    ndpi = float(open(out + "/ndpi.csv").read().split(",")[1])
except (OSError, ValueError, IndexError):
    ndpi = None
if ndpi and "captures" in med and not math.isnan(med["captures"][1]):
    lines += ["", "Real captures: ndpiReader %.3f Mpps (one core, median of 5 "
              "runs over the same merged file); xbgw %.2f Mpps = %.1fx." %
              (ndpi / 1000, med["captures"][1], med["captures"][1] * 1000 / ndpi)]
# Per-stage cost: cycles per packet of xbgw's worker, parse only, parse +
# flow table, and the full pipeline, on the same capture.
cyc = {s: statistics.median([num(r["xbgw_cycles_per_pkt"]) for r in rows
                             if r["scenario"] == s and num(r["xbgw_cycles_per_pkt"]) is not None] or [float("nan")])
       for s in scen}
if all(s in cyc for s in ("parse", "flowtable", "flows")):
    lines += ["", "Worker cycles per packet (busy cycles / packets, median; the "
              "RX driver's own copy is outside): parse %.0f, + flow table %.0f, "
              "+ classification, policy, meters and accounting (full) %.0f." %
              (cyc["parse"], cyc["flowtable"], cyc["flows"])]
lines += ["", "Run-to-run noise on shared machines is +-10-15 %: compare only "
          "within one run.", "", "![rates](report.png)", ""]
open(out + "/report.md", "w").write("\n".join(lines))
print("\n".join("median %-9s testpmd %.2f Mpps  xbgw %.2f Mpps  ratio %.3f" % ((s,) + med[s]) for s in scen))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("bench.sh: python3-matplotlib missing: no report.png", file=sys.stderr)
    sys.exit(0)
fig, ax = plt.subplots(figsize=(7, 4))
x = range(len(scen))
w = 0.38
tp = [med[s][0] for s in scen]
xb = [med[s][1] for s in scen]
ax.bar([i - w / 2 for i in x], tp, w, label="testpmd io (baseline)", color="#9aa5b1")
ax.bar([i + w / 2 for i in x], xb, w, label="xbgw", color="#1f6feb")
for i, s in enumerate(scen):
    if not math.isnan(med[s][2]):
        ax.annotate("x%.2f" % med[s][2], (i + w / 2, xb[i] if not math.isnan(xb[i]) else 0),
                    ha="center", va="bottom", fontsize=9)
ax.set_xticks(list(x))
ax.set_xticklabels(scen)
ax.set_ylabel("Mpps per worker core (median)")
ax.set_title("xbgw vs testpmd io, pcap -> null, 1 worker core")
ax.legend()
fig.tight_layout()
fig.savefig(out + "/report.png", dpi=110)
EOF
echo "report: $out/report.md, $out/report.png"
if grep -v '^captures,' "$results" | grep -q ',nan,\|,nan$'; then
	echo "bench.sh: some runs gave no rate (see $out/*.log)" >&2
	exit 1
fi
