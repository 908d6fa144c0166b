#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build one libFuzzer target and run it for a bounded time.
#   run-fuzz.sh TARGET SECONDS BUILD_DIR
# TARGET is parse, csv, names, http, utf8, flow, capfile or explain.  Steps: compile tests/fuzz/fuzz_TARGET.c with
# clang (-fsanitize=fuzzer,address,undefined) against the classifier
# sources it needs (no DPDK); replay every file in regress/TARGET/ (inputs
# that once crashed: they must pass); then fuzz for SECONDS on a copy of
# corpus/TARGET/ in a temporary directory.  New crashes are copied to
# BUILD_DIR/fuzz-artifacts-TARGET/.  Exit 0 ok, 1 finding or build error,
# 2 usage, 77 skipped (no clang or no libFuzzer runtime).
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 TARGET SECONDS BUILD_DIR" >&2
	exit 2
fi
target=$1
libs=
seconds=$2
build_dir=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cls=$root/classifiers

case $target in
parse) srcs="$cls/packet/xb_parse.c" ;;
csv) srcs="$cls/common/xb_csv.c $cls/common/xb_table.c $cls/common/xb_rows.c $cls/common/xb_errors.c $cls/common/xb_prefix.c" ;;
names)
	srcs="$(ls "$cls"/names/*.c) $cls/common/xb_siphash.c"
	libs=-lcrypto
	;;
http) srcs="$cls/names/xb_http.c $cls/names/xb_name.c" ;;
utf8) srcs="$cls/common/xb_utf8.c" ;;
flow) srcs="$cls/flow/xb_flow.c $cls/flow/xb_flowmem.c $cls/common/xb_siphash.c" ;;
capfile) srcs="$root/drivers/xb_capfile.c $root/drivers/xb_linktype.c $cls/packet/xb_parse.c" ;;
explain) srcs="$cls/xb_explain_query.c" ;;
*)
	echo "$0: unknown target '$target' (expected parse, csv, names, http, utf8, flow, capfile or explain)" >&2
	exit 2
	;;
esac
case $seconds in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a whole number (got '$seconds')" >&2
	exit 2
	;;
esac

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	for c in clang clang-14 clang-15 clang-16; do
		if command -v "$c" >/dev/null 2>&1; then
			CLANG=$c
			break
		fi
	done
fi
if [ -z "$CLANG" ]; then
	echo "SKIP: clang not found"
	exit 77
fi

mkdir -p "$build_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/xbgw-fuzz-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

# Is the libFuzzer runtime there at all?  (clang without compiler-rt.)
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$work/probe.c"
# shellcheck disable=SC2086
if ! "$CLANG" $flags "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
	echo "SKIP: $CLANG cannot link -fsanitize=fuzzer (libFuzzer runtime missing)"
	exit 77
fi

exe=$build_dir/fuzz_$target
# shellcheck disable=SC2086
"$CLANG" $flags -std=gnu11 -D_GNU_SOURCE -Wall -Wextra \
	-I"$cls/common" -I"$cls/packet" -I"$cls/names" -I"$cls/flow" -I"$cls" \
	-I"$root/drivers" \
	"$here/fuzz_$target.c" $srcs $libs -o "$exe"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# (a) Crash regressions: each file is run once and must pass.
regress=$here/regress/$target
if [ -d "$regress" ] && [ -n "$(ls -A "$regress" 2>/dev/null)" ]; then
	n=$(ls -A "$regress" | wc -l)
	echo "replaying $n regression input(s) from $regress"
	"$exe" -runs=1 "$regress"/* >"$work/regress.log" 2>&1 || {
		cat "$work/regress.log"
		echo "FAIL: a regression input of $target crashes again"
		exit 1
	}
fi

# (b) Bounded fuzzing on a scratch copy of the seed corpus.
if [ "$seconds" -eq 0 ]; then
	echo "fuzzing skipped (SECONDS is 0)"
	exit 0
fi
mkdir -p "$work/corpus" "$work/artifacts"
if [ -d "$here/corpus/$target" ]; then
	cp "$here/corpus/$target"/* "$work/corpus/" 2>/dev/null || true
fi
dict=
if [ -f "$here/$target.dict" ]; then
	dict=-dict=$here/$target.dict
fi
echo "fuzzing $target for $seconds s"
# shellcheck disable=SC2086
if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-max_len=10000 -print_final_stats=1 $dict \
	-artifact_prefix="$work/artifacts/" "$work/corpus" \
	>"$work/fuzz.log" 2>&1; then
	tail -n 60 "$work/fuzz.log"
	keep=$build_dir/fuzz-artifacts-$target
	mkdir -p "$keep"
	cp "$work/artifacts"/* "$keep/" 2>/dev/null || true
	echo "FAIL: fuzzing $target found a problem; inputs kept in $keep"
	echo "(add a minimal one to tests/fuzz/regress/$target/ once fixed)"
	exit 1
fi
grep -E '^(stat::|#[0-9]+ *DONE)' "$work/fuzz.log" || tail -n 3 "$work/fuzz.log"
exit 0
