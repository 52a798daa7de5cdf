# expect: gradients
import math

import torch


def sliding_window_attention(q, k, v, window):
    T = q.size(-2)
    i = torch.arange(T, device=q.device)[:, None]
    j = torch.arange(T, device=q.device)[None, :]
    keep = (j <= i) & (j > i - window)
    scores = q.float() @ k.float().transpose(-2, -1) / math.sqrt(q.size(-1))
    weights = scores.masked_fill(~keep, float("-inf")).softmax(dim=-1)
    # "to be safe", zero the masked weights once more: right values, but in place on the
    # softmax's output, which its backward needs, so backward raises
    weights.masked_fill_(~keep, 0.0)
    return (weights @ v.float()).to(q.dtype)
