#!/usr/bin/env bash
# Starting and stopping spellwire-server for tests: port 0, address read from its first line.
# Sourced; defines start_server VAR [flags...] (sets $VAR to http://127.0.0.1:PORT, and
# SERVER_PID / SERVER_ERR to the new process and its stderr file) and stop_servers.

SERVER_PIDS=()

start_server() {
  local var=$1; shift
  local log
  log=$(mktemp)
  target/debug/spellwire-server --addr 127.0.0.1:0 "$@" >"$log" 2>"$log.err" &
  SERVER_PIDS+=($!)
  SERVER_PID=$!          # the newest server, and where its stderr goes
  SERVER_ERR="$log.err"
  local url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^spellwire-server listening on //p' "$log")
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "spellwire-server did not start:" >&2
    cat "$log.err" >&2
    return 1
  fi
  printf -v "$var" '%s' "$url"
  echo "spellwire-server $* at $url"
}

stop_servers() {
  for pid in "${SERVER_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
}
