import math

import torch


def clip_grad_norm_(grads, max_norm, eps=1e-6):
    # One flat float64 vector of everything, Python numbers for the coefficient.
    flat = torch.cat([g.detach().reshape(-1).double() for g in grads])
    total = math.sqrt(float(flat.pow(2).sum()))
    coef = min(1.0, max_norm / (total + eps))
    if coef < 1.0:
        for g in grads:
            g.mul_(coef)
    return torch.tensor(total, dtype=grads[0].dtype, device=grads[0].device)
