import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    # Everything in the input dtype, even float16; masked scores get the most negative finite
    # value of that dtype, which the softmax's exp still turns into exactly 0.
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1) @ v
