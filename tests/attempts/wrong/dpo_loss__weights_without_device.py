# expect: device
import torch
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    dtype = policy_chosen_logps.dtype
    pc, pr = policy_chosen_logps.float(), policy_rejected_logps.float()
    rc, rr = ref_chosen_logps.float(), ref_rejected_logps.float()
    z = beta * ((pc - pr) - (rc - rr))
    terms = torch.stack([-F.logsigmoid(z), -F.logsigmoid(-z)], dim=-1)  # (B, 2)
    weights = torch.tensor([1.0 - label_smoothing, label_smoothing])  # on the CPU
    losses = terms @ weights
    return (losses.mean().to(dtype), (beta * (pc - rc)).detach().to(dtype),
            (beta * (pr - rr)).detach().to(dtype))
