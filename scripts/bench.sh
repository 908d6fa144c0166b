#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark harness: xbgw against dpdk-testpmd's io forwarding (the zero-work
# baseline) and two of DPDK's own example programs as reference workloads
# (l3fwd in LPM mode and qos_meter), all on one worker core, pcap (infinite
# replay) -> null port.  Not a timed test: `meson test -C build --suite
# bench` runs it with --quick.
#
# For each scenario the capture is generated with xbgw-gen; then, per round,
# testpmd, xbgw, l3fwd and qos_meter run one after the other (interleaved,
# so drift in the machine's load hits all alike).  Every rate is read the
# same way: the DPDK telemetry socket of the process, /ethdev/stats of the
# capture's RX port, sampled twice WINDOW seconds apart after a warm-up.
#
# The reference programs are built at benchmark time, out of tree, from
# DPDK's installed examples (/usr/share/dpdk/examples, package dpdk-doc;
# $DPDK_EXAMPLES overrides the directory):
# each is copied to build/bench/examples/<name>, adapted with sed so that it
# runs on virtual ports (no RX checksum offload request) with a pool that
# holds the capture (mbuf count from $XB_BENCH_MBUFS), and built with its
# own Makefile against pkg-config libdpdk (shared).  When that fails they
# are skipped with a message.  l3fwd: LPM lookup, software ptype parsing,
# routes 0/1 and 128/1 (IPv4 and IPv6) to the null port; qos_meter: srTCM
# colour-blind metering over its 256 flows; both single-lcore (lcore 1
# polls both ports; control threads on lcore 0).
#
# Output: a table on stdout, build/bench/results.csv (one row per scenario
# and round), build/bench/report.md (machine, medians, sizing for 400G) and
# build/bench/report.png (four panels: Mpps per scenario; ratio xbgw/testpmd
# against the 0.75 target and 0.6 floor; flow count against rate and ratio;
# worker cycles per packet per pipeline stage).
#
# Usage: scripts/bench.sh [--scenarios LIST] [--rounds N] [--window S]
#                         [--warmup S] [--refs LIST|none] [--quick]
#                         [--build DIR] [--compare DIR]
#   scenarios (comma separated; default: all of these but flows64k):
#     captures  the 13 real captures of ../shared/data merged (mergecap),
#               looped by net_pcap (mbufs of 4.5 KB hold their GRO'd
#               frames), beside testpmd and ndpiReader's rate on the file
#     captures-replay  the same file through xbgw's --replay on the
#               capture clock: every loop starts every flow anew
#     io        the flows capture through xbgw's loop alone (--stages io)
#     parse     the flows capture through parse only (--stages parse)
#     flowtable the flows capture through parse + flow table (--stages flow)
#     flows     60-byte frames (64 B on the wire), 65,536 flows, 131,072 pkts
#     flows64k  the same as flows (an alias, named for the scaling series)
#     flows1k   60-byte frames, 1,024 flows, 131,072 pkts
#     flows1m   60-byte frames, 1,048,576 flows, one packet each; pools of
#               1,179,648 mbufs and an xbgw flow table of 2,097,152 entries
#     newflows  131,072 packets, each a new 5-tuple opening with a TLS
#               ClientHello (names and Hyperscan on every packet), against
#               a flow table of 16,384 entries so that every packet misses
#               and evicts, also after the capture loops
#     imix      simple IMIX 7:4:1 of 64/594/1518 B on the wire, 65,536 flows
#     quicjunk83, quicjunk1200  (not in the default list) 131,072 UDP
#               packets to port 443, each a new flow, each a junk QUIC v1
#               Initial (random DCID and body; 83 or 1,200 bytes of
#               payload): what a flood of undecryptable Initials costs
#               (issue 15: at most 5x random UDP of the same size)
#     udprand83, udprand1200  the same flows with random payloads that look
#               like no protocol: the baseline of the two above
#     synflood  (not in the default list) 131,072 bare TCP SYNs of 60
#               bytes, each a new flow: a SYN flood at the worker's rate
#   --refs: reference programs run beside testpmd and xbgw in the flows*
#           and imix scenarios (default l3fwd,qos_meter; none: skip them).
#   --quick: 1 round, 3 s samples (smoke test).
#   --compare DIR: also run DIR/app/xbgw (another build, e.g. the tree
#           before a change) right after xbgw in every round, on the same
#           capture and config, and report both side by side (columns
#           base_mpps, base_cycles_per_pkt; report.md's "before / after").
#   --cluster: also run this xbgw with a [cluster] section (issue 18: a
#           PostgreSQL 15 the script starts in its temp dir, a [state]
#           dir for the usage checkpoints the ledger ships) right after
#           the plain xbgw in every round, same capture: the packet path's
#           cycles per packet on hits with [cluster] on and off beside
#           testpmd io in one run (columns cluster_mpps,
#           cluster_cycles_per_pkt; report.md's "[cluster] on / off").
#
# Memory: net_pcap's infinite_rx copies the whole capture into mbufs of the
# program's pool, so every pool holds the capture plus 131,072 mbufs
# (at least 262,144; about 2.5 KB each).  When fewer 2 MB hugepages are free
# than the biggest scenario needs (at least 1024; about 2,400 with flows1m)
# and we are root, the script mounts hugetlbfs on /dev/hugepages if needed
# and reserves the missing pages, again before each scenario as other users
# of the machine take pages (the extra is given back at exit).  A scenario
# that still does not fit runs with --no-huge -m <its need> (one mbuf per
# 4 KB page: 6.5 GB for flows1m; 40-60 % slower, see NOTES.md; the report
# says which).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${MESON_BUILD_ROOT:-$src/build}
scenarios=io,parse,flowtable,flows,flows1k,flows1m,newflows,imix,captures,captures-replay
refs=l3fwd,qos_meter
rounds=3
window=10
warmup=3
pkts=131072
mbufs=262144
base_xbgw=
cluster=

while [ $# -gt 0 ]; do
	case "$1" in
	--scenarios) scenarios=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--window) window=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--refs) refs=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--compare) base_xbgw=$2/app/xbgw; shift 2 ;;
	--cluster) cluster=1; shift ;;
	--quick) rounds=1; window=3; warmup=2; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d'; exit 0 ;;
	*) echo "bench.sh: unknown option \"$1\" (see --help)" >&2; exit 2 ;;
	esac
