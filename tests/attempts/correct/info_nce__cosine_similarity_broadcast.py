import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    # every pair's cosine similarity by broadcasting (N, 1, D) against (1, N, D)
    sim = F.cosine_similarity(a.float()[:, None, :], b.float()[None, :, :], dim=-1)
    logits = sim / temperature
    target = torch.arange(len(a), device=a.device)
    i2t = F.cross_entropy(logits, target)
    t2i = F.cross_entropy(logits.t(), target)
    return ((i2t + t2i) * 0.5).to(a.dtype)
