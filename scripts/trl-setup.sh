#!/usr/bin/env bash
# Installs the TRL evaluator's Python environment (evaluators/trl/requirements.txt: CPU torch, TRL,
# transformers) into .venv-trl (or $EVOD_TRL_VENV). Cached like the LLM's: the environment itself
# lives in $EVOD_TRL_CACHE (default ~/.cache/evod/trl), one per hash of the requirements, and
# .venv-trl is a link to it, so a fresh checkout on the same machine (CI) installs nothing.
# Prints the environment's python on success.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/evaluators/trl/requirements.txt"
link=${EVOD_TRL_VENV:-$root/.venv-trl}
cache=${EVOD_TRL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evod/trl}
exec "$root/scripts/cached-venv.sh" "$requirements" "$link" "$cache" "the TRL environment (torch CPU, trl, transformers)"
