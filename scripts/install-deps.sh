#!/bin/sh
# Install what xbgw needs to build, run and test on Debian 12.
# Idempotent: installs only the packages that are missing.
set -eu

PKGS="build-essential meson ninja-build pkg-config python3 python3-pyelftools
dpdk dpdk-dev libdpdk-dev dpdk-doc libhyperscan-dev libbpf-dev libxdp-dev
libcmocka-dev libpcap-dev libssl-dev clang llvm libclang-rt-14-dev
tcpdump tcpreplay iproute2 tshark nfdump prometheus
libsystemd-dev systemd logrotate python3-cryptography
libpq-dev postgresql-15"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "xbgw: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark (IPFIX decoding in the tests) would ask whether non-root users may
# capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	$SUDO debconf-set-selections
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
