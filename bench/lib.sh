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

# Starts one nginx (one worker process, no access log, keep-alive, sendfile)
# serving ROOT on 127.0.0.1 and a free port, with its files under NGX_DIR;
# EXTRA is more lines for its server block. Sets NGINX_PID and BASE, waits
# until it answers ROOT's index.html, and stops it when the script exits.
# One worker: static files with sendfile cost nginx a few % of one core at
# the benchmarks' rates (they report its CPU), and on a 2-core machine a
# second worker would only compete with the crawler being measured.
NGINX_PID=""
stop_nginx() {
  stop_process "$NGINX_PID"
  NGINX_PID=""
}
start_static_nginx() {  # NGX_DIR ROOT [EXTRA]
  local ngx="$1" root="$2" extra="${3:-}" port nginx
  nginx="$(command -v nginx || echo /usr/sbin/nginx)"
  trap stop_nginx EXIT
  trap 'stop_nginx; exit 130' INT TERM
  port="$(free_port)"
  mkdir -p "$ngx/logs" "$ngx/tmp"
  cat >"$ngx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  gzip off;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $root;
$extra
  }
}
EOF
  "$nginx" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/logs/error.log" &
  NGINX_PID=$!
  BASE="http://127.0.0.1:$port"
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$BASE/index.html" && break
    sleep 0.1
  done
  curl -sf -o /dev/null "$BASE/index.html" || { log "nginx did not come up"; cat "$ngx/logs/error.log" >&2; exit 1; }
  log "nginx $NGINX_PID serving $root on $BASE"
}