done
[ "$refs" = none ] && refs=

gen=$build/scripts/xbgw-gen
xbgw=$build/app/xbgw
testpmd=$(command -v dpdk-testpmd || true)
out=$build/bench
tmp=$(mktemp -d /tmp/xbgw-bench.XXXXXX)
pid=
orig_hugepages=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null
		sleep 2
		kill -KILL "$pid" 2>/dev/null
	fi
	# Give back the hugepages this run reserved (pages still in use by
	# someone else stay theirs: the kernel frees only free ones).
	if [ -n "$orig_hugepages" ]; then
		echo "$orig_hugepages" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
	fi
	[ -n "$cluster" ] && pg_temp_stop "$tmp/pg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$gen" "$xbgw" $base_xbgw; do
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

# ------------------------------------------------------------- scenarios --
# scenario NAME: sets the scenario's parameters, returns 1 for an unknown
# name.  sc_gen: xbgw-gen arguments; sc_flows, sc_pkts: flows and packets
# of the capture; sc_stages: xbgw's --stages (parse and flowtable run the
# pipeline only up to that stage, same capture as flows, to cost each
# stage); sc_cap: xbgw's flow-table capacity; sc_mbufs: pool size of every
# program (the capture plus 131,072 for rings and caches); sc_refs: 1 when
# the reference programs run too; sc_need: MB of memory a program needs
# (pool at ~2.5 KB per mbuf, flow table at ~300 B per entry, and 1.25 GB
# for xbgw's FIBs, ACLs, Hyperscan and the rest); sc_need_4k: the same
# without hugepages.
scenario() {
	sc_stages='' sc_cap=262144 sc_refs=0 sc_flows=65536 sc_pkts=$pkts sc_mtu=1500
	case "$1" in
	io) sc_stages="--stages io" ;;
	parse) sc_stages="--stages parse" ;;
	flowtable) sc_stages="--stages flow" ;;
	flows|flows64k|imix) sc_refs=1 ;;
	flows1k) sc_flows=1024; sc_refs=1 ;;
	flows1m) sc_flows=1048576; sc_pkts=1048576; sc_cap=2097152; sc_refs=1 ;;
	newflows) sc_flows=$pkts; sc_cap=16384 ;;
	quicjunk*|udprand*|synflood) sc_flows=$pkts; sc_cap=16384 ;;
	# Real captures hold GRO'd frames of up to 4.4 KB: mbufs that take
	# them whole (xbgw sizes them from the MTU, testpmd --mbuf-size).
	captures) sc_flows=''; sc_pkts=''; sc_mtu=4500 ;;
	captures-replay) sc_flows=''; sc_pkts='' ;;
	*) return 1 ;;
	esac
	case "$1" in
	newflows) sc_gen="--mode newflows --packets $sc_pkts --size 60 --names" ;;
	# 42 bytes of Ethernet, IPv4 and UDP headers before the payload.
	synflood) sc_gen="--mode newflows --proto tcp --tcp-syn --packets $sc_pkts --size 60" ;;
	quicjunk83) sc_gen="--mode newflows --proto udp --packets $sc_pkts --size 125 --udp-payload quic-junk" ;;
	quicjunk1200) sc_gen="--mode newflows --proto udp --packets $sc_pkts --size 1242 --udp-payload quic-junk" ;;
	udprand83) sc_gen="--mode newflows --proto udp --packets $sc_pkts --size 125 --udp-payload random" ;;
	udprand1200) sc_gen="--mode newflows --proto udp --packets $sc_pkts --size 1242 --udp-payload random" ;;
	imix) sc_gen="--mode imix --flows $sc_flows --packets $sc_pkts" ;;
	captures*) sc_gen= ;; # the real captures, merged (see below)
	*) sc_gen="--mode flows --flows $sc_flows --packets $sc_pkts --size 60" ;;
	esac
	sc_mbufs=$mbufs
	if [ -n "$sc_pkts" ] && [ $((sc_pkts + 131072)) -gt "$mbufs" ]; then
		sc_mbufs=$((sc_pkts + 131072))
	fi
	sc_need=$(((sc_mbufs * 2560 + sc_cap * 300) / 1048576 + 1280))
	# With 4 KB pages (--no-huge) an mbuf may not straddle a page: one
	# per page.
	sc_need_4k=$(((sc_mbufs * 4096 + sc_cap * 300) / 1048576 + 1280))
}

IFS=, read -r -a list <<< "$scenarios"
need_max=2048
for sc in "${list[@]}"; do
	if ! scenario "$sc"; then
		echo "bench.sh: unknown scenario \"$sc\" (expected io, parse, flowtable, flows, flows64k, flows1k, flows1m, newflows, imix, captures, captures-replay, quicjunk83, quicjunk1200, udprand83, udprand1200, synflood)" >&2
		exit 2
	fi
	[ "$sc_need" -gt "$need_max" ] && need_max=$sc_need
done
for r in ${refs//,/ }; do
	case "$r" in
	l3fwd|qos_meter) ;;
	*) echo "bench.sh: unknown reference program \"$r\" (expected l3fwd, qos_meter or none)" >&2; exit 2 ;;
	esac
done

# ---------------------------------------------------------------- memory --
free_hugepages() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }
hugetlbfs() { mount | grep -q 'on /dev/hugepages type hugetlbfs'; }
# reserve_hugepages PAGES: as root, makes PAGES 2 MB pages free (mounting
# hugetlbfs if needed) by raising nr_hugepages by the shortfall; the first
# call records the count to restore at exit.  Called once for the biggest
# scenario and again before each scenario, since other users of the machine
# take and release pages meanwhile.
reserve_hugepages() {
	local short=$(($1 - $(free_hugepages)))
	[ "$short" -gt 0 ] && [ "$(id -u)" = 0 ] || return 0
	if ! hugetlbfs; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
	local cur
	cur=$(cat /proc/sys/vm/nr_hugepages)
	[ -n "$orig_hugepages" ] || orig_hugepages=$cur
	echo $((cur + short)) > /proc/sys/vm/nr_hugepages 2>/dev/null || true
}
need_pages=$(((need_max + 1) / 2))
reserve_hugepages "$need_pages"
# mem_args: EAL memory options for the current scenario (after scenario()):
# hugepages when enough are free now, else 4 KB pages of the size it needs.
mem_args() {
	reserve_hugepages $(((sc_need + 1) / 2))
	if hugetlbfs && [ "$(free_hugepages)" -ge $(((sc_need + 1) / 2)) ]; then
		mem=(--huge-unlink)
		sc_mem=huge
	else
		mem=(--no-huge -m "$((sc_need_4k > 2048 ? sc_need_4k : 2048))")
		sc_mem=4k
	fi
}
if hugetlbfs && [ "$(free_hugepages)" -ge "$need_pages" ]; then
	memnote="hugepages (2 MB), $(free_hugepages) free"
