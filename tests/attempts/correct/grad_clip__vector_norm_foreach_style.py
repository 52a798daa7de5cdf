import torch


@torch.no_grad()
def clip_grad_norm_(grads, max_norm, eps=1e-6):
    # torch's own recipe, by hand: per-tensor norms in the grads' dtype (vector_norm
    # accumulates half precision in float32), the norm of the norms, one clamped factor.
    norms = [torch.linalg.vector_norm(g, 2) for g in grads]
    total_norm = torch.linalg.vector_norm(torch.stack(norms), 2)
    clip_coef = max_norm / (total_norm + eps)
    clip_coef_clamped = torch.clamp(clip_coef, max=1.0)
    for g in grads:
        g.mul_(clip_coef_clamped.to(g.device))
    return total_norm
