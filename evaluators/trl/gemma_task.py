"""The `gemma` set-up of the TRL evaluator: a pretrained LM on a DiscoPOP-style sentiment task.

In the spirit of the DiscoPOP paper's IMDb check (a pretrained LM continues movie-review prompts, a
sentiment model scores the continuations, DPO-style training at several betas), on what every
machine here has offline:

- the model: Gemma 3 270M from the GGUF file `make llm` installs, read by transformers (its
  Q4_K_M weights dequantised to float32), as the reference and as the policy's frozen base; the
  policy trains LoRA adapters (peft; `GemmaSettings.lora_*`). The first load converts the GGUF file
  and keeps the result in the cache (`$EVOD_TRL_CACHE`, default ~/.cache/evod/trl-gemma), so later
  processes load it in seconds;
- the prompts: the openings of movie reviews, built from templates (an opener and a kind of film),
  split per seed into training and held-out prompts;
- the reward: VADER's compound sentiment score of the continuation, in [-1, 1] (vaderSentiment ships
  its lexicon);
- the preference pairs: two continuations per training prompt sampled from the reference,
  labelled by Bradley-Terry on the reward (as the tiny set-up), kept per seed in the cache;
- the evaluation: continuations of the held-out prompts from the reference and from the policy,
  sampled at temperature 1 from the full vocabulary, and the same fitness as the tiny set-up
  (tiny_task.frontier: the reward gained against the most any policy gains at the KL spent), with
  the reward and the KL reported apart, as the paper's IMDb plots show them.

Sampling is exact: a batch holds prompts of one token length only (no padding), every token is drawn
from the whole softmax (no top-k, no top-p, whatever the model's generation config says), and a
continuation ends at <eos> or after `completion_tokens`; its log-probability is scored with the same
logits, so that the KL estimate E_policy[log pi - log pi_ref] is unbiased.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy
import torch

import tiny_task

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_GGUF = ROOT / ".venv-llm/models/gemma-3-270m-q4_k_m.gguf"

OPENERS = [
    "The {kind} was", "I watched this {kind} last night and", "This {kind} is", "Honestly, this {kind}",
    "My review of the {kind}:", "After seeing the {kind} twice, I think it", "The acting in this {kind}",
    "The ending of the {kind}", "I went into this {kind} expecting", "From its first scene, the {kind}",
    "The story of this {kind}", "Everyone told me this {kind}", "The music in the {kind}",
    "Two hours of this {kind} left me", "If you are thinking of seeing this {kind},", "The cast of the {kind}",
]
KINDS = [
    "movie", "film", "horror film", "romantic comedy", "documentary", "sequel", "animated movie", "thriller",
    "western", "musical", "science fiction film", "crime drama", "remake", "war film", "biopic", "family movie",
]
PROMPTS = [opener.format(kind=kind) for opener in OPENERS for kind in KINDS]


@dataclass(frozen=True)
class GemmaSettings:
    """The sizes of the gemma set-up (docs/results/2026-12-07-gemma.md says what a run costs)."""
    train_prompts: int = 128            # one preference pair each
    eval_prompts: int = 32              # held-out prompts, disjoint from the seed's training prompts
    samples_per_prompt: int = 8         # continuations per held-out prompt, from each model
    completion_tokens: int = 16
    bradley_terry_scale: float = 4.0
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_modules: tuple = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    rows_per_pass: int = 32             # rows a scoring pass takes at once (its logits are rows x length x 262,144)
    version: str = "gemma-v1"


def load_base(gguf: Path, device: str = "cpu"):
    """Gemma 3 270M and its tokenizer from the GGUF file, converted once and then loaded from the cache.

    Returns (model, tokenizer, key), the model on `device` in eval mode; `key` names the converted base in the cache.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not gguf.is_file():
        raise FileNotFoundError(f"{gguf}: no GGUF model; `make llm` installs Gemma 3 270M there")
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:12]
    directory = tiny_task.cache_directory("trl-gemma") / f"base-{gguf.stem}-{key}"
    if not (directory / "config.json").exists():
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        # The weights are dequantised already: saved as the plain float32 model they are.
        model.hf_quantizer = None
        model.config.quantization_config = None

        def write(staging: Path):
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
        tiny_task.atomic_directory(directory, write)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).to(device)
    model.eval()
    return model, tokenizer, key


def split_prompts(seed: int, settings: GemmaSettings) -> tuple[list[str], list[str]]:
    """The seed's training prompts and its held-out prompts (disjoint), drawn from the templates."""
    if settings.train_prompts + settings.eval_prompts > len(PROMPTS):
        raise ValueError(f"{settings.train_prompts} + {settings.eval_prompts} prompts asked for; the templates make {len(PROMPTS)}")
    order = numpy.random.default_rng([seed, 7]).permutation(len(PROMPTS))
    chosen = [PROMPTS[i] for i in order]
    return chosen[:settings.train_prompts], chosen[settings.train_prompts:settings.train_prompts + settings.eval_prompts]