elif hugetlbfs && [ "$(free_hugepages)" -ge 1024 ]; then
	memnote="hugepages (2 MB), $(free_hugepages) free: too few for the biggest scenario, which runs with --no-huge (4 KB pages: expect 40-60 % lower rates)"
else
	memnote="--no-huge -m <need> (4 KB pages: expect 40-60 % lower rates)"
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
    reply = json.loads(s.recv(1 << 16).decode()).get("/ethdev/stats")
    # null while the port is not probed yet (the socket comes first).
    return int(reply["ipackets"]) if reply else 0

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

# portid.py SOCKET NAME: port id of the device called NAME, via telemetry;
# waits up to 120 s for it (the socket exists before the vdevs are probed,
# and a pool of a million mbufs in 4 KB pages takes a while).
cat > "$tmp/portid.py" <<'EOF'
import json, socket, sys, time
path, name = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path); s.recv(16384)
deadline = time.monotonic() + 120
while True:
    s.send(b"/ethdev/list"); ids = json.loads(s.recv(1 << 16).decode())["/ethdev/list"] or []
    for i in ids:
        s.send(("/ethdev/info,%d" % i).encode())
        info = json.loads(s.recv(1 << 20).decode())["/ethdev/info"] or {}
        if info.get("name") == name:
            print(i); sys.exit(0)
    if time.monotonic() > deadline:
        sys.exit("no port %s after 120 s" % name)
    time.sleep(0.2)
EOF

