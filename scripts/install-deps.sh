#!/bin/sh
# Install what xbgw needs on Debian 12, by role:
#   install-deps.sh run    a gateway: the libraries the binary links and
#                          loads, python3 for xbgwctl, DPDK's tools; what
#                          the Debian package's Depends and Recommends
#                          name (tests/functional/test_package.py checks
#                          that the two lists agree)
#   install-deps.sh build  compile xbgw and build its Debian package
#   install-deps.sh test   everything: run + build + what the test suite
#                          drives (tshark, nfdump, promtool, ...); the
#                          default, as scripts/test.sh and run-default.sh
#                          call it
#   install-deps.sh --list [ROLE]  print the packages of ROLE and exit
# Idempotent: installs only the packages that are missing.
set -eu

# One list per role, one package (or a few related ones) per line, so that
# additions merge cleanly.
RUN_PKGS="
python3
dpdk
librte-eal23 librte-ethdev23 librte-mbuf23 librte-mempool23 librte-ring23
librte-rcu23 librte-fib23 librte-acl23 librte-ip-frag23 librte-cfgfile23
librte-telemetry23 librte-bus-vdev23 librte-net-ring23
librte-mempool-ring23 librte-net-null23 librte-net-af-xdp23
libhyperscan5
libbpf1
libpcap0.8
libssl3
libsystemd0
libpq5
libc6
logrotate
"

BUILD_PKGS="
build-essential meson ninja-build pkg-config python3 python3-pyelftools
libdpdk-dev
libhyperscan-dev
libbpf-dev libxdp-dev
libpcap-dev
libssl-dev
libsystemd-dev
libpq-dev
clang llvm
debhelper dpkg-dev
"

TEST_PKGS="
dpdk-dev dpdk-doc
libcmocka-dev
libclang-rt-14-dev
tcpdump tcpreplay iproute2
tshark
nfdump
prometheus
systemd logrotate
python3-cryptography
groff-base man-db
mmdebstrap lintian
postgresql-15
"

# The lists are split on blanks and newlines on purpose.
# shellcheck disable=SC2086
pkgs_of()
{
	case $1 in
	run) echo $RUN_PKGS ;;
	build) echo $BUILD_PKGS ;;
	test) echo $RUN_PKGS $BUILD_PKGS $TEST_PKGS ;;
	*)
		echo "usage: install-deps.sh [--list] [run|build|test]" >&2
		exit 2
		;;
	esac
}

if [ "${1:-}" = "--list" ]; then
	pkgs_of "${2:-test}" | tr ' ' '\n' | sort -u
	exit 0
fi
[ $# -le 1 ] || pkgs_of usage
PKGS=$(pkgs_of "${1:-test}")

missing=""
for p in $PKGS; do
	case " $missing " in *" $p "*) continue ;; esac
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
case " $missing " in
*" tshark "*)
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		$SUDO debconf-set-selections
	;;
esac
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
