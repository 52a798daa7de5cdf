# expect: shape, numerics, stability
import math

import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    # The loop from many blog posts: i is already the even column index, so 2 * i doubles
    # the exponent; and pe[pos][i + 1] runs off the end of an odd d_model.
    pe = [[0.0] * d_model for _ in range(T)]
    for pos in range(T):
        for i in range(0, d_model, 2):
            pe[pos][i] = math.sin(pos / (10000 ** ((2 * i) / d_model)))
            pe[pos][i + 1] = math.cos(pos / (10000 ** ((2 * i) / d_model)))
    return torch.tensor(pe, device=device, dtype=dtype)
