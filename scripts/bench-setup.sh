#!/usr/bin/env bash
# The JAX reference's Python environment for `make bench` (bench/requirements.txt), cached like the
# TRL and dashboard ones: in $EVOD_BENCH_CACHE (default ~/.cache/evod/bench), one per hash of the
# requirements, linked from .venv-bench. Prints the environment's python on success.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${EVOD_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evod/bench}
exec "$root/scripts/cached-venv.sh" "$root/bench/requirements.txt" "$root/.venv-bench" "$cache" "JAX (CPU)"