# ----------------------------------------------- reference programs --
# build_example NAME: builds DPDK's example NAME out of tree into
# $out/examples/NAME (see the top of this file); sets ex_bin, or returns 1
# with a message.  Rebuilt only when DPDK or the example's source changed.
exsrc=${DPDK_EXAMPLES:-/usr/share/dpdk/examples}
build_example() {
	local name=$1 dir=$out/examples stamp f
	local log=$dir/$name.log
	ex_bin=$dir/$name/build/$name
	if [ ! -d "$exsrc/$name" ] && [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpdk-doc >/dev/null 2>&1 || true
	fi
	if [ ! -f "$exsrc/$name/Makefile" ] || ! command -v make >/dev/null ||
	   ! pkg-config --exists libdpdk 2>/dev/null; then
		echo "bench.sh: $name skipped: needs $exsrc/$name (apt-get install dpdk-doc), make and pkg-config libdpdk" >&2
		return 1
	fi
	stamp="bench-v1 $(pkg-config --modversion libdpdk) $(cat "$exsrc/$name"/* | cksum)"
	if [ -x "$ex_bin" ] && [ "$(cat "$dir/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	mkdir -p "$dir"
	rm -rf "${dir:?}/$name" "$dir/$name.stamp"
	cp -r "$exsrc/$name" "$dir/$name"
	if [ -d "$exsrc/common" ] && [ ! -d "$dir/common" ]; then
		cp -r "$exsrc/common" "$dir/common"
	fi
	# Two adaptations, nothing else: (1) virtual ports have no RX checksum
	# offload and rte_eth_dev_configure refuses the request (-EINVAL);
	# (2) the pool must hold the whole capture (net_pcap's infinite_rx):
	# its size, fixed in the source (l3fwd: at least 8192, qos_meter:
	# 8192), comes from $XB_BENCH_MBUFS instead.
	f=$dir/$name/main.c
	sed -i -e 's/\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0,/' \
		-e 's/(unsigned)8192)/XB_BENCH_POOL)/' \
		-e 's/^#define NB_MBUF .*/#define NB_MBUF XB_BENCH_POOL/' "$f"
	if ! grep -q XB_BENCH_POOL "$f" || grep -q 'RX_OFFLOAD_CHECKSUM' "$f"; then
		echo "bench.sh: $name skipped: its source no longer matches the adaptations (pool size, RX checksum offload) in bench.sh" >&2
		return 1
	fi
	cat > "$dir/xb_bench_pool.h" <<'EOH'
/* Generated by xbgw's scripts/bench.sh: mbuf pool size from the environment. */
#include <stdlib.h>
#define XB_BENCH_POOL ((unsigned int)(getenv("XB_BENCH_MBUFS") != NULL ? \
	strtoul(getenv("XB_BENCH_MBUFS"), NULL, 0) : 8192ul))
EOH
	echo "building DPDK example $name (log: $log)"
	if ! CFLAGS="-include $dir/xb_bench_pool.h" make -C "$dir/$name" shared >"$log" 2>&1 ||
	   [ ! -x "$ex_bin" ]; then
		echo "bench.sh: $name skipped: build failed (see $log):" >&2
		tail -5 "$log" >&2
		return 1
	fi
	echo "$stamp" > "$dir/$name.stamp"
}
declare -A ref_bin=()
ref_list=()
for r in ${refs//,/ }; do
	if build_example "$r"; then
		ref_bin[$r]=$ex_bin
		ref_list+=("$r")
	fi
done
# l3fwd's routes: everything (IPv4 and IPv6) to port 1, the null port.
# rte_lpm needs depth >= 1, hence two halves.
printf 'R0.0.0.0/1 1\nR128.0.0.0/1 1\n' > "$tmp/l3fwd-v4.cfg"
printf 'R0:0:0:0:0:0:0:0/1 1\nR8000:0:0:0:0:0:0:0/1 1\n' > "$tmp/l3fwd-v6.cfg"

# run_one KIND CAPTURE LOG: runs the program (testpmd, xbgw, l3fwd or
# qos_meter) on the current scenario, sets $rate (Mpps or nan).
run_one() {
	local kind=$1 cap=$2 log=$3 prefix=bench-$1$$ sock port
	rate=nan
	# shellcheck disable=SC2054 # commas inside vdev arguments
	local vdevs=(--vdev "net_pcap0,rx_pcap=$cap,infinite_rx=1" --vdev net_null0,no-rx=1)
	local eal=(--no-pci "${mem[@]}" --log-level=lib.eal:warning --file-prefix "$prefix")

	case "$kind" in
	testpmd)
		# shellcheck disable=SC2046
		"$testpmd" -l 0,1 --main-lcore 0 "${eal[@]}" "${vdevs[@]}" -- \
			--nb-cores=1 --forward-mode=io --stats-period 3600 \
			--total-num-mbufs="$sc_mbufs" \
			$([ "$sc_mtu" -gt 1500 ] && echo "--mbuf-size=$((sc_mtu + 256))") \
			>"$log" 2>&1 </dev/null & ;;
	xbgw|base|cluster)
		local bin=$xbgw c=$runconf
		[ "$kind" = base ] && bin=$base_xbgw
		[ "$kind" = cluster ] && c=$runconf_cluster
		# shellcheck disable=SC2086
		"$bin" -l 0,1 --main-lcore 0 "${eal[@]}" "${vdevs[@]}" -- \
			-c "$c" --no-progress $sc_stages >"$log" 2>&1 </dev/null & ;;
	l3fwd)
		# Single lcore: l3fwd gives every lcore a TX queue on every
		# port and net_pcap has one, so lcore 1 is main and worker.
		XB_BENCH_MBUFS=$sc_mbufs "${ref_bin[l3fwd]}" -l 1 "${eal[@]}" "${vdevs[@]}" -- \
			-p 0x3 -P --config="(0,0,1),(1,0,1)" --parse-ptype --lookup=lpm \
			--rule_ipv4="$tmp/l3fwd-v4.cfg" --rule_ipv6="$tmp/l3fwd-v6.cfg" \
			>"$log" 2>&1 </dev/null & ;;
	qos_meter)
		# qos_meter accepts exactly one lcore; -p: RX port, TX port.
		XB_BENCH_MBUFS=$sc_mbufs "${ref_bin[qos_meter]}" -l 1 "${eal[@]}" "${vdevs[@]}" -- \
			-p 0x3 >"$log" 2>&1 </dev/null & ;;
	esac
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
		rm -rf "/var/run/dpdk/$prefix"
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
# [tables], [state] and [events] (file, key) are made absolute (against config/) so the
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
	(sec == "tables" || (sec == "state" && $1 == "dir") || (sec == "events" && ($1 == "file" || $1 == "key"))) &&
	    /^[ \t]*[a-z_]+[ \t]*=/ {
		k = $0; sub(/[ \t]*=.*/, "", k); gsub(/[ \t]/, "", k)
		v = $0; sub(/^[^=]*=[ \t]*/, "", v)
		print k " = " abs(v); next
	}
	{ print }
	sec == "ports" && /^[ \t]*\[/ { print "pairs = net_pcap0:net_null0"; print "mbufs = " mbufs }
' "$src/config/xbgw.conf" > "$conf"
# The newflows scenario: a flow table smaller than the capture's flows, so
# Per scenario: the pool holds the capture and the flow table its flows
# (flows1m: 2,097,152 entries, about 580 MB by xb_flow_table_memory; the
# newflows scenario: 16,384, smaller than the capture's flows, so every
# packet misses and evicts even after the capture loops).
scenario_conf() {
	sed -e "s/^mbufs = .*/mbufs = $sc_mbufs/" -e "s/^capacity = .*/capacity = $sc_cap/" \
		-e "s/^mtu = .*/mtu = $sc_mtu/" \
		"$conf" > "$tmp/xbgw-$1.conf"
	runconf=$tmp/xbgw-$1.conf
	if [ -n "$cluster" ]; then
		# The same config, a gateway of the cluster: grants for the
		# tenants' quotas, usage checkpoints shipped to the ledger.
		runconf_cluster=$tmp/xbgw-$1-cluster.conf
		{ cat "$runconf"; printf '\n[state]\ndir = %s\n[cluster]\ndsn = %s\ngateway = bench-%s\n' \
			"$tmp/state-$1" "$PG_TEMP_DSN" "$1"; } > "$runconf_cluster"
	fi
}
if [ -n "$cluster" ]; then
	# shellcheck source=scripts/pgtemp.sh
	. "$src/scripts/pgtemp.sh"
	mkdir -p "$tmp/pg"
	chmod 755 "$tmp"
	pg_temp_start "$tmp/pg" on || exit 1
	{ cat "$conf"; printf '\n[cluster]\ndsn = %s\ngateway = bench\n' "$PG_TEMP_DSN"; } \
		> "$tmp/xbgw-cluster-init.conf"
	"$xbgw" -c "$tmp/xbgw-cluster-init.conf" --cluster-init >/dev/null || exit 1
fi
geo=
for f in "$src/config/geo/world-ipv4.csv" "$src/config/geo/world-ipv6.csv"; do
	[ -f "$f" ] && geo=${geo:+$geo,}$f
done

# --------------------------------------------------------------- machine --
cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
cpu_sockets=$(lscpu 2>/dev/null | sed -n 's/^Socket(s): *//p' | head -1)
cpu_cores=$(lscpu 2>/dev/null | sed -n 's/^Core(s) per socket: *//p' | head -1)
cpu_threads=$(lscpu 2>/dev/null | sed -n 's/^Thread(s) per core: *//p' | head -1)
# TSC: the kernel's calibration; else derived from xbgw's own figures
# (cycles/pkt x capacity Mpps, in the report); else the model name's GHz.
tsc_mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' | tail -1)
[ -n "$tsc_mhz" ] || tsc_mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -1)
printf 'cpu_model,%s\ncpus,%s\nsockets,%s\ncores_per_socket,%s\nthreads_per_core,%s\ntsc_mhz,%s\nmemory,%s\ndpdk,%s\nkernel,%s\n' \
	"${cpu_model//,/ }" "$(nproc)" "${cpu_sockets:-?}" "${cpu_cores:-?}" "${cpu_threads:-?}" \
	"$tsc_mhz" "${memnote//,/;}" "$(pkg-config --modversion libdpdk 2>/dev/null)" "$(uname -r)" \
	> "$out/machine.csv"

