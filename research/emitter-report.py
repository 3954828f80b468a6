#!/usr/bin/env python3
"""What a search's children came to, read from its islands' databases (issue 37's measurements).

For each run directory of research/ablation.py (OUT/ARM-seedN, or any directory whose state/ holds
island-*/island.sqlite), per emitter (the mutation families tweak, shape and recombine, and llm; a
`proposer = "mutation"` island tags its children by family too): children proposed, new (valid, not a
repeat nor a near-repeat: evaluated, failed or pending), repeats, near-repeats, invalid, those that
entered the archive (a new cell or a better elite), those that raised the island's confirmed best,
and which emitter proposed each island's confirmed best and the run's exported best. Seed losses and
migrants are not children and are left out. Then the size of every database, and the loss sizes
(characters of the canonical form) of the evaluated children by ten generations, the measure of bloat.

Usage: research/emitter-report.py RUN_DIR [RUN_DIR ...] [--json FILE] [--sizes-by-generation]
"""
import argparse
import glob
import json
import os
import re
import sqlite3

OUTCOMES = ("proposed", "new", "repeats", "near_repeats", "invalid", "added", "raised_best")


def island_tally(path):
    """Per emitter: the outcomes of its children, from one island database (read only)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tally = {}

    def row(emitter):
        return tally.setdefault(emitter, dict.fromkeys(OUTCOMES, 0))

    for emitter, status, outcome, count in db.execute(
            "SELECT emitter, status, outcome, COUNT(*) FROM candidates WHERE emitter IS NOT NULL GROUP BY 1, 2, 3"):
        t = row(emitter)
        if status in ("evaluated", "failed", "pending"):
            t["new"] += count
        elif status == "invalid":
            t["invalid"] += count
        elif status == "duplicate":  # rows of a database from before repeats were counts
            t["repeats"] += count
        if outcome in ("new", "improved"):
            t["added"] += count
    for name, value in db.execute("SELECT name, value FROM counters WHERE name LIKE 'emitter.%'"):
        match = re.fullmatch(r"emitter\.(.+)\.(duplicates|near_duplicates|raised_best)", name)
        if match:
            key = {"duplicates": "repeats", "near_duplicates": "near_repeats", "raised_best": "raised_best"}[match.group(2)]
            row(match.group(1))[key] += value
    for t in tally.values():
        t["proposed"] = t["new"] + t["repeats"] + t["near_repeats"] + t["invalid"]
    best = db.execute("SELECT id, emitter, proposer, name, length(canonical) FROM candidates WHERE confirmed_fitness IS NOT NULL "
                      "ORDER BY confirmed_fitness DESC LIMIT 1").fetchone()
    sizes = db.execute("SELECT generation / 10, AVG(length(canonical)), MAX(length(canonical)), COUNT(*) FROM candidates "
                       "WHERE status = 'evaluated' AND emitter IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    db.close()
    return tally, best, sizes


def emitter_of(state, island, candidate):
    path = os.path.join(state, f"island-{island}", "island.sqlite")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    found = db.execute("SELECT emitter, proposer FROM candidates WHERE id = ?", (candidate,)).fetchone()
    db.close()
    return (found[0] or found[1]) if found else None


def run_report(directory):
    state = os.path.join(directory, "state")
    islands = sorted(glob.glob(os.path.join(state, "island-*", "island.sqlite")))
    total, bests, generations = {}, [], {}
    for path in islands:
        tally, best, sizes = island_tally(path)
        for emitter, t in tally.items():
            into = total.setdefault(emitter, dict.fromkeys(OUTCOMES, 0))
            for key in OUTCOMES:
                into[key] += t[key]
        if best:
            bests.append({"island": path.split(os.sep)[-2], "id": best[0], "emitter": best[1] or best[2], "name": best[3], "characters": best[4]})
        for decade, mean, largest, count in sizes:
            g = generations.setdefault(decade, [0.0, 0, 0])
            g[0] += mean * count
            g[1] = max(g[1], largest)
            g[2] += count
    exported = []
    for loss in sorted(glob.glob(os.path.join(directory, "*.loss"))):
        with open(loss) as handle:
            header = handle.readline()
        match = re.search(r"island (\d+) candidate (\d+)", header)
        if match:
            exported.append({"file": os.path.basename(loss), "island": int(match.group(1)), "id": int(match.group(2)),
                             "emitter": emitter_of(state, match.group(1), int(match.group(2)))})
    databases = {os.path.relpath(p, state): os.path.getsize(p) for p in glob.glob(os.path.join(state, "**", "*.sqlite*"), recursive=True)}
    children = {key: sum(t[key] for t in total.values()) for key in OUTCOMES}
    return {"run": os.path.basename(os.path.normpath(directory)), "emitters": total, "children": children,
            "new_share": children["new"] / children["proposed"] if children["proposed"] else None,
            "island_bests": bests, "exported": exported, "databases": databases,
            "sizes_by_generation": [{"generations": f"{10 * d}-{10 * d + 9}", "mean": round(s / n), "max": m, "count": n}
                                    for d, (s, m, n) in sorted(generations.items())]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--json")
    parser.add_argument("--sizes-by-generation", action="store_true")
    args = parser.parse_args()
    reports = [run_report(run) for run in args.runs]
    for r in reports:
        c = r["children"]
        share = f"{100 * r['new_share']:.0f}%" if r["new_share"] is not None else "n/a"
        print(f"\n## {r['run']}: {c['proposed']} children, {c['new']} new ({share}), {c['repeats']} repeats, "
              f"{c['near_repeats']} near-repeats, {c['invalid']} invalid; {c['added']} entered the archive, {c['raised_best']} raised a confirmed best\n")
        print("| emitter | proposed | new | repeats | near-repeats | invalid | entered the archive | raised the best |")
        print("|---|---|---|---|---|---|---|---|")
        for name, t in sorted(r["emitters"].items()):
            print(f"| {name} | " + " | ".join(str(t[k]) for k in OUTCOMES) + " |")
        print("\nislands' confirmed bests: " + ", ".join(f"{b['island']} #{b['id']} {b['name']} ({b['emitter']}, {b['characters']} chars)" for b in r["island_bests"]))
        print("exported bests: " + ", ".join(f"{e['file']}: island {e['island']} #{e['id']} ({e['emitter']})" for e in r["exported"]))
        total = sum(r["databases"].values())
        print(f"databases: {total / 1e6:.1f} MB in all: " + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sorted(r["databases"].items())))
        if args.sizes_by_generation:
            print("\n| generations | children evaluated | mean characters | largest |\n|---|---|---|---|")
            for s in r["sizes_by_generation"]:
                print(f"| {s['generations']} | {s['count']} | {s['mean']} | {s['max']} |")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(reports, handle, indent=1)


if __name__ == "__main__":
    main()
