#!/usr/bin/env bash
# Grafana's dashboard-linter, built from its source as the Go module proxy serves it, into
# ~/.cache/release-health/go/bin/dashboard-linter-VERSION, the Go cache that go-controllers.sh uses
# (later runs and other clones on the machine reuse the binary). Prints the binary's path.
#
# Why not `go install github.com/grafana/dashboard-linter@v0.2.0`: the module's go.mod carries a
# replace directive (go install refuses those), and the proxy does not serve the pseudo-version of
# github.com/grafana/grafana/apps/dashboard its lint/v2.go imports — the adapter for the v2
# (kubernetes "dashboard.grafana.app/v2…") schema only. So the proxy-served source is built as the
# main module with lint/v2.go replaced by a stub that refuses v2 dashboards (ours are the classic
# JSON model; every rule runs unchanged on them) and that requirement dropped.
#
# Environment: RH_GO_CACHE (default ~/.cache/release-health/go). Under CI=true a missing Go is a failure.
set -euo pipefail

CACHE="${RH_GO_CACHE:-$HOME/.cache/release-health/go}"
VERSION=v0.2.0
BIN="$CACHE/bin/dashboard-linter-$VERSION"
log() { echo "[dashboard-linter] $*" >&2; }
die() { echo "[dashboard-linter] ERROR: $*" >&2; exit 1; }

if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
export GOMODCACHE="$CACHE/mod" GOCACHE="$CACHE/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local GOTELEMETRY=off
PATH="$PATH:/usr/local/go/bin"
command -v go > /dev/null || die "go not found (the Go toolchain must be on the machine)"

t0=$SECONDS
dir="$(cd /tmp && go mod download -json "github.com/grafana/dashboard-linter@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
[ -d "$dir" ] || die "could not download github.com/grafana/dashboard-linter@$VERSION from the Go module proxy"
src="$CACHE/src/dashboard-linter-$VERSION"
rm -rf "$src"
mkdir -p "$src" "$CACHE/bin"
cp -r "$dir/." "$src/"
chmod -R u+w "$src"
rm -f "$src/lint/v2.go" "$src/lint/v2_test.go"
cat > "$src/lint/v2.go" <<'GO'
// Written by release-health's scripts/services/dashboard-linter.sh in place of the upstream v2
// adapter, whose dependency the Go module proxy does not serve: v2 dashboards are refused.
package lint

import (
	"encoding/json"
	"errors"
	"strings"
)

func isV2APIVersion(apiVersion string) bool {
	v := apiVersion
	if i := strings.LastIndex(v, "/"); i >= 0 {
		v = v[i+1:]
	}
	return strings.HasPrefix(v, "v2")
}

func newDashboardFromV2(json.RawMessage, string) (Dashboard, error) {
	return Dashboard{}, errors.New("v2 dashboards are not supported by this build")
}
GO
(cd "$src" && go mod edit -droprequire github.com/grafana/grafana/apps/dashboard && go mod tidy > /dev/null 2>&1 || true)
(cd "$src" && go build -o "$BIN" .) || die "build failed"
log "built $VERSION in $((SECONDS - t0))s"
echo "$BIN"
