#!/usr/bin/env python3
"""evod's command evaluator for real training under TRL (docs/architecture.md §5.3).

    evaluate.py [--setup tiny|gemma|gpu] [options] FILE BETA SEED OUTPUT     one run, then exit
    evaluate.py --serve [--setup tiny|gemma|gpu] [options]                   resident: many runs, one job a line

FILE is a candidate exported with `--format trl` (a task's `[command]` with `export = "trl"`
writes it): the script trains with its trainer class, so the trainer it tests is the one users get.
A run writes {"fitness": ..., "metrics": {...}} to OUTPUT.

- `tiny` (default): the synthetic preference language task of tiny_task.py on CPU.
- `gemma`: gemma_task.py's pretrained set-up, Gemma 3 270M (make llm's GGUF file) with LoRA on
  movie-review prompts, VADER's sentiment as the reward; on CPU or, with --device, a GPU.
- `gpu`: a local causal LM directory (--model, also the reference) and a preference dataset file
  (--data: JSON lines with prompt / chosen / rejected), trained with TRL on whatever devices
  accelerate finds; fitness is the held-out reward accuracy of the implicit reward (or --metric).

With --serve (a task's `[command]` with `resident = true`) the process imports torch and TRL once,
writes {"ready": true, "protocol": 1} on standard output, then reads one job a line on standard input,
{"id": N, "file": PATH, "beta": B, "seed": S, "settings": {...}}, and answers each with one line,
{"id": N, "fitness": F, "metrics": {...}} or {"id": N, "error": "..."}, until standard input ends.
What every candidate at a seed shares is built once and kept (--cache-seeds seeds, least recently
used first out): tiny keeps the SFT model, the training pairs and the reference's evaluation samples;
gemma loads the model once and keeps each seed's pairs and reference samples; gpu keeps the models and the data. Results are the one-shot runs' to the last bit (test_trl checks
it). Anything else the libraries print goes to standard error.
"""
from __future__ import annotations

import argparse
import collections
import copy
import dataclasses
import importlib.util
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

PROTOCOL = 1
# The options a job's "settings" may override (a task's [command.settings] table). quality_prompt is the
# text p of seed 004 (Sr-DPO) put before every prompt for the quality-prompted log-probs; with it the tiny
# set-up trains on its quality variant (an SFT model that knows what `<good>` asks for). train_pairs (tiny only)
# trains on that many of the seed's preference pairs instead of all 512 (seed 004's study of dataset size).
JOB_SETTINGS = ("steps", "batch_size", "learning_rate", "quality_prompt", "train_pairs")
# Each set-up's optimizer steps, pairs per step and learning rate, where the command line sets none.
SETUP_DEFAULTS = {"tiny": (64, 32, 3e-4), "gemma": (16, 8, 5e-4), "gpu": (200, 8, 5e-7)}


