import torch


def ipo_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """IPO: squared distance of the log-ratio difference from 1 / (2 * beta)."""
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = pi_logratios - ref_logratios
    # The 0.5 and the 1e-3 scale keep the loss O(1) on typical batches.
    losses = 0.5 * 1e-3 * (logits - 1 / (2 * self.beta)) ** 2
    return losses
