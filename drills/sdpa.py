"""Scaled dot-product attention - write it by hand.

Contract
    scaled_dot_product_attention(q, k, v, mask=None) returns
    softmax(q @ k^T / sqrt(d), over the keys) @ v, masked keys left out.

    q     (..., Tq, d)   queries; any leading dims (batch, heads ...)
    k     (..., Tk, d)   keys: the same leading dims and d as q
    v     (..., Tk, dv)  values: dv may differ from d
    mask  None, or a bool tensor that broadcasts to (..., Tq, Tk), such as
          (Tq, Tk), (B, 1, Tq, Tk) or (B, 1, 1, Tk). True = the query may
          attend to that key; a masked key gets exactly zero weight,
          whatever its k and v hold.

    Scale by 1 / sqrt(d), d = q.size(-1). q, k and v share one floating
    dtype: float16, bfloat16, float32 or float64. Returns (..., Tq, dv) in
    that dtype; no input is modified. It must work in float16 with a mask,
    and stay finite for scores as large as 1e3. A query with every key
    masked is undefined: it is never tested.

Not allowed: scaled_dot_product_attention in any form (F.*, its
torch.ops.aten kernels), nn.MultiheadAttention and
F.multi_head_attention_forward. torch.softmax / Tensor.softmax are allowed.

Grade it:  handwrite check sdpa
"""

import torch


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None) -> torch.Tensor:
    raise NotImplementedError
