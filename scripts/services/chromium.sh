#!/usr/bin/env bash
# Installs Debian's `chromium` when it is missing and prints its path (one line on stdout; logs go
# to stderr). The scorecard page's real-browser test (dashboards/scorecard/page.browser.test.ts)
# drives it with playwright-core through `executablePath`, so no browser is downloaded by npm.
#
#   bash scripts/services/chromium.sh          # → /usr/bin/chromium
#
# apt-get runs under `flock /tmp/rh-apt.lock`: other service scripts install packages at the same
# time on shared CI machines, and two concurrent apt-get runs fail on dpkg's own lock. `sudo` is
# used only when not root (CI containers run as root and often have no sudo).
set -euo pipefail

log() { echo "[chromium] $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

find_chromium() {
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  command -v chromium 2>/dev/null || return 1
}

if path="$(find_chromium)"; then
  echo "$path"
  exit 0
fi

log "chromium missing; installing the Debian package (apt lock: /tmp/rh-apt.lock)"
as_root env DEBIAN_FRONTEND=noninteractive flock /tmp/rh-apt.lock \
  sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null'

if path="$(find_chromium)"; then
  log "installed: $("$path" --version 2>/dev/null || echo "$path")"
  echo "$path"
else
  log "ERROR: apt-get finished but no chromium binary was found"
  exit 1
fi
