# expect: numerics, masking, rules
import math

import torch


def sliding_window_attention(q, k, v, window):
    q *= 1 / math.sqrt(q.size(-1))  # saves a T x T division, but changes the caller's q
    T = q.size(-2)
    i = torch.arange(T, device=q.device)[:, None]
    j = torch.arange(T, device=q.device)[None, :]
    keep = (j <= i) & (j > i - window)
    scores = (q.float() @ k.float().transpose(-2, -1)).masked_fill(~keep, float("-inf"))
    return (scores.softmax(dim=-1) @ v.float()).to(q.dtype)
