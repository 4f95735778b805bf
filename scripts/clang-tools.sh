# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: installs clang-14 and
# its sanitizer and libFuzzer runtimes (clang_packages) when missing, and tells whether
# LeakSanitizer can run here (it stops the world with ptrace, which some
# containers forbid): sets detect_leaks to 1 or 0.

clang_packages=(clang-14 libclang-rt-14-dev libfuzzer-14-dev)

install_clang_tools() {
  local missing=() p sudo=""
  for p in "${clang_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

probe_leak_sanitizer() {
  local dir probe
  dir=$(mktemp -d)
  printf '#include <stdlib.h>\nvoid* volatile p;\nint main(void) { p = malloc(7); p = 0; return 0; }\n' >"$dir/leak.c"
  clang-14 -g -fsanitize=address "$dir/leak.c" -o "$dir/leak"
  probe=$(ASAN_OPTIONS=detect_leaks=1 "$dir/leak" 2>&1 || true)
  rm -rf "$dir"
  detect_leaks=1
  if ! grep -q "detected memory leaks" <<<"$probe"; then
    detect_leaks=0
    echo "$(basename "$0"): LeakSanitizer cannot run here (ptrace is restricted?): leak checks are OFF" >&2
  fi
}
