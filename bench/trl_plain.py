#!/usr/bin/env python3
"""One run of the tiny-LM task as a plain TRL script, the way a user would write it without evod.

    trl_plain.py BETA SEED

TRL's own DPOTrainer (its sigmoid loss), the same SFT model, pairs, training settings and
evaluation as evaluators/trl/evaluate.py, in a fresh process: imports, the SFT model from its disk
cache, the pairs and the reference's samples all paid for again. Prints the metrics as JSON.
`make bench` times it beside evod's resident evaluator (bench/trl_bench.py).
"""
import copy
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "evaluators/trl"))

import torch  # noqa: E402
from trl import DPOConfig, DPOTrainer  # noqa: E402

import tiny_task  # noqa: E402

beta, seed = float(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(1)
settings = tiny_task.TinySettings()
world = tiny_task.World(seed)
reference = tiny_task.sft_model(seed, settings, world)
pairs = tiny_task.preference_pairs(seed, settings, world, reference)
policy = copy.deepcopy(reference)
with tempfile.TemporaryDirectory() as scratch:
    config = DPOConfig(output_dir=scratch, beta=beta, seed=seed, data_seed=seed, report_to=[], save_strategy="no", logging_strategy="no",
                       use_cpu=True, bf16=False, disable_tqdm=True, learning_rate=3e-4, max_steps=64, per_device_train_batch_size=32,
                       lr_scheduler_type="constant", warmup_steps=0, max_length=None)
    DPOTrainer(model=policy, ref_model=reference, args=config, train_dataset=pairs, processing_class=tiny_task.tokenizer()).train()
samples = tiny_task.reference_samples(reference, seed, settings, world)
print(json.dumps(tiny_task.evaluate(policy, reference, beta, settings, samples)))
