"""Self-attention with a KV cache - write it by hand.

Contract
    CachedSelfAttention(d_model, heads) is an nn.Module for causal
    multi-head self-attention with rotary positions (RoPE). Its parameters
    are exactly q_proj, k_proj, v_proj, o_proj = nn.Linear(d_model,
    d_model, bias=False): the grader loads the reference's weights into
    yours with load_state_dict(strict=True), so no other parameters or
    persistent buffers. d_head = d_model // heads, and it is even.

    forward(x, cache=None) returns (y, (k, v)):
        x      (B, T, d_model)  the T new tokens
        cache  None (nothing came before), or (k_past, v_past), each
               (B, heads, P, d_head): what the call before returned
        y      (B, T, d_model)
        k, v   (B, heads, P + T, d_head): the cache, then the new tokens
    P = 0 when cache is None. The new tokens sit at positions
    P ... P + T - 1.

    Project the new tokens (and only them) with q_proj, k_proj, v_proj;
    split d_model into heads (head h gets features h*d_head ...
    (h+1)*d_head - 1) to (B, heads, T, d_head); turn q and k with RoPE at
    their positions; append k and v to the cache on the time dim; new
    token i reads every cached key and the new keys 0 ... i:
    softmax(q @ k^T / sqrt(d_head), over the keys) @ v; put the heads back
    side by side in order; o_proj.

    RoPE, half-split (GPT-NeoX / Hugging Face Llama): feature j and
    feature j + d_head/2 form a pair, j = 0 ... d_head/2 - 1, turned at
    position p by the angle  a = p * 10000 ** (-2j / d_head):
        out[j]            = t[j] * cos(a) - t[j + d_head/2] * sin(a)
        out[j + d_head/2] = t[j + d_head/2] * cos(a) + t[j] * sin(a)
    (Not the interleaved pairs (2j, 2j + 1) of GPT-J.) The cache holds
    keys already turned, and values as projected.

    Prefilling, then decoding chunk by chunk (say 5, then 3, 1, 3 tokens)
    with the returned cache must give what one call on the whole sequence
    gives. The grader counts the rows that go through k_proj and v_proj:
    past tokens come from the cache, never projected again. Keep no state
    on the module between calls (the caller may run several sequences,
    each with its own cache); never modify the caller's cache, return new
    tensors; don't detach: gradients flow back through the cache.

    The module and its inputs share one floating dtype: float16, bfloat16,
    float32 or float64; every output has it too, and no input is
    modified. It must work in float16, for inputs as large as 20, and on
    any device.

Not allowed: scaled_dot_product_attention in any form (F.*, its
torch.ops.aten kernels), nn.MultiheadAttention and
F.multi_head_attention_forward. torch.softmax and nn.Linear are allowed.

Grade it:  handwrite check kv_cache
"""

import torch
import torch.nn as nn


class CachedSelfAttention(nn.Module):
    def __init__(self, d_model: int, heads: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor,
                cache: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        raise NotImplementedError
