#!/bin/sh
# A throw-away PostgreSQL server for the test suite, from Debian's packages.
# Installs `postgresql` if no server binaries are found, creates a private cluster in
# $MONITOR_TEST_PG_DIR (trust authentication, 127.0.0.1 only, fsync off: test data
# only), starts it unless it already runs, and prints its SQLAlchemy URL on stdout.
# Idempotent: when the server already runs this takes a few milliseconds.
set -eu
DIR="${MONITOR_TEST_PG_DIR:-/tmp/medcoop-monitor-pg}"
PORT="${MONITOR_TEST_PG_PORT:-54329}"

server_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

BIN=$(server_bin)
if [ -z "$BIN" ] || [ ! -x "$BIN/postgres" ]; then
    echo "No PostgreSQL server found: installing Debian's postgresql package..." >&2
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    BIN=$(server_bin)
    [ -n "$BIN" ] || { echo "postgresql install failed" >&2; exit 1; }
fi

# the server refuses to run as root: run it as the "postgres" user the package creates
if [ "$(id -u)" -eq 0 ]; then
    AS="runuser -u postgres --"
    mkdir -p "$DIR" && chown postgres: "$DIR"
else
    AS=""
    mkdir -p "$DIR"
fi

if ! $AS "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    if [ ! -f "$DIR/data/PG_VERSION" ] || [ "$(cat "$DIR/data/PG_VERSION")" != "$(basename "$(dirname "$BIN")")" ]; then
        rm -rf "$DIR/data"
        $AS "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
            --no-sync >/dev/null
    fi
    if ! $AS "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >/dev/null; then
        echo "PostgreSQL did not start; its log:" >&2
        tail -n 20 "$DIR/server.log" >&2
        exit 1
    fi
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
