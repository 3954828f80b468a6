"""Tests of the TRL export and the tiny-LM command evaluator, against the real TRL of .venv-trl.

Run by `make test` (after the Swift tests): `.venv-trl/bin/python -m unittest discover -s evaluators/trl`.
The exports come from evoctl ($EVOCTL, default .build/debug/evoctl), so these test what users get.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import torch  # noqa: E402
import trl  # noqa: E402
from trl import DPOConfig, DPOTrainer  # noqa: E402

import evaluate  # noqa: E402
import tiny_task  # noqa: E402

EVOCTL = os.environ.get("EVOCTL", str(ROOT / ".build/debug/evoctl"))
SCRATCH = tempfile.mkdtemp(prefix="evod-trl-test-")


def export(expression: str, name: str):
    """The `--format trl` export of a compact-form loss, loaded as a module."""
    source = Path(SCRATCH) / f"{name}.loss"
    source.write_text(expression + "\n")
    code = subprocess.run([EVOCTL, "loss", "export", str(source), "--format", "trl", "--name", name],
                          capture_output=True, text=True, check=True).stdout
    path = Path(SCRATCH) / f"{name}_trl.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(f"{name}_trl", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pairs(count: int = 16):
    world = tiny_task.World(0)
    model = tiny_task.new_model(0)
    settings = tiny_task.TinySettings(train_pairs=count)
    return tiny_task.preference_pairs(0, settings, world, model), model


def config(beta: float = 0.1, **overrides):
    return evaluate.dpo_config(beta, 0, SCRATCH, per_device_train_batch_size=8, max_steps=3, learning_rate=1e-3,
                               max_length=None, **overrides)


def first_batch(trainer):
    batch = next(iter(trainer.get_train_dataloader()))
    return trainer._prepare_inputs(batch)


class ExportTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data, cls.model = pairs()
        cls.tokenizer = tiny_task.tokenizer()
        # A policy that differs from the reference, so that log-ratios are not all zero.
        cls.policy = copy.deepcopy(cls.model)
        with torch.no_grad():
            for parameter in cls.policy.parameters():
                parameter.add_(0.05 * torch.randn_like(parameter))

    def losses(self, module, trl_loss_type: str, beta: float = 0.1, **options):
        """The export's and TRL's own loss on the same batch, with the same policy and reference."""
        ours = module.EvodDPOTrainer(model=copy.deepcopy(self.policy), ref_model=self.model, args=config(beta),
                                     train_dataset=self.data, processing_class=self.tokenizer, **options)
        theirs = DPOTrainer(model=copy.deepcopy(self.policy), ref_model=self.model, args=config(beta, loss_type=[trl_loss_type]),
                            train_dataset=self.data, processing_class=self.tokenizer)
        batch = first_batch(ours)
        with torch.no_grad():
            return ours.compute_loss(ours.model, batch).item(), theirs.compute_loss(theirs.model, batch).item()

    def test_dpo_equals_trl_sigmoid(self):
        ours, theirs = self.losses(export("-logsigmoid(beta * rho)", "dpo"), "sigmoid")
        self.assertGreater(abs(ours - 0.6931), 1e-3, "the policy must differ from the reference")
        self.assertAlmostEqual(ours, theirs, delta=1e-5 * abs(theirs))

    def test_slic_equals_trl_hinge(self):
        ours, theirs = self.losses(export("relu(1 - beta * rho)", "slic"), "hinge", beta=0.5)
        self.assertAlmostEqual(ours, theirs, delta=1e-5 * abs(theirs))

    def test_per_token_ipo_equals_trl_ipo(self):
        ipo = export("(rho - 1 / (2 * beta)) ** 2", "ipo")
        ours, theirs = self.losses(ipo, "ipo", length_normalize=True)
        self.assertAlmostEqual(ours, theirs, delta=1e-5 * abs(theirs))
        summed, _ = self.losses(ipo, "ipo")
        self.assertNotAlmostEqual(summed, theirs, delta=1e-3, msg="without length_normalize the sequence log-probs are summed")

    def test_ipo_at_policy_equal_to_reference_is_25(self):
        trainer = export("(rho - 1 / (2 * beta)) ** 2", "ipo").EvodDPOTrainer(
            model=copy.deepcopy(self.model), ref_model=self.model, args=config(0.1), train_dataset=self.data,
            processing_class=self.tokenizer)
        with torch.no_grad():
            self.assertAlmostEqual(trainer.compute_loss(trainer.model, first_batch(trainer)).item(), 25.0, places=4)

    def test_precomputed_reference_log_probs_give_the_same_loss(self):
        module = export("-logsigmoid(beta * rho)", "dpo")
        with_model, _ = self.losses(module, "sigmoid")
        trainer = module.EvodDPOTrainer(model=copy.deepcopy(self.policy), ref_model=copy.deepcopy(self.model),
                                        args=config(0.1, precompute_ref_log_probs=True), train_dataset=self.data,
                                        processing_class=self.tokenizer)
        batch = first_batch(trainer)
        self.assertIn("ref_chosen_logps", batch)
        if trainer.ref_model is not None:  # TRL 1.0 keeps it: spoil it, to show that the batch's values are used
            with torch.no_grad():
                for parameter in trainer.ref_model.parameters():
                    parameter.zero_()
        with torch.no_grad():
            self.assertAlmostEqual(trainer.compute_loss(trainer.model, batch).item(), with_model, delta=1e-5)


class QualityPromptTests(unittest.TestCase):
    """The quality-prompted log-probs of seed 004 (Sr-DPO): two more passes over p + x + y, without gradient."""

    @classmethod
    def setUpClass(cls):
        world = tiny_task.World(0)
        cls.model = tiny_task.new_model(0, quality=True)
        settings = tiny_task.TinySettings(train_pairs=16, quality=True)
        cls.data = tiny_task.preference_pairs(0, settings, world, cls.model)
        cls.tokenizer = tiny_task.tokenizer(quality=True)
        cls.policy = copy.deepcopy(cls.model)
        with torch.no_grad():
            for parameter in cls.policy.parameters():
                parameter.add_(0.05 * torch.randn_like(parameter))

    def trainer(self, module, **options):
        return module.EvodDPOTrainer(model=copy.deepcopy(self.policy), ref_model=self.model, args=config(0.1),
                                     train_dataset=self.data, processing_class=self.tokenizer, **options)

    @staticmethod
    def plain_logps(model, rows, masks):
        """Sum of log pi(token) over each row's completion tokens, one row at a time, full softmax."""
        result = []
        with torch.no_grad():
            for ids, mask in zip(rows, masks):
                logits = model(input_ids=ids.unsqueeze(0)).logits[0, :-1].double()
                token = torch.log_softmax(logits, dim=-1).gather(-1, ids[1:].unsqueeze(-1)).squeeze(-1)
                result.append((token * mask[1:].double()).sum().item())
        return torch.tensor(result, dtype=torch.float64)

    def test_prompted_log_probs_equal_a_plain_pytorch_computation(self):
        module = export("-logsigmoid(beta * rho) + 0 * (pca + pra + rca + rra)", "reads_all")
        self.assertTrue(module.EVOD_POLICY_QUALITY and module.EVOD_REFERENCE_QUALITY)
        trainer = self.trainer(module, quality_prompt="<good>")
        batch = first_batch(trainer)
        inputs = {k: v for k, v in batch.items() if k in ("input_ids", "attention_mask")}
        pca, pra, rca, rra = trainer._quality_logps(trainer.model, dict(inputs, use_cache=False), batch["completion_mask"])
        # The plain computation: the <good> token's id before each row's unpadded tokens.
        good = self.tokenizer.convert_tokens_to_ids("<good>")
        self.assertEqual(good, tiny_task.QUALITY_ID)
        rows, masks = [], []
        for ids, attention, completion in zip(batch["input_ids"], batch["attention_mask"], batch["completion_mask"]):
            length = int(attention.sum())
            rows.append(torch.cat([torch.tensor([good]), ids[:length]]))
            masks.append(torch.cat([torch.tensor([0]), completion[:length]]))
        half = len(rows) // 2
        for model, (chosen, rejected) in ((trainer.model, (pca, pra)), (self.model, (rca, rra))):
            expected = self.plain_logps(model, rows, masks)
            torch.testing.assert_close(chosen.double(), expected[:half], rtol=1e-5, atol=1e-4)
            torch.testing.assert_close(rejected.double(), expected[half:], rtol=1e-5, atol=1e-4)
        # They differ from the unprompted log-probs (the prompt is read), and carry no gradient.
        plain, _ = trainer._sequence_logps(trainer.model, dict(inputs, use_cache=False), batch["completion_mask"])
        self.assertGreater((plain[:half].detach() - pca).abs().max().item(), 1e-3)
        self.assertFalse(pca.requires_grad)

    def test_a_loss_that_reads_them_needs_the_quality_prompt(self):
        module = export(tiny_sr_dpo(), "sr_dpo")
        with self.assertRaisesRegex(ValueError, "quality_prompt"):
            self.trainer(module)
        plain = export("-logsigmoid(beta * rho)", "dpo")
        self.assertFalse(plain.EVOD_POLICY_QUALITY)
        self.trainer(plain)  # a loss that does not read them trains without one

    def test_sr_dpo_trains_and_records_the_refinement_term(self):
        trainer = self.trainer(export(tiny_sr_dpo(), "sr_dpo"), quality_prompt="<good>")
        trainer.train()
        self.assertEqual(trainer.evod_loss_calls, 3)
        logged = [entry["quality/refinement"] for entry in trainer.state.log_history if "quality/refinement" in entry]
        self.assertEqual(len(logged), 1, "the mean refinement term is logged with the run's summary")
        self.assertTrue(math.isfinite(logged[0]))


