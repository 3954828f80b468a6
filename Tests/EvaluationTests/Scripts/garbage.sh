#!/bin/sh
# A command evaluator that writes something that is not JSON.
echo "this is not { json" > "$4"
