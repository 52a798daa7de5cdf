# expect: shape, numerics, stability, device, rules
import torch


def clip_grad_norm_(grads, max_norm, eps=1e-6):
    # let torch do it: wrap each grad as a parameter's .grad
    params = []
    for g in grads:
        p = torch.zeros_like(g)
        p.grad = g
        params.append(p)
    return torch.nn.utils.clip_grad_norm_(params, max_norm)
