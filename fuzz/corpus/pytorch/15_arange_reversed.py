import torch
import torch.nn.functional as F


def reversed_position_dpo_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """DPO weighted by reversed positions, as the DiscoPOP paper writes them."""
    batch_size = policy_chosen_logps.shape[0]
    ranks = torch.arange(batch_size - 1, -1, -1, device=policy_chosen_logps.device).float()
    offsets = torch.arange(2, batch_size + 2).to(policy_chosen_logps.dtype)
    weights = 1.0 + ranks / batch_size + 0.1 * offsets
    logits = (policy_chosen_logps - reference_chosen_logps) - (policy_rejected_logps - reference_rejected_logps)
    return -F.logsigmoid(self.beta * logits) * weights
