# expect: gradients, numerics, shape
import torch


def dropout(x, p=0.5, training=True, generator=None):
    if not training:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x.float() * keep / (1 - p)  # float32 out for float16 in: never cast back
