# expect: open
import torch


def file_reading_loss(
    self,
    policy_chosen_logps: torch.FloatTensor,
    policy_rejected_logps: torch.FloatTensor,
    reference_chosen_logps: torch.FloatTensor,
    reference_rejected_logps: torch.FloatTensor,
) -> torch.FloatTensor:
    """Tries to read a file to pick its temperature."""
    import torch.nn.functional as F

    temperature = float(open('x').read())
    logits = (policy_chosen_logps - policy_rejected_logps) - (reference_chosen_logps - reference_rejected_logps)
    losses = -F.logsigmoid(self.beta * logits / temperature)
    return losses
