#!/usr/bin/env python3
"""Measures every standard loss over candidate prefbandit regimes (issue 14: choosing the default suite).

For each regime it writes a task file, evaluates each loss file with `evoctl loss eval --json` on the
given seeds (every beta), and prints a markdown table per regime: mean frontier efficiency, the
difference to DPO with its paired standard error over seeds (common random numbers), and the spread
of the sane losses (those within 0.1 of DPO) in paired SEs. The seeds should be ones that neither the
search, nor confirmation, nor validation uses (default 501-532), so that choosing the suite is not
choosing on any of them.

Usage: research/measure-regimes.py [--evoctl .build/release/evoctl] [--seeds 501-532] [--jobs 2]
                                  [--only NAME,NAME] [--json FILE]
"""
import argparse
import concurrent.futures
import json
import math
import os
import subprocess
import sys
import tempfile

from measurements import seed_list

REGIMES = {
    "default": {},
    "noise0.2-d128": {"features": 128, "label_noise": 0.2},
    "noise0.1-d64-n128": {"features": 64, "label_noise": 0.1, "pairs": 128},
    "noise0.2": {"label_noise": 0.2},
    "noise0.3-d64": {"features": 64, "label_noise": 0.3},
    "pairs64": {"pairs": 64},
    "d128": {"features": 128},
    "noise0.1-perturbed": {"label_noise": 0.1, "_starts": ["perturbed"]},
    "noise0.1-k4-d64": {"responses": 4, "features": 64, "label_noise": 0.1},
    "noise0.1-nonlin0.9": {"reward_nonlinearity": 0.9, "label_noise": 0.1},
    "noise0.2-k32": {"responses": 32, "label_noise": 0.2},
}

LOSSES = ["dpo", "slic", "ipo", "exponential", "lrml", "cell", "padll", "exo_pair", "nca_pair", "robust",
          "bco_pair", "sppo_hard", "apo_zero", "apo_down", "discopop", "cdpo"]


def task_file(directory, name, settings, seeds):
    starts = settings.get("_starts", ["exact"])
    lines = ['type = "prefbandit"', "[prefbandit]"]
    lines += [f"{key} = {value}" for key, value in settings.items() if not key.startswith("_")]
    lines += ["[stage1]", "seeds = [%d]" % seeds[0], "[stage2]", "betas = [0.03, 0.1, 0.3, 1.0]",
              "seeds = [%s]" % ", ".join(map(str, seeds)), "starts = [%s]" % ", ".join(f'"{s}"' for s in starts)]
    path = os.path.join(directory, name + ".toml")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def evaluate(evoctl, task, loss):
    completed = subprocess.run([evoctl, "loss", "eval", f"losses/{loss}.loss", "--task", task, "--json"],
                               capture_output=True, text=True)
    result = json.loads(completed.stdout)
    if result["failed"]:
        return None, result["seconds"]
    per_seed = {}
    for run in result["runs"]:
        per_seed.setdefault(run["seed"], []).append(run["frontier_efficiency"])
    return {seed: sum(v) / len(v) for seed, v in per_seed.items()}, result["seconds"]


def paired(a, b):
    seeds = sorted(set(a) & set(b))
    d = [a[s] - b[s] for s in seeds]
    n = len(d)
    mean = sum(d) / n
    var = sum((x - mean) ** 2 for x in d) / (n - 1)
    return mean, math.sqrt(var / n)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--evoctl", default=".build/release/evoctl")
    parser.add_argument("--seeds", default="501-532")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    seeds = seed_list(args.seeds)
    regimes = {k: v for k, v in REGIMES.items() if not args.only or k in args.only.split(",")}
    everything = {}
    with tempfile.TemporaryDirectory() as directory, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for name, settings in regimes.items():
            task = task_file(directory, name, settings, seeds)
            futures = {loss: pool.submit(evaluate, args.evoctl, task, loss) for loss in LOSSES}
            results = {loss: f.result() for loss, f in futures.items()}
            seconds = {loss: r[1] for loss, r in results.items()}
            scores = {loss: r[0] for loss, r in results.items()}
            everything[name] = {"settings": settings, "per_seed": scores, "seconds": seconds}
            dpo = scores["dpo"]
            print(f"\n### {name}: {json.dumps(settings)}  (seeds {args.seeds}, betas 0.03-1.0)\n")
            print("| loss | fitness | vs dpo | paired SE | z | seconds |")
            print("|---|---|---|---|---|---|")
            ok = {l: s for l, s in scores.items() if s is not None}
            for loss in sorted(ok, key=lambda l: -sum(ok[l].values())):
                mean = sum(ok[loss].values()) / len(ok[loss])
                if loss == "dpo":
                    print(f"| dpo | {mean:.4f} | | | | {seconds[loss]:.1f} |")
                    continue
                d, se = paired(ok[loss], dpo)
                z = d / se if se > 0 else 0.0
                print(f"| {loss} | {mean:.4f} | {d:+.4f} | {se:.4f} | {z:+.1f} | {seconds[loss]:.1f} |")
            for loss in scores:
                if scores[loss] is None:
                    print(f"| {loss} | failed | | | | |")
            dpo_mean = sum(dpo.values()) / len(dpo)
            sane = [l for l in ok if abs(sum(ok[l].values()) / len(ok[l]) - dpo_mean) < 0.1]
            best = max(sane, key=lambda l: sum(ok[l].values()))
            worst = min(sane, key=lambda l: sum(ok[l].values()))
            d, se = paired(ok[best], ok[worst])
            print(f"\nsane losses: {len(sane)}; best {best}, worst {worst}: {d:+.4f} ({d / se:.1f} paired SE)")
            sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(everything, handle)


if __name__ == "__main__":
    main()
