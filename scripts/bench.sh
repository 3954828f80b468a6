#!/usr/bin/env bash
# Runs the release benchmarks on one core (taskset) with single-threaded OpenBLAS, then the numpy
# and JAX references side by side on the same instances. Usage: scripts/bench.sh PATH/TO/EvodBench
set -euo pipefail
bench=${1:-.build/release/EvodBench}
jax_python=$(scripts/bench-setup.sh)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
echo "machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
$pin "$bench" "$workdir"
$pin python3 bench/lrml_numpy.py "$workdir/batch.json"
for loss in dpo nca_pair; do
    echo "== prefbandit training side by side with numpy: $loss"
    $pin python3 bench/prefbandit_numpy.py "$workdir/prefbandit-$loss.json"
    echo "== the same training in JAX (jit, lax.scan, vmap over an evaluation's 32 runs, float32): $loss"
    $pin "$jax_python" bench/prefbandit_jax.py "$workdir/prefbandit-$loss.json"
done
echo "== larger shapes (features 128; K 8 and 32): Swift, numpy and JAX side by side"
$pin "$bench" shapes "$workdir"
for shape in k16-d128 k8-d32 k32-d32; do
    for loss in dpo nca_pair; do
        echo "== $loss at $shape"
        $pin python3 bench/prefbandit_numpy.py "$workdir/prefbandit-$loss-$shape.json" | grep -E "speedup|numpy-reference|MISMATCH"
        $pin "$jax_python" bench/prefbandit_jax.py "$workdir/prefbandit-$loss-$shape.json" | grep -E "per_run|compile|vs_jax|jax-reference|MISMATCH"
    done
done
echo "== farm and migration (real sockets on loopback; both cores)"
"$bench" cluster
echo "== the broker at scale: 16 islands, 64 to 256 workers (threads of one process on loopback)"
"$bench" scale
echo "== real training (TRL tiny-LM task, one core): a fresh process per run against the resident evaluator"
trl_python=$(scripts/trl-setup.sh)
$pin "$trl_python" bench/trl_bench.py "$(dirname "$bench")/evoctl"
