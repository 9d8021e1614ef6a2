#!/bin/sh
# The README's "Running on several machines", followed as written on one fresh Debian
# machine, as root, with or without systemd (`make cluster-demo`):
#   PostgreSQL and Redis from Debian (installed if missing, started if not running), a
#   password role and a database over TCP, `monitor db upgrade`, two workers on the saved
#   pages, `monitor dispatch --all --replay seeds/site`, then `monitor digest` and
#   `monitor health`. It checks that every source with saved pages was crawled to the end,
#   that every article was fetched and stored once, that a second cycle stores nothing
#   again, and that no health check fails.
# Its role, database and Redis keys are its own (monitor_cluster_demo, prefix
# medcoop-cluster-demo): it never touches the monitor's database or the test servers.
# On exit it stops its workers, drops its database and role, deletes its Redis keys and
# stops the servers it started (KEEP=1 keeps all of it to look at). Runnable any number of
# times; about two minutes.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${VENV:-.venv}"
SITE=seeds/site
NAME="${MONITOR_DEMO_DB:-monitor_cluster_demo}"   # the role and the database
PASSWORD=cluster-demo
PREFIX=medcoop-cluster-demo
IDLE="${MONITOR_DEMO_IDLE:-20}"   # seconds a worker waits on an empty queue before it exits
BOUND=600                         # the most a worker may take before it is killed
START=$(date +%s)

