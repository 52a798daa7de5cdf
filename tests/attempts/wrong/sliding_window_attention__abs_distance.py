# expect: shape, numerics, masking, stability, gradients
import math

import torch


def sliding_window_attention(q, k, v, window):
    T = q.size(-2)
    pos = torch.arange(T, device=q.device)
    # a window centred on the query (Longformer's local attention): it looks ahead too
    keep = (pos[None, :] - pos[:, None]).abs() < window
    scores = q.float() @ k.float().transpose(-2, -1) / math.sqrt(q.size(-1))
    scores = scores.masked_fill(~keep, float("-inf"))
    return (scores.softmax(dim=-1) @ v.float()).to(q.dtype)
