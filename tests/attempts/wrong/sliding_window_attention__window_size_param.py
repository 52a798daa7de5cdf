# expect: load
import math

import torch


def sliding_window_attention(q, k, v, window_size):  # the contract names it window
    T = q.size(-2)
    i = torch.arange(T, device=q.device)[:, None]
    j = torch.arange(T, device=q.device)[None, :]
    keep = (j <= i) & (i - j < window_size)
    scores = q.float() @ k.float().transpose(-2, -1) / math.sqrt(q.size(-1))
    scores = scores.masked_fill(~keep, float("-inf"))
    return (scores.softmax(dim=-1) @ v.float()).to(q.dtype)
