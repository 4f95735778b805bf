#!/usr/bin/env bash
# Installs the Debian 12 packages forager needs to build, test and package
# (dpkg-dev and file: cpack's dpkg-shlibdeps), if any is missing. Safe to run again; does nothing when everything is there.
# Extra package names given as arguments are installed along with them, in
# the same apt-get run (CI: Chromium and clang, one `apt-get update` in all).
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libcurl4-openssl-dev libgumbo-dev libsqlite3-dev nlohmann-json3-dev
  libcli11-dev libcpp-httplib-dev libpsl-dev libpcre2-dev libexpat1-dev
  libssl-dev zlib1g-dev libdeflate-dev libbrotli-dev libxml2-dev libicu-dev
  libgtest-dev sqlite3 curl
  libpq-dev postgresql
  dpkg-dev file
  openssl  # tests/e2e/connections_test makes a throwaway CA with the openssl command
  python3 python3-parsel python3-html5lib  # tests/parsel: the rules against parsel itself
  nodejs  # tests/e2e/warcio_check_test: the WARC files read by warcio.js (tests/vendor/warcio), node >= 18
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
