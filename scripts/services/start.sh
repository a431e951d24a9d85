#!/usr/bin/env bash
# Starts the real services the integration tests (test/integration/) talk to, on 127.0.0.1 and
# on non-default ports so that they never clash with a system PostgreSQL/Redis/Prometheus:
#
#   PostgreSQL         55432   (database "odoo", seeded with a table and some transactions)
#   Redis              56379
#   postgres_exporter  59187   (Debian prometheus-postgres-exporter, DATA_SOURCE_NAME → the above)
#   redis_exporter     59121   (Debian prometheus-redis-exporter)
#   Prometheus         59090   (scrapes both exporters and itself every 1s)
#
# Installs the Debian packages only when missing, starts the binaries directly in the background
# (no systemd: CI has no init), with pid files and logs in the state dir, waits until each one
# answers, then writes the endpoints to $STATE/env (source it). Idempotent: a service already
# answering is left alone. Stop everything with scripts/services/stop.sh.
#
# Environment: RH_SERVICES_DIR (state dir, default <repo>/.cache/services), RH_SERVICES_TIMEOUT
# (seconds to wait for each service, default 60).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${RH_SERVICES_DIR:-$ROOT/.cache/services}"
TIMEOUT="${RH_SERVICES_TIMEOUT:-60}"
HOST=127.0.0.1
PG_PORT=55432
REDIS_PORT=56379
PG_EXPORTER_PORT=59187
REDIS_EXPORTER_PORT=59121
PROM_PORT=59090
# PostgreSQL's files must be reachable by the postgres user, whatever the permissions of the
# checkout: they live under /tmp, keyed by the state dir so two checkouts do not share them.
PG_ROOT="${RH_SERVICES_PG_DIR:-/tmp/rh-services-pg-$(printf '%s' "$STATE" | cksum | cut -d' ' -f1)}"
PG_DATA="$PG_ROOT/data"
PG_LOG="$PG_ROOT/postgresql.log"

