#!/usr/bin/env python3
"""Seed 004's claims checked here: Sr-DPO and Sr-IPO against DPO and IPO, on the proxy and under TRL.

    research/self-refinement.py [--seeds 1001-1016] [--lambdas 0.25,0.5,1] [--jobs 2] [--out self-refinement/]
                                [--skip-proxy] [--skip-trl] [--trl-betas 0.1] [--trl-pairs 128,512]
                                [--proxy-pairs 64,256]

Losses: DPO, IPO, and Sr-DPO and Sr-IPO at each lambda (losses/sr_dpo.loss and sr_ipo.loss with lambda changed: the refinement term
Delta = detach((pca - pc) - (pra - pr)) shifts rho by lambda Delta). Two dataset sizes each (the paper
studies the number of training pairs), on held-out seeds only (no choice here was made on them):

- proxy: configs/tasks/quality.toml's two members (quality prompt strength 1, error sd 1) with `pairs`
  set to each size and stage 2's grid moved to the held-out seeds, by `evoctl loss eval --json`;
- TRL: configs/tasks/trl-tiny-quality.toml's set-up (evaluators/trl/evaluate.py --serve, the quality
  variant's SFT model, quality_prompt "<good>") with `train_pairs` set to each size.

Each Sr loss is compared with its base (Sr-DPO with DPO, Sr-IPO with IPO) by paired differences over
seeds (a seed's fitness is its mean over betas and members), with the paired SE. Also reported, where
they apply, the paper's metrics: the implicit reward's average margin and accuracy on held-out pairs
(TRL), the policy's ranking accuracy (proxy). Writes OUT/report.md and OUT/results.json; finished runs
are kept in OUT/runs/ and not run again, so an interrupted run resumes.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import subprocess
import sys
import threading
from pathlib import Path

from measurements import seed_list

ROOT = Path(__file__).resolve().parent.parent


def losses(lambdas: list[float]) -> dict[str, tuple[str, str]]:
    """name -> (compact source, base loss name)."""
    delta = "delta = detach(pca - pc - pra + pr); "
    table = {"dpo": ("-logsigmoid(beta * rho)", "dpo"), "ipo": ("(rho - 1 / (2 * beta)) ** 2", "ipo")}
    for value in lambdas:
        tag = f"{value:g}"
        table[f"sr_dpo_{tag}"] = (delta + f"-logsigmoid(beta * rho - {tag} * beta * delta)", "dpo")
        table[f"sr_ipo_{tag}"] = (delta + f"(rho - {tag} * delta - 1 / (2 * beta)) ** 2", "ipo")
    return table


def proxy_task(pairs: int, seeds: list[int]) -> str:
    """quality.toml's members with `pairs` pairs, stage 2 on the given (held-out) seeds."""
    text = (ROOT / "configs/tasks/quality.toml").read_text()
    text = text.replace("seeds = [1, 2, 3, 4, 5, 6, 7, 8]", f"seeds = {seeds}")
    text = text.replace('heldout = "1001-1032"', 'heldout = "2001-2002"')
    text = text.replace('confirmation = "101-116"', 'confirmation = "3001-3002"')
    text = text.replace("[member.prefbandit]\n", f"[member.prefbandit]\npairs = {pairs}\n")
    return text


