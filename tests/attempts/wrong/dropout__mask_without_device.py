# expect: device
import torch


def dropout(x, p=0.5, training=True, generator=None):
    if not training:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator) >= p  # on the CPU, whatever x is on
    return x * keep.to(x.dtype) / (1 - p)
