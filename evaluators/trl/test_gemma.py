"""Tests of the `gemma` set-up (gemma_task.py): Gemma 3 270M from `make llm`'s GGUF file under TRL with LoRA.

Run by `make test` with the other TRL tests; the model's tests are skipped, with the reason, where
`make llm` has not installed the GGUF file. Small sizes: two training steps of two pairs.
"""
from __future__ import annotations

import argparse
import os
import sys
import unittest
from pathlib import Path
from unittest import mock

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import torch  # noqa: E402

import evaluate  # noqa: E402
import gemma_task  # noqa: E402
from test_trl import SCRATCH, export  # noqa: E402

SETTINGS = gemma_task.GemmaSettings(train_prompts=4, eval_prompts=2, samples_per_prompt=2, completion_tokens=4)


class PromptAndDeviceTests(unittest.TestCase):
    def test_a_seeds_training_and_heldout_prompts_are_disjoint_and_fixed(self):
        train, heldout = gemma_task.split_prompts(3, gemma_task.GemmaSettings())
        self.assertEqual((len(train), len(heldout)), (128, 32))
        self.assertFalse(set(train) & set(heldout))
        self.assertEqual(gemma_task.split_prompts(3, gemma_task.GemmaSettings()), (train, heldout))
        self.assertNotEqual(gemma_task.split_prompts(4, gemma_task.GemmaSettings())[1], heldout)

    def test_more_prompts_than_the_templates_make_is_refused(self):
        with self.assertRaisesRegex(ValueError, "the templates make 256"):
            gemma_task.split_prompts(1, gemma_task.GemmaSettings(train_prompts=250, eval_prompts=10))

    def test_auto_takes_a_gpu_only_where_torch_sees_one(self):
        with mock.patch.object(torch.cuda, "is_available", return_value=False):
            self.assertEqual(evaluate.pick_device("auto"), "cpu")
            with self.assertRaisesRegex(ValueError, "torch sees no GPU"):
                evaluate.pick_device("cuda")
        with mock.patch.object(torch.cuda, "is_available", return_value=True):
            self.assertEqual(evaluate.pick_device("auto"), "cuda")
            self.assertEqual(evaluate.pick_device("cpu"), "cpu")

    def test_a_missing_gguf_file_is_named(self):
        with self.assertRaisesRegex(FileNotFoundError, "make llm"):
            gemma_task.load_base(Path(SCRATCH) / "absent.gguf")

    def test_vader_scores_praise_above_a_pan(self):
        scores = gemma_task.Sentiment()([" a wonderful, moving film", " dull and badly acted, a waste of time"])
        self.assertGreater(scores[0].item(), 0.5)
        self.assertLess(scores[1].item(), -0.5)


@unittest.skipUnless(gemma_task.DEFAULT_GGUF.is_file(), f"`make llm` has not installed {gemma_task.DEFAULT_GGUF.name}")
class GemmaTrainingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        cls.reference, cls.tokenizer, _ = gemma_task.load_base(gemma_task.DEFAULT_GGUF)

    def test_sampled_log_probs_equal_a_scoring_pass(self):
        prompts = ["The movie was", "I watched this film last night and"]
        generator = torch.Generator().manual_seed(1)
        tokens, lengths, logps = gemma_task.sample(self.reference, self.tokenizer, prompts, 2, SETTINGS, generator)
        self.assertEqual(tuple(tokens.shape), (4, 4))
        self.assertTrue(((lengths >= 1) & (lengths <= 4)).all())
        scored = gemma_task.completion_logps(self.reference, self.tokenizer, prompts, 2, tokens, lengths, SETTINGS)
        torch.testing.assert_close(scored, logps, atol=1e-3, rtol=0)
        self.assertTrue((logps < 0).all())

    def test_two_lora_steps_under_trl_call_the_evolved_loss_and_move_only_the_adapters(self):
        from datasets import Dataset

        module = export("-logsigmoid(beta * rho)", "gemma_dpo")
        pairs = Dataset.from_dict({"prompt": ["The movie was", "This film is"] * 2,
                                   "chosen": [" a delight from start to finish", " wonderful and warm"] * 2,
                                   "rejected": [" a boring mess", " awful, a waste of time"] * 2})
        policy = gemma_task.lora_policy(self.reference, 1, gemma_task.GemmaSettings())
        before = {name: p.detach().clone() for name, p in policy.named_parameters()}
        config = evaluate.dpo_config(0.1, 1, SCRATCH, per_device_train_batch_size=2, max_steps=2, learning_rate=1e-3,
                                     lr_scheduler_type="constant", warmup_steps=0, max_length=None)
        trainer = module.EvodDPOTrainer(model=policy, ref_model=self.reference, args=config, train_dataset=pairs,
                                            processing_class=self.tokenizer)
        trainer.train()
        self.assertEqual(trainer.evod_loss_calls, 2)
        moved = {name for name, p in policy.named_parameters() if not torch.equal(p.detach(), before[name])}
        self.assertTrue(moved, "no parameter moved in two steps")
        self.assertTrue(all("lora_" in name for name in moved), f"a frozen weight moved: {sorted(moved)[:3]}")
        self.assertTrue(any("lora_B" in name for name in moved))

    def test_the_resident_setup_rejects_settings_it_does_not_have(self):
        setup = evaluate.GemmaSetup.__new__(evaluate.GemmaSetup)
        options = argparse.Namespace(quality_prompt="<good>", train_pairs=None)
        with self.assertRaisesRegex(ValueError, "no quality prompt"):
            setup.run(None, 0.1, 1, options)


if __name__ == "__main__":
    unittest.main()
