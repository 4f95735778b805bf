#!/bin/sh
# Checks WARC files written by `forager crawl --warc DIR` with Webrecorder's
# warcio.js, a reader independent of forager: every record parses, lengths
# and digests verify, every revisit names a response of the files checked
# (scripts/warcio-check.mjs), `warcio cdx-index` indexes every file, and
# each file's .cdxj equals warcio's CDXJ, sorted. With --expect FILE, every
# response body must also be one the server sent (a JSON file written by the
# test: {"served": [{"url": URL, "body_hex": HEX}, ...]}, one entry per
# answer; the responses and revisits of a URL must be exactly its answers).
#   scripts/warcio-check.sh [--expect FILE] DIR_OR_FILE...
#   scripts/warcio-check.sh --install        only install warcio (a probe)
# Runs offline: warcio and its runtime dependencies are the npm tarballs in
# tests/vendor/warcio (README there), checked against their SHA256SUMS and
# unpacked into WARCIO_DIR (default: a cache folder; reused while the
# tarballs stay the same). Needs node >= 18 (Debian 12: apt-get install nodejs).
# Exit status: 0 all files pass, 1 a check failed, 2 wrong usage, 77 no
# node >= 18 (the tests skip then, or fail under FORAGER_REQUIRE_WARCIO=1).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vendor=$here/../tests/vendor/warcio
dir=${WARCIO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/forager-warcio}

usage() { echo "usage: $0 [--expect FILE] DIR_OR_FILE... | --install" >&2; exit 2; }

# Unpacks every tarball of SHA256SUMS into $dir/node_modules/NAME, unless
# the same set is there already; one process at a time (ctest runs tests in
# parallel).
install_warcio() {
  mkdir -p "$dir"
  exec 9>"$dir/install.lock"
  flock 9
  if cmp -s "$vendor/SHA256SUMS" "$dir/SHA256SUMS" && [ -f "$dir/node_modules/warcio/dist/cli.js" ]; then
    flock -u 9
    return 0
  fi
  (cd "$vendor" && sha256sum --quiet --strict -c SHA256SUMS) ||
    { echo "$0: the tarballs in $vendor do not match their SHA256SUMS" >&2; exit 1; }
  rm -f "$dir/SHA256SUMS"
  tmp=$(mktemp -d "$dir/install.XXXXXX")
  while read -r _ file; do
    name=$(printf '%s\n' "${file%.tgz}" | sed 's/-[0-9][^-]*$//')  # warcio-2.4.11.tgz: warcio
    mkdir -p "$tmp/node_modules/$name"
    tar -xzf "$vendor/$file" -C "$tmp/node_modules/$name" --strip-components=1 --no-same-owner
  done <"$vendor/SHA256SUMS"
  rm -rf "$dir/node_modules"
  mv "$tmp/node_modules" "$dir/node_modules"
  rmdir "$tmp"
  cp "$vendor/SHA256SUMS" "$dir/SHA256SUMS"
  flock -u 9
}

command -v node >/dev/null 2>&1 &&
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  { echo "$0: needs node >= 18 (Debian: apt-get install nodejs)" >&2; exit 77; }

expect=""
case "${1:-}" in
  --install) [ $# -eq 1 ] || usage; install_warcio; exit 0 ;;
  --expect) [ $# -ge 3 ] || usage; expect=$2; shift 2 ;;
  "" | -*) usage ;;
esac
files=""
for arg in "$@"; do
  if [ -d "$arg" ]; then
    for f in "$arg"/*.warc.gz; do [ -e "$f" ] && files="$files $f"; done
  else
    files="$files $arg"
  fi
done
[ -n "$files" ] || { echo "$0: no .warc.gz files in $*" >&2; exit 1; }
install_warcio
warcio() { node "$dir/node_modules/warcio/dist/cli.js" "$@"; }
# The check beside node_modules, so that it finds warcio; a copy per run.
check=$(mktemp --suffix=.mjs "$dir/check.XXXXXX")
sorted=$(mktemp)
trap 'rm -f "$check" "$sorted"' EXIT
cp "$here/warcio-check.mjs" "$check"
# shellcheck disable=SC2086
if [ -n "$expect" ]; then node "$check" --expect "$expect" $files; else node "$check" $files; fi
for f in $files; do
  warcio cdx-index --format cdxj "$f" | LC_ALL=C sort >"$sorted"
  lines=$(wc -l <"$sorted")
  [ "$lines" -gt 0 ] || { echo "FAIL $f: warcio cdx-index found no captures" >&2; exit 1; }
  echo "$f: $lines CDX lines"
  index=${f%.warc.gz}.cdxj
  if [ -e "$index" ]; then  # forager's index must be warcio's, sorted
    cmp -s "$sorted" "$index" || { echo "FAIL $index differs from warcio cdx-index --format cdxj" >&2; exit 1; }
  fi
done
echo "warcio-check: all files pass"
