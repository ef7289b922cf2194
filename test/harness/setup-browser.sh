#!/usr/bin/env bash
# Installs the browser the live-page tests drive: Debian's chromium (playwright-core brings no browser of its own).
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (or sudo) and Debian's package
# mirrors on the first run.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
sudo_cmd=()
if [[ "$(id -u)" != 0 ]]; then sudo_cmd=(sudo); fi
echo "[setup-browser] installing chromium from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
/usr/bin/chromium --version >&2
