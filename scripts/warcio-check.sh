#!/bin/sh
# Checks WARC files written by `forager crawl --warc DIR` with Webrecorder's
# warcio.js, a reader independent of forager: every record parses, lengths
# and digests verify (scripts/warcio-check.mjs), `warcio cdx-index`
# indexes every file, and each file's .cdxj equals warcio's CDXJ, sorted. Needs node and npm with access to the npm registry, so
# it is not part of ctest (CI has no registry access).
#   scripts/warcio-check.sh DIR_OR_FILE...
# WARCIO_DIR: where warcio is installed (default: a cache folder, reused).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || { echo "usage: $0 DIR_OR_FILE..." >&2; exit 2; }
dir=${WARCIO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/forager-warcio}
if [ ! -x "$dir/node_modules/.bin/warcio" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm install --silent --no-audit --no-fund warcio@2 >/dev/null)
fi
files=""
for arg in "$@"; do
  if [ -d "$arg" ]; then
    for f in "$arg"/*.warc.gz; do [ -e "$f" ] && files="$files $f"; done
  else
    files="$files $arg"
  fi
done
[ -n "$files" ] || { echo "$0: no .warc.gz files in $*" >&2; exit 1; }
cp "$here/warcio-check.mjs" "$dir/check.mjs"
# shellcheck disable=SC2086
node "$dir/check.mjs" $files
for f in $files; do
  lines=$("$dir/node_modules/.bin/warcio" cdx-index "$f" | wc -l)
  [ "$lines" -gt 0 ] || { echo "FAIL $f: warcio cdx-index found no captures" >&2; exit 1; }
  echo "$f: $lines CDX lines"
  index=${f%.warc.gz}.cdxj
  if [ -e "$index" ]; then  # forager's index must be warcio's, sorted
    "$dir/node_modules/.bin/warcio" cdx-index --format cdxj "$f" | LC_ALL=C sort | cmp -s - "$index" ||
      { echo "FAIL $index differs from warcio cdx-index --format cdxj" >&2; exit 1; }
  fi
done
echo "warcio-check: all files pass"
