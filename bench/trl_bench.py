#!/usr/bin/env python3
"""Real training's cost per run, side by side on one core: evod's resident TRL evaluator against a
fresh process per run (evaluate.py one-shot, and a plain TRL script a user would write).

    trl_bench.py EVOCTL        (run by scripts/bench.sh with .venv-trl's python, pinned to one core)

1. A fresh `evaluate.py FILE 0.1 1 OUT` process per run (DPO), and `bench/trl_plain.py 0.1 1`
   (TRL's own DPOTrainer, no evod), each timed twice after a warm-up (the SFT model on disk).
2. `evoctl loss compare` of DPO, IPO, SLiC and robust on configs/tasks/trl-tiny.toml at stage 2:
   16 runs through the resident evaluator, set-up included (start, imports, each seed's SFT model,
   pairs and reference samples); its wall time over 16 is the cost of a run.
3. The resident evaluator's steady state split, from its runs' metrics (8 jobs after a first one):
   training, the policy's samples, the three scoring passes, the frontier estimate.
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
EVALUATE = str(ROOT / "evaluators/trl/evaluate.py")


def timed(command, **options) -> float:
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, **options)
    return time.monotonic() - started


def main() -> int:
    evoctl = sys.argv[1]
    scratch = Path(tempfile.mkdtemp(prefix="evod-trl-bench-"))
    files = {}
    for name in ("dpo", "ipo", "slic", "robust"):
        code = subprocess.run([evoctl, "loss", "export", str(ROOT / f"losses/{name}.loss"), "--format", "trl"], check=True,
                              capture_output=True, text=True).stdout
        files[name] = scratch / f"{name}_trl.py"
        files[name].write_text(code)
    one_shot = [PYTHON, EVALUATE, str(files["dpo"]), "0.1", "1", str(scratch / "out.json")]
    plain = [PYTHON, str(ROOT / "bench/trl_plain.py"), "0.1", "1"]
    timed(one_shot)  # warm-up: the SFT model of seed 1 on disk, the OS's file cache
    fresh = [timed(one_shot) for _ in range(2)]
    script = [timed(plain) for _ in range(2)]
    compare = timed([evoctl, "loss", "compare"] + [str(ROOT / f"losses/{n}.loss") for n in files] +
                    ["--task", str(ROOT / "configs/tasks/trl-tiny.toml"), "--stage", "2"])
    jobs = [{"id": i, "file": str(files[name]), "beta": beta, "seed": 1}
            for i, (name, beta) in enumerate([("dpo", 0.1)] + [(n, b) for n in files for b in (0.1, 0.3)])]
    started = time.monotonic()
    served = subprocess.run([PYTHON, EVALUATE, "--serve"], input="".join(json.dumps(j) + "\n" for j in jobs), capture_output=True,
                            text=True, check=True, cwd=ROOT)
    serving = time.monotonic() - started
    replies = [json.loads(line) for line in served.stdout.splitlines()][2:]  # the ready line and the first job (seed set-up) left out
    split = {key: statistics.mean(r["metrics"][key] for r in replies)
             for key in ("seconds", "seconds_train", "seconds_sample", "seconds_score", "seconds_frontier")}
    per_run = compare / 16
    print(f"fresh evaluate.py process, one run:        {statistics.mean(fresh):6.2f} s  ({', '.join(f'{t:.2f}' for t in fresh)})")
    print(f"plain TRL script (no evod), one run:        {statistics.mean(script):6.2f} s  ({', '.join(f'{t:.2f}' for t in script)})")
    print(f"loss compare, 4 losses x 4 runs, resident:  {compare:6.2f} s  = {per_run:.2f} s a run, set-up included")
    print(f"  ratio fresh process / resident run:       {statistics.mean(fresh) / per_run:6.2f}x  (target 5x, moonshot 10x)")
    print(f"  ratio plain script / resident run:        {statistics.mean(script) / per_run:6.2f}x")
    print(f"resident steady state, mean of {len(replies)} runs:      {split['seconds']:6.2f} s a run (whole session {serving:.1f} s)")
    for key, label in (("seconds_train", "training (TRL, 64 steps)"), ("seconds_sample", "the policy's 8,192 samples"),
                       ("seconds_score", "three scoring passes"), ("seconds_frontier", "the frontier estimate")):
        print(f"  {label:38s} {split[key]:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
