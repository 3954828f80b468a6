import torch
import torch.nn.functional as F


def std_normalized_dpo_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """DPO on logits normalised by their batch standard deviation (unbiased)."""
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = pi_logratios - ref_logratios
    # Batch statistic: gradient flows through the std as well
    normalized = logits / (logits.std() + 1e-3)
    losses = -F.logsigmoid(normalized) + 0.01 * torch.square(self.beta * logits)
    return losses
