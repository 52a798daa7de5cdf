"""Rotary position embeddings (RoPE), written by hand: the reference that `handwrite check rope`
grades against."""

import torch


def apply_rope(x: torch.Tensor, offset: int = 0, base: float = 10000.0) -> torch.Tensor:
    """Rotate q or k by its position: row t of x sits at position offset + t.

    x (B, H, T, d), d even. Half-split ("rotate_half") pairs: feature i and feature i + d/2
    turn together, by the angle (offset + t) * base^(-2i/d), i = 0 ... d/2 - 1. Returns
    (B, H, T, d) in x's dtype. Shape comments: h = d / 2.
    """
    B, H, T, d = x.shape
    h = d // 2
    dtype = x.dtype
    # Angles reach offset + T - 1 radians (thousands, when decoding deep into a sequence).
    # float16 can't even hold position 2049, bfloat16 not 257: angles in it would be off by
    # whole turns. Work in float32 at least; float64 stays float64.
    work = torch.promote_types(dtype, torch.float32)

    # One frequency per pair: base^(-2i/d) runs from 1 (a turn every 2*pi positions) down to
    # ~1/base (slow): fast pairs tell near positions apart, slow ones far positions. The
    # exponent is 2i/d, i the pair's index, so the last pair's frequency is base^(-(d-2)/d).
    i = torch.arange(h, device=x.device, dtype=work)  # (h,)
    inv_freq = base ** (-2 * i / d)  # (h,)
    # Positions offset, ..., offset + T - 1: a decode step at position p passes T = 1,
    # offset = p, and must get exactly what row p of a full run gets.
    pos = torch.arange(offset, offset + T, device=x.device, dtype=work)  # (T,)
    angles = pos[:, None] * inv_freq[None, :]  # (T, h): pair i of row t turns this far
    # Half-split layout: feature i and feature i + h share angle i, so the table repeats.
    cos = torch.cat([angles.cos(), angles.cos()], dim=-1)  # (T, d)
    sin = torch.cat([angles.sin(), angles.sin()], dim=-1)  # (T, d)

    x = x.to(work)  # (B, H, T, d); a new tensor if the dtype changes, x itself is never written
    x1, x2 = x[..., :h], x[..., h:]  # (B, H, T, h) each: the two coordinates of every pair
    # rotate_half(x) = (-x2, x1): a quarter turn of every pair. Then
    # x * cos + rotate_half(x) * sin = (x1 cos - x2 sin, x2 cos + x1 sin), the 2-D rotation
    # of (x1, x2) by the angle. A rotation keeps lengths, and rotating q by angle(i) and k by
    # angle(j) leaves q . k depending only on angle(j) - angle(i): on j - i alone.
    rotated = torch.cat([-x2, x1], dim=-1)  # (B, H, T, d)
    y = x * cos + rotated * sin  # (B, H, T, d): cos, sin (T, d) broadcast over B and H
    return y.to(dtype)  # (B, H, T, d)
