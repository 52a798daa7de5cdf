"""Layer normalisation - write it by hand.

Contract
    layer_norm(x, weight, bias, eps=1e-5) returns what
    F.layer_norm(x, x.shape[-1:], weight, bias, eps) returns: each row
    along the last dim is normalised with its own mean and biased
    variance (divide by D, not D - 1), then scaled and shifted per
    feature:

        (x - mean) / sqrt(var + eps) * weight + bias

    x       a floating tensor of shape (..., D):
            float16, bfloat16, float32 or float64
    weight  shape (D,), x's dtype
    bias    shape (D,), x's dtype
    eps     added to the variance, inside the square root

    Returns a tensor with x's shape and dtype. The inputs must not be
    modified. It must stay accurate for rows far from 0 (x = 1e4 +
    noise), for rows with a tiny variance, and in float16.

Not allowed: layer_norm, group_norm, instance_norm and batch_norm in
any form (torch.*, F.*, nn modules).

Grade it:  handwrite check layer_norm
"""

import torch


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
               eps: float = 1e-5) -> torch.Tensor:
    raise NotImplementedError
