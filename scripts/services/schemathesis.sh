#!/usr/bin/env bash
# Schemathesis (PyPI), the independent API fuzzer driven by the gate's /openapi.json
# (test/reliability/schemathesis.test.ts). Installs it once into a cached virtualenv and prints
# the path of its `st` command on stdout (logs go to stderr); later runs reuse the venv.
#
# Usage: bash scripts/services/schemathesis.sh          → prints /…/venv/bin/st
# Environment: RH_TOOLS_CACHE (default ~/.cache/release-health), RH_SCHEMATHESIS_VERSION
# (pinned so CI runs are comparable; default 4.32.5), RH_PYTHON (the interpreter for the venv).
# Without RH_PYTHON a Python >= 3.12 is preferred (PATH, then pyenv's versions): CPython 3.11's
# ast.parse can raise "SystemError: AST constructor recursion depth mismatch" inside hypothesis
# (CPython gh-106905), which aborts schemathesis's coverage phase; python3 is the fallback.
set -euo pipefail

CACHE="${RH_TOOLS_CACHE:-$HOME/.cache/release-health}"
VERSION="${RH_SCHEMATHESIS_VERSION:-4.32.5}"
VENV="$CACHE/venv"
ST="$VENV/bin/st"
log() { echo "[schemathesis] $*" >&2; }

pick_python() {
  if [ -n "${RH_PYTHON:-}" ]; then echo "$RH_PYTHON"; return; fi
  local candidates=(python3.13 python3.12)
  if command -v pyenv >/dev/null; then
    local root; root="$(pyenv root)"
    for d in "$root"/versions/3.1[2-9]*; do [ -x "$d/bin/python3" ] && candidates+=("$d/bin/python3"); done
  fi
  for p in "${candidates[@]}"; do
    if "$p" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo "$p"; return; fi
  done
  echo python3
}
venv_ok() { "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null || [ "$(pick_python)" = python3 ]; }

installed_version() { "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true; }

if [ -x "$ST" ] && [ "$(installed_version)" = "$VERSION" ] && venv_ok; then
  echo "$ST"
  exit 0
fi

PYTHON="$(pick_python)"
command -v "$PYTHON" >/dev/null || { log "$PYTHON is not installed"; exit 1; }
mkdir -p "$CACHE"
if [ ! -x "$VENV/bin/python" ] || ! venv_ok; then
  log "creating virtualenv $VENV with $("$PYTHON" --version 2>&1)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
log "installing schemathesis==$VERSION into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
[ -x "$ST" ] || { log "install finished but $ST is missing"; exit 1; }
echo "$ST"
