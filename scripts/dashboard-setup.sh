#!/usr/bin/env bash
# What the dashboard's browser test needs (Tests/DashboardE2E): Debian's chromium, chromium-driver
# and prometheus (with promtool), and selenium (Tests/DashboardE2E/requirements.txt) in a Python
# environment cached like the TRL one: in $EVOD_DASH_CACHE (default ~/.cache/evod/dashboard), one
# per hash of the requirements, linked from .venv-dash. Selenium drives the system browser offline
# (SE_OFFLINE=true, the driver's path given): nothing is downloaded at test time.
# Prints the environment's python on success.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
packages=(chromium chromium-driver prometheus)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing Debian packages: ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
requirements="$root/Tests/DashboardE2E/requirements.txt"
link=$root/.venv-dash
cache=${EVOD_DASH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evod/dashboard}
exec "$root/scripts/cached-venv.sh" "$requirements" "$link" "$cache" "selenium"
