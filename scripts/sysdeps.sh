#!/usr/bin/env bash
# Install the Debian packages the project needs, if any is missing and we may (root + apt-get).
# Otherwise say what is missing; tests that need a missing tool skip on a developer's machine
# and fail in CI (LEGALIZE_REQUIRE_ALL=1).
set -euo pipefail
wanted=("$@")
# Debian's npm conflicts with a Node.js installed another way (NodeSource's nodejs bundles npm);
# ask for Debian's only where there is no npm at all.
command -v npm >/dev/null || wanted+=(nodejs npm)
set -- "${wanted[@]}"
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "warning: missing system packages (tests that need them will be skipped): ${missing[*]}" >&2
fi
