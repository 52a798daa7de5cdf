"""Sliding-window attention - write it by hand.

Contract
    sliding_window_attention(q, k, v, window) returns causal attention
    in which each query sees only the last `window` positions:

        query i attends to key j  if and only if  i - window < j <= i

    That is exactly `window` keys, the query's own position included
    (fewer for the first window - 1 queries: query 0 sees key 0 only).
    window == 1: each query sees only itself, so the output is v.
    window >= T: nothing is cut off, it is plain causal attention.

    q       (B, H, T, d)   queries
    k       (B, H, T, d)   keys, at the same T positions as the queries
    v       (B, H, T, dv)  values: dv may differ from d
    window  int >= 1

    In every batch and head: softmax(q @ k^T / sqrt(d), over the keys)
    @ v, where a key outside the query's window gets exactly zero
    weight, whatever its k holds. Returns (B, H, T, dv).

    q, k and v share one floating dtype: float16, bfloat16, float32 or
    float64; the output has it too, and no input is modified. It must
    work in float16, stay finite for scores as large as 1e3, and run on
    any device.

Not allowed: scaled_dot_product_attention in any form (F.*, its
torch.ops.aten kernels), flex_attention, nn.MultiheadAttention and
F.multi_head_attention_forward. torch.softmax, tril, triu, masked_fill,
F.pad and unfold are allowed.

Grade it:  handwrite check sliding_window_attention
"""

import torch


def sliding_window_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                             window: int) -> torch.Tensor:
    raise NotImplementedError
