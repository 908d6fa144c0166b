#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Ruleset build cost: how long building and validating the whole ruleset
# takes (the work of a reload or of --check-config: every table, the geo
# FIBs, the ACL contexts, the Hyperscan database), with the default tables
# and with 1,000, 10,000 and 100,000 domain patterns.  Not a timed test.
#
# Usage: scripts/bench-tables.sh [--build DIR]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
[ "${1:-}" = --build ] && build=$2
xbgw=$build/app/xbgw
tmp=$(mktemp -d /tmp/xbgw-bench-tables.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/config" "$tmp/config"

patterns() { # N: N exact, suffix and regex patterns over the categories
	python3 - "$1" <<'PY'
import random, sys
n = int(sys.argv[1])
rng = random.Random(1)
cats = ["finance", "ecommerce", "media", "cloud", "social", "news"]
print("pattern,category")
for i in range(n):
    name = "svc%d-%x.example%d.com" % (i, rng.getrandbits(24), i % 97)
    kind = i % 10
    if kind < 6:
        print("%s,%s" % (name, cats[i % 6]))           # suffix
    elif kind < 9:
        print("=www.%s,%s" % (name, cats[i % 6]))      # exact
    else:
        print('"/^api[0-9]+\\\\.%s$/",%s' % (name.replace(".", "\\\\."), cats[i % 6]))
PY
}

printf '| domain patterns | ruleset build (s, median of 3) |\n|---|---|\n'
for n in default 1000 10000 100000; do
	if [ "$n" = default ]; then
		cp "$src/config/domains.csv" "$tmp/config/domains.csv"
	else
		patterns "$n" > "$tmp/config/domains.csv"
	fi
	times=()
	for _ in 1 2 3; do
		TIMEFORMAT=%R
		t=$( { time "$xbgw" -c "$tmp/config/xbgw.conf" --check-config \
			>/dev/null; } 2>&1 )
		times+=("$t")
	done
	med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
	printf '| %s | %.2f |\n' "$n" "$med"
done
