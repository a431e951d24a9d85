#!/usr/bin/env bash
# The controllers' own code against a live gate: Argo Rollouts v1.8.5's analysis controller
# (test/controllers/argo) and Flagger v1.44.0's webhook caller and Prometheus provider
# (test/controllers/flagger), two Go test modules pinned in their go.mod, downloaded from the Go
# module proxy. The module download and the build cache live in ~/.cache/release-health/go, with
# the Kafka jars and the Python venvs, shared by every clone on the machine: a second run — or CI's
# fresh clone after a session that ran these tests — downloads nothing and rebuilds only what
# changed (a cold cache builds Argo's and Flagger's test binaries in ~8 minutes on 2 cores).
#
# It starts test/controllers/fixture.ts (a real `serve` whose engine reaches every decision from
# simulator samples, plus a private Prometheus — the Debian binary — scraping its /metrics),
# runs `go test` in both modules against it, and stops the fixture whatever happens.
#
# Usage: go-controllers.sh [test|fetch]   (fetch: only download the modules, e.g. to warm a cache)
# Environment: RH_GO_CACHE (default ~/.cache/release-health/go), RH_GO_TEST_FLAGS (extra `go test` flags).
# Under CI=true a missing Go toolchain or Prometheus is a failure, never a skip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${RH_GO_CACHE:-$HOME/.cache/release-health/go}"
MODULES=(test/controllers/argo test/controllers/flagger)
fixture_pid=
log() { echo "[go-controllers] $*" >&2; }
die() { echo "[go-controllers] ERROR: $*" >&2; exit 1; }

export GOMODCACHE="$CACHE/mod" GOCACHE="$CACHE/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local GOTELEMETRY=off
PATH="$PATH:/usr/local/go/bin"
command -v go > /dev/null || die "go not found (the Go toolchain, 1.26 or later, must be on the machine)"
command -v prometheus > /dev/null || [ -x /usr/bin/prometheus ] || die "prometheus not found (scripts/services/start.sh installs the Debian package)"

# only the modules whose packages the tests import (`go mod download` would fetch every module of
# the graph: gigabytes of Argo's and Flagger's optional providers)
fetch() {
  local t0=$SECONDS
  for m in "${MODULES[@]}"; do (cd "$ROOT/$m" && go list -test -deps . > /dev/null); done
  log "modules ready in $((SECONDS - t0))s ($(du -sh "$GOMODCACHE" 2> /dev/null | cut -f1) in $GOMODCACHE)"
}

run_tests() {
  fetch
  local t0=$SECONDS
  for m in "${MODULES[@]}"; do (cd "$ROOT/$m" && go test -c -vet=off -o /dev/null .); done
  log "test binaries built in $((SECONDS - t0))s"

  local state="$ROOT/.cache/controllers"
  mkdir -p "$state"
  rm -f "$state/fixture.json"
  (cd "$ROOT" && exec node --import tsx test/controllers/fixture.ts "$state/fixture.json") > "$state/fixture.log" 2>&1 &
  fixture_pid=$!
  trap 'kill "$fixture_pid" 2> /dev/null || true; wait "$fixture_pid" 2> /dev/null || true' EXIT  # fixture_pid: global
  for _ in $(seq 1 900); do
    [ -f "$state/fixture.json" ] && break
    kill -0 "$fixture_pid" 2> /dev/null || { cat "$state/fixture.log" >&2; die "the fixture exited"; }
    sleep 0.2
  done
  [ -f "$state/fixture.json" ] || { cat "$state/fixture.log" >&2; die "the fixture was not ready within 180 s"; }
  log "$(tail -1 "$state/fixture.log")"

  export RH_CONTROLLERS_FIXTURE="$state/fixture.json"
  local failed=0
  for m in "${MODULES[@]}"; do
    t0=$SECONDS
    # shellcheck disable=SC2086
    (cd "$ROOT/$m" && go test -count=1 -vet=off ${RH_GO_TEST_FLAGS:-} .) || failed=1
    log "$m: $((SECONDS - t0))s"
  done
  return "$failed"
}

case "${1:-test}" in
  fetch) fetch ;;
  test) run_tests ;;
  *) die "usage: $0 [test|fetch]" ;;
esac
