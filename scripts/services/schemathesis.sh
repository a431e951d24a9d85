#!/usr/bin/env bash
# Schemathesis (PyPI), the independent API fuzzer driven by the gate's /openapi.json
# (test/reliability/schemathesis.test.ts). Installs it once into a cached virtualenv and prints
# the path of its `st` command on stdout (logs go to stderr); later runs reuse the venv.
#
# Usage: bash scripts/services/schemathesis.sh          → prints /…/venv/bin/st
# Environment: RH_TOOLS_CACHE (default ~/.cache/release-health), RH_SCHEMATHESIS_VERSION
# (pinned so CI runs are comparable; default 4.32.5).
set -euo pipefail

CACHE="${RH_TOOLS_CACHE:-$HOME/.cache/release-health}"
VERSION="${RH_SCHEMATHESIS_VERSION:-4.32.5}"
VENV="$CACHE/venv"
ST="$VENV/bin/st"
log() { echo "[schemathesis] $*" >&2; }

installed_version() { "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true; }

if [ -x "$ST" ] && [ "$(installed_version)" = "$VERSION" ]; then
  echo "$ST"
  exit 0
fi

command -v python3 >/dev/null || { log "python3 is not installed"; exit 1; }
mkdir -p "$CACHE"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV"
  python3 -m venv "$VENV"
fi
log "installing schemathesis==$VERSION into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
[ -x "$ST" ] || { log "install finished but $ST is missing"; exit 1; }
echo "$ST"