[ -x "$VENV/bin/python" ] || { echo "no $VENV/bin/python: run \`make setup\` first" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
as_postgres() { (cd / && if [ -n "$SUDO" ]; then sudo -u postgres "$@"; else runuser -u postgres -- "$@"; fi); }
say() { printf '\n== %s\n' "$*"; }
fail() { echo "cluster demo: FAILED: $*" >&2; exit 1; }

# `monitor` as the README's `. .venv/bin/activate` gives it, on this checkout's code
TMP=$(mktemp -d /tmp/medcoop-cluster-demo.XXXXXX)
mkdir -p "$TMP/bin"
case "$VENV" in /*) PY="$VENV/bin/python" ;; *) PY="$ROOT/$VENV/bin/python" ;; esac
printf '#!/bin/sh\ncd "%s" && exec "%s" -m monitor.cli "$@"\n' "$ROOT" "$PY" > "$TMP/bin/monitor"
chmod +x "$TMP/bin/monitor"
PATH="$TMP/bin:$PATH"

STARTED_PG= STARTED_REDIS= WORKERS=
cleanup() {
    code=$?
    trap - EXIT INT TERM
    for pid in $WORKERS; do
        if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null; wait "$pid" || true; fi
    done
    if [ "${KEEP:-}" = 1 ]; then
        echo "KEEP=1: kept database $NAME, Redis keys $PREFIX:*, the servers and $TMP"
        exit "$code"
    fi
    if redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
        redis-cli -h 127.0.0.1 --scan --pattern "$PREFIX:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
    fi
    if pg_isready -q -h 127.0.0.1 2>/dev/null; then
        as_postgres dropdb --if-exists --force "$NAME" || true
        as_postgres psql -qc "DROP ROLE IF EXISTS $NAME" || true
    fi
    [ -z "$STARTED_REDIS" ] || $SUDO service redis-server stop >/dev/null 2>&1 || true
    [ -z "$STARTED_PG" ] || $SUDO service postgresql stop >/dev/null || true
    rm -rf "$TMP"
    echo "cluster demo: cleaned up (workers, database $NAME, Redis keys $PREFIX:*${STARTED_PG:+, PostgreSQL}${STARTED_REDIS:+, Redis}); $(( $(date +%s) - START )) s in all"
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "PostgreSQL and Redis from Debian"
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v redis-server >/dev/null \
        || ! command -v redis-cli >/dev/null; then
    echo "apt-get install -y postgresql redis-server"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql redis-server >/dev/null
fi
# systemd starts both on install; a container without systemd needs `service ... start`
if ! pg_isready -q -h 127.0.0.1; then
    echo "service postgresql start"
    $SUDO service postgresql start
    STARTED_PG=1
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    echo "service redis-server start"
    $SUDO service redis-server start 2>/dev/null
    STARTED_REDIS=1
fi
tries=0
until pg_isready -q -h 127.0.0.1 && [ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ]; do
    tries=$((tries + 1)); [ "$tries" -le 120 ] || fail "PostgreSQL or Redis did not start"
    sleep 0.5
done
echo "PostgreSQL and Redis answer on 127.0.0.1"

say "a role and a database of the demo's own, reached over TCP with a password"
export PGOPTIONS="-c client_min_messages=warning"
as_postgres dropdb --if-exists --force "$NAME"   # left by an interrupted run or KEEP=1
as_postgres psql -qc "DROP ROLE IF EXISTS $NAME"
echo "runuser -u postgres -- psql -c \"CREATE ROLE $NAME LOGIN PASSWORD '$PASSWORD'\""
as_postgres psql -qc "CREATE ROLE $NAME LOGIN PASSWORD '$PASSWORD'"
echo "runuser -u postgres -- createdb -O $NAME $NAME"
as_postgres createdb -O "$NAME" "$NAME"
redis-cli -h 127.0.0.1 --scan --pattern "$PREFIX:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null

export MONITOR_DATABASE_URL="postgresql+psycopg://$NAME:$PASSWORD@127.0.0.1/$NAME"
export MONITOR_REDIS_URL=redis://127.0.0.1:6379/0
export MONITOR_REDIS_PREFIX="$PREFIX"
export MONITOR_DATA_DIR="$TMP/data"   # the workers' logs and locks
sql() { PGPASSWORD=$PASSWORD psql -h 127.0.0.1 -U "$NAME" -d "$NAME" -qAtc "$1"; }

say "monitor db upgrade"
monitor db upgrade

# one cycle: the workers in the background, the dispatch, then wait for the workers
cycle() {  # cycle N WORKERS
    n=$1 WORKERS=
    for w in $(seq "$2"); do
        say "monitor worker --replay $SITE --until-idle $IDLE &   # worker $w"
        MONITOR_WORKER_ID="demo-$n-$w" timeout -k 30 "$BOUND" \
            monitor worker --replay "$SITE" --until-idle "$IDLE" > "$TMP/worker-$n-$w.out" 2>&1 &
        WORKERS="$WORKERS $!"
    done
    say "monitor dispatch --all --replay $SITE"
    if ! monitor dispatch --all --replay "$SITE" > "$TMP/dispatch-$n.out" 2>&1; then
        cat "$TMP/dispatch-$n.out" >&2; fail "dispatch failed"; fi
    cat "$TMP/dispatch-$n.out"
    say "wait   # for the workers: each stops once the queue has been empty for $IDLE s"
    w=0
    for pid in $WORKERS; do
        w=$((w + 1))
        if wait "$pid"; then tail -n 2 "$TMP/worker-$n-$w.out"; else
            tail -n 20 "$TMP/worker-$n-$w.out" >&2; fail "worker $w of cycle $n failed"; fi
    done
    WORKERS=
}
total() {  # total N WHAT: the sum of a number over cycle N's workers' output
    cat "$TMP"/worker-"$1"-*.out | sed -n "s/^worker [^ ]*: $2/\\1/p" | awk '{s += $1} END {print s + 0}'
}

cycle 1 2
queued=$(sed -n 's/^Queued \([0-9]*\) of.*/\1/p' "$TMP/dispatch-1.out")
saved=$(grep -c 'start request(s) queued' "$TMP/dispatch-1.out" || true)
skipped=$(grep -c -E 'skipped: no saved page|跳过：.*没有其起始网址的保存页面' "$TMP/dispatch-1.out" || true)

say "monitor digest"
monitor digest
say "monitor health"
monitor health > "$TMP/health.out" || { cat "$TMP/health.out"; fail "a health check fails"; }
head -n 1 "$TMP/health.out"

say "checks"
stored=$(sql "SELECT count(*) FROM articles")
fetched=$(total 1 '\([0-9]*\) article page(s) fetched.*')
new=$(total 1 '[0-9]* pages, \([0-9]*\) new articles')
runs=$(sql "SELECT count(*) FROM crawl_runs")
[ "$queued" -gt 0 ] && [ "$queued" = "$saved" ] || fail "dispatch queued $queued source(s), $saved listed"
[ "$runs" = "$queued" ] || fail "$runs run record(s) for $queued queued source(s)"
ended=$(sql "SELECT count(*) FROM crawl_runs WHERE finish_reason = 'finished' AND errors::text = '{}'")
[ "$ended" = "$runs" ] || fail "$((runs - ended)) of $runs run(s) did not finish without errors:
$(sql "SELECT source, finish_reason, errors FROM crawl_runs")"
echo "ok  every source with saved pages ($queued) was queued once and its run finished without errors; $skipped without saved pages were left out"
workers=$(sql "SELECT count(DISTINCT w) FROM crawl_runs, json_array_elements_text(stats -> 'workers') AS w")
[ "$workers" = 2 ] || fail "$workers worker(s) did work, not 2"
[ "$stored" -gt 0 ] && [ "$stored" = "$new" ] || fail "$stored article(s) stored, the workers say $new"
[ "$(sql "SELECT sum(new_articles) FROM crawl_runs")" = "$stored" ] || fail "the run records do not add up to $stored"
[ "$fetched" = "$stored" ] || fail "$fetched article page(s) fetched for $stored stored: one was fetched twice"
# every stored article is one of the saved article pages (those with an expected.json)
"$PY" -c '
import json, pathlib, sys
for p in pathlib.Path(sys.argv[1]).rglob("expected.json"):
    e = json.loads(p.read_text("utf-8"))
    print(e.get("canonical_url") or e["url"])' "$SITE" | sort > "$TMP/saved-articles"
sql "SELECT url FROM articles" | sort > "$TMP/stored-articles"
others=$(comm -13 "$TMP/saved-articles" "$TMP/stored-articles")
[ -z "$others" ] || fail "stored what is not a saved article page: $others"
echo "ok  2 workers stored $stored article(s), each fetched once and stored once, all of them saved article pages"

cycle 2 1
new2=$(total 2 '[0-9]* pages, \([0-9]*\) new articles')
[ "$new2" = 0 ] && [ "$(sql "SELECT count(*) FROM articles")" = "$stored" ] \
    || fail "a second cycle stored $new2 article(s) again"
runs2=$(sql "SELECT count(*) FROM crawl_runs WHERE finish_reason = 'finished'")
[ "$runs2" = $((2 * queued)) ] || fail "$runs2 of $((2 * queued)) runs finished after the second cycle"
monitor health > "$TMP/health.out" || { cat "$TMP/health.out"; fail "a health check fails after the second cycle"; }
echo "ok  a second cycle fetched the list pages again and stored nothing twice; $(head -n 1 "$TMP/health.out")"

echo
echo "cluster demo: OK in $(( $(date +%s) - START )) s: $stored articles stored once by 2 workers from $queued sources, a second cycle stored 0, no health check fails"
