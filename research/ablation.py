#!/usr/bin/env python3
"""Ablations (issue 14, docs/architecture.md §5.4): is the search worth running?

Arms, each at equal evaluation budgets, each repeated with several island seeds:
  cluster      the default cluster: 4 islands, ring migration, MAP-Elites, a farm with 2 workers
  cluster-plain the default cluster as it was before the scheduler: one mutation draw over all
               operators, no novelty filter, no parsimony (what the scheduler, novelty and parsimony add)
  single-cell  one island whose archive is a single cell (one population, no quality diversity)
  independent  one island whose mutation proposer only ever mutates the seed losses (no feedback
               from results: independent samples from the same proposer; no scheduler, no novelty
               filter, since both learn from the archive)
Every arm runs on the same task (default: configs/tasks/default.toml) with stage 3 on. When an
arm's evaluations (candidates evaluated at stage 1 or 2, summed over its islands; confirmations are
extra and reported) reach a budget, its best loss (best confirmed) is exported. At the end every
exported best is validated on the held-out seeds with `evoctl validate` (one call, every core), and
the table shows per arm and budget the held-out suite fitness of the reported best, mean and SE
across repeats, its difference to the best standard loss, and the gap between its confirmed and
held-out fitness (the winner's curse). While an arm runs, it prints every 10 minutes its
evaluations, its pace over those minutes and, at that pace, the time left to the budget.

Usage (after `make release`):
  research/ablation.py [--arms cluster,single-cell,independent] [--repeats 3] [--budgets 500,2000]
                      [--task configs/tasks/default.toml] [--promotion-threshold X] [--replacement-margin X]
                      [--growth-margin X] [--validate-task FILE] [--transfer FILE ...] [--standard NAMES]
                      [--also FILE ...]
                      [--out ablation/]
                      [--validate-only]
                      [--report-only [--merge OTHER/results.json ...]]
Results go to --out (default ablation/): per run a directory with its state and logs and the
exported losses, results.json, and report.md. A run already finished there is not run again; one
that was stopped (Ctrl-C, a reboot) resumes from its islands' databases, its snapshots and seconds
kept (run.json counts the resumptions; the seconds between the last poll and the stop are lost),
and with the cluster.toml it started with (a later call's --task, --promotion-threshold,
--replacement-margin and --growth-margin apply to new runs only).
At each budget a run also keeps `evoctl status --json` (status-BUDGET.json: each island's counters and,
under the scheduler, each emitter's tally) and the size of every database in its state (sizes-BUDGET.json).
By default the bests are validated on --task (its held-out seeds and transfer tasks, every standard
loss); --validate-task, --transfer and --standard name another judge, e.g. real training on 16
held-out seeds with two transfer settings against DPO, robust and exo_pair:
  --validate-task configs/tasks/trl-tiny-heldout.toml --transfer configs/tasks/trl-tiny-long.toml
  --transfer configs/tasks/trl-tiny-small-batch.toml --standard robust,exo_pair
results.json and report.md cover the runs this call names (--arms, --first-seed, --repeats) and are
rewritten by each call: after repeats run one call each, `--validate-only --first-seed 1 --repeats 3`
validates and reports them together, or, without training again, `--report-only --merge A/results.json
--merge B/results.json` reports the calls' own validations together (the judge is deterministic: a
loss both validated must agree to 1e-12, which the merge checks).
"""
import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def config_text(arm, seed, task, state, promotion_threshold=None, archive_keys=None):
    islands = 4 if arm.startswith("cluster") else 1
    ports = free_ports(2 * islands + 3)
    lines = [f'state_directory = "{state}"', f'task = "{task}"',
             "island_control_ports = [%s]" % ", ".join(map(str, ports[:islands]))]
    if arm.startswith("cluster"):
        lines += ["island_migration_ports = [%s]" % ", ".join(map(str, ports[islands:2 * islands])),
                  f'migration = "{ROOT}/configs/migration/ring.toml"', 'evaluator = "farm"',
                  "[farm]", f"control_port = {ports[-3]}", f"islands_port = {ports[-2]}", f"workers_port = {ports[-1]}",
                  "workers = 2"]
    else:
        lines += ['migration = ""', 'evaluator = "local"']
    lines += ["[island]", f"seed = {seed}", "evaluations_in_flight = 2"]
    if promotion_threshold is not None:
        lines.append(f"promotion_threshold = {promotion_threshold}")
    if arm == "independent":
        lines += ['parent_pool = "seeds"', 'proposer = "mutation"', "novelty = 0"]
    if arm == "cluster-plain":
        lines += ['proposer = "mutation"', "novelty = 0"]
        archive_keys = {"parsimony": 0, **(archive_keys or {})}
    archive = ["convexity_bins = 1", "grad0_bins = 1", "beta_sensitivity_bins = 1"] if arm == "single-cell" else []
    archive += [f"{key} = {value}" for key, value in (archive_keys or {}).items() if value is not None]
    if archive:
        lines += ["[island.archive]", *archive]
    return "\n".join(lines) + "\n"