def run_proxy(arguments, table, seeds, out: Path) -> dict:
    def evaluate(pairs: int, name: str):
        path = out / "runs" / f"proxy-pairs{pairs}-{name}.json"
        if path.exists():
            return
        loss = out / "losses" / f"{name}.loss"
        loss.write_text(table[name][0] + "\n")
        task = out / f"proxy-pairs{pairs}.toml"
        done = subprocess.run([arguments.evoctl, "loss", "eval", str(loss), "--task", str(task), "--stage", "2", "--json"],
                              capture_output=True, text=True, check=True)
        path.write_text(done.stdout)
        print(f"proxy pairs={pairs} {name}: {json.loads(done.stdout).get('fitness')}", file=sys.stderr)

    for pairs in arguments.proxy_pairs:
        (out / f"proxy-pairs{pairs}.toml").write_text(proxy_task(pairs, seeds))
    # One evoctl per core (each trains single-threaded).
    with concurrent.futures.ThreadPoolExecutor(arguments.jobs) as pool:
        for done in [pool.submit(evaluate, pairs, name) for pairs in arguments.proxy_pairs for name in table]:
            done.result()
    results = {}
    for pairs in arguments.proxy_pairs:
        for name in table:
            path = out / "runs" / f"proxy-pairs{pairs}-{name}.json"
            report = json.loads(path.read_text())
            if report.get("failed"):
                raise SystemExit(f"{name} failed on the proxy: {report['failed']}")
            per_seed: dict[int, list[float]] = {}
            accuracy: dict[int, list[float]] = {}
            for run in report["runs"]:
                per_seed.setdefault(run["seed"], []).append(run["frontier_efficiency"])
                accuracy.setdefault(run["seed"], []).append(run["ranking_accuracy"])
            results[(f"proxy, {pairs} pairs", name)] = {
                "fitness": {seed: sum(v) / len(v) for seed, v in per_seed.items()},
                "accuracy": {seed: sum(v) / len(v) for seed, v in accuracy.items()},
            }
    return results


