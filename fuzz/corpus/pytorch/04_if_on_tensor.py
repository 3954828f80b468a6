# expect: if
import torch


def branching_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Python control flow on a tensor value is not part of the language."""
    import torch.nn.functional as F

    logits = (policy_chosen_logps - policy_rejected_logps) - (reference_chosen_logps - reference_rejected_logps)
    if logits.mean() > 0:
        losses = -F.logsigmoid(self.beta * logits)
    else:
        losses = torch.exp(-self.beta * logits)
    return losses
