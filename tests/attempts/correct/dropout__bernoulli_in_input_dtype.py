import torch


def dropout(x, p=0.5, training=True, generator=None):
    if not training:
        return x  # F.dropout hands back x itself in eval
    # a Bernoulli(1 - p) keep mask, in x's own dtype
    probs = torch.full_like(x, 1 - p)
    keep = torch.bernoulli(probs, generator=generator)
    return x * keep / (1 - p)
