#!/bin/sh
# Reserve 2 MB hugepages (default 1024 = 2 GB) when running as root.
# xbgw falls back to --no-huge by itself when none are free, so failing
# here is not fatal.  Persistent set-up: see README, "Deployment".
set -u
pages=${1:-1024}
[ "$(id -u)" -eq 0 ] || { echo "hugepages: not root, skipped" >&2; exit 0; }
mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages; mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; }
cur=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$cur" -lt "$pages" ]; then
	echo "$pages" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
echo "hugepages: ${free:-0} free 2 MB pages" >&2
exit 0
