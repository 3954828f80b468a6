import torch


def centered_dpo_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """DPO with logits centred by a detached batch mean, plus a coupled sum term."""
    import torch.nn.functional as F

    logits = policy_chosen_logps - policy_rejected_logps - reference_chosen_logps + reference_rejected_logps
    batch_size = policy_chosen_logps.size(0)
    # Centre by the batch mean but do not backpropagate through it
    centered = logits - logits.mean().detach()
    # The average through .sum() / size(0) keeps gradient coupling across the batch
    avg_margin = logits.sum() / batch_size
    losses = -F.logsigmoid(self.beta * centered) + 0.05 * F.softplus(-self.beta * avg_margin)
    return losses
