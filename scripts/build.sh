#!/bin/sh
# Configure (once) and build xbgw into ./build.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
	meson setup build --buildtype=release >/dev/null
fi
meson compile -C build >/dev/null
