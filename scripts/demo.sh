#!/usr/bin/env bash
# `make demo`: run island 1 of configs/cluster.toml (the built-in mutation proposer on the default
# prefbandit task) for DEMO_SECONDS (default 90), then show the cluster status, the best losses, the
# best one as PyTorch code, and an SVG of the archive. State persists in state/island-1: running the
# demo again resumes the search where it stopped.
# Usage: scripts/demo.sh PATH/TO/evod PATH/TO/evoctl
set -euo pipefail
evod=${1:-.build/release/evod}
evoctl=${2:-.build/release/evoctl}
seconds=${DEMO_SECONDS:-90}
config=configs/cluster.toml
mkdir -p state/island-1
if [ -f state/island-1/island.sqlite ]; then echo "== resuming the search in state/island-1"; fi

echo "== starting evod --island 1 for ${seconds}s (log: state/island-1/evod.log)"
"$evod" --island 1 --config "$config" >> state/island-1/evod.log 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for ((t = 15; t <= seconds; t += 15)); do
    sleep 15
    "$evoctl" status --config "$config" | sed -n '1p;2p'
done
sleep $((seconds % 15))

echo; echo "== evoctl status"
"$evoctl" status --config "$config"
echo; echo "== evoctl best --top 5"
"$evoctl" best --config "$config" --top 5
echo; echo "== the best loss as PyTorch (evoctl export best --format pytorch)"
"$evoctl" export best --config "$config" --format pytorch
echo; "$evoctl" archive --config "$config" --island 1 --svg state/island-1/archive.svg

echo; echo "== stopping the island (evoctl stop --island 1)"
"$evoctl" stop --config "$config" --island 1
wait $pid || true
trap - EXIT