def tiny_sr_dpo() -> str:
    """Sr-DPO as losses/sr_dpo.loss writes it."""
    return (ROOT / "losses/sr_dpo.loss").read_text()


class TrainingTests(unittest.TestCase):
    def setUp(self):
        self.data, self.model = pairs()
        self.module = export("-logsigmoid(beta * rho)", "dpo")

    def trainer(self, **overrides):
        return self.module.EvodDPOTrainer(model=copy.deepcopy(self.model), ref_model=self.model, args=config(**overrides),
                                          train_dataset=self.data, processing_class=tiny_task.tokenizer())

    def test_three_steps_call_the_evolved_loss_at_every_step_and_log_dpo_metrics(self):
        trainer = self.trainer()
        logged = []
        trainer.log = lambda logs, *rest: logged.append(dict(logs))
        before = [p.detach().clone() for p in trainer.model.parameters()]
        trainer.train()
        self.assertEqual(trainer.state.global_step, 3)
        self.assertEqual(trainer.evod_loss_calls, 3)
        self.assertTrue(any(not torch.equal(a, b) for a, b in zip(before, trainer.model.parameters())), "training moved nothing")
        self.assertTrue(trainer._metrics["train"]["rewards/margins"], "no DPO metrics were recorded")

    def test_a_step_that_bypasses_the_evolved_loss_stops_training(self):
        trainer = self.trainer()
        trainer.compute_loss = DPOTrainer.compute_loss.__get__(trainer)  # as if TRL routed around the override
        with self.assertRaisesRegex(RuntimeError, "without calling the evolved loss"):
            trainer.train()

    def test_settings_that_would_ignore_the_evolved_loss_are_refused(self):
        with self.assertRaisesRegex(ValueError, "loss_type"):
            self.trainer(loss_type=["ipo"])
        with self.assertRaisesRegex(ValueError, "use_weighting"):
            self.trainer(use_weighting=True)

    def test_another_trl_major_version_is_refused(self):
        with mock.patch("importlib.metadata.version", return_value="2.0.0"):
            with self.assertRaisesRegex(RuntimeError, "supports TRL 1.x only, and TRL 2.0.0 is installed"):
                self.trainer()
        self.assertTrue(trl.__version__.startswith("1."))

    def test_a_subclass_overriding_compute_loss_is_refused(self):
        class Sneaky(self.module.EvodDPOTrainer):
            def compute_loss(self, *args, **kwargs):
                return DPOTrainer.compute_loss(self, *args, **kwargs)
        with self.assertRaisesRegex(ValueError, "overrides compute_loss"):
            Sneaky(model=copy.deepcopy(self.model), ref_model=self.model, args=config(), train_dataset=self.data,
                   processing_class=tiny_task.tokenizer())


