#!/usr/bin/env python3
"""Regenerate Fixtures/pytorch/expected.json with real PyTorch (the independent oracle).

What it does
------------
For every valid fixture ``Fixtures/pytorch/*.py`` (each defines exactly one DiscoPOP-style
loss function ``def name(self, policy_chosen_logps, policy_rejected_logps,
reference_chosen_logps, reference_rejected_logps)``), it executes the file with real
Python + torch, calls the function on one fixed batch in float64 and records:

  * ``output``    -- the returned per-sample vector (length 10, or 20 for torch.cat),
  * ``objective`` -- its mean (the training objective),
  * ``grad_pc``   -- d objective / d policy_chosen_logps   (via .backward()),
  * ``grad_pr``   -- d objective / d policy_rejected_logps (via .backward()).

The batch: ``rng = np.random.default_rng(12345)``; pc, pr, rc, rr = four successive draws of
``rng.normal(-50, 10, 10)`` (in that order); beta = 0.1, passed as ``self.beta`` through
``types.SimpleNamespace(beta=0.1)``. pc and pr have ``requires_grad=True``; rc and rr do not.
The batch is stored in the JSON under ``"batch"`` so consumers need not regenerate it.

Floats are written with full precision (Python's shortest round-tripping repr, via json).
The script also asserts that every output is finite, has shape (10,) or (20,), and that the
objective and both gradients are finite.

How to run
----------
    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy
    /tmp/torchenv/bin/python Tests/LossLanguageTests/Fixtures/make_expected.py

(run from the repository root, or from anywhere: paths are relative to this file).
Fixtures in ``Fixtures/pytorch-invalid/`` are deliberately not executed.
"""
import json
import math
import pathlib
import sys
import types

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
FIXTURE_DIR = HERE / "pytorch"
OUT_PATH = FIXTURE_DIR / "expected.json"

SEED = 12345
BATCH = 10
BETA = 0.1


def make_batch():
    rng = np.random.default_rng(SEED)
    pc = rng.normal(-50, 10, BATCH)
    pr = rng.normal(-50, 10, BATCH)
    rc = rng.normal(-50, 10, BATCH)
    rr = rng.normal(-50, 10, BATCH)
    return pc, pr, rc, rr


def load_loss_function(path):
    """Execute a fixture file and return the single function it defines."""
    namespace = {"__name__": "fixture_" + path.stem}
    code = compile(path.read_text(), str(path), "exec")
    exec(code, namespace)
    funcs = [v for v in namespace.values()
             if isinstance(v, types.FunctionType) and v.__code__.co_filename == str(path)]
    if len(funcs) != 1:
        raise SystemExit(f"{path.name}: expected exactly one function, found {len(funcs)}")
    return funcs[0]


def run_fixture(fn, batch):
    pc_np, pr_np, rc_np, rr_np = batch
    pc = torch.tensor(pc_np, dtype=torch.float64, requires_grad=True)
    pr = torch.tensor(pr_np, dtype=torch.float64, requires_grad=True)
    rc = torch.tensor(rc_np, dtype=torch.float64)
    rr = torch.tensor(rr_np, dtype=torch.float64)
    self_obj = types.SimpleNamespace(beta=BETA)
    out = fn(self_obj, pc, pr, rc, rr)
    objective = out.mean()
    objective.backward()
    return {
        "output": [float(v) for v in out.detach().tolist()],
        "objective": float(objective.item()),
        "grad_pc": [float(v) for v in pc.grad.tolist()],
        "grad_pr": [float(v) for v in pr.grad.tolist()],
    }, tuple(out.shape), out.dtype


def main():
    torch.set_default_dtype(torch.float64)
    batch = make_batch()
    fixtures = {}
    problems = []
    for path in sorted(FIXTURE_DIR.glob("*.py")):
        fn = load_loss_function(path)
        record, shape, dtype = run_fixture(fn, batch)
        name = path.stem
        if shape not in ((BATCH,), (2 * BATCH,)):
            problems.append(f"{name}: bad output shape {shape}")
        if dtype != torch.float64:
            problems.append(f"{name}: output dtype {dtype}, expected float64")
        values = record["output"] + [record["objective"]] + record["grad_pc"] + record["grad_pr"]
        if not all(math.isfinite(v) for v in values):
            problems.append(f"{name}: non-finite value")
        if not any(g != 0.0 for g in record["grad_pc"] + record["grad_pr"]):
            problems.append(f"{name}: gradient is identically zero")
        fixtures[name] = record
        print(f"{name:32s} shape={shape} objective={record['objective']:.6g}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(1)
    pc, pr, rc, rr = batch
    doc = {
        "generator": "Tests/LossLanguageTests/Fixtures/make_expected.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "dtype": "float64",
        "batch": {
            "beta": BETA,
            "pc": [float(v) for v in pc],
            "pr": [float(v) for v in pr],
            "rc": [float(v) for v in rc],
            "rr": [float(v) for v in rr],
        },
        "fixtures": fixtures,
    }
    OUT_PATH.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT_PATH} ({len(fixtures)} fixtures)")


if __name__ == "__main__":
    main()
