# expect: stability
import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    an = a.float() / a.float().norm(dim=-1, keepdim=True)  # an all-zero row: 0 / 0 = nan
    bn = b.float() / b.float().norm(dim=-1, keepdim=True)
    logits = an @ bn.T / temperature
    labels = torch.arange(a.shape[0], device=a.device)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    return loss.to(a.dtype)
