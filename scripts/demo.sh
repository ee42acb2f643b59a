#!/bin/sh
# Quick start, first command: installs what is missing, builds, starts a
# local HTTP server on a free loopback port, and runs the demo against it.
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
[ -d _build ] || meson setup _build --buildtype=debugoptimized >/dev/null
ninja -C _build >/dev/null

portfile=$(mktemp)
/usr/bin/python3 scripts/demo-server.py "$portfile" &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$portfile"' EXIT

# Wait (at most 10 s) for the server to say which port it got.
i=0
while [ ! -s "$portfile" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$portfile" ] || { echo "demo server did not start" >&2; exit 1; }

HTTPLIB_PLUGIN_PATH="$PWD/_build/plugins/tcp:$PWD/_build/plugins/bytes" \
  timeout 60 _build/examples/httplib-demo "127.0.0.1:$(cat "$portfile")"
