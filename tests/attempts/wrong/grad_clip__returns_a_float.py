# expect: shape, numerics
import torch


@torch.no_grad()
def clip_grad_norm_(grads, max_norm, eps=1e-6):
    total_norm = torch.stack([g.float().pow(2).sum() for g in grads]).sum().sqrt()
    clip_coef = (max_norm / (total_norm + eps)).clamp(max=1.0)
    for g in grads:
        g.mul_(clip_coef.to(g.dtype))
    return total_norm.item()  # a Python float, for logging