class TinyTaskTests(unittest.TestCase):
    def test_a_cached_sft_model_gives_the_same_pairs_as_training_it(self):
        settings = tiny_task.TinySettings(sft_steps=5, train_pairs=8)
        with mock.patch.dict(os.environ, {"EVOD_TRL_CACHE": tempfile.mkdtemp(dir=SCRATCH)}):
            trained_world = tiny_task.World(5)
            trained = tiny_task.preference_pairs(5, settings, trained_world, tiny_task.sft_model(5, settings, trained_world))
            cached_world = tiny_task.World(5)
            cached = tiny_task.preference_pairs(5, settings, cached_world, tiny_task.sft_model(5, settings, cached_world))
        self.assertEqual(trained.to_dict(), cached.to_dict())
        self.assertNotEqual(trained.to_dict(), tiny_task.preference_pairs(6, settings, tiny_task.World(6), tiny_task.new_model(6)).to_dict())

    def test_the_frontier_bounds_a_policy_and_reaches_the_best_reward(self):
        rewards = torch.tensor([[0.0, 1.0, -1.0, 0.5]])
        uniform = torch.full((1, 4), math.log(0.25))
        self.assertAlmostEqual(tiny_task.frontier(rewards, uniform, uniform, 0.0), 0.125, places=3)  # the mean
        self.assertAlmostEqual(tiny_task.frontier(rewards, uniform, uniform, 100.0), 1.0, places=6)  # the best
        # Keeping the best two of four equally likely outcomes spends KL log 2 for reward 0.75: the
        # frontier at that KL is at least that, and short of the best outcome.
        self.assertTrue(0.75 <= tiny_task.frontier(rewards, uniform, uniform, math.log(2)) < 1.0)
        # Samples drawn from another distribution count by their weight under the reference.
        skewed = torch.log(torch.tensor([[0.1, 0.6, 0.1, 0.2]]))
        self.assertAlmostEqual(tiny_task.frontier(rewards, uniform, skewed, 0.0), -0.21875, places=3)
        self.assertAlmostEqual(tiny_task.frontier(rewards, uniform, skewed, 100.0), 1.0, places=6)


