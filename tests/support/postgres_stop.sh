#!/usr/bin/env bash
# CTest fixture cleanup: stops the server postgres_start.sh started and
# removes its folder.   postgres_stop.sh INFO_FILE
set -uo pipefail
info=$1
[ -f "$info" ] || exit 0
dir=$(cat "$info")
rm -f "$info"
[ "$dir" = none ] && exit 0
case "$dir" in /tmp/forager-pg.*) ;; *) echo "postgres_stop: unexpected folder $dir" >&2; exit 1 ;; esac
as_server=()
[ "$(id -u)" -eq 0 ] && as_server=(runuser -u postgres --)
"${as_server[@]}" "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
rm -rf "$dir"