def evoctl(binaries, *arguments, check=True):
    completed = subprocess.run([os.path.join(binaries, "evoctl"), *arguments], capture_output=True, text=True)
    if check and completed.returncode != 0:
        raise RuntimeError(f"evoctl {' '.join(arguments)}: {completed.stderr.strip()}")
    return completed.stdout


def counts(binaries, config):
    try:
        status = json.loads(evoctl(binaries, "status", "--config", config, "--json"))
    except (RuntimeError, json.JSONDecodeError):
        return None
    if not status["islands"] or any("evaluations" not in island for island in status["islands"]):
        return None  # an island that does not answer (starting, stopping): no count rather than a short one
    done = confirmed = audited = 0
    for island in status["islands"]:
        evaluations = island["evaluations"]
        done += evaluations.get("done", 0) + evaluations.get("failed", 0)
        confirmed += evaluations.get("confirmed", 0)
        audited += evaluations.get("audited", 0)
    return done, confirmed, audited


class Pace:
    """Prints a run's progress every `interval` seconds: evaluations, confirmations, the pace over
    that interval and, at that pace, the time left to the budget (a run's pace falls as its losses
    grow, so the estimate is the recent pace, not the mean)."""

    def __init__(self, label, interval=600):
        self.label, self.interval, self.last = label, interval, None

    def report(self, reached, budget):
        if not reached:
            return
        now = time.time()
        if self.last is None:
            self.last = (now, reached[0])
            return
        then, evaluations = self.last
        if now - then < self.interval:
            return
        per_minute = (reached[0] - evaluations) * 60 / (now - then)
        minutes = (budget - reached[0]) / per_minute if per_minute > 0 else None
        left = ("none since the last line" if minutes is None
                else f"at that pace {minutes:.0f} min to {budget}" if minutes < 90 else f"at that pace {minutes / 60:.1f} h to {budget}")
        print(f"{self.label}: {reached[0]} evaluations ({reached[1]} confirmations), {per_minute:.1f} a minute "
              f"over the last {(now - then) / 60:.0f} min; {left}", flush=True)
        self.last = (now, reached[0])


def state_sizes(state):
    """Bytes of every SQLite database under a run's state directory (with its WAL), by path."""
    sizes = {}
    for directory, _, names in os.walk(state):
        for name in names:
            if ".sqlite" in name:
                path = os.path.join(directory, name)
                sizes[os.path.relpath(path, state)] = os.path.getsize(path)
    return sizes


