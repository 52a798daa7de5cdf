# expect: numerics, gradients
import torch


def dropout(x, p=0.5, training=True, generator=None):
    # training is never read: eval drops too
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p)
