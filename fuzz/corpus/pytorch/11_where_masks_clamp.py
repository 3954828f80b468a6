import torch
import torch.nn.functional as F


def masked_asymmetric_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Different treatment of positive and negative margins via where and masks."""
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = torch.clamp(self.beta * (pi_logratios - ref_logratios), min=-3.0, max=3.0)
    base = torch.where(logits > 0, -F.logsigmoid(logits), 1.5 * torch.abs(logits) + 0.7)
    neg_mask = (logits < 0).float()
    big_mask = (torch.abs(logits) >= 1).float()
    losses = base + 0.1 * neg_mask * logits ** 2
    losses = losses + 0.05 * (logits < 0) * torch.abs(logits)
    losses = losses - 0.01 * big_mask * logits
    return losses
