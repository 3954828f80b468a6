#!/usr/bin/env bash
# A Python environment cached per hash of its requirements: installs REQUIREMENTS into
# CACHE/venv-<hash> once and links LINK to it, so a fresh checkout on the same machine (CI) installs
# nothing. Prints LINK/bin/python. Used by trl-setup.sh, dashboard-setup.sh and bench-setup.sh.
# Usage: scripts/cached-venv.sh REQUIREMENTS LINK CACHE WHAT
set -euo pipefail
requirements=$1 link=$2 cache=$3 what=$4
venv="$cache/venv-$(sha256sum "$requirements" | cut -c1-16)"
if [ ! -f "$venv/.installed" ]; then
    echo "installing $what into $venv" >&2
    rm -rf "$venv"
    mkdir -p "$cache"
    python3 -m venv "$venv"
    if ! "$venv/bin/pip" install --quiet -r "$requirements" >&2; then
        rm -rf "$venv"
        echo "error: installing $requirements failed (see above)" >&2
        exit 1
    fi
    touch "$venv/.installed"
fi
if [ -e "$link" ] && [ ! -L "$link" ]; then
    echo "error: $link exists and is not a link to the cached environment; remove it and run again" >&2
    exit 1
fi
ln -sfn "$venv" "$link"
echo "$link/bin/python"