def run_arm(arm, seed, budgets, task, out, binaries, promotion_threshold=None, archive_keys=None):
    """Runs one arm to its largest budget, or resumes one that was stopped (a run's islands keep
    their state in their databases): the snapshots already taken and the seconds already spent are
    kept in progress.json, written at every poll."""
    directory = os.path.join(out, f"{arm}-seed{seed}")
    summary_path = os.path.join(directory, "run.json")
    progress_path = os.path.join(directory, "progress.json")
    config = os.path.join(directory, "cluster.toml")
    if os.path.exists(summary_path):
        with open(summary_path) as handle:
            return json.load(handle)
    progress = {"snapshots": [], "seconds": 0.0, "resumed": 0}
    if os.path.exists(config) and os.path.exists(progress_path):
        with open(progress_path) as handle:
            progress = json.load(handle)
        progress["resumed"] += 1
        print(f"{arm} seed {seed}: resuming after {progress['seconds']:.0f} s "
              f"({len(progress['snapshots'])} budgets done)", flush=True)
        evoctl(binaries, "down", "--config", config, check=False)  # islands left by a script that was killed
    else:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        with open(config, "w") as handle:
            handle.write(config_text(arm, seed, task, os.path.join(directory, "state"), promotion_threshold, archive_keys))
    evoctl(binaries, "up", "--config", config, "--evod", os.path.join(binaries, "evod"))
    started = time.time() - progress["seconds"]
    snapshots = progress["snapshots"]

    def save(reached=None):
        progress.update(seconds=time.time() - started, snapshots=snapshots, reached=reached)
        with open(progress_path + ".tmp", "w") as handle:
            json.dump(progress, handle, indent=1)
        os.replace(progress_path + ".tmp", progress_path)

    pace = Pace(f"{arm} seed {seed}")
    try:
        for budget in sorted(budgets):
            if any(snapshot["budget"] == budget for snapshot in snapshots):
                continue
            while True:
                reached = counts(binaries, config)
                save(reached)
                if reached and reached[0] >= budget:
                    break
                pace.report(reached, budget)
                time.sleep(2)
            best = json.loads(evoctl(binaries, "best", "--config", config, "--top", "1", "--json"))[0]
            name = f"{arm.replace('-', '_')}_s{seed}_{budget}"
            path = os.path.join(directory, name + ".loss")
            with open(path, "w") as handle:
                handle.write(f"# {arm}, island seed {seed}, after {reached[0]} evaluations ({reached[1]} confirmations), "
                             f"{time.time() - started:.0f} s; island {best['island']} candidate {best['id']} {best['name']}\n")
                handle.write(best["canonical"] + "\n")
            snapshots.append({"budget": budget, "evaluations": reached[0], "confirmations": reached[1],
                              "audits": reached[2] if len(reached) > 2 else 0,
                              "seconds": time.time() - started, "file": path, "name": name,
                              "search_fitness": best.get("fitness"), "confirmed_fitness": best.get("confirmed_fitness"),
                              "confirmed_difference": best.get("confirmed_difference"), "confirmed_se": best.get("confirmed_se"),
                              "canonical": best["canonical"]})
            save(reached)
            with open(os.path.join(directory, f"status-{budget}.json"), "w") as handle:
                handle.write(evoctl(binaries, "status", "--config", config, "--json", check=False))
            with open(os.path.join(directory, f"sizes-{budget}.json"), "w") as handle:
                json.dump(state_sizes(os.path.join(directory, "state")), handle, indent=1)
            print(f"{arm} seed {seed}: {reached[0]} evaluations in {time.time() - started:.0f} s; best "
                  f"{best['canonical']} (search {best.get('fitness')}, confirmed {best.get('confirmed_fitness')})", flush=True)
    finally:
        # A second Ctrl-C (or timeout's signal to the whole group) must not leave the islands running.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            evoctl(binaries, "down", "--config", config, check=False)
        finally:
            signal.signal(signal.SIGINT, previous)
    summary = {"arm": arm, "seed": seed, "snapshots": snapshots, "resumed": progress["resumed"]}
    with open(summary_path, "w") as handle:
        json.dump(summary, handle, indent=1)
    return summary


def mean_se(values):
    n = len(values)
    if n == 0:
        return float("nan"), float("nan")
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n)


def number(value, form):
    """A number for the report; n/a where there is none (one repeat has no SE across repeats)."""
    return format(value, form) if value == value and value not in (float("inf"), float("-inf")) else "n/a"


