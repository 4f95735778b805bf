#!/usr/bin/env bash
# Builds the Debian package (cpack -G DEB), installs it with apt, checks the
# installed forager (version, man page, completions, units, a crawl of the
# bundled demo site on 127.0.0.1 by /usr/bin/forager), removes the package
# and checks that the binary is gone. Changes this machine's packages: run it
# on a machine (or container) where that is fine. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "package-check: $*" >&2; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

scripts/install-deps.sh
step "building forager, the demo server and the generated docs"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFORAGER_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)" --target forager forager-demo-server forager_docs >/dev/null

step "building the .deb"
rm -f build/forager_*.deb
(cd build && cpack -G DEB >/dev/null)
debs=(build/forager_*.deb)
[ -f "${debs[0]}" ] || { echo "package-check: cpack wrote no build/forager_*.deb" >&2; exit 1; }
deb=${debs[0]}
dpkg-deb -f "$deb" Depends | grep -q libcurl || { echo "package-check: Depends lacks libcurl: $(dpkg-deb -f "$deb" Depends)" >&2; exit 1; }
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/forager ./usr/share/man/man1/forager.1 ./usr/share/bash-completion/completions/forager \
            ./usr/share/zsh/vendor-completions/_forager ./usr/share/doc/forager/README.md \
            ./usr/lib/systemd/system/forager-schedule-once.timer; do
  grep -q " $path\$" <<<"$contents" || { echo "package-check: $deb lacks $path" >&2; exit 1; }
done

step "installing $deb with apt"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q "./$deb" >/dev/null
trap '$sudo apt-get remove -y -q forager >/dev/null 2>&1 || true' EXIT
[ -x /usr/bin/forager ] || { echo "package-check: /usr/bin/forager is not installed" >&2; exit 1; }
/usr/bin/forager --version
if command -v man >/dev/null && man -w forager >/dev/null 2>&1; then
  step "man page: $(man -w forager)"
elif [ -f /usr/share/man/man1/forager.1 ]; then
  step "man page: /usr/share/man/man1/forager.1 (man-db is not installed here)"
elif grep -qsE 'path-exclude[= ]/usr/share/man' /etc/dpkg/dpkg.cfg.d/*; then
  step "man page: in the .deb, but this system's dpkg excludes /usr/share/man"
else
  echo "package-check: the man page is not installed" >&2; exit 1
fi
grep -q '^ExecStart=/usr/bin/forager schedule run --once' /usr/lib/systemd/system/forager-schedule-once.service ||
  { echo "package-check: forager-schedule-once.service does not run /usr/bin/forager" >&2; exit 1; }

step "crawling the demo site with /usr/bin/forager"
work=$(mktemp -d)
build/forager-demo-server --root seeds/demo-site --port 0 --port-file "$work/port" >/dev/null 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"; $sudo apt-get remove -y -q forager >/dev/null 2>&1 || true' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "package-check: demo server did not start: $(cat "$work/server.log")" >&2; exit 1; }
/usr/bin/forager crawl "http://127.0.0.1:$(cat "$work/port")/" --db "$work/check.db" --job check --workers 2 \
  --max-pages 50 --quiet
/usr/bin/forager export --db "$work/check.db" --job check --format jsonl -o "$work/check.jsonl"
records=$(wc -l <"$work/check.jsonl")
[ "$records" -ge 10 ] || { echo "package-check: only $records records from the demo crawl" >&2; exit 1; }
step "$records records crawled and exported"

step "removing the package"
$sudo apt-get remove -y -q forager >/dev/null
[ ! -e /usr/bin/forager ] || { echo "package-check: /usr/bin/forager is still there after apt-get remove" >&2; exit 1; }
step "ok: installed, ran, removed"