echo "xbgw bench: $(nproc) CPUs, memory: $memnote, rounds $rounds, window ${window}s, references: ${ref_list[*]:-none}"
results=$out/results.csv
echo "scenario,round,testpmd_mpps,xbgw_mpps,ratio,xbgw_cycles_per_pkt,l3fwd_mpps,qos_meter_mpps,flows,packets,memory,base_mpps,base_cycles_per_pkt,cluster_mpps,cluster_cycles_per_pkt" > "$results"
rm -f "$out/ndpi.csv"
for sc in "${list[@]}"; do
	scenario "$sc"
	mem_args
	scenario_conf "$sc"
	cap=$tmp/$sc.pcap
	ndpi=
	if [ -z "$sc_gen" ]; then
		# The real captures of ../shared/data, merged into one file (both
		# programs loop it); ndpiReader's own rate on it is the reference.
		shared=${XBGW_SHARED_DATA:-$src/../shared/data}
		if ! ls "$shared"/pcap/pcap/*.pcap* >/dev/null 2>&1 ||
		   ! command -v mergecap >/dev/null; then
			echo "captures: skipped (no $shared/pcap/pcap or no mergecap)"
			continue
		fi
		mergecap -F pcap -a -w "$cap" "$shared"/pcap/pcap/*.pcap* || exit 1
		if command -v ndpiReader >/dev/null && ! [ -s "$out/ndpi.csv" ]; then
			ndpi=$(for _ in 1 2 3 4 5; do
				ndpiReader -i "$cap" 2>/dev/null |
					sed -n 's/.*nDPI throughput: *\([0-9.]*\) K pps.*/\1/p'
			done | sort -n | sed -n 3p)
			echo "captures: ndpiReader ${ndpi:-?} K pps (median of 5 runs)"
			echo "ndpireader_kpps,$ndpi" > "$out/ndpi.csv"
		fi
	else
		# shellcheck disable=SC2086
		"$gen" $sc_gen --seed 7 ${geo:+--dst-prefixes "$geo"} --out "$cap" || exit 1
	fi
	for r in $(seq 1 "$rounds"); do
		declare -A ref_rate=([l3fwd]='' [qos_meter]='')
		bx= bcpp= cx= ccpp=
		if [ "$sc" = captures-replay ]; then
			# xbgw's own replay (--replay: the capture clock, the
			# main lcore feeding the worker through a ring): each
			# loop is later by the capture's span, so every flow
			# has idled out and starts anew, names and all.  No
			# testpmd figure; the reference is ndpiReader.
			tp=nan
			for kind in xbgw ${base_xbgw:+base}; do
				bin=$xbgw
				[ "$kind" = base ] && bin=$base_xbgw
				"$bin" -l 0,1 --main-lcore 0 --no-pci "${mem[@]}" \
					--file-prefix bench-xr$$ --log-level=lib.eal:warning -- \
					-c "$runconf" --replay "$cap" --duration "$window" \
					--no-progress >"$out/$kind-$sc-$r.log" 2>&1 </dev/null
				rate=$(sed -n 's/.* pkts *\([0-9.]*\) Mpps .*/\1/p' \
					"$out/$kind-$sc-$r.log" | head -1)
				[ "$kind" = base ] && bx=${rate:-nan} || xb=${rate:-nan}
			done
		else
			run_one testpmd "$cap" "$out/testpmd-$sc-$r.log"; tp=$rate
			run_one xbgw "$cap" "$out/xbgw-$sc-$r.log"; xb=$rate
			[ -n "$base_xbgw" ] && { run_one base "$cap" "$out/base-$sc-$r.log"; bx=$rate; }
			[ -n "$cluster" ] && { run_one cluster "$cap" "$out/cluster-$sc-$r.log"; cx=$rate; }
			if [ "$sc_refs" = 1 ]; then
				for ref in "${ref_list[@]}"; do
					run_one "$ref" "$cap" "$out/$ref-$sc-$r.log"
					ref_rate[$ref]=$rate
				done
			fi
		fi
		cpp=$(sed -n 's/.* \([0-9.]*\) cycles\/pkt.*/\1/p' "$out/xbgw-$sc-$r.log" | head -1)
		[ -n "$base_xbgw" ] && bcpp=$(sed -n 's/.* \([0-9.]*\) cycles\/pkt.*/\1/p' "$out/base-$sc-$r.log" | head -1)
		[ -n "$cluster" ] && [ -f "$out/cluster-$sc-$r.log" ] &&
			ccpp=$(sed -n 's/.* \([0-9.]*\) cycles\/pkt.*/\1/p' "$out/cluster-$sc-$r.log" | head -1)
		ratio=$("$py" -c "import math,sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('nan' if math.isnan(a*b) or a==0 else '%.3f'%(b/a))" "$tp" "$xb")
		refs_txt=
		for ref in "${ref_list[@]}"; do
			[ -n "${ref_rate[$ref]}" ] && refs_txt="$refs_txt  $ref ${ref_rate[$ref]} Mpps"
		done
		[ -n "$base_xbgw" ] && refs_txt="  base ${bx:-nan} Mpps (${bcpp:-?} cycles/pkt)$refs_txt"
		[ -n "$cluster" ] && refs_txt="  [cluster] ${cx:-nan} Mpps (${ccpp:-?} cycles/pkt)$refs_txt"
		printf '%-9s round %d: testpmd %7s Mpps  xbgw %7s Mpps  ratio %s  (%s cycles/pkt)%s%s\n' \
			"$sc" "$r" "$tp" "$xb" "$ratio" "${cpp:-?}" "$refs_txt" \
			"$([ "$sc_mem" = 4k ] && echo '  [4 KB pages]')"
		echo "$sc,$r,$tp,$xb,$ratio,${cpp:-},${ref_rate[l3fwd]},${ref_rate[qos_meter]},$sc_flows,$sc_pkts,$sc_mem,$bx,${bcpp:-},$cx,${ccpp:-}" >> "$results"
	done
	rm -f "$cap"
done

