"""SwiGLU feed-forward block, written by hand: the reference that `handwrite check swiglu`
grades against."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class SwiGLU(nn.Module):
    """The feed-forward block of LLaMA-style transformers: a gated MLP.

    forward(x (..., C)) -> (..., C), C = d_model: w2(silu(w1(x)) * w3(x)).
    Shape comments: Hd = d_hidden; "..." is any number of leading dims.
    """

    def __init__(self, d_model: int, d_hidden: int):
        super().__init__()
        # Two maps up: w1 makes the gate, w3 the values it lets through. No biases, as in
        # LLaMA and PaLM (which found that dropping them made large models train more stably).
        self.w1 = nn.Linear(d_model, d_hidden, bias=False)  # gate branch: goes through silu
        self.w3 = nn.Linear(d_model, d_hidden, bias=False)  # value branch: stays linear
        self.w2 = nn.Linear(d_hidden, d_model, bias=False)  # back down to d_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        # nn.Linear works on the last dim and keeps every leading dim: no reshape needed,
        # so a 2-D, 4-D or non-contiguous x all just work.
        gate = self.w1(x)  # (..., Hd)
        value = self.w3(x)  # (..., Hd)
        # The gate and the product in float32 at least: in float16/bfloat16 each of silu's
        # steps and the product would round again.
        work = torch.promote_types(dtype, torch.float32)
        # silu(g) = g * sigmoid(g): ~g for large g, ~0 for very negative g. Gating the value
        # branch, not the gate itself, is what makes it a GLU; swapping them is a different net.
        hidden = F.silu(gate.to(work)) * value.to(work)  # (..., Hd)
        return self.w2(hidden.to(dtype))  # (..., C): x's dtype again
