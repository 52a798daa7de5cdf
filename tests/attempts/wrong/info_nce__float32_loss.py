# expect: shape
import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    a, b = F.normalize(a.float(), dim=-1), F.normalize(b.float(), dim=-1)
    logits = a @ b.T / temperature
    labels = torch.arange(a.shape[0], device=a.device)
    # computed in float32, as it should be, but never cast back to the inputs' dtype
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
