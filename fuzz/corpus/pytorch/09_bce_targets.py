import torch


def label_smoothed_bce_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Binary cross-entropy on beta * rho with hard and soft targets."""
    import torch.nn.functional as F

    logits = (policy_chosen_logps - policy_rejected_logps) - (reference_chosen_logps - reference_rejected_logps)
    x = self.beta * logits
    pos = F.binary_cross_entropy_with_logits(
        x,
        torch.ones_like(x),
        reduction='none',
    )
    neg = F.binary_cross_entropy_with_logits(
        x, torch.zeros_like(x), reduction='none'
    )
    soft = F.binary_cross_entropy_with_logits(x, torch.full_like(x, 0.9), reduction='none')
    losses = 0.5 * soft + 0.45 * pos + 0.05 * neg
    return losses