class Sentiment:
    """VADER's compound score, the task's reward."""

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        self.analyzer = SentimentIntensityAnalyzer()

    def __call__(self, texts: list[str]) -> torch.Tensor:
        return torch.tensor([self.analyzer.polarity_scores(text)["compound"] for text in texts], dtype=torch.float64)


def prompt_groups(tokenizer, prompts: list[str]) -> dict[int, list[int]]:
    """The indices of `prompts` by their token length (with <bos>): a batch of one length needs no padding."""
    groups: dict[int, list[int]] = {}
    for index, prompt in enumerate(prompts):
        groups.setdefault(len(tokenizer(prompt)["input_ids"]), []).append(index)
    return groups


@torch.no_grad()
def sample(model, tokenizer, prompts: list[str], copies: int, settings: GemmaSettings, generator: torch.Generator):
    """`copies` continuations of each prompt, drawn at temperature 1 from the whole vocabulary.

    Returns (tokens, lengths, logps): rows in the order prompt 0 copy 0, prompt 0 copy 1, ...;
    tokens (rows, completion_tokens) padded after <eos> (which a continuation keeps, and which ends it);
    lengths the continuation's tokens with its <eos>; logps log pi(continuation | prompt) under `model`,
    summed over those tokens, from the logits it was drawn with.
    """
    rows = len(prompts) * copies
    tokens = torch.full((rows, settings.completion_tokens), tokenizer.pad_token_id, dtype=torch.long)
    lengths = torch.zeros(rows, dtype=torch.long)
    logps = torch.zeros(rows, dtype=torch.float64)
    eos = tokenizer.eos_token_id
    for _, members in sorted(prompt_groups(tokenizer, prompts).items()):
        indices = torch.tensor([p * copies + c for p in members for c in range(copies)])
        inputs = torch.tensor([tokenizer(prompts[p])["input_ids"] for p in members for _ in range(copies)]).to(model.device)
        cache, done = None, torch.zeros(len(indices), dtype=torch.bool)
        for t in range(settings.completion_tokens):
            out = model(input_ids=inputs, cache=cache, use_cache=True)
            cache = out.cache
            log_probs = torch.log_softmax(out.logits[:, -1, :].float(), dim=-1).cpu()  # drawn on the CPU on every device
            token = torch.multinomial(log_probs.exp(), 1, generator=generator).squeeze(1)
            live = ~done
            tokens[indices[live], t] = token[live]
            lengths[indices[live]] += 1
            logps[indices[live]] += log_probs[live].gather(1, token[live].unsqueeze(1)).squeeze(1).double()
            done |= token == eos
            if done.all():
                break
            inputs = torch.where(done, torch.full_like(token, tokenizer.pad_token_id), token).unsqueeze(1).to(model.device)
    return tokens, lengths, logps


@torch.no_grad()
def completion_logps(model, tokenizer, prompts: list[str], copies: int, tokens: torch.Tensor, lengths: torch.Tensor,
                     settings: GemmaSettings) -> torch.Tensor:
    """log pi(continuation | prompt) under `model` for continuations laid out as `sample` returns them."""
    logps = torch.zeros(tokens.size(0), dtype=torch.float64)
    width = tokens.size(1)
    positions = torch.arange(width)
    for _, members in sorted(prompt_groups(tokenizer, prompts).items()):
        indices = torch.tensor([p * copies + c for p in members for c in range(copies)])
        prompt_ids = torch.tensor([tokenizer(prompts[p])["input_ids"] for p in members for _ in range(copies)])
        for chunk, chunk_prompts in zip(indices.split(settings.rows_per_pass), prompt_ids.split(settings.rows_per_pass)):
            ids = torch.cat([chunk_prompts, tokens[chunk]], dim=1).to(model.device)
            # The logits that predict the continuation's tokens: positions length-1 .. length+width-2.
            logits = model(input_ids=ids[:, :-1], logits_to_keep=width).logits.float()
            picked = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, -width:].unsqueeze(-1)).squeeze(-1).cpu()
            mask = positions.unsqueeze(0) < lengths[chunk].unsqueeze(1)
            logps[chunk] = (picked.double() * mask).sum(dim=1)
    return logps


def continuation_texts(tokenizer, tokens: torch.Tensor, lengths: torch.Tensor) -> list[str]:
    """Each continuation as text (without its <eos>)."""
    eos = tokenizer.eos_token_id
    texts = []
    for row, length in zip(tokens.tolist(), lengths.tolist()):
        ids = row[:length]
        if ids and ids[-1] == eos:
            ids = ids[:-1]
        texts.append(tokenizer.decode(ids, skip_special_tokens=True))
    return texts


def _seed_file(settings: GemmaSettings, base_key: str, seed: int, what: str) -> Path:
    return tiny_task.cache_directory("trl-gemma") / f"{settings.version}-{base_key}-seed{seed}-{what}"


