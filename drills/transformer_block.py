"""Pre-norm decoder block (LLaMA-style) - write it by hand.

Contract
    DecoderBlock(d_model, heads, d_hidden) is an nn.Module with exactly
    these parameters (the grader loads the reference's weights into yours
    with load_state_dict(strict=True): no others, no persistent buffers):
        attn_norm.weight  (d_model,)  an RMSNorm, eps=1e-6
        attn.q_proj, attn.k_proj, attn.v_proj, attn.o_proj
                          nn.Linear(d_model, d_model, bias=False)
        mlp_norm.weight   (d_model,)  an RMSNorm, eps=1e-6
        mlp.w1, mlp.w3    nn.Linear(d_model, d_hidden, bias=False)
        mlp.w2            nn.Linear(d_hidden, d_model, bias=False)
    d_model is divisible by heads, and d_head = d_model // heads is even.

    forward(x) returns (B, T, d_model), for x (B, T, d_model):
        h = x + attn(attn_norm(x))
        y = h + mlp(mlp_norm(h))
      * RMSNorm(x) = x / sqrt(mean(x ** 2, dim=-1) + 1e-6) * weight
      * attn: causal multi-head self-attention. Head h of q_proj(x) is
        features h*d_head ... (h+1)*d_head - 1 (k, v alike). RoPE turns
        q and k (not v), then softmax(q @ k^T / sqrt(d_head)) @ v, where
        position t sees positions 0 ... t only; heads back side by side
        in order; o_proj.
      * RoPE, half-split (LLaMA in HF): feature i pairs with i + d_head/2
        and, at position t (0, 1, ...), turns by t * 10000^(-2i/d_head):
        x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1)
        on x's two halves x1, x2, the angles repeated as cat((a, a)).
      * mlp: SwiGLU, w2(silu(w1(x)) * w3(x)).

    The module and x share one floating dtype: float16, bfloat16,
    float32 or float64; the output has it too, and x is not modified.
    It must work in float16 for a stream as large as 400 (x ** 2
    overflows float16: norm in float32), for attention scores as large
    as 1e3, and on any device.

Not allowed: scaled_dot_product_attention in any form (F.*, its
torch.ops.aten kernels), nn.MultiheadAttention, F.rms_norm and
nn.RMSNorm. nn.Linear, F.silu and torch.softmax are allowed.

Grade it:  handwrite check transformer_block
"""

import torch
import torch.nn as nn


class DecoderBlock(nn.Module):
    def __init__(self, d_model: int, heads: int, d_hidden: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
