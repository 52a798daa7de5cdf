# expect: device
import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    if mask is None:  # the bug: "attend everywhere" is made on the CPU
        mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool)
    scores = q.float() @ k.float().transpose(-2, -1) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~mask, float("-inf"))
    return (scores.softmax(-1) @ v.float()).to(q.dtype)
