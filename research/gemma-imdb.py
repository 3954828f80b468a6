#!/usr/bin/env python3
"""The DiscoPOP paper's IMDb check on the gemma set-up: standard losses' reward and KL per beta, with SE over seeds.

    research/gemma-imdb.py [--out DIR] [--seeds 1-4] [--losses dpo,ipo,discopop,slic,robust,exo_pair]
                           [--betas 0.05,0.1] [--extra discopop@0.01] [--threads 2] [--minutes N] [--report-only]

Trains every (loss, beta) at every seed with evaluators/trl/evaluate.py --setup gemma (Gemma 3 270M
with LoRA under TRL; one resident process, the model loaded once), seed by seed, so that a partial
sweep holds complete seeds. Each finished run is appended to DIR/runs.jsonl at once and never run
again: a sweep interrupted (or stopped by --minutes, which starts no run after N minutes) goes on
where it stopped when started again. DIR/report.md tabulates reward, KL and fitness (frontier
efficiency) per loss and beta, mean and SE over the seeds done, and each loss's paired difference to
DPO at the same beta and seeds.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measurements import seed_list

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs/results/runs/2026-12-07-gemma-imdb"


def planned(arguments) -> list[tuple[str, float, int]]:
    """Every (loss, beta, seed) of the sweep, seed by seed."""
    configs = [(loss, float(beta)) for loss in arguments.losses.split(",") for beta in arguments.betas.split(",")]
    for item in filter(None, arguments.extra.split(",")):
        loss, _, beta = item.partition("@")
        configs.append((loss, float(beta)))
    return [(loss, beta, seed) for seed in seed_list(arguments.seeds) for loss, beta in configs]


def load_runs(path: Path) -> dict[tuple[str, float, int], dict]:
    runs = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                run = json.loads(line)
                runs[(run["loss"], run["beta"], run["seed"])] = run
    return runs


def export(loss: str, evoctl: str, directory: Path) -> Path:
    """The loss's `--format trl` trainer module."""
    source = ROOT / "losses" / f"{loss}.loss"
    if not source.is_file():
        raise SystemExit(f"no losses/{loss}.loss")
    code = subprocess.run([evoctl, "loss", "export", str(source), "--format", "trl"], capture_output=True, text=True, check=True).stdout
    path = directory / f"{loss}_trl.py"
    path.write_text(code)
    return path


def sweep(arguments, out: Path) -> None:
    runs_file = out / "runs.jsonl"
    todo = [key for key in planned(arguments) if key not in load_runs(runs_file)]
    print(f"{len(todo)} runs to do", flush=True)
    if not todo:
        return
    deadline = time.monotonic() + 60 * arguments.minutes if arguments.minutes else math.inf
    with tempfile.TemporaryDirectory(prefix="evod-gemma-") as scratch:
        files = {loss: export(loss, arguments.evoctl, Path(scratch)) for loss in {key[0] for key in todo}}
        server = subprocess.Popen([arguments.python, str(ROOT / "evaluators/trl/evaluate.py"), "--serve", "--setup", "gemma",
                                   "--threads", str(arguments.threads), "--cache-seeds", "1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert server.stdin and server.stdout
        ready = json.loads(server.stdout.readline() or "{}")
        if not ready.get("ready"):
            raise SystemExit("the gemma evaluator did not start (see its log above)")
        for number, (loss, beta, seed) in enumerate(todo):
            if time.monotonic() > deadline:
                print(f"--minutes reached: {len(todo) - number} runs left for the next call", flush=True)
                break
            started = time.monotonic()
            server.stdin.write(json.dumps({"id": number, "file": str(files[loss]), "beta": beta, "seed": seed}) + "\n")
            server.stdin.flush()
            line = server.stdout.readline()
            if not line:
                raise SystemExit(f"the gemma evaluator ended during {loss} beta {beta} seed {seed} (see its log above)")
            reply = json.loads(line)
            record = {"loss": loss, "beta": beta, "seed": seed, "seconds": time.monotonic() - started}
            record.update({"error": reply["error"]} if "error" in reply else {"fitness": reply["fitness"], "metrics": reply["metrics"]})
            with runs_file.open("a") as handle:
                handle.write(json.dumps(record) + "\n")
            shown = record.get("error") or f"fitness {reply['fitness']:.4f}, reward {reply['metrics']['reward']:.4f}, KL {reply['metrics']['kl']:.3f}"
            print(f"{loss} beta {beta} seed {seed}: {shown} ({record['seconds']:.0f} s)", flush=True)
        server.stdin.close()
        server.wait()


def mean_se(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    se = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n) if n > 1 else math.nan
    return mean, se


def report(arguments, out: Path) -> str:
    runs = load_runs(out / "runs.jsonl")
    configs = list(dict.fromkeys((loss, beta) for loss, beta, _ in planned(arguments)))
    lines = ["| loss | beta | seeds | reward | KL | fitness | reward - DPO's (paired) | KL - DPO's (paired) |", "|---|---|---|---|---|---|---|---|"]
    value = {"reward": lambda r: r["metrics"]["reward"], "kl": lambda r: r["metrics"]["kl"], "fitness": lambda r: r["fitness"]}
    for loss, beta in configs:
        done = {seed: run for (name, b, seed), run in runs.items() if name == loss and b == beta and "fitness" in run}
        failed = sum(1 for (name, b, _), run in runs.items() if name == loss and b == beta and "error" in run)
        if not done:
            continue
        cells = []
        for measure in ("reward", "kl", "fitness"):
            m, se = mean_se([value[measure](run) for run in done.values()])
            cells.append(f"{m:.4f} ± {se:.4f}")
        for measure in ("reward", "kl"):
            base = {seed: run for (name, b, seed), run in runs.items() if name == "dpo" and b == beta and "fitness" in run}
            common = sorted(set(done) & set(base))
            if loss == "dpo" or len(common) < 2:
                cells.append("")
                continue
            m, se = mean_se([value[measure](done[s]) - value[measure](base[s]) for s in common])
            cells.append(f"{m:+.4f} ± {se:.4f} ({m / se:+.1f} SE)" if se > 0 else f"{m:+.4f}")
        seeds = f"{len(done)}" + (f" (+{failed} failed)" if failed else "")
        lines.append(f"| {loss} | {beta:g} | {seeds} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--seeds", default="1-4")
    parser.add_argument("--losses", default="dpo,ipo,discopop,slic,robust,exo_pair")
    parser.add_argument("--betas", default="0.05,0.1")
    parser.add_argument("--extra", default="discopop@0.01", help="LOSS@BETA,...: more (loss, beta) pairs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=0, help="start no run after this many minutes (0: no limit)")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--evoctl", default=str(ROOT / ".build/release/evoctl"))
    parser.add_argument("--python", default=str(ROOT / ".venv-trl/bin/python"))
    arguments = parser.parse_args()
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    if not arguments.report_only:
        sweep(arguments, out)
    table = report(arguments, out)
    (out / "report.md").write_text("# The gemma set-up against the DiscoPOP paper's IMDb check\n\n"
                                   f"`research/gemma-imdb.py --seeds {arguments.seeds} --losses {arguments.losses} "
                                   f"--betas {arguments.betas} --extra {arguments.extra}`\n\n" + table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
