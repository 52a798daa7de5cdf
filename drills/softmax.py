"""Softmax - write it by hand.

Contract
    softmax(x, dim=-1) returns what torch.softmax(x, dim) returns:
    exp(x_i) / sum_j exp(x_j), taken along `dim`.

    x    a floating tensor of any shape:
         float16, bfloat16, float32 or float64
    dim  the dimension to normalise over; negative values count
         from the end

    Returns a tensor with x's shape and dtype. x must not be modified.
    It must stay finite and accurate for logits as large as 1e4, and
    in float16.

Not allowed: softmax, log_softmax and softmin in any form (torch.*,
F.*, Tensor methods, nn modules). torch.logsumexp is allowed.

Grade it:  handwrite check softmax
"""

import torch


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    raise NotImplementedError
