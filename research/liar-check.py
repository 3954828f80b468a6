#!/usr/bin/env python3
"""Issue 38's measurement: a worker that holds the cluster key and lies, beside the default cluster.

Starts the default cluster (configs/cluster.toml: four islands, the farm, two honest workers) in a
temporary directory on free ports, adds `evod-liar` (evod's own worker, reporting every true result
raised by --raise), lets it run --seconds, then:
  - reads the farm's status: when and after how many audited jobs the liar was quarantined, how
    many results were purged and corrected;
  - takes the cluster's best --top losses (all islands) and evaluates each again locally
    (`evoctl loss eval` at the stage its ranking fitness comes from) and says which disagree.
Usage:
  research/liar-check.py [--bin .build/release] [--seconds 150] [--raise 0.05] [--top 12] [--no-audits] [--keep DIR]
Exit status 1 when a best carries a fitness the local evaluation contradicts.
"""
import argparse, json, os, re, subprocess, sys, tempfile, time

from ablation import ROOT, evoctl, free_ports  # the same helpers as the ablation script


def config(directory, audits=True):
    """configs/cluster.toml with its state, islands directory, task and ports moved (and audits off unless `audits`)."""
    text = open(os.path.join(ROOT, "configs/cluster.toml")).read()
    ports = free_ports(11)
    text = re.sub(r'^state_directory = .*$', f'state_directory = "{directory}/state"', text, flags=re.M)
    text = re.sub(r'^task = "(.*)"$', lambda m: f'task = "{os.path.join(ROOT, m.group(1))}"', text, flags=re.M)
    text = re.sub(r'^migration = "(.*)"$', lambda m: f'migration = "{os.path.join(ROOT, m.group(1))}"', text, flags=re.M)
    text = re.sub(r'^islands_directory = .*$', f'islands_directory = "{directory}/islands"', text, flags=re.M)
    text = re.sub(r'^island_control_ports = .*$', f"island_control_ports = {ports[0:4]}", text, flags=re.M)
    text = re.sub(r'^island_migration_ports = .*$', f"island_migration_ports = {ports[4:8]}", text, flags=re.M)
    for key, port in zip(["islands_port", "workers_port", "control_port"], ports[8:11]):
        text = re.sub(rf'^{key} = \d+', f"{key} = {port}", text, flags=re.M)
    if not audits:
        text = re.sub(r'^audit_share = [0-9.]+', "audit_share = 0", text, flags=re.M)
        text = re.sub(r'^audit_confirmations = true', "audit_confirmations = false", text, flags=re.M)
    path = os.path.join(directory, "cluster.toml")
    open(path, "w").write(text)
    return path


def farm_status(binaries, path):
    status = json.loads(evoctl(binaries, "status", "--config", path, "--json", check=False) or "{}")
    return status.get("farm") or {}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release"))
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--raise", dest="lie", type=float, default=0.05)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--no-audits", action="store_true", help="audit_share = 0 and no audited confirmations: the farm as before issue 38")
    parser.add_argument("--keep", help="run in this directory and keep it (default: a temporary one, removed)")
    args = parser.parse_args()
    binaries = os.path.abspath(args.bin)
    directory = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="evod-liar-")
    os.makedirs(os.path.join(directory, "islands"), exist_ok=True)
    path = config(directory, audits=not args.no_audits)
    evoctl(binaries, "up", "--config", path, "--evod", os.path.join(binaries, "evod"))
    liar_log = open(os.path.join(directory, "liar.log"), "w")
    liar = subprocess.Popen(
        [os.path.join(binaries, "evod-liar"), "--config", path, "--raise", str(args.lie)], stdout=liar_log, stderr=subprocess.STDOUT)
    started, quarantined_at, audit = time.time(), None, {}
    try:
        while time.time() - started < args.seconds:
            time.sleep(5)
            audit = farm_status(binaries, path).get("audit") or {}
            if quarantined_at is None and audit.get("quarantined"):
                quarantined_at = time.time() - started
        best = json.loads(evoctl(binaries, "best", "--config", path, "--top", str(args.top), "--json"))
        audit = farm_status(binaries, path).get("audit") or audit
    finally:
        liar.terminate()
        liar.wait()
        evoctl(binaries, "down", "--config", path, check=False)
    task = re.search(r'^task = "(.*)"$', open(path).read(), flags=re.M).group(1)
    print(f"liar raising every result by {args.lie}, beside the default cluster, {args.seconds:.0f} s" + (", audits off" if args.no_audits else ""))
    for worker in audit.get("quarantined", []):
        print(f"quarantined after {quarantined_at:.0f} s: {worker['name']}: {worker['reason']}")
    if not audit.get("quarantined"):
        print("the liar was NOT quarantined")
    print(f"audited {audit.get('audited')} jobs, {audit.get('disagreements')} disagreements, {audit.get('skipped')} unaudited, "
          f"{audit.get('purged')} results purged, {audit.get('corrections')} corrected")
    contradicted = 0
    print(f"\n| rank | island | loss | stage | cluster's fitness | local fitness | agrees |\n|---|---|---|---|---|---|---|")
    for rank, row in enumerate(best, 1):
        candidate = row  # the candidate's fields, with its island
        stage, fitness = (3, candidate["confirmed_fitness"]) if candidate.get("confirmed_fitness") is not None else (candidate["stage"], candidate["fitness"])
        loss = os.path.join(directory, f"best-{rank}.loss")
        open(loss, "w").write(candidate["canonical"] + "\n")
        local = json.loads(evoctl(binaries, "loss", "eval", loss, "--task", task, "--stage", str(stage), "--json", check=False) or "{}").get("fitness")
        agrees = local is not None and float(local) == float(fitness)
        contradicted += 0 if agrees else 1
        print(f"| {rank} | {row['island']} | {candidate['name']} | {stage} | {fitness:.6f} | {local if local is None else f'{local:.6f}'} | {'yes' if agrees else 'NO'} |")
    print(f"\n{contradicted} of {len(best)} bests carry a fitness the local evaluation contradicts")
    if not args.keep:
        subprocess.run(["rm", "-rf", directory])
    sys.exit(1 if contradicted else 0)


if __name__ == "__main__":
    main()
