#!/usr/bin/env bash
# Runs the benchmarks of issue 5 and rewrites BENCHMARKS.md from this run's figures:
# installs what is missing (scripts/setup.sh, then bench/'s own npm packages), builds pkg/
# (release), then bench/run.mjs drives headless Chromium against the bench server.
#
#   ./scripts/bench.sh            full run (a few minutes), rewrites BENCHMARKS.md
#   ./scripts/bench.sh --smoke    tiny counts (well under a minute): checks the harness, writes nothing
#   ./scripts/bench.sh --no-build skip the builds of what is already built (e.g. pkg/ after test.sh's build)
# A full run also builds spellwire-server and the Rust load generator spellwire-loadgen
# (bench/loadgen), both release, for the server figures (memory per idle connection, fan-out,
# reconnect after a restart on Redis); if a build fails its figures are reported as not
# measured. --smoke uses whatever binaries exist.
# Other arguments go to bench/run.mjs (--rounds N, --out FILE).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

build=1
smoke=0
run_args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --smoke) smoke=1; run_args+=("$arg") ;;
    *) run_args+=("$arg") ;;
  esac
done

if [ ! -d bench/node_modules ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  printf '\033[1m[bench]\033[0m installing bench/ npm packages (ws, socket.io and the peers measured)\n'
  npm ci --prefix bench --no-audit --no-fund
fi

# redis-server: the reconnect measurement restarts a server whose history lives in Redis.
if ! command -v redis-server >/dev/null; then
  printf '\033[1m[bench]\033[0m installing redis-server from Debian\n'
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
fi

if [ "$build" = 1 ] || [ ! -f pkg/spellwire_bg.wasm ]; then
  bash scripts/build.sh
fi
# The size floor (bench/floor), built exactly as pkg/ is; bench/floor.mjs checks and measures it.
# Also with --no-build when its sources (or the core's) changed since it was built: a stale
# floor would be checked against the bench server with the API it had then.
floor_wasm=target/floor/pkg/spellwire_bg.wasm
if [ "$build" = 1 ] || [ ! -f "$floor_wasm" ] \
   || [ -n "$(find bench/floor/src bench/floor/Cargo.toml src Cargo.toml -newer "$floor_wasm" -print -quit)" ]; then
  mkdir -p target/floor
  bash scripts/wasm-build.sh bench/floor target/floor/pkg > target/floor/build.txt \
    || { echo "[bench] bench/floor did not build: the size floor will say so" >&2
         export BENCH_FLOOR_BUILD_FAILED=1; }
fi
if [ "$build" = 1 ] && [ "$smoke" = 0 ]; then
  cargo build --release --quiet -p spellwire-server \
    || { echo "[bench] spellwire-server did not build: its figures will say so" >&2
         export BENCH_SERVER_BUILD_FAILED=1; }
  cargo build --release --quiet -p spellwire-loadgen \
    || { echo "[bench] spellwire-loadgen did not build: the server figures will say so" >&2
         export BENCH_LOADGEN_BUILD_FAILED=1; }
fi

node bench/run.mjs "${run_args[@]}"
if [ "$smoke" = 1 ]; then node bench/http.mjs --smoke; else node bench/http.mjs --report BENCHMARKS.md; fi  # issue 14: HTTP beside WebSocket, a section appended after run.mjs rewrote the report
