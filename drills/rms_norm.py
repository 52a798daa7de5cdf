"""RMS normalisation - write it by hand.

Contract
    rms_norm(x, weight, eps=1e-6) returns what
    F.rms_norm(x, x.shape[-1:], weight, eps) returns: each row along the
    last dim is divided by its root mean square, then scaled per
    feature:

        x / sqrt(mean(x ** 2, dim=-1) + eps) * weight

    x       a floating tensor of shape (..., D):
            float16, bfloat16, float32 or float64
    weight  shape (D,), x's dtype
    eps     added to the mean square, inside the square root

    Returns a tensor with x's shape and dtype. The inputs must not be
    modified. It must stay accurate for rows with a tiny mean square,
    and in float16 for values as large as a few hundred (where x ** 2
    exceeds float16's largest value, 65504).

Not allowed: rms_norm in any form (torch.*, F.*, nn.RMSNorm).

Grade it:  handwrite check rms_norm
"""

import torch


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    raise NotImplementedError