def load_trainer(path: str):
    """The trainer class of a `--format trl` export."""
    spec = importlib.util.spec_from_file_location("evod_candidate", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    trainer = getattr(module, "EvodDPOTrainer", None)
    if trainer is None:
        raise ValueError(f"{path}: no EvodDPOTrainer; export the loss with `--format trl`")
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


class LeastRecentlyUsed:
    """At most `capacity` values by key, built on first use; the least recently used goes first."""

    def __init__(self, capacity: int, build):
        self.capacity, self.build = max(1, capacity), build
        self.values: collections.OrderedDict = collections.OrderedDict()

    def __getitem__(self, key):
        value = self.values.pop(key) if key in self.values else self.build(key)
        self.values[key] = value
        while len(self.values) > self.capacity:
            self.values.popitem(last=False)
        return value


class TinySeed:
    """What every candidate trained at one seed (and variant) of the tiny set-up shares."""

    def __init__(self, seed: int, settings):
        import tiny_task

        self.world = tiny_task.World(seed)
        self.reference = tiny_task.sft_model(seed, settings, self.world)
        # Each policy starts from a copy of this one, which no trainer ever sees: a trainer marks its
        # reference's parameters as frozen, and a copy of the reference would then train nothing.
        self.template = copy.deepcopy(self.reference)
        self.pairs = tiny_task.preference_pairs(seed, settings, self.world, self.reference)
        self.samples = tiny_task.reference_samples(self.reference, seed, settings, self.world)


class TinySetup:
    """The `tiny` set-up: tiny_task.py's language on CPU, its seeds' shared parts kept."""

    def __init__(self, arguments):
        import torch
        import tiny_task

        torch.set_num_threads(arguments.threads)
        self.settings = tiny_task.TinySettings()
        self.seeds = LeastRecentlyUsed(arguments.cache_seeds, lambda key: TinySeed(key[0], self.variant(key[1])))

    def variant(self, quality: bool):
        """The task's settings, plain or with the quality prompt."""
        return dataclasses.replace(self.settings, quality=quality)

    def run(self, trainer_class, beta: float, seed: int, options) -> dict:
        import tiny_task

        quality = options.quality_prompt is not None
        if quality and options.quality_prompt != tiny_task.QUALITY:
            raise ValueError(f"the tiny set-up's SFT model knows one quality prompt, {tiny_task.QUALITY!r}; got {options.quality_prompt!r}")
        settings = self.variant(quality)
        shared = self.seeds[(seed, quality)]
        pairs = shared.pairs
        if options.train_pairs is not None:
            if options.train_pairs > len(pairs):
                raise ValueError(f"train_pairs {options.train_pairs} exceeds the {len(pairs)} pairs of the tiny set-up")
            pairs = pairs.select(range(options.train_pairs))
        extra = {"quality_prompt": options.quality_prompt} if quality else {}
        started = time.monotonic()
        policy = copy.deepcopy(shared.template)
        with tempfile.TemporaryDirectory(prefix="evod-trl-") as scratch:
            config = dpo_config(beta, seed, scratch, learning_rate=options.learning_rate, max_steps=options.steps,
                                per_device_train_batch_size=options.batch_size, lr_scheduler_type="constant",
                                warmup_steps=0, max_length=None)
            trainer = trainer_class(model=policy, ref_model=shared.reference, args=config, train_dataset=pairs,
                                    processing_class=tiny_task.tokenizer(quality), **extra)
            trainer.train()
            calls = trainer.evod_loss_calls
            # The mean refinement term Delta the loss saw over the steps, as TRL logs it with the run's summary.
            refinement = [entry["quality/refinement"] for entry in trainer.state.log_history if "quality/refinement" in entry]
        trained = time.monotonic() - started
        metrics = tiny_task.evaluate(policy, shared.reference, beta, settings, shared.samples)
        if refinement:
            metrics["quality_refinement"] = float(refinement[-1])
        metrics["loss_calls"] = calls
        metrics["seconds_train"] = trained
        return metrics


class GemmaSetup:
    """The `gemma` set-up: gemma_task.py's pretrained LM with LoRA, loaded once per process, its seeds' shared parts kept."""

    def __init__(self, arguments):
        import torch
        import gemma_task

        torch.set_num_threads(arguments.threads)
        self.device = pick_device(arguments.device)
        self.settings = gemma_task.GemmaSettings()
        gguf = Path(arguments.gguf) if arguments.gguf else gemma_task.DEFAULT_GGUF
        self.reference, self.tokenizer, key = gemma_task.load_base(gguf, self.device)
        # Each policy's frozen base is a copy of this one, which no trainer ever sees (see TinySeed).
        self.template = copy.deepcopy(self.reference)
        self.sentiment = gemma_task.Sentiment()
        self.seeds = LeastRecentlyUsed(arguments.cache_seeds, lambda seed: (
            gemma_task.preference_pairs(seed, self.settings, self.reference, self.tokenizer, self.sentiment, key),
            gemma_task.reference_samples(seed, self.settings, self.reference, self.tokenizer, self.sentiment, key)))

    def run(self, trainer_class, beta: float, seed: int, options) -> dict:
        import gemma_task

        if options.quality_prompt is not None:
            raise ValueError("the gemma set-up has no quality prompt (seed 004's losses train on the tiny set-up)")
        pairs, samples = self.seeds[seed]
        if options.train_pairs is not None:
            if options.train_pairs > len(pairs):
                raise ValueError(f"train_pairs {options.train_pairs} exceeds the {len(pairs)} pairs of the gemma set-up")
            pairs = pairs.select(range(options.train_pairs))
        started = time.monotonic()
        policy = gemma_task.lora_policy(self.template, seed, self.settings)
        with tempfile.TemporaryDirectory(prefix="evod-trl-") as scratch:
            config = dpo_config(beta, seed, scratch, learning_rate=options.learning_rate, max_steps=options.steps,
                                per_device_train_batch_size=options.batch_size, lr_scheduler_type="constant",
                                warmup_steps=0, max_length=None, use_cpu=self.device == "cpu")
            trainer = trainer_class(model=policy, ref_model=self.reference, args=config, train_dataset=pairs,
                                    processing_class=self.tokenizer)
            trainer.train()
            calls = trainer.evod_loss_calls
        trained = time.monotonic() - started
        metrics = gemma_task.evaluate(policy, self.reference, self.tokenizer, beta, self.settings, samples, self.sentiment)
        metrics["loss_calls"] = calls
        metrics["seconds_train"] = trained
        return metrics


def pick_device(requested: str) -> str:
    """The torch device for `--device`: auto takes a GPU where torch sees one; cuda without one is an error."""
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: torch sees no GPU here (this environment's torch is "
                         f"{torch.__version__}; a GPU host needs a CUDA build, see evaluators/trl/README.md)")
    return requested


class GpuSetup:
    """The `gpu` set-up: a local model (policy and reference) and a preference dataset, loaded once."""

    def __init__(self, arguments):
        from datasets import load_dataset
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not arguments.model or not arguments.data:
            raise SystemExit("--setup gpu needs --model DIR and --data FILE")
        self.arguments = arguments
        self.tokenizer = AutoTokenizer.from_pretrained(arguments.model)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.reference = AutoModelForCausalLM.from_pretrained(arguments.model, dtype="auto")
        # The policy's starting point, kept apart from the reference (see TinySeed).
        self.template = AutoModelForCausalLM.from_pretrained(arguments.model, dtype="auto")
        data = load_dataset("json", data_files=arguments.data, split="train")
        self.splits = LeastRecentlyUsed(arguments.cache_seeds,
                                        lambda seed: data.train_test_split(test_size=arguments.eval_fraction, seed=seed))

    def run(self, trainer_class, beta: float, seed: int, options) -> dict:
        if options.train_pairs is not None:
            raise ValueError("train_pairs is a setting of the tiny set-up; take a smaller --data file instead")
        split = self.splits[seed]
        policy = copy.deepcopy(self.template)
        with tempfile.TemporaryDirectory(prefix="evod-trl-") as scratch:
            config = dpo_config(beta, seed, scratch, learning_rate=options.learning_rate, max_steps=options.steps,
                                per_device_train_batch_size=options.batch_size, per_device_eval_batch_size=options.batch_size)
            extra = {"quality_prompt": options.quality_prompt} if options.quality_prompt is not None else {}
            trainer = trainer_class(model=policy, ref_model=self.reference, args=config, train_dataset=split["train"],
                                    eval_dataset=split["test"], processing_class=self.tokenizer, **extra)
            trainer.train()
            metrics = {k.removeprefix("eval_"): v for k, v in trainer.evaluate().items() if isinstance(v, (int, float))}
            metrics["loss_calls"] = trainer.evod_loss_calls
        metrics["efficiency"] = metrics.get(self.arguments.metric, math.nan)
        return metrics


def job_options(arguments, settings: dict):
    """The run's options: the command line's, with a job's settings over them."""
    unknown = sorted(set(settings) - set(JOB_SETTINGS))
    if unknown:
        raise ValueError(f"unknown job settings {unknown}; known: {list(JOB_SETTINGS)}")
    options = argparse.Namespace(**{name: getattr(arguments, name) for name in JOB_SETTINGS})
    for name, value in settings.items():
        if name == "quality_prompt":
            if not isinstance(value, str) or not value:
                raise ValueError(f"job setting quality_prompt must be a non-empty string, got {value!r}")
            options.quality_prompt = value
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"job setting {name} must be a positive number, got {value!r}")
        setattr(options, name, int(value) if name != "learning_rate" else float(value))
    return options


