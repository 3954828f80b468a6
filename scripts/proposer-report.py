#!/usr/bin/env python3
"""Summarises what each island's own proposer made, from the islands' SQLite state (read-only).

Usage: scripts/proposer-report.py STATE_DIR [--first N] [--label TEXT]
       scripts/proposer-report.py STATE_DIR --counts         (each island's own proposals, one line)
       scripts/proposer-report.py STATE_DIR --settled N      (exit 0 once each island's first N are evaluated or rejected)

Per island and in total: the proposals of the island's own proposer (the LLM's replies, or the
mutation operators' children; seeds and migrants are not counted), by outcome; the share that was a
valid loss (every LLM reply counts, including those re-sampled after an error); and the best
full-grid (stage 2) fitness among them with its loss. With --first N only each island's first N
proposals count, so that two proposers are compared at the same budget.
"""
import argparse
import glob
import os
import sqlite3
import sys

OWN = "(proposer = 'llm' OR proposer LIKE 'mutation:%')"


def island_rows(path, first):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    limit = f"LIMIT {int(first)}" if first else ""
    rows = db.execute(f"SELECT id, name, status, fitness, stage, canonical, convexity, grad0, beta_sensitivity "
                      f"FROM candidates WHERE {OWN} ORDER BY id {limit}").fetchall()
    db.close()
    return rows


def cell(c, g, s):
    """The archive cell of a descriptor triple under the default bins (C 8 over [-1, 1], g0 8 over [-1, 1], S 5 over [0, 0.25])."""
    def bin_of(value, lower, upper, count):
        return min(count - 1, max(0, int((value - lower) / (upper - lower) * count)))
    return (bin_of(c, -1, 1, 8), bin_of(g, -1, 1, 8), bin_of(s, 0, 0.25, 5))


def summary(rows):
    outcomes = {}
    for row in rows:
        outcomes[row[2]] = outcomes.get(row[2], 0) + 1
    valid = len(rows) - outcomes.get("invalid", 0)
    full = [r for r in rows if r[2] == "evaluated" and r[4] == 2 and r[3] is not None]
    best = max(full, key=lambda r: r[3], default=None)
    return outcomes, valid, best


def line(label, rows):
    outcomes, valid, best = summary(rows)
    share = f"{valid / len(rows):.0%}" if rows else "-"
    text = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none"
    best_text = f"{best[3]:.4f} ({best[1]}: {best[5]})" if best else "none at stage 2"
    new = outcomes.get("evaluated", 0) + outcomes.get("failed", 0)
    new_share = f"{new / len(rows):.0%}" if rows else "-"
    cells = {cell(r[6], r[7], r[8]) for r in rows if r[2] == "evaluated" and r[6] is not None}
    return (f"{label}: proposals {len(rows)} ({text}); valid {valid}/{len(rows)} = {share}; new and evaluated {new} = {new_share}; "
            f"archive cells reached {len(cells)}; best stage-2 fitness {best_text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--label", default="")
    parser.add_argument("--counts", action="store_true")
    parser.add_argument("--settled", type=int, default=0)
    args = parser.parse_args()
    paths = sorted(glob.glob(os.path.join(args.state, "island-*", "island.sqlite")))
    if not paths:
        sys.exit(f"proposer-report: no island databases under {args.state}/island-*/")
    if args.counts:
        print(" ".join(str(len(island_rows(path, 0))) for path in paths))
        return
    if args.settled:
        islands = [island_rows(path, args.settled) for path in paths]
        sys.exit(0 if all(len(rows) == args.settled and all(r[2] != "pending" for r in rows) for rows in islands) else 1)
    prefix = f"{args.label} " if args.label else ""
    everything = []
    for path in paths:
        rows = island_rows(path, args.first)
        everything += rows
        print(line(prefix + os.path.basename(os.path.dirname(path)), rows))
    print(line(prefix + "all islands", everything))


if __name__ == "__main__":
    main()
