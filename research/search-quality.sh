#!/usr/bin/env bash
# Search quality (issue 4): one island with the built-in proposer on the default task until it has
# done EVALUATIONS evaluations (default 2000), then its best loss against DPO, both re-evaluated on
# task seeds the search never saw (9-16), with paired standard errors.
# Usage: research/search-quality.sh [EVALUATIONS]   (after `make release`)
set -euo pipefail
evaluations=${1:-2000}
bin=.build/release
work=$(mktemp -d)
trap 'kill -TERM ${pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/cluster.toml" <<TOML
state_directory = "$work/state"
task = "configs/tasks/prefbandit.toml"
island_control_ports = [7391]
TOML
cat > "$work/heldout.toml" <<TOML
[stage2]
betas = [0.03, 0.1, 0.3, 1.0]
seeds = [9, 10, 11, 12, 13, 14, 15, 16]
TOML
"$bin/evoctl" keys --config "$work/cluster.toml" > /dev/null
start=$(date +%s)
"$bin/evod" --island 1 --config "$work/cluster.toml" > "$work/evod.log" 2>&1 &
pid=$!
done_count() {
    "$bin/evoctl" status --config "$work/cluster.toml" --json 2>/dev/null |
        python3 -c 'import json,sys; i=json.load(sys.stdin)["islands"][0]; e=i.get("evaluations",{}); print(e.get("done",0)+e.get("failed",0))' 2>/dev/null || echo 0
}
while [ "$(done_count)" -lt "$evaluations" ]; do sleep 5; done
"$bin/evoctl" stop --config "$work/cluster.toml" > /dev/null
wait $pid || true
pid=""
echo "search: $evaluations evaluations in $(( $(date +%s) - start )) s"
"$bin/evod" --island 1 --config "$work/cluster.toml" >> "$work/evod.log" 2>&1 &
pid=$!
sleep 2
"$bin/evoctl" pause --config "$work/cluster.toml" > /dev/null
"$bin/evoctl" best --config "$work/cluster.toml" --top 3
"$bin/evoctl" export best --config "$work/cluster.toml" --format loss > "$work/best.loss"
"$bin/evoctl" stop --config "$work/cluster.toml" > /dev/null
wait $pid || true
pid=""
echo "best: $(cat "$work/best.loss")"
echo "re-evaluated on held-out task seeds 9-16 (betas 0.03, 0.1, 0.3, 1.0):"
"$bin/evoctl" loss compare losses/dpo.loss "$work/best.loss" --task "$work/heldout.toml"
