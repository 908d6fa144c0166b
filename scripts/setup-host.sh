#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Prepare a gateway server for xbgw (run as root; idempotent: every step
# checks first and changes only what is missing).
#
#   setup-host.sh [--dry-run] [--hugepages N] [--bind PCI[,PCI..]]
#                 [--workers CORELIST]
#
#   --hugepages N   2 MB pages to reserve now and at every boot
#                   (/etc/sysctl.d/80-xbgw-hugepages.conf, default 1024),
#                   and a hugetlbfs mount at /dev/hugepages (/etc/fstab).
#   --bind PCI,..   bind these NICs to vfio-pci (dpdk-devbind.py); the
#                   IOMMU must be on, see the check below.
#   --workers LIST  worker cores (e.g. 2-7): prints the kernel command
#                   line for isolating them (isolcpus, nohz_full,
#                   rcu_nocbs); it never edits the boot loader itself.
#   --dry-run       print what would change, change nothing.
set -eu

DRY=0
PAGES=1024
BIND=""
WORKERS=""
while [ $# -gt 0 ]; do
	case "$1" in
	--dry-run) DRY=1 ;;
	--hugepages) PAGES=$2; shift ;;
	--bind) BIND=$2; shift ;;
	--workers) WORKERS=$2; shift ;;
	-h|--help) sed -n '3,20p' "$0"; exit 0 ;;
	*) echo "setup-host: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$PAGES" in ''|*[!0-9]*) echo "setup-host: --hugepages: got \"$PAGES\", expected a number" >&2; exit 2 ;; esac

say() { echo "setup-host: $*"; }
# Run a command, or only show it with --dry-run.
do_() {
	if [ "$DRY" -eq 1 ]; then
		echo "  would run: $*"
	else
		"$@"
	fi
}
# Write a file unless it already holds exactly this text.
put_file() {
	if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then
		say "$1 up to date"
		return
	fi
	if [ "$DRY" -eq 1 ]; then
		echo "  would write $1:"; echo "$2" | sed 's/^/    /'
	else
		mkdir -p "$(dirname "$1")"
		printf '%s\n' "$2" > "$1"
		say "wrote $1"
	fi
}

if [ "$(id -u)" -ne 0 ] && [ "$DRY" -eq 0 ]; then
	echo "setup-host: needs root (or use --dry-run)" >&2
	exit 1
fi

# 1. Hugepages: now and at boot.
put_file /etc/sysctl.d/80-xbgw-hugepages.conf "# xbgw: 2 MB hugepages for DPDK
vm.nr_hugepages = $PAGES"
cur=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$cur" -lt "$PAGES" ]; then
	do_ sysctl -q -w vm.nr_hugepages="$PAGES"
else
	say "hugepages: $cur reserved (>= $PAGES)"
fi
if ! grep -qs '^[^#]*[[:space:]]/dev/hugepages[[:space:]]\+hugetlbfs' /etc/fstab; then
	if [ "$DRY" -eq 1 ]; then
		echo "  would append to /etc/fstab: nodev /dev/hugepages hugetlbfs pagesize=2M 0 0"
	else
		echo "nodev /dev/hugepages hugetlbfs pagesize=2M 0 0" >> /etc/fstab
		say "added the hugetlbfs mount to /etc/fstab"
	fi
fi
if ! mountpoint -q /dev/hugepages 2>/dev/null; then
	do_ mkdir -p /dev/hugepages
	do_ mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages
fi
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
say "hugepages: ${free:-0} free now"

# 2. IOMMU and vfio-pci (only needed for NICs that DPDK owns).
iommu_on=0
if [ -d /sys/kernel/iommu_groups ] && [ -n "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ]; then
	iommu_on=1
	say "IOMMU: on ($(ls /sys/kernel/iommu_groups | wc -l) groups)"
else
	say "IOMMU: off.  For vfio-pci add to the kernel command line:"
	if grep -qi amd /proc/cpuinfo; then
		echo "    amd_iommu=on iommu=pt"
	else
		echo "    intel_iommu=on iommu=pt"
	fi
	grep -qsw 'iommu=pt' /proc/cmdline || say "  (current: $(cat /proc/cmdline))"
fi
if [ -n "$BIND" ]; then
	DEVBIND=$(command -v dpdk-devbind.py || command -v dpdk-devbind || true)
	if [ -z "$DEVBIND" ]; then
		echo "setup-host: dpdk-devbind.py not found (package dpdk)" >&2
		exit 1
	fi
	if [ "$iommu_on" -eq 0 ]; then
		echo "setup-host: refusing to bind without an IOMMU (see above; vfio-pci's noiommu mode gives no isolation)" >&2
		exit 1
	fi
	if ! lsmod | grep -q '^vfio_pci'; then
		do_ modprobe vfio-pci
	fi
	put_file /etc/modules-load.d/xbgw-vfio.conf "vfio-pci"
	for dev in $(echo "$BIND" | tr ',' ' '); do
		drv=$(basename "$(readlink "/sys/bus/pci/devices/$dev/driver" 2>/dev/null)" 2>/dev/null || true)
		if [ "$drv" = "vfio-pci" ]; then
			say "$dev already on vfio-pci"
			continue
		fi
		if [ ! -e "/sys/bus/pci/devices/$dev" ]; then
			echo "setup-host: $dev: no such PCI device (got \"$dev\", expected DDDD:BB:DD.F)" >&2
			exit 1
		fi
		say "$dev: ${drv:-no driver} -> vfio-pci (its kernel interface goes away)"
		do_ "$DEVBIND" --bind=vfio-pci "$dev"
	done
	say "binding does not survive a reboot: rerun this script from a unit before xbgw, or use driverctl"
fi

# 3. CPU isolation advice for the worker cores.
if [ -n "$WORKERS" ]; then
	say "isolate the worker cores: add to the kernel command line"
	echo "    isolcpus=$WORKERS nohz_full=$WORKERS rcu_nocbs=$WORKERS"
	say "and keep IRQs off them (irqbalance: IRQBALANCE_BANNED_CPULIST=$WORKERS)."
	say "Give xbgw a main lcore outside them plus the workers (EAL -l M,$WORKERS), all on the NICs' NUMA node:"
	for d in /sys/bus/pci/devices/*; do
		[ -n "$BIND" ] || break
		case ",$BIND," in *",$(basename "$d"),"*) ;; *) continue ;; esac
		echo "    $(basename "$d"): NUMA node $(cat "$d/numa_node" 2>/dev/null || echo ?), local CPUs $(cat "$d/local_cpulist" 2>/dev/null || echo ?)"
	done
fi
say "done"
