#!/bin/sh
# Quick start, first command: installs what is missing, builds, starts the
# project's demo server (HTTP, HTTPS with a certificate certtool makes now,
# and a CONNECT proxy, all on free loopback ports) and runs httplib-fetch
# through each transport. Needs no network beyond the loopback.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-_build}

./scripts/install-deps.sh
[ -d "$build" ] || meson setup "$build" --buildtype=debugoptimized >/dev/null
ninja -C "$build" >/dev/null

work=$(mktemp -d)
server=""
cleanup () {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A CA and a certificate for localhost and 127.0.0.1, valid for a day.
cat > "$work/ca.cfg" <<CFG
cn = "libhttplib demo CA"
ca
cert_signing_key
expiration_days = 1
CFG
cat > "$work/server.cfg" <<CFG
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
expiration_days = 1
CFG
certtool --generate-privkey --key-type=ecdsa --outfile "$work/ca.key" 2>/dev/null
certtool --generate-self-signed --load-privkey "$work/ca.key" --template "$work/ca.cfg" \
  --outfile "$work/ca.pem" 2>/dev/null
certtool --generate-privkey --key-type=ecdsa --outfile "$work/server.key" 2>/dev/null
certtool --generate-certificate --load-privkey "$work/server.key" \
  --load-ca-certificate "$work/ca.pem" --load-ca-privkey "$work/ca.key" \
  --template "$work/server.cfg" --outfile "$work/server.pem" 2>/dev/null

/usr/bin/python3 scripts/demo-server.py "$work/ports" "$work/server.pem" "$work/server.key" &
server=$!

# Wait (at most 10 s) for the server to say which ports it got.
i=0
while [ ! -s "$work/ports" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$work/ports" ] || { echo "demo server did not start" >&2; exit 1; }
read -r http_port https_port proxy_port < "$work/ports"

# The plugins come from the build tree; an installed copy finds its own.
HTTPLIB_PLUGIN_PATH="$PWD/$build/plugins/tcp:$PWD/$build/plugins/tls:$PWD/$build/plugins/tunnel:$PWD/$build/plugins/bytes:$PWD/$build/plugins/fd"
export HTTPLIB_PLUGIN_PATH

# Shows the command, then runs it with a time limit; its standard error
# (trace, errors) goes with the output so the two stay in order.
fetch () {
  echo "\$ httplib-fetch $*"
  timeout 30 "$build/tools/httplib-fetch" --timeout 10 "$@" 2>&1
}
step () {
  printf '\n== %s\n' "$1"
}

http="http://127.0.0.1:$http_port"
https="https://localhost:$https_port"
proxy="127.0.0.1:$proxy_port"

step "plain HTTP (tcp), status line and headers too"
fetch -i "$http/"

step "HTTPS (tcp -> tls), the certificate checked against the demo CA"
fetch --cacert "$work/ca.pem" "$https/"

step "HTTP through the CONNECT proxy (tcp -> tunnel)"
fetch --proxy "$proxy" "$http/"

step "HTTPS through the CONNECT proxy (tcp -> tunnel -> tls)"
fetch --proxy "$proxy" --cacert "$work/ca.pem" "$https/"

step "an upload from a file, and the same from a pipe (sent chunked)"
head -c 100000 /dev/zero > "$work/upload.bin"
fetch -X PUT --data-file "$work/upload.bin" "$http/upload"
head -c 5000 /dev/zero | fetch -X PUT --data-file - "$https/upload" --cacert "$work/ca.pem"

step "the trace of one request: HTTPS through the proxy"
fetch --trace --proxy "$proxy" --cacert "$work/ca.pem" -o /dev/null "$https/"

step "1000 requests on one kept-alive connection"
fetch --repeat 1000 -o /dev/null "$http/"

step "without the demo CA, the certificate is refused (exit status 4)"
status=0
fetch "$https/" || status=$?
echo "exit status $status"
[ "$status" -eq 4 ]