# ---------------------------------------------------------------- report --
if ! "$py" -c 'import matplotlib' 2>/dev/null && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-matplotlib >/dev/null 2>&1 || true
fi
"$py" - "$results" "$out" "$window" <<'EOF_PY'
import csv, math, statistics, sys, time
results, out, window = sys.argv[1:4]
rows = list(csv.DictReader(open(results)))
machine = dict(l.rstrip("\n").split(",", 1) for l in open(out + "/machine.csv") if "," in l)
NAN = float("nan")

def num(v):
    try:
        x = float(v)
        return None if math.isnan(x) else x
    except (TypeError, ValueError):
        return None

def median(s, col):
    v = [num(r[col]) for r in rows if r["scenario"] == s and num(r[col]) is not None]
    return statistics.median(v) if v else NAN

def fmt(x, f="%.2f"):
    return "-" if math.isnan(x) else f % x

scen = []
for r in rows:
    if r["scenario"] not in scen:
        scen.append(r["scenario"])
refs = [k for k in ("l3fwd", "qos_meter") if any(num(r.get(k + "_mpps")) is not None for r in rows)]
cols = ["testpmd_mpps", "xbgw_mpps", "ratio", "xbgw_cycles_per_pkt", "l3fwd_mpps", "qos_meter_mpps"]
med = {s: {c: median(s, c) for c in cols} for s in scen}

# TSC: the kernel's figure, else xbgw's (cycles/pkt x capacity Mpps).
tsc_mhz = num(machine.get("tsc_mhz"))
tsc_src = "kernel calibration"
if tsc_mhz is None:
    import glob, re
    for f in sorted(glob.glob(out + "/xbgw-*.log")):
        m = re.search(r" ([0-9.]+) cycles/pkt \(capacity ([0-9.]+) Mpps\)", open(f, errors="replace").read())
        if m and float(m.group(1)) > 0:
            tsc_mhz, tsc_src = float(m.group(1)) * float(m.group(2)), "from xbgw's cycles and rate"
            break
lowmem = sorted({r["scenario"] for r in rows if r.get("memory") == "4k"})
lines = ["# xbgw benchmark", "",
         "Machine: %s, %s CPUs (%s socket(s) x %s core(s) x %s thread(s)), TSC %s GHz (%s); "
         "memory: %s%s; DPDK %s, Linux %s." % (
             machine.get("cpu_model") or "unknown CPU", machine.get("cpus", "?"),
             machine.get("sockets", "?"), machine.get("cores_per_socket", "?"),
             machine.get("threads_per_core", "?"),
             "%.3f" % (tsc_mhz / 1000) if tsc_mhz else "?", tsc_src if tsc_mhz else "unknown",
             machine.get("memory", "?").replace(";", ","),
             ("; without hugepages (4 KB pages, 40-60 %% slower): %s" % ", ".join(lowmem)) if lowmem else "",
             machine.get("dpdk", "?"), machine.get("kernel", "?")),
         "",
         "One worker core each, net_pcap (infinite replay) -> net_null, rates "
         "(RX packets of the capture port) from each program's telemetry socket "
         "over %s s, programs interleaved per round. Frame sizes as written, FCS "
         "excluded (60 B = 64 B on the wire). References: DPDK's l3fwd (LPM, "
         "software ptype) and qos_meter (srTCM colour blind), built from the "
         "installed examples. Generated %s." % (window, time.strftime("%Y-%m-%d %H:%M")),
         ""]
hdr = "| scenario | flows | round | testpmd Mpps | xbgw Mpps | ratio xbgw/testpmd | xbgw cycles/pkt |"
sep = "|---|---|---|---|---|---|---|"
for k in refs:
    hdr += " %s Mpps |" % k
    sep += "---|"
lines += [hdr, sep]
for s in scen:
    rs = [r for r in rows if r["scenario"] == s]
    for r in rs:
        line = "| %s | %s | %s | %s | %s | %s | %s |" % (
            s, r.get("flows") or "-", r["round"], r["testpmd_mpps"], r["xbgw_mpps"],
            r["ratio"], r["xbgw_cycles_per_pkt"] or "-")
        for k in refs:
            line += " %s |" % (r.get(k + "_mpps") or "-")
        lines.append(line)
    m = med[s]
    line = "| **%s** | | median | **%s** | **%s** | **%s** | %s |" % (
        s, fmt(m["testpmd_mpps"]), fmt(m["xbgw_mpps"]), fmt(m["ratio"], "%.3f"),
        fmt(m["xbgw_cycles_per_pkt"], "%.0f"))
    for k in refs:
        line += " **%s** |" % fmt(m[k + "_mpps"])
    lines.append(line)
try:
    ndpi = float(open(out + "/ndpi.csv").read().split(",")[1])
except (OSError, ValueError, IndexError):
    ndpi = None
if ndpi:
    lines += ["", "Real captures: ndpiReader %.3f Mpps (one core, median of 5 "
              "runs over the same merged file)." % (ndpi / 1000)]
    for s, how in (("captures", "looped by net_pcap as a traffic generator "
                    "would send it (the flows live on across loops; beside "
                    "testpmd on the same path)"),
                   ("captures-replay", "xbgw's own --replay on the capture "
                    "clock (every loop later by the capture's span, so every "
                    "flow starts anew: names, Hyperscan and all, each loop)")):
        if s in med and not math.isnan(med[s]["xbgw_mpps"]):
            lines.append("- %s: xbgw %.2f Mpps = **%.1fx** ndpiReader." %
                         (how, med[s]["xbgw_mpps"], med[s]["xbgw_mpps"] * 1000 / ndpi))
# Per-stage cost: cycles per packet of xbgw's worker, parse only, parse +
# flow table, and the full pipeline, on the same capture.
cyc = {s: med[s]["xbgw_cycles_per_pkt"] for s in scen}
full64 = "flows" if "flows" in scen else ("flows64k" if "flows64k" in scen else None)
if all(s in cyc for s in ("parse", "flowtable")) and full64:
    lines += ["", "Worker cycles per packet (busy cycles / packets, median; the "
              "RX driver's own copy is outside): %sparse %.0f, + flow table %.0f, "
              "+ classification, policy, meters and accounting (full) %.0f." %
              ("loop and TX alone (io) %.0f, " % cyc["io"] if "io" in cyc else "",
               cyc["parse"], cyc["flowtable"], cyc[full64])]
