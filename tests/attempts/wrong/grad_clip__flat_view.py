# expect: shape
import torch


@torch.no_grad()
def clip_grad_norm_(grads, max_norm, eps=1e-6):
    flat = torch.cat([g.view(-1) for g in grads]).float()  # .view fails on a transposed grad
    total_norm = flat.norm()
    clip_coef = (max_norm / (total_norm + eps)).clamp(max=1.0)
    for g in grads:
        g.mul_(clip_coef.to(g.dtype))
    return total_norm.to(grads[0].dtype)
