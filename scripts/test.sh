#!/bin/sh
# README command 2: install what is missing, build, run the whole test
# suite (unit + sanitizer builds, functional tests through the binary,
# bounded fuzzing).  Benchmarks are separate: scripts/bench.sh.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/hugepages.sh 1024 || true
./scripts/build.sh
exec meson test -C build --print-errorlogs --num-processes 2 \
	--suite fast --suite functional --suite fuzz "$@"
