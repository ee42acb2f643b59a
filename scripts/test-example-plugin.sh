#!/bin/sh
# Builds examples/plugin/ the way a third party would: against the library
# installed into a temporary prefix and found only through pkg-config. Then
# an unmodified client loads the module through HTTPLIB_PLUGIN_PATH, and
# again from the installed plugin folder, and sends requests through it to
# a server started here on 127.0.0.1. Prints TAP for `meson test`.
#
# Usage: test-example-plugin.sh [SOURCE-DIR]
set -u
src=$(cd "${1:-$(dirname "$0")/..}" && pwd) || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/httplib-example-XXXXXX") || exit 1
server=""

cleanup () {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0
pass () {
  n=$((n + 1))
  echo "ok $n - $1"
}
# Later steps need this one: report it with its log and stop.
fail () {
  n=$((n + 1))
  echo "not ok $n - $1"
  [ -f "$2" ] && tail -n 40 "$2" | sed 's/^/# /'
  echo "1..$n"
  exit 1
}
expect () {
  # expect WHAT EXPECTED FILE: the file holds exactly EXPECTED
  if [ "$(cat "$3")" = "$2" ]; then
    pass "$1"
  else
    { echo "expected:"; echo "$2"; echo "got:"; cat "$3"; } > "$work/diff.log"
    fail "$1" "$work/diff.log"
  fi
}

# The client must see only what the temporary prefix holds.
unset HTTPLIB_PLUGIN_PATH LD_LIBRARY_PATH PKG_CONFIG_PATH GI_TYPELIB_PATH LD_PRELOAD

# --- the library, installed the way a distribution would ---
prefix=$work/prefix
meson setup "$work/lib-build" "$src" --prefix "$prefix" --libdir lib \
  --buildtype=debugoptimized -Dtests=disabled -Dintrospection=disabled -Dvapi=disabled \
  -Ddocs=disabled -Dbench=disabled >"$work/lib-setup.log" 2>&1 ||
  fail "the library configures with a temporary prefix" "$work/lib-setup.log"
pass "the library configures with a temporary prefix"
# Niced: the other suites run beside this build.
{ nice ninja -C "$work/lib-build" && meson install -C "$work/lib-build" --no-rebuild; } \
  >"$work/lib-install.log" 2>&1 ||
  fail "the library builds and installs into the prefix" "$work/lib-install.log"
pass "the library builds and installs into the prefix"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --variable=plugindir httplib-1.0 >"$work/plugindir" 2>&1
expect "pkg-config names the installed plugin folder" "$prefix/lib/httplib-1.0/plugins" \
  "$work/plugindir"

# --- the example, out of tree ---
meson setup "$work/example-build" "$src/examples/plugin" --prefix "$work/example-prefix" \
  -Dwerror=true >"$work/example-setup.log" 2>&1 ||
  fail "the example configures with dependency('httplib-1.0') from pkg-config" \
    "$work/example-setup.log"
pass "the example configures with dependency('httplib-1.0') from pkg-config"
ninja -C "$work/example-build" >"$work/example-build.log" 2>&1 ||
  fail "the example's module and client build against the installed headers" \
    "$work/example-build.log"
pass "the example's module and client build against the installed headers"

# --- a server on 127.0.0.1 that says what it was asked ---
cat >"$work/server.py" <<'PY'
import http.server, os, sys

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_GET(self):
        body = "{} {} Host: {}\n".format(self.command, self.path, self.headers["Host"]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
/usr/bin/python3 "$work/server.py" "$work/port" 2>"$work/server.log" &
server=$!
tries=0
while [ ! -s "$work/port" ] && [ $tries -lt 100 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
[ -s "$work/port" ] || fail "the server starts on 127.0.0.1" "$work/server.log"
port=$(cat "$work/port")

# example.test never resolves: only the module can reach the server.
# get PLUGIN-PATH URL-PATH [TARGET]; an empty PLUGIN-PATH leaves the variable
# unset, TARGET replaces the server as EXAMPLE_CONNECT_TO.
get () {
  if [ -n "$1" ]; then
    HTTPLIB_PLUGIN_PATH=$1
    export HTTPLIB_PLUGIN_PATH
  else
    unset HTTPLIB_PLUGIN_PATH
  fi
  LD_LIBRARY_PATH="$prefix/lib" EXAMPLE_CONNECT_TO="${3:-127.0.0.1:$port}" \
    timeout 60 "$work/example-build/example-get" connect-to example.test "$2"
}

get "$work/example-build" /through-path >"$work/out1" 2>&1
expect "the client loads the module from HTTPLIB_PLUGIN_PATH and gets through it" \
  "$(printf '200 OK\nGET /through-path Host: example.test')" "$work/out1"

# Without the module the name is unknown: the request above did not go
# through anything else.
if get "" /nowhere >"$work/out2" 2>&1; then
  fail "without the module, connect-to is an unknown transport" "$work/out2"
elif grep -q "'connect-to'" "$work/out2"; then
  pass "without the module, connect-to is an unknown transport"
else
  fail "without the module, connect-to is an unknown transport" "$work/out2"
fi

# A bad setting of the module is reported, not guessed at.
if get "$work/example-build" /bad 127.0.0.1 >"$work/out4" 2>&1; then
  fail "the module refuses EXAMPLE_CONNECT_TO without a port" "$work/out4"
elif grep -q "EXAMPLE_CONNECT_TO='127.0.0.1' is not host:port" "$work/out4"; then
  pass "the module refuses EXAMPLE_CONNECT_TO without a port"
else
  fail "the module refuses EXAMPLE_CONNECT_TO without a port" "$work/out4"
fi

# Installed into the library's plugin folder, it needs no HTTPLIB_PLUGIN_PATH.
meson install -C "$work/example-build" --no-rebuild >"$work/example-install.log" 2>&1 &&
  [ -f "$prefix/lib/httplib-1.0/plugins/libhttplib-connect-to.so" ] ||
  fail "the module installs into pkg-config's plugindir" "$work/example-install.log"
pass "the module installs into pkg-config's plugindir"
get "" /installed >"$work/out3" 2>&1
expect "the client finds the installed module without HTTPLIB_PLUGIN_PATH" \
  "$(printf '200 OK\nGET /installed Host: example.test')" "$work/out3"

echo "1..$n"
