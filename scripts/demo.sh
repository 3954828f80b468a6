#!/usr/bin/env bash
# `make demo`: run the cluster of configs/cluster.toml (4 islands with the built-in mutation
# proposer, ring migration every 5 generations with 2 emigrants, a farm broker with 2 workers, all
# on loopback, each its own process) for DEMO_SECONDS (default 90); then show the status, the
# migration log summary, the best losses, the best one as PyTorch code and an SVG of island 1's
# archive; stop everything; and last, what real training says of the proxy's best: it and DPO
# trained with TRL on the tiny-LM task's held-out seeds (`evoctl validate state/best.loss --task
# configs/tasks/trl-tiny.toml --standard dpo`, about two minutes on 2 cores), so that the demo never
# shows a proxy's winner as "the best loss" without it. State persists in state/: running the demo
# again resumes the search.
# Usage: scripts/demo.sh PATH/TO/evod PATH/TO/evoctl
set -euo pipefail
evod=${1:-.build/release/evod}
evoctl=${2:-.build/release/evoctl}
seconds=${DEMO_SECONDS:-90}
config=configs/cluster.toml
if [ -f state/island-1/island.sqlite ]; then echo "== resuming the search in state/"; fi

echo "== evoctl up (farm, 2 workers, 4 islands; logs in state/logs)"
"$evoctl" up --config "$config" --evod "$evod"
trap '"$evoctl" down --config "$config" >/dev/null 2>&1 || true' EXIT
for ((t = 15; t <= seconds; t += 15)); do
    sleep 15
    echo "-- ${t}s"
    "$evoctl" status --config "$config" | tail -n +2
done
sleep $((seconds % 15))

echo; echo "== evoctl status"
"$evoctl" status --config "$config"
echo; echo "== evoctl migrations"
"$evoctl" migrations --config "$config"
echo; echo "== evoctl best --top 5"
"$evoctl" best --config "$config" --top 5
echo; echo "== the best loss as PyTorch (evoctl export best --format pytorch)"
"$evoctl" export best --config "$config" --format pytorch
echo; "$evoctl" archive --config "$config" --island 1 --svg state/island-1/archive.svg
"$evoctl" export best --config "$config" --format loss > state/best.loss

echo; echo "== evoctl down"
trap - EXIT
"$evoctl" down --config "$config"

echo; echo "== what real training says of the proxy's best: it and DPO under TRL (the tiny-LM task, held-out seeds)"
echo "   evoctl validate state/best.loss --task configs/tasks/trl-tiny.toml --standard dpo"
if [ -x .venv-trl/bin/python ]; then
    "$evoctl" validate state/best.loss --task configs/tasks/trl-tiny.toml --standard dpo
    echo "(The search above ranks by a proxy task. configs/tasks/lm-like-trl.toml makes real training confirm each"
    echo " island's best instead: docs/tasks-and-evaluators.md, \"Real training decides\".)"
else
    echo "skipped: no TRL environment (.venv-trl); \`make trl\` installs it. Until then, the best above is the proxy's only."
fi
