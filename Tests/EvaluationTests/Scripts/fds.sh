#!/bin/sh
# Scores 1 and reports, as the metric "fds", how many file descriptors a child of the command has
# open: 0, 1, 2 and the one ls opens to list them, unless the evaluator leaked its own.
count=$(ls /proc/self/fd | wc -l)
printf '{"fitness": 1, "metrics": {"fds": %d}}' "$count" > "$4"