def train_one(setup, file: str, beta: float, seed: int, options) -> tuple[float, dict]:
    """One run: the candidate's trainer at (beta, seed); its fitness and its other metrics."""
    started = time.monotonic()
    metrics = setup.run(load_trainer(file), beta, seed, options)
    metrics["seconds"] = time.monotonic() - started
    fitness = metrics.pop("efficiency")
    if not math.isfinite(fitness):
        raise ValueError(f"the run gave a non-finite fitness ({fitness}); metrics: {metrics}")
    return fitness, metrics


def finite_or_none(metrics: dict) -> dict:
    """JSON has no NaN: a non-finite metric is written as null (evod then names it)."""
    return {k: (v if isinstance(v, (int, float)) and math.isfinite(v) else None) for k, v in metrics.items()}


def serve(setup, arguments, jobs, replies) -> int:
    """Answers one job a line from `jobs` on `replies` until `jobs` ends."""
    replies.write(json.dumps({"ready": True, "protocol": PROTOCOL, "setup": arguments.setup}) + "\n")
    replies.flush()
    while line := jobs.readline():
        if not line.strip():
            continue
        job_id = None
        try:
            job = json.loads(line)
            if not isinstance(job, dict):
                raise ValueError("a job must be a JSON object")
            job_id = job.get("id")
            options = job_options(arguments, job.get("settings") or {})
            fitness, metrics = train_one(setup, str(job["file"]), float(job["beta"]), int(job["seed"]), options)
            reply = {"id": job_id, "fitness": fitness, "metrics": finite_or_none(metrics)}
        except Exception as error:  # one job's failure, reported; the next job is served
            reply = {"id": job_id, "error": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("beta", type=float, nargs="?")
    parser.add_argument("seed", type=int, nargs="?")
    parser.add_argument("output", nargs="?")
    parser.add_argument("--serve", action="store_true", help="serve jobs on standard input, one a line (see above)")
    parser.add_argument("--cache-seeds", type=int, default=16, help="with --serve: the seeds whose shared parts are kept")
    parser.add_argument("--setup", choices=sorted(SETUP_DEFAULTS), default="tiny")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps (tiny: 64; gemma: 16; gpu: 200)")
    parser.add_argument("--batch-size", type=int, default=None, help="pairs per step (tiny: 32; gemma: 8; gpu: 8)")
    parser.add_argument("--learning-rate", type=float, default=None, help="tiny: 3e-4; gemma: 5e-4 (LoRA); gpu: 5e-7")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (tiny, gemma)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="gemma: where the models run (auto: a GPU where torch sees one)")
    parser.add_argument("--gguf", default=None, help="gemma: the GGUF file (default: make llm's Gemma 3 270M)")
    parser.add_argument("--train-pairs", type=int, default=None, help="tiny: train on this many of the 512 pairs")
    parser.add_argument("--quality-prompt", default=None,
                        help="the quality prompt p (seed 004) for losses that read pca/pra/rca/rra; tiny knows '<good>'")
    parser.add_argument("--model", help="gpu: a local model directory (policy and reference)")
    parser.add_argument("--data", help="gpu: JSON lines with prompt, chosen, rejected")
    parser.add_argument("--eval-fraction", type=float, default=0.1, help="gpu: held-out share of --data")
    parser.add_argument("--metric", default="rewards/accuracies", help="gpu: the evaluation metric reported as fitness")
    arguments = parser.parse_args()
    one_shot = (arguments.file, arguments.beta, arguments.seed, arguments.output)
    if arguments.serve and any(value is not None for value in one_shot):
        parser.error("--serve takes its jobs on standard input: no FILE BETA SEED OUTPUT")
    if not arguments.serve and any(value is None for value in one_shot):
        parser.error("FILE BETA SEED OUTPUT are required (or --serve)")
    steps, batch_size, learning_rate = SETUP_DEFAULTS[arguments.setup]
    arguments.steps = arguments.steps or steps
    arguments.batch_size = arguments.batch_size or batch_size
    arguments.learning_rate = arguments.learning_rate or learning_rate
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    setup_class = {"tiny": TinySetup, "gemma": GemmaSetup, "gpu": GpuSetup}[arguments.setup]
    try:
        if arguments.serve:
            replies = os.fdopen(os.dup(1), "w")
            os.dup2(2, 1)  # whatever the libraries print (TRL prints its training summary) goes to the log
            return serve(setup_class(arguments), arguments, sys.stdin, replies)
        setup = setup_class(argparse.Namespace(**{**vars(arguments), "cache_seeds": 1}))
    except (ValueError, FileNotFoundError) as error:  # a set-up that cannot start: say why, no traceback
        print(f"evaluate.py --setup {arguments.setup}: {error}", file=sys.stderr)
        return 2
    try:
        fitness, metrics = train_one(setup, arguments.file, arguments.beta, arguments.seed, job_options(arguments, {}))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    Path(arguments.output).write_text(json.dumps({"fitness": fitness, "metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
