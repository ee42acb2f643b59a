#!/bin/sh
# Quick start, second command: installs what is missing, builds with
# warnings as errors, and runs every test three times: in a plain build, in
# the same build under valgrind memcheck, and under AddressSanitizer +
# UndefinedBehaviorSanitizer. Ends with one line
# "N passed, N failed" counted from meson's test logs. The soak suite and
# the benchmark harness (tiny N) run once, in the plain build; the fuzzers
# run 60 s each in a clang build.
set -u
cd "$(dirname "$0")/.." || exit 1

./scripts/install-deps.sh || exit 1

status=0
run_suite () {
  dir=$1; shift
  if [ ! -d "$dir" ]; then
    meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" || return 1
  meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
}

# The plain build also makes the GIR, the vapi and the API reference, so a
# missing doc comment or a g-ir-scanner warning fails here.
run_suite _build-ci --buildtype=debugoptimized -Dintrospection=enabled -Dvapi=enabled -Ddocs=enabled || status=1
# The same build under valgrind memcheck (the setup is in tests/meson.build).
meson test -C _build-ci --setup valgrind --print-errorlogs --num-processes 2 || status=1
run_suite _build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false || status=1

# The soak suite, left out of a plain `meson test`: the plain build, alone
# (memory and descriptors are measured), with a log of its own.
rm -f _build-ci/meson-logs/testlog-soak.json
meson test -C _build-ci --suite soak --logbase testlog-soak --print-errorlogs --num-processes 1 || status=1

# The benchmark harness with a tiny N (builds _build-bench, starts nginx; no
# timing judged): about a minute.
rm -f _build-ci/meson-logs/testlog-bench.json
meson test -C _build-ci --suite bench --logbase testlog-bench --print-errorlogs --num-processes 1 || status=1

# The libFuzzer targets (clang-14), 60 s each, two at a time: about 3 minutes.
./scripts/fuzz.sh || status=1

/usr/bin/python3 scripts/count-tests.py _build-ci/meson-logs/testlog.json \
  _build-ci/meson-logs/testlog-valgrind.json _build-asan/meson-logs/testlog.json \
  _build-ci/meson-logs/testlog-soak.json _build-ci/meson-logs/testlog-bench.json \
  _build-fuzz/meson-logs/testlog.json
exit $status
