# expect: numerics, rules, shape, stability
import torch


def dropout(x, p=0.5, training=True, generator=None):
    if not training:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    y = x * keep
    x.data.div_(1 - p)  # scales the caller's x
    return y / (1 - p)
