#!/usr/bin/env bash
# Runs the demo page: installs the toolchain if needed, builds pkg/ and the server, then serves
# www/ in --dev mode (login for any name) with the test hooks on http://127.0.0.1:${PORT:-8080}/
# until Ctrl-C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

bash scripts/build.sh
cargo build --quiet -p spellwire-server

port=${PORT:-8080}
echo "Open http://127.0.0.1:$port/   (Ctrl-C to stop)"
exec target/debug/spellwire-server --addr "127.0.0.1:$port" --dev --www www --pkg pkg --test-hooks
