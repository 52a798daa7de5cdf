# expect: shape
import math

import torch


def sliding_window_attention(q, k, v, window):
    q, k, v = q.float(), k.float(), v.float()  # float32 inside, and never cast back
    T = q.size(-2)
    i = torch.arange(T, device=q.device)[:, None]
    j = torch.arange(T, device=q.device)[None, :]
    keep = (j <= i) & (j > i - window)
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))).masked_fill(~keep, float("-inf"))
    return scores.softmax(dim=-1) @ v
