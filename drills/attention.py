"""Multi-head attention - write it by hand.

Contract
    MultiheadAttention(d_model, heads=8) is an nn.Module whose parameters
    are exactly q_proj, k_proj, v_proj, o_proj = nn.Linear(d_model,
    d_model), with bias: the grader loads the reference's weights into yours
    with load_state_dict(strict=True), so no other parameters or persistent
    buffers. d_model is divisible by heads; d_head = d_model // heads.

    forward(q, k, v, mask=None) returns (B, Tq, d_model):
        q     (B, Tq, d_model)  queries
        k, v  (B, Tk, d_model)  keys and values; Tk may differ from Tq
        mask  None, or a bool tensor that broadcasts to (B, heads, Tq, Tk),
              such as (Tq, Tk), (B, 1, Tq, Tk) or (B, 1, 1, Tk).
              True = the query may attend to that key; a masked key gets
              exactly zero weight, whatever its k and v hold.

    Project q with q_proj, k with k_proj and v with v_proj; split d_model
    into heads (head h gets features h*d_head ... (h+1)*d_head - 1); in
    every head take softmax(q @ k^T / sqrt(d_head), over the keys) @ v;
    put the heads back side by side in order; project with o_proj.

    The module and its inputs share one floating dtype: float16, bfloat16,
    float32 or float64; the output has it too, and no input is modified.
    It must work in float16 with a mask, for inputs as large as 20, and on
    any device. A query with every key masked is undefined: never tested.

Not allowed: scaled_dot_product_attention in any form (F.*, its
torch.ops.aten kernels), nn.MultiheadAttention and
F.multi_head_attention_forward. torch.softmax and nn.Linear are allowed.

Grade it:  handwrite check attention
"""

import torch
import torch.nn as nn


class MultiheadAttention(nn.Module):
    def __init__(self, d_model: int, heads: int = 8):
        super().__init__()
        raise NotImplementedError

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError
