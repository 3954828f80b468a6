#!/usr/bin/env python3
"""Does the tiny-LM task's sampled frontier flatter a policy? Trains a TRL export once at (beta, seed)
and scores the policy with several numbers of samples per prompt (the task uses 64).

    .venv-trl/bin/python research/trl-frontier-check.py EXPORT.py BETA SEED [--samples 64,512]

EXPORT.py is a `--format trl` export. Prints one JSON line per sample count: efficiency, reward, KL,
frontier reward, objective.
"""
import argparse
import copy
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "evaluators/trl"))

import evaluate  # noqa: E402
import tiny_task  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("file")
parser.add_argument("beta", type=float)
parser.add_argument("seed", type=int)
parser.add_argument("--samples", default="64,512")
arguments = parser.parse_args()
options = argparse.Namespace(threads=1, cache_seeds=1, steps=64, batch_size=32, learning_rate=3e-4)
shared = evaluate.TinySetup(options).seeds[arguments.seed]
policy = copy.deepcopy(shared.template)
with tempfile.TemporaryDirectory() as scratch:
    config = evaluate.dpo_config(arguments.beta, arguments.seed, scratch, learning_rate=3e-4, max_steps=64, per_device_train_batch_size=32,
                                 lr_scheduler_type="constant", warmup_steps=0, max_length=None)
    evaluate.load_trainer(arguments.file)(model=policy, ref_model=shared.reference, args=config, train_dataset=shared.pairs,
                                          processing_class=tiny_task.tokenizer()).train()
for count in (int(n) for n in arguments.samples.split(",")):
    settings = dataclasses.replace(tiny_task.TinySettings(), samples_per_prompt=count)
    samples = tiny_task.reference_samples(shared.reference, arguments.seed, settings, shared.world)
    metrics = tiny_task.evaluate(policy, shared.reference, arguments.beta, settings, samples)
    print(json.dumps({"samples": count, **{k: round(v, 4) for k, v in metrics.items() if not k.startswith("seconds")}}), flush=True)
