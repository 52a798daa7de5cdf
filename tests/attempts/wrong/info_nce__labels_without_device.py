# expect: device
import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    an, bn = F.normalize(a.float(), dim=-1), F.normalize(b.float(), dim=-1)
    logits = an @ bn.T / temperature
    labels = torch.arange(a.shape[0])  # on the CPU, wherever the logits are
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    return loss.to(a.dtype)
