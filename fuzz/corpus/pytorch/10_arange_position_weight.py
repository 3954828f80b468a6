import torch


def position_weighted_dpo_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """DPO with a weight that grows linearly with the position in the batch."""
    import torch.nn.functional as F

    n = policy_chosen_logps.size(0)
    positions = torch.arange(policy_chosen_logps.size(0)).to(policy_chosen_logps.device)
    positions = positions.to(policy_chosen_logps.dtype)
    weights = 1.0 + 0.5 * positions / n
    logits = (policy_chosen_logps - reference_chosen_logps) - (policy_rejected_logps - reference_rejected_logps)
    losses = -F.logsigmoid(self.beta * logits)
    losses *= weights
    return losses
