"""Multi-head latent attention (MLA, DeepSeek-V2) - write it by hand.

Contract
    MultiHeadLatentAttention(d_model, n_heads, d_head, d_c, d_cq, d_rope)
    is an nn.Module for causal self-attention as in DeepSeek-V2
    (arXiv 2405.04434, section 2.1, eqs. 9-19), with low-rank queries.
    d_rope is even. Its parameters are exactly these nn.Linear, all
    bias=False (h = x at one position):
        w_dkv  d_model -> d_c                 c_KV = w_dkv(h)        (9)
        w_uk   d_c -> n_heads * d_head        k_C = w_uk(c_KV)      (10)
        w_uv   d_c -> n_heads * d_head        v_C = w_uv(c_KV)      (11)
        w_dq   d_model -> d_cq                c_Q = w_dq(h)         (12)
        w_uq   d_cq -> n_heads * d_head       q_C = w_uq(c_Q)       (13)
        w_qr   d_cq -> n_heads * d_rope       q_R = RoPE(w_qr(c_Q)) (14)
        w_kr   d_model -> d_rope              k_R = RoPE(w_kr(h))   (15)
        w_o    n_heads * d_head -> d_model    y = w_o(heads)        (19)
    The grader loads the reference's weights into yours with
    load_state_dict(strict=True): no other parameters or persistent
    buffers. No normalisation of the latents (the paper's equations).

    forward(x, cache=None) returns (y, (c_kv, k_r)):
        x      (B, T, d_model)  the new positions
        cache  None, or the (c_kv, k_r) a previous call returned, for
               the past positions: c_kv (B, P, d_c), k_r (B, P, d_rope)
        y      (B, T, d_model)
        c_kv   (B, P + T, d_c)     the cache passed in, then c_KV of x
        k_r    (B, P + T, d_rope)  the same for k_R, AFTER RoPE
    With no cache P = 0. The cache is all the module keeps between
    calls (nothing on self): k_C and v_C of the past come from c_kv
    (eqs. 10-11). Don't modify the cache passed in.

    * Heads: head i of q_C, k_C, v_C is features i*d_head ... of
      w_uq/w_uk/w_uv's output; head i of q_R is features i*d_rope ...
      of w_qr's. k_R has no head axis: ONE rope key for every head.
    * q = [q_C; q_R] and k = [k_C; k_R] per head (eqs. 16-17); scores
      q . k / sqrt(d_head + d_rope), softmax over the keys, @ v_C (18).
    * Position: new position t of x is P + t. Causal: it sees the P
      cached positions and new positions 0 ... t. RoPE (on q_R and k_R
      only, never on c_KV or k_C) turns feature i with feature
      i + d_rope/2 (rotate_half) by angle pos * 10000^(-2i / d_rope).
    * The heads' outputs go side by side in order, then w_o.

    The module, x and the cache share one floating dtype: float16,
    bfloat16, float32 or float64; y and the new cache have it too. It
    must work in float16, for inputs as large as 20, and on any device.

Not allowed: scaled_dot_product_attention in any form (F.*, its
torch.ops.aten kernels), flex_attention, nn.MultiheadAttention and
F.multi_head_attention_forward. nn.Linear and torch.softmax are allowed.

Grade it:  handwrite check mla
"""

import torch
import torch.nn as nn


class MultiHeadLatentAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_head: int, d_c: int,
                 d_cq: int, d_rope: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor,
                cache: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        raise NotImplementedError
