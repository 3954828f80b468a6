# expect: torch.arange must count the batch
import torch
import torch.nn.functional as F
def f(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps):
    n = policy_chosen_logps.shape[0]
    w = torch.arange(1, n).float()
    return -F.logsigmoid(self.beta * (policy_chosen_logps - policy_rejected_logps)) * w