class Server:
    """One resident TRL evaluator (evaluate.py --serve): one job at a time."""

    def __init__(self, python: str):
        self.process = subprocess.Popen([python, str(ROOT / "evaluators/trl/evaluate.py"), "--serve", "--setup", "tiny"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = json.loads(self.process.stdout.readline())
        assert ready.get("ready"), ready
        self.jobs = 0

    def run(self, file: Path, beta: float, seed: int, settings: dict) -> dict:
        self.jobs += 1
        self.process.stdin.write(json.dumps({"id": self.jobs, "file": str(file), "beta": beta, "seed": seed, "settings": settings}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def run_trl(arguments, table, seeds, out: Path) -> dict:
    exports = {}
    for name, (source, _) in table.items():
        loss = out / "losses" / f"{name}.loss"
        loss.write_text(source + "\n")
        code = subprocess.run([arguments.evoctl, "loss", "export", str(loss), "--format", "trl", "--name", name],
                              capture_output=True, text=True, check=True).stdout
        exports[name] = out / "exports" / f"{name}.py"
        exports[name].write_text(code)
    # Seed-major, so that a server's seed cache (SFT model, pairs, reference samples) is reused.
    work = [(pairs, seed, beta, name) for seed in seeds for pairs in arguments.trl_pairs for beta in arguments.trl_betas for name in table]
    todo = [item for item in work if not (out / "runs" / f"trl-pairs{item[0]}-b{item[2]:g}-s{item[1]}-{item[3]}.json").exists()]
    lock = threading.Lock()

    def worker(index: int):
        server = Server(arguments.python)
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    pairs, seed, beta, name = todo.pop(0)
                reply = server.run(exports[name], beta, seed, {"quality_prompt": "<good>", "train_pairs": pairs})
                if "error" in reply:
                    raise SystemExit(f"{name} pairs={pairs} seed={seed} beta={beta}: {reply['error']}")
                (out / "runs" / f"trl-pairs{pairs}-b{beta:g}-s{seed}-{name}.json").write_text(json.dumps(reply))
                print(f"trl pairs={pairs} seed={seed} beta={beta} {name}: {reply['fitness']:.4f}", file=sys.stderr)
        finally:
            server.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(arguments.jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results = {}
    for pairs in arguments.trl_pairs:
        for name in table:
            fitness, margin, accuracy, refinement = {}, {}, {}, {}
            for seed in seeds:
                replies = [json.loads((out / "runs" / f"trl-pairs{pairs}-b{beta:g}-s{seed}-{name}.json").read_text()) for beta in arguments.trl_betas]
                fitness[seed] = sum(r["fitness"] for r in replies) / len(replies)
                margin[seed] = sum(r["metrics"]["implicit_margin"] for r in replies) / len(replies)
                accuracy[seed] = sum(r["metrics"]["implicit_accuracy"] for r in replies) / len(replies)
                values = [r["metrics"].get("quality_refinement") for r in replies if r["metrics"].get("quality_refinement") is not None]
                if values:
                    refinement[seed] = sum(values) / len(values)
            results[(f"TRL tiny, {pairs} pairs", name)] = {"fitness": fitness, "margin": margin, "accuracy": accuracy, "refinement": refinement}
    return results


def mean_se(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    return mean, (math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n) if n > 1 else float("nan"))


def report(results: dict, table: dict, seeds: list[int]) -> str:
    lines = []
    settings = sorted({setting for setting, _ in results}, key=lambda s: (not s.startswith("proxy"), int(s.split(", ")[1].split()[0])))
    for setting in settings:
        extra = [key for key in ("margin", "accuracy", "refinement") if any(results[(setting, name)].get(key) for name in table)]
        head = "| loss | fitness (mean ± SE) | vs its base | paired SE | diff / SE |" + "".join(f" {k} |" for k in extra)
        lines += [f"### {setting}", "", head, "|" + "---|" * (5 + len(extra))]
        for name, (_, base) in table.items():
            entry = results[(setting, name)]
            values = [entry["fitness"][s] for s in seeds]
            mean, se = mean_se(values)
            row = f"| {name} | {mean:.4f} ± {se:.4f} |"
            if name != base:
                diffs = [entry["fitness"][s] - results[(setting, base)]["fitness"][s] for s in seeds]
                d, dse = mean_se(diffs)
                row += f" {d:+.4f} ({base}) | {dse:.4f} | {d / dse:+.1f} |" if dse > 0 else f" {d:+.4f} ({base}) | 0 | |"
            else:
                row += " | | |"
            for key in extra:
                got = [entry[key][s] for s in seeds if s in entry.get(key, {})]
                row += f" {sum(got) / len(got):.4f} |" if got else " |"
            lines.append(row)
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1001-1016")
    parser.add_argument("--lambdas", default="0.25,0.5,1", help="λ values; a negative one (Δ's sign flipped) is a control")
    parser.add_argument("--proxy-pairs", default="64,256")
    parser.add_argument("--trl-pairs", default="128,512")
    parser.add_argument("--trl-betas", default="0.1")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-proxy", action="store_true")
    parser.add_argument("--skip-trl", action="store_true")
    parser.add_argument("--evoctl", default=str(ROOT / ".build/release/evoctl"))
    parser.add_argument("--python", default=str(ROOT / ".venv-trl/bin/python"))
    parser.add_argument("--out", default=str(ROOT / "self-refinement"))
    arguments = parser.parse_args()
    arguments.proxy_pairs = [int(v) for v in arguments.proxy_pairs.split(",")]
    arguments.trl_pairs = [int(v) for v in arguments.trl_pairs.split(",")]
    arguments.trl_betas = [float(v) for v in arguments.trl_betas.split(",")]
    seeds = seed_list(arguments.seeds)
    table = losses([float(v) for v in arguments.lambdas.split(",")])
    out = Path(arguments.out)
    for sub in ("losses", "exports", "runs"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    results = {}
    if not arguments.skip_proxy:
        results.update(run_proxy(arguments, table, seeds, out))
    if not arguments.skip_trl:
        results.update(run_trl(arguments, table, seeds, out))
    text = report(results, table, seeds)
    (out / "report.md").write_text(text + "\n")
    (out / "results.json").write_text(json.dumps({f"{s} | {n}": v for (s, n), v in results.items()}, indent=1, default=str))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
