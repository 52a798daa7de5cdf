# expect: shape, numerics, stability, gradients
import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    an, bn = F.normalize(a.float(), dim=-1), F.normalize(b.float(), dim=-1)
    logits = an @ bn.T / temperature
    labels = torch.arange(len(a), device=a.device)
    # both directions, but added, not averaged
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)).to(a.dtype)
