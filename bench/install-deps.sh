#!/bin/sh
# Installs, from Debian 12's packages, what the benchmark needs on top of
# the build's own list (scripts/install-deps.sh), when this machine lacks it.
# Kept apart so the test CI does not install libcurl, libsoup and the tools.
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

packages="libcurl4-gnutls-dev libsoup-3.0-dev glib-networking nginx gnutls-bin gnuplot-nox valgrind strace util-linux python3"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The bench starts its own nginx: keep the package from starting a system-wide one.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
fi
