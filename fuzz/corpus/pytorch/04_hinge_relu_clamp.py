import torch


def smoothed_hinge_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Hinge loss on beta * rho plus a one-sided squared penalty for negative margins."""
    import torch.nn.functional as F

    logits = (policy_chosen_logps - policy_rejected_logps) - (
        reference_chosen_logps - reference_rejected_logps
    )
    margin = self.beta * logits
    hinge = F.relu(1 - margin)
    # Quadratic penalty only when the margin is below -0.5
    penalty = (-margin - 0.5).clamp(min=0)
    losses = hinge + 0.1 * penalty * penalty
    return losses
