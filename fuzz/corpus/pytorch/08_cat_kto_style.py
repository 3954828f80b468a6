import torch
import torch.nn.functional as F


def kto_style_concat_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """KTO-style loss: chosen and rejected halves concatenated (length 2 * batch)."""
    chosen_logratios = policy_chosen_logps - reference_chosen_logps
    rejected_logratios = policy_rejected_logps - reference_rejected_logps
    # Reference point: a detached, non-negative KL estimate (batch mean of a log-ratio)
    kl = rejected_logratios.mean().clamp(min=0).detach()
    chosen_losses = 1 - torch.sigmoid(self.beta * (chosen_logratios - kl))
    rejected_losses = 1 - torch.sigmoid(self.beta * (kl - rejected_logratios))
    losses = torch.cat((chosen_losses, rejected_losses), 0)
    return losses
