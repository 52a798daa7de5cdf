# expect: stability
import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    an, bn = F.normalize(a.float(), dim=-1), F.normalize(b.float(), dim=-1)
    e = torch.exp(an @ bn.T / temperature)  # exp(100) overflows float32 at temperature 0.01
    pos = e.diagonal()
    loss_a = -torch.log(pos / e.sum(dim=1)).mean()
    loss_b = -torch.log(pos / e.sum(dim=0)).mean()
    return ((loss_a + loss_b) / 2).to(a.dtype)