mkdir -p "$STATE"
log() { echo "[services] $*" >&2; }
die() { echo "[services] ERROR: $*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- install ---------------------------------------------------------------------------------
packages=(postgresql redis-server redis-tools prometheus-postgres-exporter prometheus-redis-exporter prometheus curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  t0=$SECONDS
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$STATE/apt.log" 2>&1 \
    || { tail -n 30 "$STATE/apt.log" >&2; die "apt-get install ${missing[*]} failed (log: $STATE/apt.log)"; }
  log "installed in $((SECONDS - t0))s"
fi

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$PG_BIN/initdb" ] || die "no PostgreSQL binaries under /usr/lib/postgresql/*/bin"
PG_EXPORTER_BIN=/usr/bin/prometheus-postgres-exporter
REDIS_EXPORTER_BIN=/usr/bin/prometheus-redis-exporter
PROM_BIN=/usr/bin/prometheus
for b in "$PG_EXPORTER_BIN" "$REDIS_EXPORTER_BIN" "$PROM_BIN" /usr/bin/redis-server /usr/bin/redis-cli /usr/bin/curl; do
  [ -x "$b" ] || die "$b not found after installing the packages"
done

# --- helpers ---------------------------------------------------------------------------------
# as_pg CMD...: run as the postgres user when we are root (initdb/postgres refuse to run as root).
if [ "$(id -u)" -eq 0 ]; then
  PG_USER=postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  PG_USER="$(id -un)"
  as_pg() { "$@"; }
fi

# wait_for NAME LOGFILE CMD...: retries CMD until it succeeds or TIMEOUT seconds pass; on timeout,
# fails naming the service and printing the tail of its log.
wait_for() {
  local name="$1" logfile="$2"; shift 2
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" > /dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "[services] ERROR: $name did not answer within ${TIMEOUT}s ($*). Last lines of $logfile:" >&2
      tail -n 20 "$logfile" >&2 2>/dev/null || echo "  (no log)" >&2
      exit 1
    fi
    sleep 0.3
  done
}

# running PIDFILE: the pid in the file is alive.
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# spawn NAME CMD...: starts CMD detached (own session, stdio to $STATE/NAME.log), pid in $STATE/NAME.pid.
spawn() {
  local name="$1"; shift
  setsid "$@" < /dev/null >> "$STATE/$name.log" 2>&1 &
  echo $! > "$STATE/$name.pid"
}

http_ok() { curl -fsS --max-time 2 -o /dev/null "$1" 2>/dev/null; }

# --- PostgreSQL ------------------------------------------------------------------------------
pg_ready() { "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -d postgres; }
if pg_ready; then
  log "postgresql already answering on $HOST:$PG_PORT"
else
  mkdir -p "$PG_ROOT"
  [ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PG_ROOT"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 > "$PG_ROOT/initdb.log" 2>&1 \
      || { tail -n 20 "$PG_ROOT/initdb.log" >&2; die "initdb failed (log: $PG_ROOT/initdb.log)"; }
  fi
  log "starting postgresql on $HOST:$PG_PORT"
  # pg_ctl daemonizes postgres and writes $PG_DATA/postmaster.pid; -w waits for startup.
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" \
    -o "-p $PG_PORT -c listen_addresses=$HOST -k $PG_ROOT -c track_counts=on -c fsync=off" start > /dev/null \
    || { tail -n 20 "$PG_LOG" >&2 2>/dev/null; die "postgresql did not start (log: $PG_LOG)"; }
fi
ln -sfn "$PG_LOG" "$STATE/postgresql.log"
printf '%s\n%s\n' "$PG_BIN" "$PG_DATA" > "$STATE/postgresql.where"   # for stop.sh
wait_for postgresql "$PG_LOG" pg_ready
export PGOPTIONS='-c client_min_messages=warning'
PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres)
if [ "$("${PSQL[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'odoo'")" != 1 ]; then
  "${PSQL[@]}" -d postgres -c 'CREATE DATABASE odoo'
fi
# Seed: a table and a few committed (and one rolled back) transactions, so that pg_stat_database
# and friends have non-trivial values. Re-running adds more rows; harmless.
"${PSQL[@]}" -d odoo > /dev/null <<'SQL'
CREATE TABLE IF NOT EXISTS sale_order (id serial PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
BEGIN; INSERT INTO sale_order (name, amount) SELECT 'SO' || g, g * 1.5 FROM generate_series(1, 100) g; COMMIT;
BEGIN; UPDATE sale_order SET amount = amount + 1 WHERE id % 7 = 0; COMMIT;
BEGIN; DELETE FROM sale_order WHERE id % 11 = 0; COMMIT;
BEGIN; INSERT INTO sale_order (name, amount) VALUES ('rolled back', 0); ROLLBACK;
SELECT count(*), sum(amount) FROM sale_order;
ANALYZE sale_order;
SQL

# --- Redis -----------------------------------------------------------------------------------
REDIS_CLI=(redis-cli -h "$HOST" -p "$REDIS_PORT")
redis_ready() { [ "$("${REDIS_CLI[@]}" ping 2>/dev/null)" = PONG ]; }
if redis_ready; then
  log "redis already answering on $HOST:$REDIS_PORT"
else
  log "starting redis on $HOST:$REDIS_PORT"
  mkdir -p "$STATE/redis"
  spawn redis /usr/bin/redis-server --bind "$HOST" --port "$REDIS_PORT" --dir "$STATE/redis" \
    --save '' --appendonly no --daemonize no --protected-mode yes
fi
wait_for redis "$STATE/redis.log" redis_ready
for i in 1 2 3 4 5; do
  "${REDIS_CLI[@]}" SET "rh:seed:$i" "value-$i" > /dev/null
  "${REDIS_CLI[@]}" GET "rh:seed:$i" > /dev/null
done
"${REDIS_CLI[@]}" INCR rh:seed:counter > /dev/null

# --- exporters -------------------------------------------------------------------------------
PG_EXPORTER_URL="http://$HOST:$PG_EXPORTER_PORT/metrics"
if http_ok "$PG_EXPORTER_URL"; then
  log "postgres_exporter already answering on $HOST:$PG_EXPORTER_PORT"
else
  log "starting postgres_exporter on $HOST:$PG_EXPORTER_PORT"
  DATA_SOURCE_NAME="postgresql://postgres@$HOST:$PG_PORT/odoo?sslmode=disable" \
    spawn postgres_exporter "$PG_EXPORTER_BIN" --web.listen-address="$HOST:$PG_EXPORTER_PORT"
fi
wait_for postgres_exporter "$STATE/postgres_exporter.log" http_ok "$PG_EXPORTER_URL"

REDIS_EXPORTER_URL="http://$HOST:$REDIS_EXPORTER_PORT/metrics"
if http_ok "$REDIS_EXPORTER_URL"; then
  log "redis_exporter already answering on $HOST:$REDIS_EXPORTER_PORT"
else
  log "starting redis_exporter on $HOST:$REDIS_EXPORTER_PORT"
  spawn redis_exporter "$REDIS_EXPORTER_BIN" -web.listen-address "$HOST:$REDIS_EXPORTER_PORT" \
    -redis.addr "redis://$HOST:$REDIS_PORT"
fi
wait_for redis_exporter "$STATE/redis_exporter.log" http_ok "$REDIS_EXPORTER_URL"

# --- Prometheus ------------------------------------------------------------------------------
PROM_URL="http://$HOST:$PROM_PORT"
if http_ok "$PROM_URL/-/ready"; then
  log "prometheus already answering on $HOST:$PROM_PORT"
else
  log "starting prometheus on $HOST:$PROM_PORT"
  cat > "$STATE/prometheus.yml" <<YAML
# Generated by scripts/services/start.sh
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ['$HOST:$PROM_PORT'] }]
  - job_name: postgres
    static_configs: [{ targets: ['$HOST:$PG_EXPORTER_PORT'] }]
  - job_name: redis
    static_configs: [{ targets: ['$HOST:$REDIS_EXPORTER_PORT'] }]
YAML
  rm -rf "$STATE/prometheus-data"
  spawn prometheus "$PROM_BIN" --config.file="$STATE/prometheus.yml" --storage.tsdb.path="$STATE/prometheus-data" \
    --storage.tsdb.retention.time=1h --web.listen-address="$HOST:$PROM_PORT"
fi
wait_for prometheus "$STATE/prometheus.log" http_ok "$PROM_URL/-/ready"
# Ready is not enough for the tests: wait for the first scrape of all three targets to be up.
all_up() { curl -fsS --max-time 2 -G "$PROM_URL/api/v1/query" --data-urlencode 'query=count(up == 1)' 2>/dev/null | grep -q '"3"\]'; }
wait_for "prometheus (first scrape of its 3 targets)" "$STATE/prometheus.log" all_up

# --- endpoints -------------------------------------------------------------------------------
cat > "$STATE/env.tmp" <<ENV
# Written by scripts/services/start.sh — endpoints of the integration-test services.
export RH_PG_URL=postgresql://postgres@$HOST:$PG_PORT/odoo
export RH_PG_BIN=$PG_BIN
export RH_REDIS_URL=redis://$HOST:$REDIS_PORT
export RH_PG_EXPORTER_URL=$PG_EXPORTER_URL
export RH_REDIS_EXPORTER_URL=$REDIS_EXPORTER_URL
export RH_PROMETHEUS_URL=$PROM_URL
ENV
mv "$STATE/env.tmp" "$STATE/env"
log "ready; endpoints in $STATE/env"
