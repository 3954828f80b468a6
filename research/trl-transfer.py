#!/usr/bin/env python3
"""Does the proxy predict real training? Losses on the TRL tiny-LM task against their prefbandit fitness.

    research/trl-transfer.py [--seeds 1001-1004] [--betas 0.1,0.3] [--jobs 2] [--only dpo,robust,...]
                            [--file PATH ...] [--expression NAME=EXPR ...] [--out trl-transfer/]

For every loss (losses/*.loss, or those --only names, plus each --file and --expression), exports
the TRL trainer with evoctl, trains it with evaluators/trl/evaluate.py at every (beta, seed) (the tiny
set-up, one process per run, --jobs at a time) and scores it with `evoctl loss eval --task
configs/tasks/default.toml --stage 2` on the proxy. Writes trl-transfer/report.md and results.json;
finished runs are kept and not run again.

The uncertainty of Spearman's rank correlation is shown two ways: a bootstrap over the tiny task's
seeds (how much the measured ranking could move with other seeds) and one over the losses (how
much it depends on which losses were measured).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import random
import subprocess
import sys
from pathlib import Path

from measurements import percentile, seed_list, spearman

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1001-1004")
    parser.add_argument("--betas", default="0.1,0.3")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="NAME,NAME,...: of losses/*.loss only these (default: all)")
    parser.add_argument("--file", action="append", default=[], help="PATH: another loss file, named by its stem")
    parser.add_argument("--expression", action="append", default=[], help="NAME=EXPR: another loss, in the compact form")
    parser.add_argument("--evoctl", default=str(ROOT / ".build/release/evoctl"))
    parser.add_argument("--python", default=str(ROOT / ".venv-trl/bin/python"))
    parser.add_argument("--out", default=str(ROOT / "trl-transfer"))
    parser.add_argument("--proxy-task", default=str(ROOT / "configs/tasks/default.toml"))
    arguments = parser.parse_args()
    seeds, betas = seed_list(arguments.seeds), [float(b) for b in arguments.betas.split(",")]
    out = Path(arguments.out)
    for sub in ("losses", "exports", "runs", "proxy"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    losses: dict[str, Path] = {p.stem: p for p in sorted((ROOT / "losses").glob("*.loss"))}
    if arguments.only:
        wanted = arguments.only.split(",")
        unknown = [name for name in wanted if name not in losses]
        if unknown:
            parser.error(f"--only: no losses/NAME.loss for {', '.join(unknown)} (known: {', '.join(losses)})")
        losses = {name: losses[name] for name in wanted}
    for item in arguments.file:
        path = Path(item).resolve()
        if not path.is_file():
            parser.error(f"--file: no file {item}")
        losses[path.stem] = path
    for item in arguments.expression:
        name, _, expression = item.partition("=")
        path = out / "losses" / f"{name}.loss"
        path.write_text(expression + "\n")
        losses[name] = path
    for name, path in losses.items():
        export = subprocess.run([arguments.evoctl, "loss", "export", str(path), "--format", "trl"], capture_output=True, text=True, check=True)
        (out / "exports" / f"{name}.py").write_text(export.stdout)

    def train(job):
        name, beta, seed = job
        result = out / "runs" / f"{name}-{beta}-{seed}.json"
        if not result.exists():
            log = out / "runs" / f"{name}-{beta}-{seed}.log"
            with open(log, "w") as handle:
                code = subprocess.run([arguments.python, str(ROOT / "evaluators/trl/evaluate.py"), str(out / "exports" / f"{name}.py"),
                                       str(beta), str(seed), str(result)], stdout=handle, stderr=subprocess.STDOUT).returncode
            if code != 0:
                return job, None
        return job, json.loads(result.read_text())

    jobs = [(name, beta, seed) for seed in seeds for name in losses for beta in betas]
    tiny: dict[str, dict[int, list[float]]] = {name: {} for name in losses}
    failed = set()
    with concurrent.futures.ThreadPoolExecutor(arguments.jobs) as pool:
        for done, ((name, beta, seed), outcome) in enumerate(pool.map(train, jobs), start=1):
            if outcome is None:
                failed.add(name)
                print(f"[{done}/{len(jobs)}] {name} beta {beta} seed {seed}: failed (see its log)", file=sys.stderr)
            else:
                tiny[name].setdefault(seed, []).append(outcome["fitness"])
                print(f"[{done}/{len(jobs)}] {name} beta {beta} seed {seed}: {outcome['fitness']:.4f}", file=sys.stderr)

    proxy = {}
    for name, path in losses.items():
        cached = out / "proxy" / f"{name}.json"
        if not cached.exists():
            result = subprocess.run([arguments.evoctl, "loss", "eval", str(path), "--task", arguments.proxy_task, "--stage", "2", "--json"],
                                    capture_output=True, text=True)
            cached.write_text(result.stdout if result.returncode == 0 else json.dumps({"fitness": None, "error": result.stderr}))
        proxy[name] = json.loads(cached.read_text()).get("fitness")

    names = [n for n in losses if n not in failed and proxy.get(n) is not None and len(tiny[n]) == len(seeds)]
    per_seed = {n: {s: sum(v) / len(v) for s, v in tiny[n].items()} for n in names}
    mean = {n: sum(per_seed[n].values()) / len(seeds) for n in names}

    def paired(n: str, base: str = "dpo"):
        diffs = [per_seed[n][s] - per_seed[base][s] for s in seeds]
        m = sum(diffs) / len(diffs)
        sd = math.sqrt(sum((d - m) ** 2 for d in diffs) / (len(diffs) - 1)) if len(diffs) > 1 else float("nan")
        return m, sd / math.sqrt(len(diffs))

    rho = spearman([proxy[n] for n in names], [mean[n] for n in names])
    rng = random.Random(0)
    by_seed, by_loss = [], []
    for _ in range(2000):
        drawn = [rng.choice(seeds) for _ in seeds]
        by_seed.append(spearman([proxy[n] for n in names], [sum(per_seed[n][s] for s in drawn) / len(drawn) for n in names]))
        picked = [rng.choice(names) for _ in names]
        by_loss.append(spearman([proxy[n] for n in picked], [mean[n] for n in picked]))
    sane = [n for n in names if proxy[n] > 0.5]
    rho_sane = spearman([proxy[n] for n in sane], [mean[n] for n in sane]) if len(sane) > 2 else float("nan")

    lines = [f"# The proxy against real training (TRL tiny-LM task)", "",
             f"Seeds {arguments.seeds}, betas {arguments.betas}; tiny-LM fitness = frontier efficiency from samples "
             f"(evaluators/trl/tiny_task.py); proxy = `evoctl loss eval --task {Path(arguments.proxy_task).name} --stage 2`.", "",
             "| loss | proxy fitness | tiny-LM fitness | vs DPO (paired SE) |", "|---|---|---|---|"]
    for n in sorted(names, key=lambda n: -mean[n]):
        d, se = paired(n) if "dpo" in names and n != "dpo" else (0.0, float("nan"))
        versus = "" if n == "dpo" else f"{d:+.4f} ({d / se:+.1f} SE)" if se > 0 else f"{d:+.4f}"
        lines.append(f"| {n} | {proxy[n]:.4f} | {mean[n]:.4f} | {versus} |")
    lines += ["", f"Spearman rank correlation over {len(names)} losses: **{rho:+.2f}**; 95% bootstrap interval "
              f"over the tiny task's seeds [{percentile(by_seed, 0.025):+.2f}, {percentile(by_seed, 0.975):+.2f}], "
              f"over the losses [{percentile(by_loss, 0.025):+.2f}, {percentile(by_loss, 0.975):+.2f}]. "
              f"Among the {len(sane)} losses with proxy fitness above 0.5: {rho_sane:+.2f}."]
    if failed:
        lines += ["", "Failed runs (left out): " + ", ".join(sorted(failed))]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    (out / "results.json").write_text(json.dumps({"seeds": seeds, "betas": betas, "proxy": proxy, "tiny": tiny, "spearman": rho,
                                                  "spearman_seed_interval": [percentile(by_seed, 0.025), percentile(by_seed, 0.975)],
                                                  "spearman_loss_interval": [percentile(by_loss, 0.025), percentile(by_loss, 0.975)],
                                                  "spearman_sane": rho_sane}, indent=1))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
