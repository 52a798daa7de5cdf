"""SwiGLU feed-forward block - write it by hand.

Contract
    SwiGLU(d_model, d_hidden) is an nn.Module whose parameters are
    exactly w1, w3 = nn.Linear(d_model, d_hidden, bias=False) and
    w2 = nn.Linear(d_hidden, d_model, bias=False): the grader loads the
    reference's weights into yours with load_state_dict(strict=True), so
    no other parameters or persistent buffers.

    forward(x) returns w2(silu(w1(x)) * w3(x)):
        x  (..., d_model)  any number of leading dims, even none
        silu(h) = h * sigmoid(h)
    w1(x) goes through silu and gates w3(x), feature by feature; w2
    projects the product back to d_model.

    The module and x share one floating dtype: float16, bfloat16,
    float32 or float64; the output has x's shape and dtype, and x is not
    modified. It must work in float16 and bfloat16, for inputs as large
    as 20, and on any device.

Allowed: nn.Linear, F.silu, torch.sigmoid.

Grade it:  handwrite check swiglu
"""

import torch
import torch.nn as nn


class SwiGLU(nn.Module):
    def __init__(self, d_model: int, d_hidden: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
