# expect: load, numerics
import torch


@torch.no_grad()
def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    # torch's signature: norm_type instead of eps (eps fixed at 1e-6)
    total_norm = torch.stack([g.float().norm(norm_type) for g in grads]).norm(norm_type)
    clip_coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(clip_coef.to(g.dtype))
    return total_norm.to(grads[0].dtype)
