"""The `tiny` set-up of the TRL evaluator: a synthetic preference language task with a known reward.

Everything is built from the task seed, on CPU, with nothing downloaded:

- a word-level vocabulary (8 positive, 8 negative, 16 neutral words) and its tokenizer;
- the "world": a random bigram chain over the words, which writes the SFT corpus and the prompts;
- the SFT model: a 2-layer GPT-2 trained on that corpus (cached on disk per seed, so only the
  first evaluation at a seed pays for it);
- with `quality=True` (seed 004, Sr-DPO), a vocabulary with one more word, the quality prompt
  `<good>`, and an SFT corpus in which half the sequences begin with it and continue more
  positively (the best of four draws from the chain by completion sentiment), so that the model
  knows what the prompt asks for: log pi(y | <good> x) - log pi(y | x) is its own estimate of y's quality;
- preference pairs: two completions per training prompt sampled from the SFT model, labelled by
  Bradley-Terry on the known reward (the completion's mean sentiment), in the spirit of the
  DiscoPOP paper's IMDb experiment;
- the evaluation, from samples on held-out prompts: reward, KL(policy || SFT) and the
  KL-regularised objective R - beta * KL against its optimum beta * log E_ref[exp(r / beta)].
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy
import torch

POSITIVE = [f"good{i}" for i in range(8)]
NEGATIVE = [f"bad{i}" for i in range(8)]
NEUTRAL = [f"w{i}" for i in range(16)]
WORDS = POSITIVE + NEGATIVE + NEUTRAL
SPECIAL = ["<pad>", "<eos>", "<unk>"]
VOCAB = SPECIAL + WORDS
# The quality prompt p of seed 004: a word only the quality variant's vocabulary has (the plain task's
# vocabulary, and with it its models, stays as it was).
QUALITY = "<good>"
QUALITY_VOCAB = VOCAB + [QUALITY]
QUALITY_ID = len(VOCAB)
# With the quality prompt, an SFT sequence that begins with it is the best of this many draws.
QUALITY_DRAWS = 4
PAD, EOS = 0, 1
WORD_OFFSET = len(SPECIAL)
# Sentiment of each token id: +1 positive, -1 negative, 0 otherwise.
SENTIMENT = torch.tensor([0.0] * len(SPECIAL) + [1.0] * 8 + [-1.0] * 8 + [0.0] * 16 + [0.0])


@dataclass(frozen=True)
class TinySettings:
    """The sizes of the tiny task; `version` names the cached SFT models' format."""
    prompt_length: int = 4
    completion_length: int = 8
    sft_steps: int = 300
    train_pairs: int = 512
    eval_prompts: int = 128
    samples_per_prompt: int = 64
    bradley_terry_scale: float = 4.0
    version: str = "tiny-v2"
    # Training pairs are the first `train_pairs` prompts of the seed's stream (a job may ask for fewer).
    # The quality prompt's variant: another vocabulary, SFT corpus and cache (see the module's doc).
    quality: bool = False

    @property
    def cache_name(self) -> str:
        return self.version + ("-quality" if self.quality else "")


def vocabulary(quality: bool = False) -> list[str]:
    """The task's words and specials, with the quality prompt's word in the quality variant."""
    return QUALITY_VOCAB if quality else VOCAB