def report(runs, validation, arms, budgets):
    rows = {(r["task"], r["loss"]): r for r in validation["rows"]}
    suite = "suite" if any(r["task"] == "suite" for r in validation["rows"]) else validation["rows"][0]["task"]
    # A cascade's stage 3 trains on its own task: confirmations are compared with that task's held-out seeds.
    real = sorted({r["task"] for r in validation["rows"] if r.get("kind") == "confirmation"})
    confirming = real[0] if real else suite
    lines = [f"| arm | budget | held-out {suite} fitness (mean ± SE over repeats) | vs best standard | confirmed - held-out {confirming} fitness | repeats |",
             "|---|---|---|---|---|---|"]
    curse = ["", "Winner's curse, per reported best: its paired difference to DPO on the confirmation seeds against the same",
             f"on {confirming}'s held-out seeds, and that gap in SE of the gap (sqrt of the two SEs squared); within 1 SE is the target.", "",
             "| run | budget | confirmed vs dpo | held-out vs dpo | gap (SE) |", "|---|---|---|---|---|"]
    table = {}
    for arm in arms:
        for budget in budgets:
            heldout, versus, gaps = [], [], []
            for run in runs:
                if run["arm"] != arm:
                    continue
                for snapshot in run["snapshots"]:
                    if snapshot["budget"] != budget:
                        continue
                    row = rows.get((suite, snapshot["name"]))
                    if not row or not row.get("fitness"):
                        continue
                    heldout.append(row["fitness"]["value"])
                    best = row.get("versusBestStandard") or row.get("versusDPO")
                    if best:
                        versus.append(best["value"])
                    confirmed_row = rows.get((confirming, snapshot["name"])) or {}
                    if snapshot.get("confirmed_fitness") is not None and confirmed_row.get("fitness"):
                        gaps.append(snapshot["confirmed_fitness"] - confirmed_row["fitness"]["value"])
                    held = confirmed_row.get("versusDPO")
                    if snapshot.get("confirmed_difference") is not None and snapshot.get("confirmed_se") and held:
                        gap = snapshot["confirmed_difference"] - held["value"]
                        se = math.sqrt(snapshot["confirmed_se"] ** 2 + held["standardError"] ** 2)
                        curse.append(f"| {run['arm']} seed {run['seed']} | {budget} | {snapshot['confirmed_difference']:+.4f} ± "
                                     f"{snapshot['confirmed_se']:.4f} | {held['value']:+.4f} ± {held['standardError']:.4f} | "
                                     f"{gap:+.4f} ({gap / se:+.1f}) |")
            table[(arm, budget)] = heldout
            m, se = mean_se(heldout)
            v, vse = mean_se(versus)
            g, gse = mean_se(gaps)
            lines.append(f"| {arm} | {budget} | {number(m, '.4f')} ± {number(se, '.4f')} | {number(v, '+.4f')} ± {number(vse, '.4f')} | "
                         f"{number(g, '+.4f')} ± {number(gse, '.4f')} | {len(heldout)} |")
    if "cluster" in arms and "independent" in arms:
        for budget in budgets:
            a, c = table.get(("cluster", budget), []), table.get(("independent", budget), [])
            (ma, sa), (mc, sc) = mean_se(a), mean_se(c)
            se = math.sqrt(sa ** 2 + sc ** 2) if sa == sa and sc == sc else float("nan")
            z = (ma - mc) / se if se and se == se else float("nan")
            verdict = "the search (a) wins" if z > 2 else ("independent sampling (c) wins" if z < -2 else "no difference beyond 2 SE")
            if z != z:
                verdict = "one repeat per arm has no SE across repeats: not decided"
            lines.append(f"\nAt {budget} evaluations, cluster - independent = {number(ma - mc, '+.4f')} ± {number(se, '.4f')} "
                         f"({number(z, '+.1f')} SE): {verdict}.")
    # A cascade's stage-3 task (real training): each reported best there, on its held-out seeds.
    for task in real:
        curse += ["", f"On {task} (the cascade's stage 3), held-out seeds: each reported best against DPO.", "",
                  "| run | budget | evaluations / confirmations / audits | fitness | vs dpo (paired SE) |", "|---|---|---|---|---|"]
        for run in runs:
            for snapshot in run["snapshots"]:
                row = rows.get((task, snapshot["name"]))
                if not row or not row.get("fitness"):
                    continue
                versus = row.get("versusDPO")
                against = (f"{versus['value']:+.4f} ± {versus['standardError']:.4f} ({versus['value'] / versus['standardError']:+.1f})"
                           if versus and versus["standardError"] else "n/a")
                curse.append(f"| {run['arm']} seed {run['seed']} | {snapshot['budget']} | {snapshot['evaluations']} / "
                             f"{snapshot['confirmations']} / {snapshot.get('audits', 0)} | {row['fitness']['value']:.4f} | {against} |")
    for agreement in validation.get("agreements", []):
        c = agreement["correlation"]
        curse.append(f"\nOver the {c['count']} losses validated, the rank correlation of the search's held-out fitness with "
                     f"{agreement['task']}'s is {number(c.get('rho') if c.get('rho') is not None else float('nan'), '+.2f')}.")
    return "\n".join(lines + curse)


def same_estimate(a, b):
    """Whether two validations of one loss agree: the same count, and mean and SE within 1e-12 relative
    (the last bits may differ with the order in which the runs' results are summed)."""
    close = lambda x, y: abs(x - y) <= 1e-12 * max(abs(x), abs(y), 1e-300)
    return a["count"] == b["count"] and close(a["value"], b["value"]) and close(a["standardError"], b["standardError"])