class CommandEvaluatorTests(unittest.TestCase):
    def test_evoctl_loss_eval_runs_the_tiny_task_through_trl(self):
        """The shipped form: a resident evaluate.py that serves both runs of the stage."""
        task = Path(SCRATCH) / "trl-short.toml"
        python = sys.executable
        task.write_text(f'''type = "command"
[command]
argv = ["{python}", "{HERE / 'evaluate.py'}", "--serve", "--steps", "3"]
resident = true
export = "trl"
[stage1]
betas = [0.1, 0.3]
seeds = [1]
''')
        result = subprocess.run([EVOCTL, "loss", "eval", str(ROOT / "losses/dpo.loss"), "--task", str(task), "--stage", "1", "--json"],
                                capture_output=True, text=True, env={**os.environ, "EVOD_TRL_CACHE": str(Path(SCRATCH) / "cache")})
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        report = json.loads(result.stdout)
        self.assertIsNone(report["failed"], report)
        self.assertEqual([(run["beta"], run["seed"], run["start"]) for run in report["runs"]], [(0.1, 1, "command"), (0.3, 1, "command")])
        self.assertTrue(all(run["loss_calls"] == 3.0 and run["kl"] > 0.0 for run in report["runs"]), report["runs"])
        self.assertTrue(-1.0 < report["fitness"] < 1.5, report["fitness"])


