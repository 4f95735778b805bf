#!/usr/bin/env bash
# What an HTTPS connection costs the crawler's side (issue 18), in CPU
# instructions counted by callgrind: repeatable on a shared, noisy machine,
# where CPU seconds of a whole crawl swing by 10-20 % between runs.
#
# bench/tls_cost.c makes connections the way a forager worker does (libcurl
# multi, a new easy handle per request, keep-alive, no TLS session reused)
# to one nginx on 127.0.0.1 serving ~2.5 KB pages over HTTP and over HTTPS
# (a throwaway CA and server certificate, ECDSA P-256 as in bench/broad.sh,
# or RSA 2048 with --key rsa). Each scheme runs with 10 and 30 connections
# of 1 and 11 requests; the differences give
#   per connection: instructions of a connection and its first request
#   per request:    instructions of each further request on an open connection
# and the TLS surplus of both (HTTPS minus HTTP). Then the OpenSSL and libcurl
# functions that make up a handshake (inclusive instructions per connection).
# What it does not count: the kernel (system calls, loopback TCP), and
# nginx's side of the handshake.
#
#   bench/tls_cost.sh [--key ec|rsa] [--skip-install]
#
# Writes bench/out/tls_cost/ (certificates, nginx, callgrind files,
# results.md). All traffic goes to 127.0.0.1; nginx is stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/out/tls_cost"
KEY=ec
INSTALL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --key) KEY="$2"; shift 2 ;;
    --skip-install) INSTALL=0; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "tls_cost.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$KEY" in ec|rsa) ;; *) echo "tls_cost.sh: --key is ec or rsa" >&2; exit 2 ;; esac

log() { printf '[tls_cost %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
[ "$INSTALL" = 1 ] && install_bench_packages gcc valgrind openssl curl
rm -rf "$OUT" && mkdir -p "$OUT/site" "$OUT/tls"

# ---------------------------------------------------------------- site, certificates
for i in $(seq 20); do
  {
    printf '<!DOCTYPE html><html><head><title>Page %d</title></head><body>\n' "$i"
    for j in $(seq 40); do printf '<p>Paragraph %d of page %d, <a href="/p%d.html">a link</a>.</p>\n' "$j" "$i" "$j"; done
    printf '</body></html>\n'
  } >"$OUT/site/p$i.html"
done
cp "$OUT/site/p1.html" "$OUT/site/index.html"
if [ "$KEY" = ec ]; then newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1); else newkey=(-newkey rsa:2048); fi
(
  cd "$OUT/tls"
  openssl req -x509 "${newkey[@]}" -nodes -days 2 -subj "/CN=forager bench CA" -keyout ca.key -out ca.pem
  openssl req "${newkey[@]}" -nodes -subj "/CN=bench" -keyout server.key -out server.csr
  printf 'subjectAltName=IP:127.0.0.1\n' >san.cnf
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.cnf -out server.pem
) >"$OUT/openssl.log" 2>&1 || { cat "$OUT/openssl.log" >&2; exit 1; }

# ---------------------------------------------------------------- nginx, client
TLS_PORT="$(free_port)"
start_static_nginx "$OUT/nginx" "$OUT/site" "    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $OUT/tls/server.pem;
    ssl_certificate_key $OUT/tls/server.key;"
HTTP_BASE="$BASE"
HTTPS_BASE="https://127.0.0.1:$TLS_PORT"
curl -sf --cacert "$OUT/tls/ca.pem" -o /dev/null "$HTTPS_BASE/p1.html" || { log "nginx does not answer over TLS"; exit 1; }
gcc -O2 -Wall -Wextra -o "$OUT/tls_cost" "$HERE/tls_cost.c" -lcurl

# Instructions of one run (callgrind's total).
instructions() {  # SCHEME CONNS REQS
  local base="$HTTP_BASE"
  [ "$1" = https ] && base="$HTTPS_BASE"
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg-$1-$2-$3.out" \
    "$OUT/tls_cost" "$base" "$OUT/tls/ca.pem" "$2" "$3" >"$OUT/run-$1-$2-$3.log" 2>&1 ||
    { cat "$OUT/run-$1-$2-$3.log" >&2; exit 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/run-$1-$2-$3.log"
}

declare -A per_conn per_req
for scheme in http https; do
  log "$scheme: 4 runs under callgrind"
  a=$(instructions "$scheme" 10 1)
  b=$(instructions "$scheme" 30 1)
  c=$(instructions "$scheme" 30 11)
  per_conn[$scheme]=$(((b - a) / 20))
  per_req[$scheme]=$(((c - b) / (30 * 10)))
done

RESULT="$OUT/results.md"
{
  echo "tls_cost: $(curl --version | head -1 | cut -d' ' -f1-2,4), $(openssl version | cut -d' ' -f1-2), $KEY certificate, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "| instructions | HTTP | HTTPS | HTTPS - HTTP |"
  echo "| --- | ---: | ---: | ---: |"
  for row in conn req; do
    if [ "$row" = conn ]; then h=${per_conn[http]}; s=${per_conn[https]}; name="a connection and its first request"
    else h=${per_req[http]}; s=${per_req[https]}; name="each further request"; fi
    printf '| %s | %d | %d | %d |\n' "$name" "$h" "$s" "$((s - h))"
  done
  echo
  echo "HTTPS surplus per page at P pages a connection: (connection surplus + (P - 1) x request surplus) / P;"
  for p in 1 5 21 100; do
    printf '  P = %3d: %d instructions a page\n' "$p" \
      $(((per_conn[https] - per_conn[http] + (p - 1) * (per_req[https] - per_req[http])) / p))
  done
  echo
  echo "Where a handshake goes (inclusive instructions per connection, 30 connections of 1 request):"
  echo
  echo "| function | instructions a connection |"
  echo "| --- | ---: |"
  callgrind_annotate --inclusive=yes "$OUT/cg-https-30-1.out" 2>/dev/null |
    awk '/\?\?\?:(SSL_connect|SSL_CTX_new_ex|SSL_new|d2i_X509|OSSL_DECODER_CTX_new_for_pkey|X509_verify_cert|EVP_DigestVerify|ECDSA_do_verify|RSA_verify|EVP_PKEY_keygen|EVP_PKEY_derive|SSL_write|SSL_read|SSL_shutdown|SSL_free|SSL_CTX_free|X509_STORE_add_cert|EVP_PKEY_decrypt) /{
           gsub(",", "", $1); match($0, /\?\?\?:[A-Za-z0-9_]+/)
           printf "| %s | %d |\n", substr($0, RSTART + 4, RLENGTH - 4), $1 / 31 }'
} >"$RESULT"
cat "$RESULT"