def merge(paths, out):
    """Merges the runs and validation rows of several results.json files into `out`: the repeats of one
    campaign validated call by call on the same judge. A loss validated in more than one (the standard
    losses) must have the same figures in each (to 1e-12): the judge is deterministic, and a difference
    would mean the calls are not comparable."""
    runs, rows, verdicts, agreements = [], {}, {}, []
    for path in paths:
        with open(path) as handle:
            results = json.load(handle)
        runs += [run for run in results["runs"] if (run["arm"], run["seed"]) not in {(r["arm"], r["seed"]) for r in runs}]
        for row in results["validation"]["rows"]:
            key = (row["task"], row["loss"])
            if key in rows and not same_estimate(rows[key]["fitness"], row["fitness"]):
                raise SystemExit(f"{path}: {row['loss']} on {row['task']} differs from an earlier file: "
                                 f"{rows[key]['fitness']['value']} against {row['fitness']['value']}")
            rows.setdefault(key, row)
        for verdict in results["validation"]["verdicts"]:
            verdicts.setdefault(verdict["loss"], verdict)
        agreements += results["validation"].get("agreements", [])
    with open(out, "w") as handle:
        json.dump({"runs": runs, "validation": {"rows": list(rows.values()), "verdicts": list(verdicts.values()),
                                                "agreements": agreements}}, handle, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arms", default="cluster,single-cell,independent")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--budgets", default="500,2000")
    parser.add_argument("--task", default=os.path.join(ROOT, "configs/tasks/default.toml"))
    parser.add_argument("--out", default=os.path.join(ROOT, "ablation"))
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release"))
    parser.add_argument("--promotion-threshold", type=float, help="the islands' stage-1 fitness for stage 2 "
                        "(default: the island's, 0.5; a task on a lower scale, such as configs/tasks/lm-like.toml, needs less)")
    parser.add_argument("--replacement-margin", type=float, help="the islands' archive replacement margin "
                        "(default: the island's, 0: a child replaces its cell's elite on any gain in search fitness)")
    parser.add_argument("--growth-margin", type=float, help="the further gain a child longer than its cell's elite "
                        "needs to replace it (default: the island's, 0)")
    parser.add_argument("--validate-task", help="the task the bests are validated on (default: --task)")
    parser.add_argument("--transfer", action="append", default=[], help="a transfer task file for validation (repeatable)")
    parser.add_argument("--standard", help="only these standard losses in validation, comma-separated (DPO always)")
    parser.add_argument("--also", action="append", default=[], help="another loss file validated beside the bests "
                        "(e.g. an earlier campaign's best; repeatable)")
    parser.add_argument("--validate-only", action="store_true", help="validate and report the runs already in --out")
    parser.add_argument("--report-only", action="store_true", help="write report.md again from --out's results.json (no training)")
    parser.add_argument("--merge", action="append", default=[], help="with --report-only: a results.json of another call (another "
                        "seed's runs, validated there on the same judge) merged into --out's report, written to --out/results.json; "
                        "a loss validated in both must agree to 1e-12 (repeatable)")
    args = parser.parse_args()
    arms = args.arms.split(",")
    budgets = [int(b) for b in args.budgets.split(",")]
    task = os.path.abspath(args.task)
    os.makedirs(args.out, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.report_only:
        if args.merge:
            merge(args.merge, os.path.join(args.out, "results.json"))
        with open(os.path.join(args.out, "results.json")) as handle:
            results = json.load(handle)
        text = report(results["runs"], results["validation"], arms, budgets)
        with open(os.path.join(args.out, "report.md"), "w") as handle:
            handle.write(text + "\n")
        print(text)
        return
    runs = []
    for seed in range(args.first_seed, args.first_seed + args.repeats):
        for arm in arms:
            summary_path = os.path.join(args.out, f"{arm}-seed{seed}", "run.json")
            if args.validate_only:
                if os.path.exists(summary_path):
                    with open(summary_path) as handle:
                        runs.append(json.load(handle))
                continue
            archive_keys = {"replacement_margin": args.replacement_margin, "growth_margin": args.growth_margin}
            runs.append(run_arm(arm, seed, budgets, task, args.out, args.bin, args.promotion_threshold, archive_keys))
    files = [s["file"] for run in runs for s in run["snapshots"]]
    if not files:
        print("no finished runs to validate")
        return
    print(f"validating {len(files)} losses on the held-out seeds ...", flush=True)
    judge = ["--task", os.path.abspath(args.validate_task or task)]
    judge += [argument for path in args.transfer for argument in ("--transfer", os.path.abspath(path))]
    judge += ["--standard", args.standard] if args.standard else []
    validation = json.loads(evoctl(args.bin, "validate", *files, *map(os.path.abspath, args.also), *judge, "--json"))
    with open(os.path.join(args.out, "results.json"), "w") as handle:
        json.dump({"runs": runs, "validation": validation}, handle, indent=1)
    text = report(runs, validation, arms, budgets)
    with open(os.path.join(args.out, "report.md"), "w") as handle:
        handle.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
