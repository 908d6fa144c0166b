#!/bin/sh
# README command 1: install what is missing, build, and replay the bundled
# sample capture (made by xbgw-gen at build time) through the embedded
# default config, with a live progress line and the final report.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/hugepages.sh 1024 || true
./scripts/build.sh
mkdir -p build/out
exec ./build/app/xbgw -c config/xbgw.conf --replay build/scripts/sample.pcap \
	--clock capture --progress \
	--stats-json build/out/stats.json --flow-log build/out/flows.jsonl \
	--pcap-out build/out/forwarded.pcap "$@"
