#!/bin/sh
# A command evaluator that writes its pid and its files' directory to $2, then hangs with a child
# of its own (both must die when the evaluation is interrupted).
echo "$$ $(dirname "$1")" > "$2.partial" && mv "$2.partial" "$2"
sleep 987653 &
wait
