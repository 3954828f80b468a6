#!/usr/bin/env bash
# `make demo` until the island daemon exists: describe every standard loss in losses/, then export
# LRML in each format. Usage: scripts/demo.sh PATH/TO/evoctl
set -euo pipefail
evoctl=${1:-.build/release/evoctl}
for file in losses/*.loss; do
    echo "== $file"
    "$evoctl" loss describe "$file"
done
for format in pytorch trl latex; do
    echo "== LRML exported as $format"
    "$evoctl" loss export losses/lrml.loss --format "$format"
done
