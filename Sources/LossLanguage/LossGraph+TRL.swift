/// The `--format trl` export: a TRL 1.x `DPOTrainer` subclass around the PyTorch function.
///
/// TRL 1.x applies its losses inline (`dpo_loss` is gone since 0.29), so the trainer overrides the
/// public `compute_loss`, computes the four sequence log-probs itself and refuses loudly every set-up
/// in which TRL's own loss could be trained instead (docs/architecture.md §5.3). `evaluators/trl/` trains
/// with exactly this text, and its tests check it against TRL's own losses.
extension LossGraph {
    /// The TRL 1.x releases the exported trainer accepts: major versions from `lowerBound` up to, not including, `upperBound`.
    public static let supportedTRLMajorVersions = 1..<2

    /// Python's spelling of a truth value.
    private func pythonBool(_ value: Bool) -> String { value ? "True" : "False" }

    func trlSource(name: String) -> String {
        let className = name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "DPOTrainer"
        let versions = Self.supportedTRLMajorVersions
        return #"""
            # A TRL DPOTrainer whose loss is the evod loss `\#(name)` (fingerprint \#(fingerprint)).
            # Use \#(className) in place of trl.DPOTrainer; beta comes from DPOConfig as usual.
            # It overrides TRL 1.x's public compute_loss: it computes the four sequence log-probs itself with
            # plain forward passes (the reference's from ref_model or from precomputed ref_chosen_logps and
            # ref_rejected_logps), calls the evolved loss and returns its mean, and logs TRL's DPO metrics.
            # It refuses, with an error, every set-up in which it could not be sure that the evolved loss is
            # the one trained: another TRL major version, a TRL loss option it would silently ignore, or a
            # training step that finished without calling it.
            # length_normalize=True divides each sequence's log-probs by its completion length (per-token
            # log-probs, as TRL's "ipo" loss uses). quality_prompt is the text p put before every prompt for
            # the quality-prompted log-probs, which a loss reading them needs (the trainer refuses without it).
            import importlib.metadata

            from transformers import TrainerCallback
            from trl import DPOTrainer

            \#(pytorchSource(name: name))

            EVOD_LOSS = \#(name)
            # Whether the loss reads the log-probs under the quality prompt p + x (seed 004: Sr-DPO), the policy's
            # and the reference's: they take two more forward passes, without gradient, over the prompted rows.
            EVOD_POLICY_QUALITY = \#(pythonBool(qualityInputs.contains(.pca) || qualityInputs.contains(.pra)))
            EVOD_REFERENCE_QUALITY = \#(pythonBool(qualityInputs.contains(.rca) || qualityInputs.contains(.rra)))
            # The TRL releases this trainer was written against: \#(versions.lowerBound).0 up to, not including, \#(versions.upperBound).0.
            SUPPORTED_TRL = (\#(versions.lowerBound), \#(versions.upperBound))


            def _trl_version():
                version = importlib.metadata.version("trl")
                major = int(version.split(".")[0])
                if not SUPPORTED_TRL[0] <= major < SUPPORTED_TRL[1]:
                    raise RuntimeError(
                        f"This evod export supports TRL {SUPPORTED_TRL[0]}.x only, and TRL {version} is installed: refusing to "
                        "train, since TRL could apply its own loss instead of the evolved one. Install trl>=1.0,<2 or export "
                        "again with a newer evod.")
                return version


            class _EvolvedLossGuard(TrainerCallback):
                """Stops training when an optimizer step finished without calling the evolved loss."""

                def __init__(self, trainer):
                    self.trainer = trainer
                    self.calls_at_last_step = 0

                def on_step_end(self, args, state, control, **kwargs):
                    calls = self.trainer.evod_loss_calls
                    if calls == self.calls_at_last_step:
                        raise RuntimeError(
                            f"training step {state.global_step} finished without calling the evolved loss: this TRL "
                            f"({importlib.metadata.version('trl')}) no longer trains through compute_loss. Refusing to go on "
                            "with TRL's own loss.")
                    self.calls_at_last_step = calls


            class \#(className)(DPOTrainer):
                """trl.DPOTrainer with the evolved loss `\#(name)` in place of TRL's losses."""

                def __init__(self, *args, length_normalize: bool = False, quality_prompt: str | None = None, **kwargs):
                    self.trl_version = _trl_version()
                    super().__init__(*args, **kwargs)
                    self.length_normalize = length_normalize
                    self.quality_prompt = quality_prompt
                    self.quality_prompt_ids = None
                    if quality_prompt:
                        ids = self.processing_class(text=quality_prompt, add_special_tokens=False)["input_ids"]
                        self.quality_prompt_ids = torch.tensor(ids, dtype=torch.long)
                    self.evod_loss_calls = 0
                    problems = self._unsupported_settings()
                    if problems:
                        raise ValueError(f"{type(self).__name__} cannot train the evolved loss with these settings: " + "; ".join(problems))
                    self.add_callback(_EvolvedLossGuard(self))

                def _unsupported_settings(self):
                    args = self.args
                    problems = []
                    if list(getattr(args, "loss_type", None) or ["sigmoid"]) != ["sigmoid"]:
                        problems.append(f"loss_type={args.loss_type!r} would be ignored (the evolved loss replaces TRL's losses); leave it at its default")
                    if (getattr(args, "loss_weights", None) or [1.0]) != [1.0]:
                        problems.append(f"loss_weights={args.loss_weights!r} would be ignored; leave it unset")
                    if getattr(args, "ld_alpha", None) is not None:
                        problems.append("ld_alpha (LD-DPO length weighting) is not supported; leave it unset")
                    if getattr(args, "use_weighting", False):
                        problems.append("use_weighting (WPO) is not supported; leave it False")
                    if not str(getattr(args, "f_divergence_type", "reverse_kl")).lower().endswith("reverse_kl"):
                        problems.append(f"f_divergence_type={args.f_divergence_type!r} is not supported; the evolved loss sees log-ratios (reverse KL)")
                    if getattr(args, "use_liger_kernel", False) or getattr(args, "use_liger_loss", False):
                        problems.append("the Liger kernel computes TRL's own loss; turn use_liger_kernel off")
                    if getattr(args, "padding_free", False):
                        problems.append("padding_free batches are not supported; set padding_free=False")
                    if getattr(args, "rpo_alpha", None) is not None:
                        problems.append("rpo_alpha is not supported; leave it unset")
                    if self.ref_model is None and not getattr(self, "precompute_ref_logps", False):
                        problems.append("without ref_model, pass precompute_ref_log_probs=True (PEFT adapters are not switched off by this trainer)")
                    if not isinstance(getattr(self, "_metrics", None), dict):
                        problems.append(f"this TRL ({self.trl_version}) keeps no metrics dictionary the trainer knows")
                    if (EVOD_POLICY_QUALITY or EVOD_REFERENCE_QUALITY) and self.quality_prompt_ids is None:
                        problems.append("the loss reads the log-probs under the quality prompt: pass quality_prompt='...' (the text put before each prompt)")
                    if self.quality_prompt_ids is not None and self.quality_prompt_ids.numel() == 0:
                        problems.append(f"quality_prompt={self.quality_prompt!r} is no token at all for this tokenizer")
                    if EVOD_REFERENCE_QUALITY and self.ref_model is None:
                        problems.append("the loss reads the reference's log-probs under the quality prompt, which need ref_model "
                                        "(precompute_ref_log_probs does not compute them)")
                    if type(self).compute_loss is not \#(className).compute_loss:
                        problems.append(f"{type(self).__name__} overrides compute_loss again, so the evolved loss may not be called")
                    return problems

                def _sequence_logps(self, model, model_inputs, completion_mask):
                    """Each row's summed (or, with length_normalize, mean) log-prob of its completion tokens, and the model's outputs."""
                    outputs = model(**model_inputs)
                    labels = model_inputs["input_ids"][:, 1:]
                    # Row by row in float32, so that bf16 logits lose nothing and no (batch, length, vocab) float32 copy is made.
                    token_logps = torch.stack([
                        row.gather(-1, row_labels.unsqueeze(-1)).squeeze(-1).float() - torch.logsumexp(row.float(), dim=-1)
                        for row, row_labels in zip(outputs.logits[:, :-1, :], labels)
                    ])
                    mask = completion_mask[:, 1:].to(token_logps.dtype)
                    logps = (token_logps * mask).sum(dim=1)
                    if self.length_normalize:
                        logps = logps / mask.sum(dim=1).clamp(min=1.0)
                    return logps, outputs

                def _quality_prompted(self, model_inputs, completion_mask):
                    """The rows with the quality prompt's tokens put before them (p + x + y), and their completion mask."""
                    unknown = sorted(set(model_inputs) - {"input_ids", "attention_mask", "use_cache"})
                    if unknown:
                        raise RuntimeError(f"cannot put the quality prompt before inputs with {unknown}: only input_ids and attention_mask are supported")
                    ids = model_inputs["input_ids"]
                    prefix = self.quality_prompt_ids.to(ids.device).unsqueeze(0).expand(ids.size(0), -1)
                    prompted = dict(model_inputs, input_ids=torch.cat([prefix, ids], dim=1))
                    if "attention_mask" in model_inputs:
                        prompted["attention_mask"] = torch.cat([torch.ones_like(prefix), model_inputs["attention_mask"]], dim=1)
                    return prompted, torch.cat([torch.zeros_like(prefix), completion_mask], dim=1)

                @torch.no_grad()
                def _quality_logps(self, model, model_inputs, completion_mask):
                    """The four log-probs under the quality prompt, without gradient; the reference's only where the loss reads them."""
                    prompted, mask = self._quality_prompted(model_inputs, completion_mask)
                    policy, _ = self._sequence_logps(model, prompted, mask)
                    if EVOD_REFERENCE_QUALITY:
                        reference, _ = self._sequence_logps(self.ref_model, prompted, mask)
                    else:  # not read by this loss: NaN, so that a read would show rather than pass
                        reference = torch.full_like(policy, float("nan"))
                    return (*policy.chunk(2, dim=0), *reference.chunk(2, dim=0))

                def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
                    mode = "train" if self.model.training else "eval"
                    completion_mask = inputs["completion_mask"]
                    model_inputs = {k: v for k, v in inputs.items() if k not in ("completion_mask", "ref_chosen_logps", "ref_rejected_logps")}
                    model_inputs["use_cache"] = False
                    logps, outputs = self._sequence_logps(model, model_inputs, completion_mask)
                    chosen_logps, rejected_logps = logps.chunk(2, dim=0)
                    if "ref_chosen_logps" in inputs:
                        ref_chosen_logps, ref_rejected_logps = inputs["ref_chosen_logps"], inputs["ref_rejected_logps"]
                        if self.length_normalize:
                            lengths = completion_mask[:, 1:].sum(dim=1).clamp(min=1).to(chosen_logps.dtype)
                            chosen_lengths, rejected_lengths = lengths.chunk(2, dim=0)
                            ref_chosen_logps, ref_rejected_logps = ref_chosen_logps / chosen_lengths, ref_rejected_logps / rejected_lengths
                    elif self.ref_model is not None:
                        with torch.no_grad():
                            ref_logps, _ = self._sequence_logps(self.ref_model, model_inputs, completion_mask)
                        ref_chosen_logps, ref_rejected_logps = ref_logps.chunk(2, dim=0)
                    else:
                        raise RuntimeError(f"{type(self).__name__}: the batch has no precomputed reference log-probs and there is no ref_model")
                    quality = ()
                    if EVOD_POLICY_QUALITY or EVOD_REFERENCE_QUALITY:
                        quality = self._quality_logps(model, model_inputs, completion_mask)
                        refinement = (quality[0] - chosen_logps.detach()) - (quality[1] - rejected_logps.detach())
                        self._metrics[mode]["quality/refinement"].append(self.accelerator.gather_for_metrics(refinement).mean().item())
                    losses = EVOD_LOSS(self, chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, *quality)
                    if losses.dim() != 1 or losses.size(0) != chosen_logps.size(0):
                        raise RuntimeError(f"the evolved loss returned shape {tuple(losses.shape)}, expected ({chosen_logps.size(0)},)")
                    loss = losses.mean()
                    self.evod_loss_calls += 1
                    self._log_dpo_metrics(mode, chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps)
                    return (loss, outputs) if return_outputs else loss

                @torch.no_grad()
                def _log_dpo_metrics(self, mode, chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps):
                    chosen_rewards = self.beta * (chosen_logps - ref_chosen_logps).detach()
                    rejected_rewards = self.beta * (rejected_logps - ref_rejected_logps).detach()
                    gather = self.accelerator.gather_for_metrics
                    metrics = self._metrics[mode]
                    metrics["rewards/chosen"].append(gather(chosen_rewards).mean().item())
                    metrics["rewards/rejected"].append(gather(rejected_rewards).mean().item())
                    metrics["rewards/accuracies"].append(gather((chosen_rewards > rejected_rewards).float()).mean().item())
                    metrics["rewards/margins"].append(gather(chosen_rewards - rejected_rewards).mean().item())
                    metrics["logps/chosen"].append(gather(chosen_logps.detach()).mean().item())
                    metrics["logps/rejected"].append(gather(rejected_logps.detach()).mean().item())


            # The same class under a fixed name, for scripts (evaluators/trl/evaluate.py).
            EvodDPOTrainer = \#(className)

            """#
    }
}
