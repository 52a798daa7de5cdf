"""Rotary position embeddings (RoPE) - write it by hand.

Contract
    apply_rope(x, offset=0, base=10000.0) rotates q or k by position and
    returns a tensor of x's shape and dtype:
        x       (B, H, T, d)  queries or keys; d is even
        offset  int >= 0: row t of x sits at position p = offset + t.
                A decode step at position p passes T = 1, offset = p and
                must give exactly row p of a run over the whole sequence.
        base    float: the frequency base, 10000.0 by default

    Half-split ("rotate_half", GPT-NeoX / Hugging Face Llama) convention:
    feature i and feature i + d/2 form a pair, i = 0 ... d/2 - 1, turned
    by the angle  a = p * base ** (-2i / d):
        y[..., i]       = x[..., i] * cos(a) - x[..., i + d/2] * sin(a)
        y[..., i + d/2] = x[..., i + d/2] * cos(a) + x[..., i] * sin(a)
    (Not the interleaved pairs (2i, 2i + 1) of GPT-J and Meta's Llama.)

    x is float16, bfloat16, float32 or float64, on any device; the output
    has its dtype, and x is not modified. Positions go up to ~2000, also
    in float16 and bfloat16. Gradients must flow back to x.

Grade it:  handwrite check rope
"""

import torch


def apply_rope(x: torch.Tensor, offset: int = 0,
               base: float = 10000.0) -> torch.Tensor:
    raise NotImplementedError
