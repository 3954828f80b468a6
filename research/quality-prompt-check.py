#!/usr/bin/env python3
"""Does the tiny-LM quality variant's SFT model know what its quality prompt asks for?

    .venv-trl/bin/python research/quality-prompt-check.py [--seeds 1001-1016]

For each seed: the training pairs as evaluators/trl samples them (two completions per prompt from the
SFT model of the quality variant), the refinement term of seed 004 under the model itself,
Delta = (log pi(a | <good> x) - log pi(a | x)) - (log pi(b | <good> x) - log pi(b | x)), against the
pair's true reward margin r(a) - r(b): their correlation and how often their signs agree (pairs of
equal reward left out). This is what Sr-DPO's Delta knows at the start of training (policy = SFT model).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "evaluators/trl"))
sys.path.insert(0, str(ROOT / "research"))

import tiny_task  # noqa: E402
from measurements import seed_list  # noqa: E402


def completion_logps(model, prompts: torch.Tensor, completions: torch.Tensor) -> torch.Tensor:
    """log pi(completion | prompt) summed, under the full softmax (as the TRL export computes it)."""
    ids = torch.cat([prompts, completions], dim=1)
    with torch.no_grad():
        logits = model(input_ids=ids).logits[:, prompts.size(1) - 1:-1].float()
    return torch.log_softmax(logits, dim=-1).gather(-1, completions.unsqueeze(-1)).squeeze(-1).sum(dim=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1001-1016")
    arguments = parser.parse_args()
    print("| seed | corr(Delta, true margin) | sign agreement | sd of Delta |")
    print("|---|---|---|---|")
    totals = []
    for seed in seed_list(arguments.seeds):
        settings = tiny_task.TinySettings(quality=True)
        world = tiny_task.World(seed)
        model = tiny_task.sft_model(seed, settings, world)
        # The pairs' completions as preference_pairs draws them (same generator and order).
        generator = torch.Generator().manual_seed(20_000 + seed)
        prompts = world.sequences(settings.train_pairs, settings.prompt_length, tiny_task.World.TRAINING_PROMPTS)
        first = tiny_task.sample(model, prompts, settings.completion_length, generator)
        second = tiny_task.sample(model, prompts, settings.completion_length, generator)
        prompted = torch.cat([torch.full((prompts.size(0), 1), tiny_task.QUALITY_ID), prompts], dim=1)
        delta = (completion_logps(model, prompted, first) - completion_logps(model, prompts, first)) - (
            completion_logps(model, prompted, second) - completion_logps(model, prompts, second))
        margin = tiny_task.reward(first) - tiny_task.reward(second)
        dc, mc = delta - delta.mean(), margin - margin.mean()
        correlation = ((dc * mc).sum() / math.sqrt((dc ** 2).sum() * (mc ** 2).sum())).item()
        decided = margin != 0
        agreement = ((delta[decided] > 0) == (margin[decided] > 0)).float().mean().item()
        totals.append((correlation, agreement))
        print(f"| {seed} | {correlation:.3f} | {agreement:.3f} | {delta.std().item():.3f} |")
    n = len(totals)
    print(f"| mean | {sum(c for c, _ in totals) / n:.3f} | {sum(a for _, a in totals) / n:.3f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
