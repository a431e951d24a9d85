#!/usr/bin/env bash
# Stops what scripts/services/start.sh started (by the pid files in the state dir, and PostgreSQL
# with pg_ctl). Safe to run when nothing is running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${RH_SERVICES_DIR:-$ROOT/.cache/services}"
log() { echo "[services] $*" >&2; }

stop_pidfile() {
  local name="$1" pidfile="$STATE/$1.pid" pid i
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in 10s, killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

# the services started by their own scripts (Kafka, Alertmanager)
for extra in "kafka.sh stop-cluster" "kafka.sh stop" "alertmanager.sh stop"; do
  script="${extra%% *}"
  [ -x "$ROOT/scripts/services/$script" ] || [ -f "$ROOT/scripts/services/$script" ] || continue
  bash "$ROOT/scripts/services/$script" "${extra#* }" || log "$extra failed (ignored)"
done

stop_pidfile prometheus
stop_pidfile postgres_exporter
stop_pidfile redis_exporter
stop_pidfile redis

if [ -s "$STATE/postgresql.where" ]; then
  { read -r PG_BIN; read -r PG_DATA; } < "$STATE/postgresql.where"
  if [ -s "$PG_DATA/postmaster.pid" ]; then
    log "stopping postgresql ($PG_DATA)"
    if [ "$(id -u)" -eq 0 ]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop > /dev/null || true
    else
      "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop > /dev/null || true
    fi
  fi
fi
rm -f "$STATE/env"
log "stopped"
