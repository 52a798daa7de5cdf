# expect: stability
import math

import torch


def sliding_window_attention(q, k, v, window):
    T = q.size(-2)
    i = torch.arange(T, device=q.device)[:, None]
    j = torch.arange(T, device=q.device)[None, :]
    keep = (j <= i) & (j > i - window)
    scores = q.float() @ k.float().transpose(-2, -1) / math.sqrt(q.size(-1))
    e = scores.masked_fill(~keep, float("-inf")).exp()  # no max subtracted: exp(1e3) = inf
    return ((e / e.sum(dim=-1, keepdim=True)) @ v.float()).to(q.dtype)
