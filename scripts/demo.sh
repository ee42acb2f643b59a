#!/bin/sh
# Quick start, first command: installs what is missing, builds, starts a
# local HTTP and HTTPS server and a CONNECT proxy on free loopback ports (with
# a throwaway CA and certificate made by certtool), and runs the demo.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-_build}

./scripts/install-deps.sh
[ -d "$build" ] || meson setup "$build" --buildtype=debugoptimized >/dev/null
ninja -C "$build" >/dev/null

work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

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

HTTPLIB_PLUGIN_PATH="$PWD/$build/plugins/tcp:$PWD/$build/plugins/tls:$PWD/$build/plugins/tunnel:$PWD/$build/plugins/bytes" \
  timeout 60 "$build/examples/httplib-demo" "127.0.0.1:$http_port" \
  "localhost:$https_port" "$work/ca.pem" "127.0.0.1:$proxy_port"
