# expect: gradients
import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    # the norms are treated as constants: the gradient loses its part along each row
    an = a.float() / a.float().norm(dim=-1, keepdim=True).clamp_min(1e-12).detach()
    bn = b.float() / b.float().norm(dim=-1, keepdim=True).clamp_min(1e-12).detach()
    logits = an @ bn.T / temperature
    labels = torch.arange(a.shape[0], device=a.device)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    return loss.to(a.dtype)
