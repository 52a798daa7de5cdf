# expect: shape, numerics, stability
import math

import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    # The Annotated Transformer, verbatim: the cos line assumes an even d_model.
    pe = torch.zeros(T, d_model, device=device)
    position = torch.arange(0, T, device=device).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2, device=device) * -(math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe.to(dtype)
