#!/bin/sh
# README command 1: install what is missing, build, and replay the bundled
# sample capture (made by xbgw-gen at build time) through the embedded
# default config, with a live progress line and the final report.  The
# capture (23,518 packets, 300 flows, 4 minutes of traffic) loops for 5 s;
# give "--loops 1" (or any xbgw option) after the command to change that.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/hugepages.sh 1024 || true
./scripts/build.sh
mkdir -p build/out
length="--duration 5"
case " $* " in
*" --loops "* | *" --duration "*) length="" ;; # the caller says how long
esac
# shellcheck disable=SC2086
exec ./build/app/xbgw -c config/xbgw.conf --replay build/scripts/sample.pcap \
	--clock capture --progress $length \
	--stats-json build/out/stats.json --flow-log build/out/flows.jsonl "$@"
