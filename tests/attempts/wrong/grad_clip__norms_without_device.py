# expect: device
import torch


@torch.no_grad()
def clip_grad_norm_(grads, max_norm, eps=1e-6):
    total_sq = torch.zeros(1)  # on the CPU, whatever the grads' device
    for g in grads:
        total_sq += g.float().pow(2).sum()
    total_norm = total_sq.sqrt()[0]
    clip_coef = (max_norm / (total_norm + eps)).clamp(max=1.0)
    for g in grads:
        g.mul_(clip_coef.to(g.dtype))
    return total_norm.to(grads[0].dtype)
