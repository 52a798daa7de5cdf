# expect: numerics, rules
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    dtype = policy_chosen_logps.dtype
    # .float() is a no-op on float32 input: the -= below writes into the caller's tensors
    chosen_ratio = policy_chosen_logps.float()
    chosen_ratio -= ref_chosen_logps.float()
    rejected_ratio = policy_rejected_logps.float()
    rejected_ratio -= ref_rejected_logps.float()
    z = beta * (chosen_ratio - rejected_ratio)
    losses = -F.logsigmoid(z) * (1 - label_smoothing) - F.logsigmoid(-z) * label_smoothing
    return (losses.mean().to(dtype), (beta * chosen_ratio).detach().to(dtype),
            (beta * rejected_ratio).detach().to(dtype))
