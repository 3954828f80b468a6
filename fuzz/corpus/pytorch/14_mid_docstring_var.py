import torch
import torch.nn.functional as F


def variance_regularized_dpo_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """
    DPO plus a penalty on the batch variance of the implicit rewards.

    Encourages consistent margins across the batch.
    """
    import torch.nn.functional as F

    chosen_rewards = self.beta * (
        policy_chosen_logps
        - reference_chosen_logps
    )
    rejected_rewards = self.beta * (
        policy_rejected_logps - reference_rejected_logps
    )
    margins = chosen_rewards - rejected_rewards

    """Now the variance term: .var() is unbiased (divides by n - 1), like torch."""
    variance = margins.var()
    base = -F.logsigmoid(
        margins,
    )
    losses = base + 1e-2 * variance  # broadcast scalar over the batch
    losses -= 0.001 * chosen_rewards
    return losses
