import torch


def separate_rewards_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Treat chosen and rejected implicit rewards separately, plus a small SFT term."""
    import torch.nn.functional as F

    chosen_rewards = self.beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = self.beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -F.logsigmoid(chosen_rewards)
    losses += -F.logsigmoid(-rejected_rewards)
    # small NLL term on the chosen response (policy_chosen_logps is negative)
    losses -= 1e-3 * policy_chosen_logps
    losses *= 0.5
    losses /= 2
    return losses
