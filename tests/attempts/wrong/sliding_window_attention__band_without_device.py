# expect: device
import math

import torch


def sliding_window_attention(q, k, v, window):
    T = q.size(-2)
    # made on the CPU, whatever device q is on
    band = torch.tril(torch.ones(T, T, dtype=torch.bool)) & ~torch.tril(
        torch.ones(T, T, dtype=torch.bool), diagonal=-window)
    scores = q.float() @ k.float().transpose(-2, -1) / math.sqrt(q.size(-1))
    scores = scores.masked_fill(~band, float("-inf"))
    return (scores.softmax(dim=-1) @ v.float()).to(q.dtype)
