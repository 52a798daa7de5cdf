# expect: numerics, rules
import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    dtype = a.dtype
    a = a.float()  # for float32 inputs this is the caller's tensor itself
    b = b.float()
    a /= a.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    b /= b.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    logits = a @ b.T / temperature
    labels = torch.arange(a.shape[0], device=a.device)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    return loss.to(dtype)
