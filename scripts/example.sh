#!/usr/bin/env bash
# The FastAPI example (examples/fastapi) behind spellwire-server in production mode: connection
# tokens signed by the backend, events published with an API key, the page's sends and the
# channels its token does not grant forwarded to the backend. Installs what is missing (scripts/setup.sh, a virtualenv in target/example-venv),
# builds the server and pkg/, makes fresh secrets, and starts both servers on loopback.
#
#   ./scripts/example.sh               serve the page on http://127.0.0.1:${PORT:-8000}/ until Ctrl-C
#   ./scripts/example.sh --test        run tests/example/run.mjs against them; exits with its status
#   ./scripts/example.sh --backend P   only the backend on port P, configured by the environment
#                                      the other two modes export (the test restarts it this way)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=target/example-venv
mode=${1:-serve}

if [ "$mode" = --backend ]; then
  exec "$venv/bin/python" -m uvicorn app:app --app-dir examples/fastapi --host 127.0.0.1 --port "$2" --log-level warning
fi
case "$mode" in serve|--test) ;; *) echo "usage: $0 [--test | --backend PORT]" >&2; exit 2 ;; esac

source scripts/setup.sh
source scripts/servers.sh

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  say "installing python3 and python3-venv from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3 python3-venv >/dev/null
fi
if [ ! -x "$venv/bin/python" ]; then
  say "creating the example's virtualenv in $venv"
  python3 -m venv "$venv"
fi
if ! cmp -s examples/fastapi/requirements.txt "$venv/requirements.installed"; then
  say "installing examples/fastapi/requirements.txt"
  "$venv/bin/python" -m pip install --quiet -r examples/fastapi/requirements.txt
  cp examples/fastapi/requirements.txt "$venv/requirements.installed"
fi
cargo build --quiet -p spellwire-server
[ -f pkg/index.js ] || bash scripts/build.sh

free_port() { "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
up() { "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" 2>/dev/null; }
secret() { "$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))'; }

mkdir -p target/example
export SPELLWIRE_JWT_SECRET SPELLWIRE_API_KEY SPELLWIRE_PROXY_SECRET
SPELLWIRE_JWT_SECRET=$(secret) SPELLWIRE_API_KEY=$(secret) SPELLWIRE_PROXY_SECRET=$(secret)
gateway_flags=()
if [ "$mode" = --test ]; then
  # Tokens that expire every 4 s, with no leeway, so the test sees the page renew them.
  port=$(free_port)
  export TOKEN_TTL_SECS=4 EXAMPLE_TEST_HOOKS=1 EXAMPLE_DB="target/example/test-$$.sqlite3"
  gateway_flags+=(--jwt-leeway-secs 0)
else
  port=${PORT:-8000}
  export EXAMPLE_DB=${EXAMPLE_DB:-target/example/messages.sqlite3}
fi
backend="http://127.0.0.1:$port"

start_server gateway --proxy-url "$backend/spellwire/send" --subscribe-proxy-url "$backend/spellwire/subscribe" --allow-origin "$backend" "${gateway_flags[@]}"
export SPELLWIRE_URL=$gateway
bash "$0" --backend "$port" &
backend_pid=$!
trap 'kill $backend_pid 2>/dev/null || true; stop_servers; rm -f target/example/test-$$.sqlite3' EXIT
for _ in $(seq 1 100); do
  up "$backend/healthz" && break
  kill -0 $backend_pid 2>/dev/null || { echo "the backend did not start" >&2; exit 1; }
  sleep 0.1
done
up "$backend/healthz" || { echo "the backend did not answer within 10 s" >&2; exit 1; }

if [ "$mode" = --test ]; then
  EXAMPLE_URL=$backend EXAMPLE_BACKEND_PID=$backend_pid node tests/example/run.mjs
else
  echo "Open $backend/   (the gateway is $gateway; Ctrl-C stops both)"
  wait $backend_pid
fi
