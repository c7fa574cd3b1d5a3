#!/usr/bin/env bash
# Runs the Redis tests (server/tests/redis*.rs: several nodes, publish idempotency, key layout
# and expiry; then the browser failover test tests/chaos/failover.mjs) against a private
# redis-server:
# installs redis-server from Debian if missing, starts it on a free loopback port with a temp
# dir (AOF on, no RDB), and stops it on exit. A Redis the machine happens to run is never used.
#
# The tests get:
#   SPELLWIRE_REDIS        redis://127.0.0.1:PORT
#   SPELLWIRE_REDIS_STOP   a shell command that stops this Redis (SHUTDOWN: AOF is fsynced)
#   SPELLWIRE_REDIS_START  a shell command that starts it again with the same dir and port
#   SPELLWIRE_REDIS_REQUIRED=1, so a test that finds any of these missing fails, not skips
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server
fi

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
dir $dir
save ""
appendonly yes
appendfsync always
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
CONF

stop_redis() {
  redis-cli -p "$port" shutdown >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop_redis EXIT

wait_redis() {
  for _ in $(seq 50); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "redis-server did not start; log:" >&2; cat "$dir/redis.log" >&2; return 1
}

redis-server "$dir/redis.conf"
wait_redis

export SPELLWIRE_REDIS="redis://127.0.0.1:$port"
export SPELLWIRE_REDIS_STOP="redis-cli -p $port shutdown"
export SPELLWIRE_REDIS_START="redis-server $dir/redis.conf"
export SPELLWIRE_REDIS_REQUIRED=1
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') on $SPELLWIRE_REDIS (dir $dir)"
tests=()
for f in server/tests/redis*.rs; do tests+=(--test "$(basename "$f" .rs)"); done
cargo test -p spellwire-server "${tests[@]}" -- --test-threads=1 "$@"

# The browser side of failover: needs pkg/ (scripts/build.sh) and the server binary.
if [ -f pkg/spellwire.js ]; then
  cargo build --quiet -p spellwire-server
  node tests/chaos/failover.mjs
else
  echo "pkg/ not built: skipping the browser failover test (run scripts/build.sh first)"
fi
