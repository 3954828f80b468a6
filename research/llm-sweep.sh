#!/usr/bin/env bash
# The measurements of docs/results/2026-12-02-llm-proposer.md: `make demo-llm` from empty
# state, 2 islands x N LLM proposals (default 50), once per variant of the proposer's decoding:
# the GBNF grammar at temperatures 0.7, 1.0 and 1.3 and no constraint at 1.3, and
# the built-in mutation proposer at the same budget (with the last variant). Each run's output goes
# to llm-sweep/<variant>.txt and its proposer-report lines to llm-sweep/summary.txt.
# Usage: research/llm-sweep.sh PATH/TO/evod PATH/TO/evoctl [N]
set -euo pipefail
evod=${1:-.build/release/evod}
evoctl=${2:-.build/release/evoctl}
proposals=${3:-50}
mkdir -p llm-sweep
: >llm-sweep/summary.txt
variants=("gbnf 0.7" "gbnf 1.0" "gbnf 1.3" "none 1.3")
for index in "${!variants[@]}"; do
    read -r constrained temperature <<<"${variants[$index]}"
    name="$constrained-$temperature"
    mutation=0
    ((index == ${#variants[@]} - 1)) && mutation=1
    echo "== $name (mutation comparison: $mutation)"
    DEMO_LLM_PROPOSALS=$proposals DEMO_LLM_SECONDS=1800 DEMO_LLM_FRESH=1 DEMO_LLM_CONSTRAINED=$constrained \
        DEMO_LLM_TEMPERATURE=$temperature DEMO_LLM_MUTATION=$mutation \
        scripts/demo-llm.sh "$evod" "$evoctl" >"llm-sweep/$name.txt" 2>&1 || echo "$name: demo-llm failed (see llm-sweep/$name.txt)"
    python3 scripts/proposer-report.py state-llm --first "$proposals" --label "$name" | tail -1 | tee -a llm-sweep/summary.txt
    if ((mutation)); then
        python3 scripts/proposer-report.py state-llm-mutation --first "$proposals" --label "mutation" | tail -1 | tee -a llm-sweep/summary.txt
    fi
done
