#!/usr/bin/env python3
"""evod's command evaluator for real training under TRL (DESIGN.md section 5.3).

    evaluate.py [--setup tiny|gpu] [options] FILE BETA SEED OUTPUT

FILE is a candidate exported with `--format trl` (a task's `[command]` with `export = "trl"`
writes it): the script trains with its trainer class, so the trainer it tests is the one users get.
It writes {"fitness": ..., "metrics": {...}} to OUTPUT.

- `tiny` (default): the synthetic preference language task of tiny_task.py on CPU, about ten
  seconds a run on 2 cores once the seed's SFT model is cached.
- `gpu`: a local causal LM directory (--model, also the reference) and a preference dataset file
  (--data: JSON lines with prompt / chosen / rejected), trained with TRL on whatever devices
  accelerate finds; fitness is the held-out reward accuracy of the implicit reward (or --metric).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def load_trainer(path: str):
    """The trainer class of a `--format trl` export."""
    spec = importlib.util.spec_from_file_location("evod_candidate", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    trainer = getattr(module, "EvodDPOTrainer", None)
    if trainer is None:
        raise SystemExit(f"{path}: no EvodDPOTrainer; export the loss with `--format trl`")
    return trainer


def dpo_config(beta: float, seed: int, output_dir: str, **overrides):
    from trl import DPOConfig

    settings = dict(output_dir=output_dir, beta=beta, seed=seed, data_seed=seed, report_to=[], save_strategy="no",
                    logging_strategy="no", gradient_checkpointing=False, use_cpu=not _has_accelerator(),
                    bf16=_has_accelerator(),  # TRL 1.x defaults to bf16 autocast, on CPUs too
                    disable_tqdm=True, dataloader_num_workers=0)
    settings.update(overrides)
    return DPOConfig(**settings)


def _has_accelerator() -> bool:
    import torch
    return torch.cuda.is_available()


def run_tiny(trainer_class, beta: float, seed: int, arguments) -> dict:
    import copy
    import tempfile

    import torch
    import tiny_task

    torch.set_num_threads(arguments.threads)
    settings = tiny_task.TinySettings()
    world = tiny_task.World(seed)
    reference = tiny_task.sft_model(seed, settings, world)
    pairs = tiny_task.preference_pairs(seed, settings, world, reference)
    policy = copy.deepcopy(reference)
    with tempfile.TemporaryDirectory(prefix="evod-trl-") as scratch:
        config = dpo_config(beta, seed, scratch, learning_rate=arguments.learning_rate, max_steps=arguments.steps,
                            per_device_train_batch_size=arguments.batch_size, lr_scheduler_type="constant",
                            warmup_steps=0, max_length=None)
        trainer = trainer_class(model=policy, ref_model=reference, args=config, train_dataset=pairs,
                                processing_class=tiny_task.tokenizer())
        trainer.train()
        calls = trainer.evod_loss_calls
    metrics = tiny_task.evaluate(policy, reference, seed, beta, settings, world)
    metrics["loss_calls"] = calls
    return metrics


def run_gpu(trainer_class, beta: float, seed: int, arguments) -> dict:
    import tempfile

    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not arguments.model or not arguments.data:
        raise SystemExit("--setup gpu needs --model DIR and --data FILE")
    data = load_dataset("json", data_files=arguments.data, split="train").train_test_split(test_size=arguments.eval_fraction, seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(arguments.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    policy = AutoModelForCausalLM.from_pretrained(arguments.model, dtype="auto")
    reference = AutoModelForCausalLM.from_pretrained(arguments.model, dtype="auto")
    with tempfile.TemporaryDirectory(prefix="evod-trl-") as scratch:
        config = dpo_config(beta, seed, scratch, learning_rate=arguments.learning_rate, max_steps=arguments.steps,
                            per_device_train_batch_size=arguments.batch_size, per_device_eval_batch_size=arguments.batch_size)
        trainer = trainer_class(model=policy, ref_model=reference, args=config, train_dataset=data["train"],
                                eval_dataset=data["test"], processing_class=tokenizer)
        trainer.train()
        metrics = {k.removeprefix("eval_"): v for k, v in trainer.evaluate().items() if isinstance(v, (int, float))}
        metrics["loss_calls"] = trainer.evod_loss_calls
    metrics["efficiency"] = metrics.get(arguments.metric, math.nan)
    return metrics


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("beta", type=float)
    parser.add_argument("seed", type=int)
    parser.add_argument("output")
    parser.add_argument("--setup", choices=["tiny", "gpu"], default="tiny")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps (tiny: 64; gpu: 200)")
    parser.add_argument("--batch-size", type=int, default=None, help="pairs per step (tiny: 32; gpu: 8)")
    parser.add_argument("--learning-rate", type=float, default=None, help="tiny: 3e-4; gpu: 5e-7")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (tiny)")
    parser.add_argument("--model", help="gpu: a local model directory (policy and reference)")
    parser.add_argument("--data", help="gpu: JSON lines with prompt, chosen, rejected")
    parser.add_argument("--eval-fraction", type=float, default=0.1, help="gpu: held-out share of --data")
    parser.add_argument("--metric", default="rewards/accuracies", help="gpu: the evaluation metric reported as fitness")
    arguments = parser.parse_args()
    tiny = arguments.setup == "tiny"
    arguments.steps = arguments.steps or (64 if tiny else 200)
    arguments.batch_size = arguments.batch_size or (32 if tiny else 8)
    arguments.learning_rate = arguments.learning_rate or (3e-4 if tiny else 5e-7)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    started = time.monotonic()
    trainer_class = load_trainer(arguments.file)
    run = run_tiny if tiny else run_gpu
    metrics = run(trainer_class, arguments.beta, arguments.seed, arguments)
    metrics["seconds"] = time.monotonic() - started
    fitness = metrics.pop("efficiency")
    if not math.isfinite(fitness):
        print(f"the run gave a non-finite fitness ({fitness}); metrics: {metrics}", file=sys.stderr)
        return 1
    Path(arguments.output).write_text(json.dumps({"fitness": fitness, "metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
