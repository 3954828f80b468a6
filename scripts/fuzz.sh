#!/usr/bin/env bash
# `make fuzz`: libFuzzer on each decoder of Sources/FuzzTargets for SECONDS (default 60) each.
# Seeds come from fuzz/corpus/<target>/ or the project's own files of the kind (losses/, the PyTorch
# fixtures, configs/); what libFuzzer adds goes to
# .build/fuzz-corpus/<target>/ (kept between runs, not checked in); a crasher is written to
# fuzz/crashers/<target>-<hash>, which FuzzCorpusTests then replays in every `make test`: fix the
# bug and keep the file. Exits non-zero if any target crashed. Leak detection is off: the toolchain's
# Foundation leaks a buffer in FileManager.contents(atPath:) (found by the config target at once).
# With FUZZ_RUNS=N (`make test`), each target instead runs N inputs from seed 1 on the checked-in
# corpus alone, the same inputs on every run of the same build: a check that cannot flake.
# Usage: scripts/fuzz.sh PATH/TO/EvodFuzz [SECONDS]
set -uo pipefail
binary=$1
seconds=${2:-60}
status=0
mkdir -p fuzz/crashers
mapfile -t targets < <(EVOD_FUZZ_LIST=targets "$binary")
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: $binary lists no targets" >&2; exit 1; }
for target in "${targets[@]}"; do
    if [ -n "${FUZZ_RUNS:-}" ]; then
        corpus=$(mktemp -d)
        limit=(-runs="$FUZZ_RUNS" -seed=1)
        echo "== $target ($FUZZ_RUNS runs from seed 1)"
    else
        corpus=".build/fuzz-corpus/$target"
        mkdir -p "$corpus"
        limit=(-max_total_time="$seconds")
        echo "== $target ($seconds s)"
    fi
    # The seed folders, as FuzzTarget.seedFolders names them.
    mapfile -t seeds < <(EVOD_FUZZ_LIST=seeds EVOD_FUZZ_TARGET=$target "$binary")
    if ! ASAN_OPTIONS=detect_leaks=0 EVOD_FUZZ_TARGET=$target "$binary" "$corpus" "${seeds[@]}" \
        "${limit[@]}" -timeout=10 -rss_limit_mb=4096 -max_len=4096 -detect_leaks=0 \
        -artifact_prefix="fuzz/crashers/$target-" -print_final_stats=1 >".build/fuzz-$target.log" 2>&1; then
        echo "fuzz: $target crashed; see .build/fuzz-$target.log and fuzz/crashers/" >&2
        tail -30 ".build/fuzz-$target.log" >&2
        status=1
    fi
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" ".build/fuzz-$target.log" | tr '\n' ' '
    echo
done
exit $status
