#!/bin/sh
# A throw-away Redis server for the test suite (distributed mode), from Debian's packages.
# Installs `redis-server` if it is missing, starts a private server on 127.0.0.1 on its own
# port with its files in $MONITOR_TEST_REDIS_DIR (no persistence: test data only) unless it
# already runs, and prints its URL on stdout. Idempotent: when the server already runs this
# takes a few milliseconds.
set -eu
DIR="${MONITOR_TEST_REDIS_DIR:-/tmp/medcoop-monitor-redis}"
PORT="${MONITOR_TEST_REDIS_PORT:-63799}"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "No Redis server found: installing Debian's redis-server package..." >&2
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq >&2
    # --no-install-recommends: no systemd service of the package's own is needed here
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        redis-server redis-tools >/dev/null
    command -v redis-server >/dev/null 2>&1 || { echo "redis-server install failed" >&2; exit 1; }
fi

mkdir -p "$DIR"
if [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" != "PONG" ]; then
    redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --daemonize yes \
        --pidfile "$DIR/redis.pid" --logfile "$DIR/server.log" \
        --save "" --appendonly no --protected-mode yes >/dev/null
    tries=0
    until [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 300 ]; then
            echo "Redis did not start; its log:" >&2
            tail -n 20 "$DIR/server.log" >&2
            exit 1
        fi
        sleep 0.2
    done
fi
echo "redis://127.0.0.1:$PORT/0"
