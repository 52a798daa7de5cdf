import torch


def clip_grad_norm_(grads, max_norm, eps=1e-6):
    total_sq = None
    for g in grads:
        sq = g.detach().float().square().sum()
        total_sq = sq if total_sq is None else total_sq + sq
    total_norm = total_sq.sqrt()
    scale = torch.clamp(max_norm / (total_norm + eps), max=1.0)
    with torch.no_grad():
        for g in grads:
            g.copy_(g.float() * scale)
    return total_norm.to(grads[0].dtype)