# What the worker's busy cycles leave out: the RX driver (net_pcap copies
# every frame) and the poll, per packet, from the rate.  It grows with the
# pipeline's memory footprint (the copy's misses compete with the flow
# table's), which is why busy cycles saved do not all show in the rate.
if tsc_mhz:
    outside = [(s, tsc_mhz / med[s]["xbgw_mpps"] - med[s]["xbgw_cycles_per_pkt"])
               for s in ("io", "parse", "flowtable", "flows1k", full64)
               if s in med and med[s]["xbgw_mpps"] > 0 and
               not math.isnan(med[s]["xbgw_cycles_per_pkt"])]
    if outside:
        lines += ["", "Cycles per packet outside the worker's busy time (TSC / rate "
                  "- busy cycles: the RX driver's copy and the poll): " +
                  ", ".join("%s %.0f" % (s, c) for s, c in outside) + "."]
# Sizing for 400G: end to end at the measured rate per worker core, and
# the pipeline alone (worker cycles only) where the cycles are known.
sizing = []
for label, mpps, s in (("IMIX (~131 Mpps)", 131.0, "imix"), ("64 B (595 Mpps)", 595.0, full64)):
    if s is None or s not in med or math.isnan(med[s]["xbgw_mpps"]) or med[s]["xbgw_mpps"] <= 0:
        sizing.append("- 400G at %s: no measured %s rate." % (label, "imix" if s == "imix" else "flows"))
        continue
    rate = med[s]["xbgw_mpps"]
    line = ("- 400G at %s: %d worker cores at the measured %s rate (%.2f Mpps per core, "
            "median, end to end through net_pcap)" % (label, math.ceil(mpps / rate), s, rate))
    cpp = med[s]["xbgw_cycles_per_pkt"]
    if tsc_mhz and not math.isnan(cpp) and cpp > 0:
        line += "; %d at the worker's own %.0f cycles/pkt (pipeline only, %.1f Mpps per core at %.2f GHz)" % (
            math.ceil(mpps * cpp / tsc_mhz), cpp, tsc_mhz / cpp, tsc_mhz / 1000)
    sizing.append(line + ".")
lines += ["", "Sizing:", ""] + sizing
# --compare: the other build beside this one, same rounds, same captures.
if any(num(r.get("base_mpps")) is not None for r in rows):
    lines += ["", "Before / after (--compare: the other build ran right after "
              "this one in every round; medians):", "",
              "| scenario | before Mpps | after Mpps | after/before | before cycles/pkt | after cycles/pkt | after-before cycles |",
              "|---|---|---|---|---|---|---|"]
    for s in scen:
        b, a = median(s, "base_mpps"), med[s]["xbgw_mpps"]
        bc, ac = median(s, "base_cycles_per_pkt"), med[s]["xbgw_cycles_per_pkt"]
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            s, fmt(b), fmt(a), fmt(a / b if b else NAN, "%.3f"), fmt(bc, "%.0f"),
            fmt(ac, "%.0f"), fmt(ac - bc, "%+.0f")))
# --cluster: the same build with a [cluster] section, right after it.
if any(num(r.get("cluster_mpps")) is not None for r in rows):
    lines += ["", "[cluster] on / off (the same build with a [cluster] section and a "
              "PostgreSQL 15 on this machine, right after the plain run in every "
              "round; medians):", "",
              "| scenario | testpmd Mpps | off Mpps | on Mpps | on/off | off cycles/pkt | on cycles/pkt | on-off cycles |",
              "|---|---|---|---|---|---|---|---|"]
    for s in scen:
        a, c = med[s]["xbgw_mpps"], median(s, "cluster_mpps")
        ac, cc = med[s]["xbgw_cycles_per_pkt"], median(s, "cluster_cycles_per_pkt")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            s, fmt(med[s]["testpmd_mpps"]), fmt(a), fmt(c), fmt(c / a if a else NAN, "%.3f"),
            fmt(ac, "%.0f"), fmt(cc, "%.0f"), fmt(cc - ac, "%+.0f")))
lines += ["", "Run-to-run noise on shared machines is +-10-15 %: compare only "
          "within one run.", "", "![rates](report.png)", ""]
open(out + "/report.md", "w").write("\n".join(lines))
for s in scen:
    m = med[s]
    print("median %-9s testpmd %s Mpps  xbgw %s Mpps  ratio %s%s" % (
        s, fmt(m["testpmd_mpps"]), fmt(m["xbgw_mpps"]), fmt(m["ratio"], "%.3f"),
        "".join("  %s %s Mpps" % (k, fmt(m[k + "_mpps"])) for k in refs if not math.isnan(m[k + "_mpps"]))))
print("\n".join(sizing))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError:
    print("bench.sh: python3-matplotlib missing: no report.png", file=sys.stderr)
    sys.exit(0)

fig, axs = plt.subplots(2, 2, figsize=(13, 9))
colors = {"testpmd_mpps": "#9aa5b1", "xbgw_mpps": "#1f6feb", "l3fwd_mpps": "#2da44e", "qos_meter_mpps": "#bf8700"}
names = {"testpmd_mpps": "testpmd io (baseline)", "xbgw_mpps": "xbgw", "l3fwd_mpps": "l3fwd (LPM)", "qos_meter_mpps": "qos_meter"}

def nodata(ax, title):
    ax.set_title(title)
    ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes, color="#888")
    ax.set_xticks([]); ax.set_yticks([])

# (a) Mpps per scenario: every program measured.
ax = axs[0][0]
series = ["testpmd_mpps", "xbgw_mpps"] + [k + "_mpps" for k in refs]
w = 0.8 / len(series)
for j, c in enumerate(series):
    xs = [i - 0.4 + w * (j + 0.5) for i in range(len(scen))]
    ys = [0 if math.isnan(med[s][c]) else med[s][c] for s in scen]
    ax.bar(xs, ys, w, label=names[c], color=colors[c])
ax.set_xticks(range(len(scen)))
ax.set_xticklabels([s + (" (4 KB pages)" if s in lowmem else "") for s in scen], rotation=30, ha="right")
ax.set_ylabel("Mpps per worker core (median)")
ax.set_title("(a) Rate per scenario, pcap -> null, 1 worker core")
ax.legend(fontsize=8)

