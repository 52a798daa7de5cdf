import math

import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    # The softmax written out: subtract each row's max, exp, normalise. torch.where keeps the
    # masked scores at -inf, whose exp is exactly 0.
    scores = q @ k.mT / math.sqrt(k.size(-1))
    if mask is not None:
        scores = torch.where(mask, scores, -math.inf)
    scores = scores - scores.amax(dim=-1, keepdim=True)
    weights = scores.exp()
    weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights @ v
