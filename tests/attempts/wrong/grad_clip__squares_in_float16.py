# expect: stability
import torch


@torch.no_grad()
def clip_grad_norm_(grads, max_norm, eps=1e-6):
    # squares summed in the grads' own dtype: 300 ** 2 is inf in float16
    total_norm = sum(g.pow(2).sum() for g in grads).sqrt()
    clip_coef = (max_norm / (total_norm + eps)).clamp(max=1.0)
    for g in grads:
        g.mul_(clip_coef)
    return total_norm
