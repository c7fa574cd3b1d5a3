#!/usr/bin/env bash
# The soak test: many sockets reconnecting in waves while events flow, bounded in time; then no
# event may be missing on any socket, and the real spellwire-server's VmRSS and open fds must be
# back near their baseline (bench/loadgen/src/soak/mod.rs says how each is judged).
#
#   bash tests/soak/run.sh          the CI smoke: 1,000 sockets, 60 s of waves (about 90 s in all)
#   bash tests/soak/run.sh --long   2,000 sockets, 10 minutes of waves
#
# Builds spellwire-server and spellwire-loadgen (debug, like the other tests), starts the server
# on a free loopback port (--dev --test-hooks, replay logs of 100 events, which the warm-up
# fills), raises the open-files limit, runs `spellwire-loadgen soak`, and on success rewrites the
# soak section of docs/RELIABILITY.md (tests/soak/report.mjs). Exits 1 on any broken promise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/servers.sh
trap stop_servers EXIT

run=smoke
args=(--sockets 1000 --secs 60)
if [ "${1:-}" = "--long" ]; then
  run=long
  args=(--sockets 2000 --secs 600 --timeout-secs 1200)
fi

cargo build --quiet -p spellwire-server -p spellwire-loadgen
# Each socket is a file on both ends: lift the soft limit as far as the hard one allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

start_server soak_http --dev --test-hooks --retain-events 100
figures=$(mktemp)
if ! target/debug/spellwire-loadgen soak --server "$soak_http" --pid "$SERVER_PID" "${args[@]}" >"$figures"; then
  echo "soak failed; what it saw:" >&2
  cat "$figures" >&2
  exit 1
fi
node tests/soak/report.mjs "$figures" docs/RELIABILITY.md "$run"