def tokenizer(quality: bool = False):
    """A word-level tokenizer for the task's vocabulary (with the quality prompt's word, if asked), built locally."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel({word: i for i, word in enumerate(vocabulary(quality))}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    fast.add_special_tokens({"additional_special_tokens": []})
    return fast


def new_model(seed: int, quality: bool = False):
    """A freshly initialised 2-layer GPT-2 sized for the task (and its quality prompt's word, if asked)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(vocabulary(quality)), n_positions=32, n_embd=64, n_layer=2, n_head=2,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        bos_token_id=EOS, eos_token_id=EOS, pad_token_id=PAD)
    return GPT2LMHeadModel(config)


class World:
    """The seed's bigram chain over the words: it writes the SFT corpus and the prompts.

    Each use draws from a random stream of its own (`stream`), so that what one use draws never
    shifts another: a run that loads the SFT model from the cache sees the same pairs and held-out
    prompts as the run that trained it.
    """

    SFT_CORPUS, TRAINING_PROMPTS, HELDOUT_PROMPTS = 1, 2, 3

    def __init__(self, seed: int):
        self.seed = seed
        self.transitions = numpy.random.default_rng([seed, 0]).dirichlet(numpy.full(len(WORDS), 0.3), size=len(WORDS))
        self.cumulative = numpy.cumsum(self.transitions, axis=1)
        self.streams: dict[int, numpy.random.Generator] = {}

    def sequences(self, count: int, length: int, stream: int) -> torch.Tensor:
        """`count` token sequences of `length` words drawn from the chain, from the named stream."""
        rng = self.streams.setdefault(stream, numpy.random.default_rng([self.seed, stream]))
        words = numpy.empty((count, length), dtype=numpy.int64)
        words[:, 0] = rng.integers(len(WORDS), size=count)
        for t in range(1, length):
            u = rng.random(count)[:, None]
            words[:, t] = numpy.minimum((self.cumulative[words[:, t - 1]] < u).sum(axis=1), len(WORDS) - 1)
        return torch.from_numpy(words + WORD_OFFSET)


def reward(completions: torch.Tensor) -> torch.Tensor:
    """The known reward: the completion's mean sentiment, in [-1, 1]."""
    return SENTIMENT[completions].mean(dim=1)


def cache_directory(name: str = "trl-tiny") -> Path:
    """Where a set-up keeps what it builds once: $EVOD_TRL_CACHE, else ~/.cache/evod/NAME (made if absent)."""
    root = os.environ.get("EVOD_TRL_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "evod", name)
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_directory(target: Path, write) -> None:
    """Writes a directory through `write(staging)` beside `target` and renames it into place: a concurrent
    writer either wins or finds it done, and a failed write leaves nothing behind."""
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=target.name + ".part-"))
    try:
        write(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        os.rename(staging, target)
    except OSError:
        pass


def sft_model(seed: int, settings: TinySettings, world: World):
    """The seed's SFT model: trained on the chain's text once, then loaded from the cache."""
    from transformers import GPT2LMHeadModel

    directory = cache_directory() / f"{settings.cache_name}-seed{seed}"
    if (directory / "config.json").exists():
        return GPT2LMHeadModel.from_pretrained(directory)
    model = new_model(seed, settings.quality)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    length = settings.prompt_length + settings.completion_length
    model.train()
    for _ in range(settings.sft_steps):
        if settings.quality:
            plain, good = quality_corpus(world, settings, 64)
            loss = 0.5 * (model(input_ids=plain, labels=plain).loss + model(input_ids=good, labels=good).loss)
        else:
            batch = world.sequences(64, length, World.SFT_CORPUS)
            loss = model(input_ids=batch, labels=batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    atomic_directory(directory, model.save_pretrained)
    return model


def quality_corpus(world: World, settings: TinySettings, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` SFT sequences of the quality variant, as two batches: half plain chain text, as the plain
    task's corpus, and half `<good>` followed by the best of `QUALITY_DRAWS` chain draws by completion
    sentiment, so that the model learns that the prompt precedes more positive continuations."""
    length = settings.prompt_length + settings.completion_length
    plain = world.sequences(count // 2, length, World.SFT_CORPUS)
    draws = world.sequences((count - count // 2) * QUALITY_DRAWS, length, World.SFT_CORPUS).view(-1, QUALITY_DRAWS, length)
    best = reward(draws[:, :, settings.prompt_length:].reshape(-1, settings.completion_length)).view(-1, QUALITY_DRAWS).argmax(dim=1)
    good = draws[torch.arange(draws.size(0)), best]
    return plain, torch.cat([torch.full((good.size(0), 1), QUALITY_ID), good], dim=1)


# Forward passes over many sequences go this many rows at a time: the activations of 8,192 rows at
# once overflow the CPU's caches (twice as slow on one core). Each row's result is the same bit for
# bit whatever the chunk (test_trl checks it), and sampling draws from the whole batch's
# probabilities at once, so the samples are those of one pass.
ROWS_PER_PASS = 1024


@torch.no_grad()
def sample(model, prompts: torch.Tensor, length: int, generator: torch.Generator, rows: int = ROWS_PER_PASS) -> torch.Tensor:
    """Completions of `length` words (never <eos> or specials) sampled at temperature 1."""
    inputs = list(prompts.split(rows))
    caches = [None] * len(inputs)
    tokens = []
    for _ in range(length):
        logits = []
        for i, chunk in enumerate(inputs):
            out = model(input_ids=chunk, past_key_values=caches[i], use_cache=True)
            caches[i] = out.past_key_values
            logits.append(out.logits[:, -1, :].float())
        logits = torch.cat(logits)
        logits[:, :WORD_OFFSET] = -math.inf
        logits[:, WORD_OFFSET + len(WORDS):] = -math.inf  # the quality prompt's word is no completion
        token = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
        tokens.append(token)
        inputs = list(token.split(rows))
    return torch.cat(tokens, dim=1)


@torch.no_grad()
def completion_logps(model, prompts: torch.Tensor, completions: torch.Tensor, rows: int = ROWS_PER_PASS) -> torch.Tensor:
    """log pi(completion | prompt) under `model` restricted to words, summed over the completion."""
    ids = torch.cat([prompts, completions], dim=1)
    logits = torch.cat([model(input_ids=chunk).logits[:, prompts.size(1) - 1:-1, :].float() for chunk in ids.split(rows)])
    logits[:, :, :WORD_OFFSET] = -math.inf
    logits[:, :, WORD_OFFSET + len(WORDS):] = -math.inf
    logps = torch.log_softmax(logits, dim=-1).gather(-1, completions.unsqueeze(-1)).squeeze(-1)
    return logps.sum(dim=1)


def words(ids: torch.Tensor) -> str:
    return " ".join(QUALITY_VOCAB[i] for i in ids.tolist())


def preference_pairs(seed: int, settings: TinySettings, world: World, model):
    """The training pairs as a `datasets.Dataset` of prompt / chosen / rejected text."""
    from datasets import Dataset

    generator = torch.Generator().manual_seed(20_000 + seed)
    prompts = world.sequences(settings.train_pairs, settings.prompt_length, World.TRAINING_PROMPTS)
    first = sample(model, prompts, settings.completion_length, generator)
    second = sample(model, prompts, settings.completion_length, generator)
    margin = settings.bradley_terry_scale * (reward(first) - reward(second))
    first_wins = torch.rand(settings.train_pairs, generator=generator) < torch.sigmoid(margin)
    rows = {"prompt": [], "chosen": [], "rejected": []}
    for i in range(settings.train_pairs):
        chosen, rejected = (first[i], second[i]) if first_wins[i] else (second[i], first[i])
        rows["prompt"].append(words(prompts[i]))
        rows["chosen"].append(" " + words(chosen))
        rows["rejected"].append(" " + words(rejected))
    return Dataset.from_dict(rows)


def frontier(rewards: torch.Tensor, ref_logps: torch.Tensor, proposal_logps: torch.Tensor, kl: float) -> float:
    """The most reward any policy gets at KL `kl` from the reference, estimated from samples.

    The reward-KL Pareto frontier is the family p_b proportional to pi_ref * exp(r / b). Per prompt,
    the samples stand for the reference by their self-normalised importance weights
    v_i proportional to pi_ref(y_i) / q(y_i), q the distribution they were drawn from (an even
    mixture of the reference and the policy, so that a policy far from the reference, whose KL no
    reference sample could show, has the frontier near it covered), and p_b by
    w_i proportional to v_i exp(r_i / b): E_b[r] = sum_i w_i r_i, KL = sum_i w_i log(w_i / v_i).
    One b for all prompts (the optimum for a mean KL budget), found by bisection on the mean KL;
    past the largest KL the samples can show, the frontier is their best reward.

    rewards, ref_logps (log pi_ref of each sample) and proposal_logps (log q) are (prompts, samples).
    """
    rewards = rewards.double()
    log_v = torch.log_softmax(ref_logps.double() - proposal_logps.double(), dim=1)

    def point(b: float):
        log_w = torch.log_softmax(log_v + rewards / b, dim=1)
        weights = log_w.exp()
        mean_reward = (weights * rewards).sum(dim=1).mean().item()
        divergence = (weights * (log_w - log_v)).sum(dim=1).mean().item()
        return mean_reward, divergence

    low, high = math.log(1e-4), math.log(1e4)  # log b; the KL falls as b grows
    if kl >= point(math.exp(low))[1]:
        return point(math.exp(low))[0]
    for _ in range(60):
        middle = 0.5 * (low + high)
        if point(math.exp(middle))[1] > kl:
            low = middle
        else:
            high = middle
    return point(math.exp(high))[0]


@dataclass
class ReferenceSamples:
    """What the evaluation at a seed draws from the reference, the same for every candidate.

    The held-out prompts (each repeated `samples_per_prompt` times), the reference's completions,
    their rewards and log pi_ref, shaped (prompts, samples), and the state of the seed's sampling
    generator after them, so that the policy's samples are the ones one uninterrupted stream gives.
    """
    prompts: torch.Tensor
    completions: torch.Tensor
    rewards: torch.Tensor
    logps: torch.Tensor
    generator_state: torch.Tensor


def reference_samples(reference, seed: int, settings: TinySettings, world: World) -> ReferenceSamples:
    """The reference's side of the evaluation at `seed` (a resident evaluator keeps it per seed)."""
    generator = torch.Generator().manual_seed(30_000 + seed)
    prompts = world.sequences(settings.eval_prompts, settings.prompt_length, World.HELDOUT_PROMPTS)
    repeated = prompts.repeat_interleave(settings.samples_per_prompt, dim=0)
    reference.eval()
    completions = sample(reference, repeated, settings.completion_length, generator)
    shape = (settings.eval_prompts, settings.samples_per_prompt)
    return ReferenceSamples(prompts=repeated, completions=completions, rewards=reward(completions).view(shape),
                            logps=completion_logps(reference, repeated, completions).view(shape),
                            generator_state=generator.get_state())


def evaluate(policy, reference, beta: float, settings: TinySettings, samples: ReferenceSamples) -> dict:
    """Reward gained at the KL spent, from samples on held-out prompts.

    efficiency = (R - R_ref) / (R_front(KL) - R_ref): the policy's reward gain over the reference
    against the most any policy could gain at the same KL(policy || reference), as the proxy task's
    frontier efficiency (R_front by importance sampling from both models' samples, see `frontier`). Also:
    reward, KL, win rate against the reference, and the KL-regularised objective R - beta * KL.
    `samples` are the reference's (`reference_samples`); the policy's continue their stream.
    """
    started = time.monotonic()
    generator = torch.Generator()
    generator.set_state(samples.generator_state)
    policy.eval()
    reference.eval()
    repeated = samples.prompts
    completions = sample(policy, repeated, settings.completion_length, generator)
    sampled = time.monotonic()
    shape = (settings.eval_prompts, settings.samples_per_prompt)
    ref_rewards, rewards = samples.rewards, reward(completions).view(shape)
    # log pi_ref and log pi of both sets of samples: the policy's KL, and the frontier's proposal.
    ref_on_ref = samples.logps
    policy_on_ref = completion_logps(policy, repeated, samples.completions).view(shape)
    ref_on_policy = completion_logps(reference, repeated, completions).view(shape)
    policy_on_policy = completion_logps(policy, repeated, completions).view(shape)
    scored = time.monotonic()
    measures = sample_measures(beta, ref_rewards, rewards, ref_on_ref, ref_on_policy, policy_on_ref, policy_on_policy)
    # Where the time went (not part of the result: runs compare equal without them).
    timing = {"seconds_sample": sampled - started, "seconds_score": scored - sampled, "seconds_frontier": time.monotonic() - scored}
    return {**measures, **timing}


def sample_measures(beta: float, ref_rewards: torch.Tensor, rewards: torch.Tensor, ref_on_ref: torch.Tensor,
                    ref_on_policy: torch.Tensor, policy_on_ref: torch.Tensor, policy_on_policy: torch.Tensor) -> dict:
    """The evaluation's measures from both models' samples, (prompts, samples) each: the rewards of the
    reference's and the policy's samples, and log pi_ref and log pi of each set (`a_on_b`: model a's log-prob
    of model b's samples). Reward, KL(policy || reference), the frontier at that KL and the efficiency
    against it (see `frontier`), the objective R - beta * KL, the win rate and the implicit reward's margin
    and accuracy; shared by every set-up that samples (the tiny one and gemma_task's)."""
    r_ref = ref_rewards.mean().item()
    r_pol = rewards.mean().item()
    kl = max((policy_on_policy - ref_on_policy).mean().item(), 0.0)
    both_ref = torch.cat([ref_on_ref, ref_on_policy], dim=1)
    both_policy = torch.cat([policy_on_ref, policy_on_policy], dim=1)
    mixture = torch.logaddexp(both_ref, both_policy) - math.log(2)
    r_front = frontier(torch.cat([ref_rewards, rewards], dim=1), both_ref, mixture, kl)
    efficiency = (r_pol - r_ref) / (r_front - r_ref) if r_front - r_ref > 1e-6 else 0.0
    win = (rewards > ref_rewards).float().mean().item()
    margin, accuracy = implicit_reward(policy_on_ref - ref_on_ref, ref_rewards, beta)
    return {"efficiency": efficiency, "reward": r_pol, "reward_gain": r_pol - r_ref, "kl": kl, "frontier_reward": r_front,
            "objective": r_pol - beta * kl, "reference_reward": r_ref, "win_rate": win,
            "implicit_margin": margin, "implicit_accuracy": accuracy}


def implicit_reward(log_ratios: torch.Tensor, rewards: torch.Tensor, beta: float) -> tuple[float, float]:
    """The average margin and the accuracy of the implicit reward beta log(pi / pi_ref) on held-out pairs,
    as Yu et al. (2024) report them: the reference's samples of each prompt paired in order (1st with 2nd,
    ...), the one with the higher true reward preferred (ties left out). log_ratios and rewards are
    (prompts, samples)."""
    implicit = beta * log_ratios.double()
    first, second = implicit[:, 0::2], implicit[:, 1::2]
    r_first, r_second = rewards[:, 0::2].double(), rewards[:, 1::2].double()
    decided = r_first != r_second
    sign = torch.where(r_first > r_second, 1.0, -1.0).double()
    margins = (sign * (first - second))[decided]
    if margins.numel() == 0:
        return 0.0, 0.5
    return margins.mean().item(), (margins > 0).double().mean().item()
