#!/bin/sh
# A command evaluator that fails.
echo "CUDA out of memory (pretend)" >&2
exit 3
