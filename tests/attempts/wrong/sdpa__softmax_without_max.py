# expect: stability
import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    dtype = q.dtype
    q, k, v = q.double(), k.double(), v.double()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    e = scores.exp()  # no max subtracted: exp(1e3) is inf, even in float64, and inf/inf is nan
    return (e / e.sum(dim=-1, keepdim=True) @ v).to(dtype)
