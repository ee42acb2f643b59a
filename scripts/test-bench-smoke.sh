#!/bin/sh
# Issue 9 asks CI to build the benchmark clients and run every workload once
# with a tiny N, so the harness never rots. This runs `bench/run --smoke` and
# reports TAP: one result for the run, one per workload table it must print
# (each with a libhttplib row). No timing is judged.
set -u
cd "$(dirname "$0")/.." || exit 1
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

set -- "keep-alive GET of 13 bytes, N" "keep-alive GET of 13 bytes over TLS" \
  "new connection per GET" "download of" "download over TLS" "upload (PUT) from a file of" \
  "upload (PUT) from a file over TLS" "Upload blocksize sweep" "concurrent connections" \
  "Instructions (callgrind"
echo "1..$(($# + 1))"
n=1
if timeout 1200 ./bench/run --smoke >"$out" 2>&1; then
  echo "ok $n - bench/run --smoke"
else
  echo "not ok $n - bench/run --smoke"
  sed 's/^/# /' "$out"
fi
for title in "$@"; do
  n=$((n + 1))
  # The table's heading, then a row of libhttplib's (or of a blocksize) before the next heading.
  if awk -v t="$title" '/^#### / && index($0, t) > 0 { on = 1; next }
                        /^####/ { on = 0 }
                        on && /^\| (libhttplib|get|get-tls|[0-9]+ [KM]iB) / { found = 1 }
                        END { exit !found }' "$out"; then
    echo "ok $n - table: $title"
  else
    echo "not ok $n - table: $title"
  fi
done