# (b) ratio xbgw/testpmd against the target and the floor.
ax = axs[0][1]
rs = [s for s in scen if not math.isnan(med[s]["ratio"])]
if rs:
    vals = [med[s]["ratio"] for s in rs]
    bars = ax.bar(range(len(rs)), vals, 0.6, color=["#1f6feb" if v >= 0.75 else "#d1242f" if v < 0.6 else "#bf8700" for v in vals])
    for i, v in enumerate(vals):
        ax.annotate("%.2f" % v, (i, v), ha="center", va="bottom", fontsize=8)
    ax.axhline(0.75, ls="--", color="#2da44e", label="target 0.75")
    ax.axhline(0.6, ls="--", color="#d1242f", label="floor 0.6")
    ax.set_xticks(range(len(rs)))
    ax.set_xticklabels([s + (" (4 KB pages)" if s in lowmem else "") for s in rs], rotation=30, ha="right")
    ax.set_ylim(0, max(1.0, max(vals) * 1.1))
    ax.set_ylabel("xbgw / testpmd io (median)")
    ax.set_title("(b) Ratio xbgw / testpmd per scenario")
    ax.legend(fontsize=8)
else:
    nodata(ax, "(b) Ratio xbgw / testpmd per scenario")

# (c) flow count against rate and ratio (log x).
ax = axs[1][0]
pts = []
for s, n in (("flows1k", 1024), ("flows64k" if "flows64k" in scen else "flows", 65536), ("flows1m", 1048576)):
    if s in med and not math.isnan(med[s]["xbgw_mpps"]):
        pts.append((n, s))
if pts:
    xs = [n for n, _ in pts]
    for c in ["testpmd_mpps", "xbgw_mpps"] + [k + "_mpps" for k in refs]:
        ys = [med[s][c] for _, s in pts]
        if not all(math.isnan(y) for y in ys):
            ax.plot(xs, ys, "o-" if c == "xbgw_mpps" else "o--", color=colors[c], label=names[c])
    ax.set_xscale("log")
    ax.set_xlim(512, 2097152)
    ax.set_xticks([1024, 65536, 1048576])
    ax.set_xticklabels(["1,024", "65,536", "1,048,576"])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("flows (60-byte frames, full pipeline)")
    ax.set_ylabel("Mpps per worker core (median)")
    # Head room above the lines for the legend.
    ax.set_ylim(0, 1.45 * max([y for c in ("testpmd_mpps", "xbgw_mpps") + tuple(k + "_mpps" for k in refs)
                               for y in [med[s][c] for _, s in pts] if not math.isnan(y)] or [1]))
    ax2 = ax.twinx()
    ax2.plot(xs, [med[s]["ratio"] for _, s in pts], "s:", color="#d1242f", label="ratio xbgw/testpmd")
    ax2.axhline(0.75, ls="--", color="#2da44e", lw=0.8)
    ax2.axhline(0.6, ls="--", color="#d1242f", lw=0.8)
    ax2.set_ylim(0, 1.45)
    ax2.set_ylabel("ratio xbgw / testpmd")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper center", ncol=3)
    ax.set_title("(c) Flow-table scaling")
else:
    nodata(ax, "(c) Flow-table scaling")

# (d) worker cycles per packet per stage, stacked, on the 65,536-flow
# capture (parse, + flow table, full); the full pipeline at 1,024 and
# 1,048,576 flows beside it.
ax = axs[1][1]
stack = [(s, lab) for s, lab in (("io", "loop, RX/TX"), ("parse", "+ parse"),
                                 ("flowtable", "+ flow table"),
                                 (full64, "+ classify, policy, meter, account"))
         if s and s in cyc and not math.isnan(cyc[s])]
bars = []
if "flows1k" in cyc and not math.isnan(cyc["flows1k"]):
    bars.append(("1,024 flows\n(full)", [("flows1k", None)]))
if len(stack) > 1:
    bars.append(("65,536 flows\n(stages)", stack))
elif full64 and full64 in cyc and not math.isnan(cyc[full64]):
    bars.append(("65,536 flows\n(full)", [(full64, None)]))
if "flows1m" in cyc and not math.isnan(cyc["flows1m"]):
    bars.append(("1,048,576 flows\n(full)", [("flows1m", None)]))
if bars:
    seg_col = {"loop, RX/TX": "#d0d7de", "+ parse": "#9aa5b1", "+ flow table": "#bf8700"}
    labelled = set()
    for i, (_, segs) in enumerate(bars):
        bottom = 0.0
        for s, lab in segs:
            lab = lab or "full pipeline"
            col = seg_col.get(lab, "#1f6feb")
            h = cyc[s] - bottom
            ax.bar(i, h, 0.6, bottom=bottom, color=col,
                   alpha=0.55 if lab == "full pipeline" else 1.0,
                   label=None if lab in labelled else lab)
            labelled.add(lab)
            ax.annotate("%.0f" % cyc[s], (i, cyc[s]), ha="center", va="bottom", fontsize=8)
            bottom = cyc[s]
    ax.set_xticks(range(len(bars)))
    ax.set_xticklabels([b[0] for b in bars], fontsize=8)
    ax.set_ylabel("xbgw worker cycles per packet (median)")
    ax.set_title("(d) Cost per stage (busy TSC cycles / packet, 60-byte frames)")
    ax.legend(fontsize=8)
else:
    nodata(ax, "(d) Cost per stage (busy TSC cycles / packet)")

fig.suptitle("xbgw benchmark: %s, TSC %s GHz" % (machine.get("cpu_model") or "?",
             "%.2f" % (tsc_mhz / 1000) if tsc_mhz else "?"), fontsize=11)
fig.tight_layout()
fig.savefig(out + "/report.png", dpi=100)
EOF_PY
echo "report: $out/report.md, $out/report.png"
# A program that was run and gave no rate fails the run (the replayed real
# captures have no testpmd figure by design).
if awk -F, 'NR > 1 && (($1 != "captures-replay" && $3 == "nan") || $4 == "nan" || $7 == "nan" || $8 == "nan") { bad = 1 } END { exit !bad }' "$results"; then
	echo "bench.sh: some runs gave no rate (see $out/*.log)" >&2
	exit 1
fi
