"""Grouped-query attention (GQA) - write it by hand.

Contract
    GroupedQueryAttention(d_model, n_heads, n_kv_heads) is an nn.Module
    for causal self-attention in which n_heads query heads share
    n_kv_heads key/value heads. d_model is divisible by n_heads, and
    n_heads by n_kv_heads; d_head = d_model // n_heads and
    g = n_heads // n_kv_heads (query heads per KV head).

    Its parameters are exactly these four nn.Linear, all bias=False:
        q_proj  d_model -> n_heads * d_head
        k_proj  d_model -> n_kv_heads * d_head
        v_proj  d_model -> n_kv_heads * d_head
        o_proj  n_heads * d_head -> d_model
    The grader loads the reference's weights into yours with
    load_state_dict(strict=True): no other parameters or persistent
    buffers.

    forward(x) returns (B, T, d_model), for x (B, T, d_model):
      * head h of q_proj(x) is its features h*d_head ... (h+1)*d_head - 1;
        the KV heads of k_proj(x) and v_proj(x) are cut the same way.
      * Query head h uses KV head h // g. With 8 query heads and 2 KV
        heads, query heads 0-3 share KV head 0 and 4-7 share KV head 1
        (repeat_interleave order, as in Llama).
      * In every query head: softmax(q @ k^T / sqrt(d_head)) @ v, over
        the keys, causal: position i sees positions 0 ... i only.
      * The heads go back side by side in order, then o_proj.
    n_kv_heads == n_heads is plain multi-head attention; n_kv_heads == 1
    is multi-query attention (MQA).

    The module and x share one floating dtype: float16, bfloat16,
    float32 or float64; the output has it too, and x is not modified.
    It must work in float16, for inputs as large as 20, and on any
    device.

Not allowed: scaled_dot_product_attention in any form (F.*, its
torch.ops.aten kernels), nn.MultiheadAttention and
F.multi_head_attention_forward. nn.Linear, repeat_interleave, expand and
torch.softmax are allowed.

Grade it:  handwrite check gqa
"""

import torch
import torch.nn as nn


class GroupedQueryAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int, n_kv_heads: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
