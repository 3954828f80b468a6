import math
import torch
import torch.nn.functional as F


def math_constants_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Softplus measured in bits, plus smooth tanh/log1p/sqrt/log regularisers."""
    logits = (policy_chosen_logps - policy_rejected_logps) - (reference_chosen_logps - reference_rejected_logps)
    x = self.beta * logits
    # softplus(-x) / log(2) is the logistic loss in bits
    losses = F.softplus(-x) / math.log(2)
    losses = losses + math.exp(-2.0) * torch.log1p(torch.tanh(x) ** 2)
    # sqrt guarded by a positive constant
    losses = losses + 0.01 * math.sqrt(2 / math.pi) * torch.sqrt(x * x + 1e-3)
    # log guarded: argument is in (1e-3, 1 + 1e-3)
    losses = losses - 0.05 * torch.log(torch.sigmoid(x) + 1e-3)
    return losses
