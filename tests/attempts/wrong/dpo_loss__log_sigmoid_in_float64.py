# expect: stability
import torch


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    dtype = policy_chosen_logps.dtype
    pc, pr = policy_chosen_logps.double(), policy_rejected_logps.double()
    rc, rr = ref_chosen_logps.double(), ref_rejected_logps.double()
    z = beta * ((pc - pr) - (rc - rr))
    # float64 makes log(sigmoid) safe... until sigmoid(z) is below 1e-308
    p = torch.sigmoid(z)
    losses = -torch.log(p) * (1 - label_smoothing) - torch.log(1 - p) * label_smoothing
    return (losses.mean().to(dtype), (beta * (pc - rc)).detach().to(dtype),
            (beta * (pr - rr)).detach().to(dtype))
