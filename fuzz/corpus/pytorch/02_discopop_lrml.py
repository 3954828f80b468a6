import torch
import torch.nn.functional as F


def log_ratio_modulated_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """DiscoPOP / LRML-style blend of a logistic and an exponential loss.

    The blend weight is the sigmoid of the (unscaled) log-ratio difference.
    """
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = pi_logratios - ref_logratios  # rho
    # Blend between logistic and exponential components based on log ratio modulation
    log_ratio_modulation = torch.sigmoid(logits)
    logistic_component = -F.logsigmoid(self.beta * logits)
    exp_component = torch.exp(-self.beta * logits)
    # Combine the two components with the modulation weight
    losses = (
        (1 - log_ratio_modulation) * logistic_component
        + log_ratio_modulation * exp_component
    )
    return losses
