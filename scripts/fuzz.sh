#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang-14 in _build-fuzz and
# runs the meson suite "fuzz": each target replays its seed corpus, then
# fuzzes for SECONDS (default 60), two targets at a time. A finding fails
# the suite and is kept in _build-fuzz/tests/fuzz/findings/.
#   ./scripts/fuzz.sh [SECONDS]
set -u
cd "$(dirname "$0")/.." || exit 1
seconds=${1:-60}

# Warnings as errors here too: clang's set differs from gcc's.
if [ ! -d _build-fuzz ]; then
  CC=clang-14 meson setup _build-fuzz -Dwerror=true -Dfuzzing=enabled -Dtests=disabled -Dintrospection=disabled \
    -Dvapi=disabled -Ddocs=disabled --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false >_build-fuzz.setup.log 2>&1 ||
    { cat _build-fuzz.setup.log; exit 1; }
fi
ninja -C _build-fuzz || exit 1
# meson's timeout (300 s) fits the default; run-fuzzer.py bounds longer runs itself.
multiplier=1
[ "$seconds" -le 60 ] || multiplier=0
FUZZ_SECONDS=$seconds meson test -C _build-fuzz --suite fuzz --print-errorlogs --num-processes 2 \
  --timeout-multiplier "$multiplier"
