#!/usr/bin/env bash
# Installs the TRL evaluator's Python environment (examples/trl/requirements.txt: CPU torch, TRL,
# transformers) into .venv-trl (or $EVOD_TRL_VENV). Cached like the LLM's: the environment itself
# lives in $EVOD_TRL_CACHE (default ~/.cache/evod/trl), one per hash of the requirements, and
# .venv-trl is a link to it, so a fresh checkout on the same machine (CI) installs nothing.
# Prints the environment's python on success.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/examples/trl/requirements.txt"
link=${EVOD_TRL_VENV:-$root/.venv-trl}
cache=${EVOD_TRL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evod/trl}
hash=$(sha256sum "$requirements" | cut -c1-16)
venv="$cache/venv-$hash"
if [ ! -f "$venv/.installed" ]; then
    echo "installing the TRL environment (torch CPU, trl, transformers) into $venv" >&2
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
