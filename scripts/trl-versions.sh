#!/usr/bin/env bash
# Runs the TRL export's tests (evaluators/trl/test_trl.py) against several TRL releases, each in an
# environment of its own (CPU torch + `trl==VERSION`, the rest as pip resolves it today), cached in
# $EVOD_TRL_CACHE/versions. Usage: scripts/trl-versions.sh [VERSION ...] (default: a spread of 1.x).
# Prints one line per version: the TRL, transformers and accelerate it ran with, and the outcome.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${EVOD_TRL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evod/trl}/versions
evoctl=${EVOCTL:-$root/.build/debug/evoctl}
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(1.0.0 1.5.0 1.10.0 1.16.0)
torch_pin=$(grep '^torch==' "$root/evaluators/trl/requirements.txt")
status=0
for version in "${versions[@]}"; do
    venv="$cache/trl-$version"
    if [ ! -f "$venv/.installed" ]; then
        rm -rf "$venv" && python3 -m venv "$venv"
        if ! "$venv/bin/pip" install --quiet "$torch_pin" "trl==$version" >"$venv.install.log" 2>&1; then
            echo "trl $version: cannot be installed (see $venv.install.log)"; status=1; continue
        fi
        touch "$venv/.installed"
    fi
    stack=$("$venv/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{p} {m.version(p)}" for p in ("trl", "transformers", "accelerate", "torch")))')
    log="$cache/trl-$version.test.log"
    if EVOCTL="$evoctl" "$venv/bin/python" -m unittest discover -s "$root/evaluators/trl" -t "$root/evaluators/trl" >"$log" 2>&1; then
        echo "$stack: $(grep -E '^Ran ' "$log"), all passed"
    else
        echo "$stack: FAILED: $(grep -E '^(Ran |FAILED)' "$log" | tr '\n' ' ')(see $log)"; status=1
    fi
done
exit $status
