import torch


def method_forms_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Method-call spellings (.exp .log .sigmoid .abs) with torch.minimum / torch.maximum."""
    logits = (policy_chosen_logps - policy_rejected_logps) - (reference_chosen_logps - reference_rejected_logps)
    x = self.beta * logits
    weight = x.sigmoid()
    exp_term = (-x).exp()
    logistic = (1 + exp_term).log()
    magnitude = x.abs()
    capped_exp = torch.minimum(exp_term, torch.full_like(x, 5.0))
    losses = torch.maximum(logistic, 0.5 * capped_exp) + 0.1 * weight * magnitude
    losses /= 1.5
    return losses
