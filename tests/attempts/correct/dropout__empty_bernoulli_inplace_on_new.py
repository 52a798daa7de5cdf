import torch


def dropout(x, p=0.5, training=True, generator=None):
    if not training or p == 0:
        return x * 1.0
    mask = torch.empty_like(x, dtype=torch.float32).bernoulli_(1 - p, generator=generator)
    mask.div_(1 - p)  # in place on our own tensor: fine
    return (x.float() * mask).to(x.dtype)
