import math

import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    # Straight from the paper's formula, in Python floats (float64), one element at a time.
    rows = []
    for pos in range(T):
        row = []
        for j in range(d_model):
            angle = pos / 10000 ** ((j - j % 2) / d_model)
            row.append(math.sin(angle) if j % 2 == 0 else math.cos(angle))
        rows.append(row)
    return torch.tensor(rows, device=device, dtype=dtype).reshape(T, d_model)
