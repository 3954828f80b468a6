#!/usr/bin/env python3
"""Which proxy ranks losses as real training does? Spearman's rank correlation between the proxy's
fitness of each loss and its fitness under TRL (evaluators/trl/reference-fitness.json).

For every regime (a prefbandit variant: keys changed from configs/tasks/prefbandit.toml) it writes a
task file on the given seeds and betas, scores each reference loss with `evoctl loss eval --json`,
and prints Spearman over all reference losses and over the sane ones (all but lrml and discopop, which
any proxy separates), with a 95% bootstrap interval over the losses. With --task it scores a task or
suite file instead, at --stage. The seeds should be ones no suite uses for search, confirmation or
validation (default 501-516): choosing a regime on them chooses on nothing a search or validate sees.

Usage: research/calibrate-proxy.py [--regimes default,d512-pairs512-steps250,...] [--seeds 501-516]
                                  [--betas 0.1,0.3] [--task FILE [--stage 2]] [--reference FILE]
                                  [--jobs 2] [--json FILE]
"""
import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import tempfile

from measurements import percentile, seed_list, spearman

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEPARATED_BY_ANY_PROXY = {"lrml", "discopop"}

# The regimes measured for docs/results/2026-12-05-lm-like-proxy.md, in the order measured.
REGIMES = {
    "default": {}, "noisy-wide": {"features": 128, "label_noise": 0.2}, "wide": {"features": 128},
    "pairs512": {"pairs": 512}, "steps64": {"steps": 64}, "steps250": {"steps": 250}, "lr0.001": {"learning_rate": 0.001},
    "pairs512-steps64-batch32": {"pairs": 512, "steps": 64, "batch_size": 32},
    "pairs512-steps64-batch32-lr0.03": {"pairs": 512, "steps": 64, "batch_size": 32, "learning_rate": 0.03},
    "k64": {"responses": 64}, "k64-d128": {"responses": 64, "features": 128}, "perturbed": {"start": "perturbed"},
    "noise0.1": {"label_noise": 0.1}, "nonlinear0.9": {"reward_nonlinearity": 0.9},
    "alignment0.6": {"reference_alignment": 0.6}, "scale1": {"reference_scale": 1.0},
    "d256": {"features": 256}, "d512": {"features": 512}, "d256-k64": {"features": 256, "responses": 64},
    "d128-pairs128": {"features": 128, "pairs": 128}, "d256-noise0.1": {"features": 256, "label_noise": 0.1},
    "d256-steps100": {"features": 256, "steps": 100}, "d256-steps250": {"features": 256, "steps": 250},
    "d512-steps250": {"features": 512, "steps": 250}, "d512-steps100": {"features": 512, "steps": 100},
    "d512-steps250-noise0.1": {"features": 512, "steps": 250, "label_noise": 0.1},
    "d1024-steps250": {"features": 1024, "steps": 250},
    "d512-pairs512-steps250": {"features": 512, "pairs": 512, "steps": 250},
    "d512-k64-steps250": {"features": 512, "responses": 64, "steps": 250},
    "d512-steps250-nonlinear0.9": {"features": 512, "steps": 250, "reward_nonlinearity": 0.9},
    "d512-steps250-perturbed": {"features": 512, "steps": 250, "start": "perturbed"},
}


def interval(proxy, real, names, draws=2000):
    """A 95% bootstrap interval of Spearman over the losses (drawn with replacement)."""
    rng, values = random.Random(0), []
    for _ in range(draws):
        picked = [rng.choice(names) for _ in names]
        values.append(spearman([proxy[n] for n in picked], [real[n] for n in picked]))
    return percentile(values, 0.025), percentile(values, 0.975)


def task_file(directory, name, settings, seeds, betas):
    lines = ['type = "prefbandit"', "[prefbandit]"]
    lines += [f"{key} = {value}" for key, value in settings.items() if key != "start"]
    lines += ["[stage1]", f"seeds = [{seeds[0]}]", "[stage2]", f"betas = {betas}", f"seeds = {seeds}",
              f'starts = ["{settings.get("start", "exact")}"]',
              # Seed sets that the stage-2 grid above does not overlap; nothing trains on them here.
              "[seeds]", "confirmation = [900001]", "heldout = [900002]"]
    path = os.path.join(directory, name + ".toml")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def fitness(evoctl, task, stage, loss):
    completed = subprocess.run([evoctl, "loss", "eval", os.path.join(ROOT, "losses", loss + ".loss"), "--task", task,
                                "--stage", str(stage), "--json"], capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"evoctl loss eval {loss} --task {task}: {completed.stderr.strip()}")
    result = json.loads(completed.stdout)
    return None if result["failed"] else result["fitness"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regimes", default=",".join(REGIMES), help="names from this script's REGIMES")
    parser.add_argument("--task", help="score this task or suite file instead of regimes")
    parser.add_argument("--stage", type=int, default=2)
    parser.add_argument("--seeds", default="501-516")
    parser.add_argument("--betas", default="0.1,0.3", help="the tiny-LM task's betas")
    parser.add_argument("--reference", default=os.path.join(ROOT, "evaluators/trl/reference-fitness.json"))
    parser.add_argument("--evoctl", default=os.path.join(ROOT, ".build/release/evoctl"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", help="write every score here")
    args = parser.parse_args()
    with open(args.reference) as handle:
        real = json.load(handle)["fitness"]
    unknown = [name for name in args.regimes.split(",") if name not in REGIMES]
    if unknown and not args.task:
        parser.error(f"unknown regime(s) {', '.join(unknown)}; known: {', '.join(REGIMES)}")
    seeds, betas = seed_list(args.seeds), [float(beta) for beta in args.betas.split(",")]
    print("| proxy | Spearman, all losses (95% interval over losses) | sane losses | best | proxy's order, best first |")
    print("|---|---|---|---|---|")
    everything = {}
    with tempfile.TemporaryDirectory() as directory, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        targets = {args.task: (args.task, args.stage)} if args.task else {
            name: (task_file(directory, name, REGIMES[name], seeds, betas), 2) for name in args.regimes.split(",")}
        for name, (task, stage) in targets.items():
            scores = dict(zip(real, pool.map(lambda loss: fitness(args.evoctl, task, stage, loss), real)))
            everything[name] = scores
            scored = [n for n in real if scores[n] is not None]
            sane = [n for n in scored if n not in SEPARATED_BY_ANY_PROXY]
            rho_all = spearman([scores[n] for n in scored], [real[n] for n in scored])
            rho_sane = spearman([scores[n] for n in sane], [real[n] for n in sane])
            low, high = interval(scores, real, scored)
            order = sorted(scored, key=lambda n: -scores[n])
            print(f"| {name} | {rho_all:+.2f} [{low:+.2f}, {high:+.2f}] | {rho_sane:+.2f} | {order[0]} {scores[order[0]]:.3f} | "
                  f"{' > '.join(n.split('/')[-1] for n in order)} |", flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(everything, handle, indent=1)


if __name__ == "__main__":
    main()