def preference_pairs(seed: int, settings: GemmaSettings, model, tokenizer, sentiment: Sentiment, base_key: str):
    """The seed's training pairs as a `datasets.Dataset` (prompt / chosen / rejected text), kept in the cache."""
    from datasets import Dataset

    path = _seed_file(settings, base_key, seed, "pairs.json")
    if path.exists():
        return Dataset.from_dict(json.loads(path.read_text()))
    prompts, _ = split_prompts(seed, settings)
    generator = torch.Generator().manual_seed(20_000 + seed)
    tokens, lengths, _ = sample(model, tokenizer, prompts, 2, settings, generator)
    texts = continuation_texts(tokenizer, tokens, lengths)
    rewards = sentiment(texts).view(-1, 2)
    first_wins = torch.rand(len(prompts), generator=generator, dtype=torch.float64) < torch.sigmoid(
        settings.bradley_terry_scale * (rewards[:, 0] - rewards[:, 1]))
    rows = {"prompt": [], "chosen": [], "rejected": []}
    for i, prompt in enumerate(prompts):
        first, second = texts[2 * i], texts[2 * i + 1]
        chosen, rejected = (first, second) if first_wins[i] else (second, first)
        rows["prompt"].append(prompt)
        rows["chosen"].append(chosen)
        rows["rejected"].append(rejected)
    staging = path.with_suffix(f".part-{os.getpid()}")
    staging.write_text(json.dumps(rows))
    os.replace(staging, path)
    return Dataset.from_dict(rows)


@dataclass
class ReferenceSamples:
    """The reference's side of the evaluation at a seed, the same for every candidate (see tiny_task's)."""
    prompts: list
    tokens: torch.Tensor
    lengths: torch.Tensor
    rewards: torch.Tensor       # (prompts, samples)
    logps: torch.Tensor         # log pi_ref, (prompts, samples)
    generator_state: torch.Tensor


def reference_samples(seed: int, settings: GemmaSettings, model, tokenizer, sentiment: Sentiment, base_key: str) -> ReferenceSamples:
    """The reference's continuations of the seed's held-out prompts, their rewards and log pi_ref, kept in the cache."""
    path = _seed_file(settings, base_key, seed, "reference.pt")
    if path.exists():
        return ReferenceSamples(**torch.load(path))
    _, prompts = split_prompts(seed, settings)
    generator = torch.Generator().manual_seed(30_000 + seed)
    tokens, lengths, logps = sample(model, tokenizer, prompts, settings.samples_per_prompt, settings, generator)
    shape = (len(prompts), settings.samples_per_prompt)
    samples = ReferenceSamples(prompts=prompts, tokens=tokens, lengths=lengths,
                               rewards=sentiment(continuation_texts(tokenizer, tokens, lengths)).view(shape),
                               logps=logps.view(shape), generator_state=generator.get_state())
    staging = path.with_suffix(f".part-{os.getpid()}")
    torch.save(samples.__dict__, staging)
    os.replace(staging, path)
    return samples


def evaluate(policy, reference, tokenizer, beta: float, settings: GemmaSettings, samples: ReferenceSamples,
             sentiment: Sentiment) -> dict:
    """Reward gained at the KL spent on the held-out prompts (tiny_task.evaluate's measures, from Gemma's samples)."""
    started = time.monotonic()
    generator = torch.Generator()
    generator.set_state(samples.generator_state)
    policy.eval()
    copies, shape = settings.samples_per_prompt, samples.rewards.shape
    tokens, lengths, policy_on_policy = sample(policy, tokenizer, samples.prompts, copies, settings, generator)
    sampled = time.monotonic()
    rewards = sentiment(continuation_texts(tokenizer, tokens, lengths)).view(shape)
    ref_on_policy = completion_logps(reference, tokenizer, samples.prompts, copies, tokens, lengths, settings).view(shape)
    policy_on_ref = completion_logps(policy, tokenizer, samples.prompts, copies, samples.tokens, samples.lengths, settings).view(shape)
    policy_on_policy = policy_on_policy.view(shape)
    scored = time.monotonic()
    measures = tiny_task.sample_measures(beta, samples.rewards, rewards, samples.logps, ref_on_policy, policy_on_ref, policy_on_policy)
    log_ratios = policy_on_policy - ref_on_policy
    # The sample's own spread: the SE of the mean reward and of the KL estimate over the held-out samples.
    return {**measures, "reward_se": rewards.std().item() / math.sqrt(rewards.numel()),
            "kl_se": log_ratios.std().item() / math.sqrt(log_ratios.numel()),
            "mean_completion_tokens": lengths.double().mean().item(),
            "seconds_sample": sampled - started, "seconds_score": scored - sampled}


def lora_policy(template, seed: int, settings: GemmaSettings):
    """A fresh policy: a copy of the base with new LoRA adapters (seeded), the base frozen."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = LoraConfig(r=settings.lora_rank, lora_alpha=settings.lora_alpha, lora_dropout=0.0,
                        target_modules=list(settings.lora_modules), task_type="CAUSAL_LM")
    return get_peft_model(copy.deepcopy(template), config)
