#!/bin/sh
# A command evaluator that hangs, with a child of its own that must die with it.
sleep 987654 &
echo "started a child and now waiting forever"
wait
