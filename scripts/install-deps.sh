#!/bin/sh
# Installs, from Debian 12's packages, whatever the build and the tests need
# and this machine lacks. Run as root; does nothing when all is there.
set -eu

# The second line is GObject Introspection, its docs and the bindings tested
# against it (PyGObject for Debian's /usr/bin/python3, GJS, Vala); the third
# the compiler and libFuzzer runtime of the fuzz targets (scripts/fuzz.sh);
# the fourth valgrind, for the memcheck run (scripts/test.sh).
packages="meson ninja-build gcc pkg-config libglib2.0-dev libgnutls28-dev check python3 gnutls-bin ca-certificates nginx tinyproxy bsdutils coreutils
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gi-docgen python3-gi gjs valac
  clang-14 libclang-rt-14-dev
  valgrind"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # nginx and tinyproxy are for the tests, which start their own: keep the
  # packages from starting system-wide ones listening on every address.
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
