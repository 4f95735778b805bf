# Shared by bench/run.sh and bench/scale.sh (sourced; needs ROOT and a log function).

# Installs the project's Debian packages, nginx (nginx-light unless nginx is
# there already) and the packages named, whichever are missing. The packaged
# nginx service is not started: the benchmarks run their own.
install_bench_packages() {
  local sudo="" missing=() p nginx_pkg=nginx-light
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  "$ROOT/scripts/install-deps.sh"
  if dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "install ok installed"; then nginx_pkg=nginx; fi
  for p in "$nginx_pkg" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Builds forager in Release into BUILD_DIR; the build's output goes to LOG_FILE.
build_forager() {
  local build_dir="$1" log_file="$2"
  cmake -S "$ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target forager >"$log_file" 2>&1 || { tail -20 "$log_file" >&2; exit 1; }
}

# Stops PID (if it still runs): SIGTERM, up to 5 s of grace, then SIGKILL.
stop_process() {
  local pid="$1"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# A free TCP port on 127.0.0.1.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
