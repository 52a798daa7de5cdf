# expect: shape, numerics, gradients, masking, stability
import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = v.size(-1)  # the value dim: only right when dv == d
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.float().softmax(dim=-1).to(q.dtype) @ v
