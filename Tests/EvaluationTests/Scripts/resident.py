#!/usr/bin/env python3
"""A scripted resident command for the serving protocol's tests (Sources/Evaluation/ResidentPool.swift).

    resident.py MARKER [--no-ready]

MARKER only names the processes (so that a test can look for its own). It says it is ready (unless
--no-ready), then answers one job a line. By the job's seed: 13 crashes mid-job (exit 7, after a
last word on standard error), 14 hangs, 15 reports an error, 20 waits until another instance is in
a job of seed 20 too (a barrier: the directory the settings' "barrier" names), 21 answers a wrong id first;
any other seed scores 0.SEED, with the instance's pid and job count, the beta it saw and the
settings' "steps". Noise on standard output is ignored by evod; standard error goes to the log.
"""
import json
import os
import sys
import time

print("resident: starting", file=sys.stderr, flush=True)
print("some library's chatter on standard output", flush=True)
if "--no-ready" not in sys.argv:
    print(json.dumps({"ready": True, "protocol": 1}), flush=True)
served = 0
for line in sys.stdin:
    job = json.loads(line)
    served += 1
    seed = job["seed"]
    print(f"resident: job {job['id']} seed {seed}", file=sys.stderr, flush=True)
    if seed == 13:
        print("CUDA error: an illegal memory access (pretend)", file=sys.stderr, flush=True)
        os._exit(7)
    if seed == 14:
        time.sleep(987652)
    if seed == 15:
        print(json.dumps({"id": job["id"], "error": "ValueError: the loss returned NaN (pretend)"}), flush=True)
        continue
    if seed == 20:
        barrier = job["settings"]["barrier"]
        open(f"{barrier}/{os.getpid()}", "w").close()
        deadline = time.monotonic() + 30
        while len(os.listdir(barrier)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        if len(os.listdir(barrier)) < 2:
            print(json.dumps({"id": job["id"], "error": "no other instance served a job at the same time"}), flush=True)
            continue
    if seed == 21:
        print(json.dumps({"id": job["id"] + 1000, "fitness": -1}), flush=True)
    with open(job["file"]) as candidate:
        if "def " not in candidate.read():
            print(json.dumps({"id": job["id"], "error": "the file is not a PyTorch function"}), flush=True)
            continue
    metrics = {"pid": os.getpid(), "served": served, "beta_seen": job["beta"], "steps": job["settings"].get("steps", 0)}
    print(json.dumps({"id": job["id"], "fitness": seed / 100, "metrics": metrics}), flush=True)
