#!/bin/sh
# A command evaluator that scores: reads the candidate, writes {"fitness", "metrics"} to the output.
# Usage: score.sh FILE BETA SEED OUTPUT
grep -q "def " "$1" || exit 9
printf '{"fitness": %s, "metrics": {"beta_seen": %s, "seed_seen": %s}}\n' "0.$3" "$2" "$3" > "$4"