class ResidentTests(unittest.TestCase):
    def test_resident_runs_equal_one_shot_runs(self):
        """Three losses, then the first again, served by one process: each run is the one-shot run's to the last bit."""
        environment = {**os.environ, "EVOD_TRL_CACHE": str(Path(SCRATCH) / "cache")}
        files = []
        for name, expression in [("dpo", "-logsigmoid(beta * rho)"), ("ipo", "(rho - 1 / (2 * beta)) ** 2"), ("slic", "relu(1 - beta * rho)")]:
            export(expression, name)
            files.append(str(Path(SCRATCH) / f"{name}_trl.py"))
        command = [sys.executable, str(HERE / "evaluate.py"), "--steps", "8"]
        one_shot = []
        for index, file in enumerate(files):
            output = Path(SCRATCH) / f"one-shot-{index}.json"
            run = subprocess.run(command + [file, "0.1", "1", str(output)], capture_output=True, text=True, env=environment)
            self.assertEqual(run.returncode, 0, run.stderr)
            one_shot.append(json.loads(output.read_text()))
        jobs = "".join(json.dumps({"id": i, "file": file, "beta": 0.1, "seed": 1}) + "\n" for i, file in enumerate(files + files[:1]))
        served = subprocess.run(command + ["--serve"], input=jobs, capture_output=True, text=True, env=environment)
        self.assertEqual(served.returncode, 0, served.stderr)
        replies = [json.loads(line) for line in served.stdout.splitlines()]
        self.assertEqual(replies[0], {"ready": True, "protocol": 1, "setup": "tiny"}, "the first line is not the ready line")
        self.assertEqual(len(replies), 5, served.stdout)
        for index, (expected, reply) in enumerate(zip(one_shot + one_shot[:1], replies[1:])):
            self.assertEqual(reply["id"], index)
            self.assertNotIn("error", reply)
            timeless = [{k: v for k, v in result["metrics"].items() if not k.startswith("seconds")} for result in (expected, reply)]
            self.assertEqual((reply["fitness"], timeless[1]), (expected["fitness"], timeless[0]), f"job {index}")
        self.assertNotEqual(one_shot[0]["fitness"], one_shot[1]["fitness"], "the losses must train differently")

    def test_a_bad_job_is_answered_with_an_error_and_the_next_job_is_served(self):
        jobs = "not json\n" + json.dumps({"id": 7, "file": "/nonexistent.py", "beta": 0.1, "seed": 1}) + "\n" \
            + json.dumps({"id": 8, "file": "/nonexistent.py", "beta": 0.1, "seed": 1, "settings": {"stepz": 3}}) + "\n"
        served = subprocess.run([sys.executable, str(HERE / "evaluate.py"), "--serve"], input=jobs, capture_output=True, text=True)
        replies = [json.loads(line) for line in served.stdout.splitlines()]
        self.assertEqual(served.returncode, 0, served.stderr)
        self.assertEqual([reply.get("id") for reply in replies[1:]], [None, 7, 8])
        self.assertIn("JSONDecodeError", replies[1]["error"])
        self.assertIn("No such file or directory: '/nonexistent.py'", replies[2]["error"])
        self.assertIn("unknown job settings ['stepz']", replies[3]["error"])

    def test_chunked_forward_passes_equal_one_pass(self):
        """The evaluation's forward passes go 1,024 rows at a time; each row's result must not depend on it."""
        world = tiny_task.World(3)
        model = tiny_task.new_model(3)
        prompts = world.sequences(40, 4, tiny_task.World.HELDOUT_PROMPTS)
        one = tiny_task.sample(model, prompts, 6, torch.Generator().manual_seed(1), rows=1000)
        chunked = tiny_task.sample(model, prompts, 6, torch.Generator().manual_seed(1), rows=7)
        self.assertTrue(torch.equal(one, chunked))
        self.assertTrue(torch.equal(tiny_task.completion_logps(model, prompts, one, rows=1000),
                                    tiny_task.completion_logps(model, prompts, one, rows=7)))


if __name__ == "__main__":
    unittest.main()
