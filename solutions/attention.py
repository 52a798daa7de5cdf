"""Multi-head attention, written by hand: the reference that `handwrite check attention` grades
against."""

import math

import torch
import torch.nn as nn


class MultiheadAttention(nn.Module):
    """``heads`` attention heads side by side, each on its own d_model // heads features.

    forward(q (B, Tq, C), k (B, Tk, C), v (B, Tk, C), mask=None) -> (B, Tq, C), C = d_model.
    mask is bool, True = may attend, and broadcasts to (B, heads, Tq, Tk).
    Shape comments: nh = heads, hs = d_head = C // nh.
    """

    def __init__(self, d_model: int, heads: int = 8):
        super().__init__()
        assert d_model % heads == 0, f"d_model={d_model} doesn't split into {heads} heads"
        self.heads = heads
        self.d_head = d_model // heads
        # One projection each: queries, keys and values play different roles, so each learns
        # its own map. Reusing q_proj for k and v would leave k_proj and v_proj untrained.
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)  # mixes what the heads found

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        B, Tq, C = q.shape  # batch, query length, d_model
        q = self.split_heads(self.q_proj(q))  # (B, nh, Tq, hs)
        k = self.split_heads(self.k_proj(k))  # (B, nh, Tk, hs): Tk may differ from Tq
        v = self.split_heads(self.v_proj(v))  # (B, nh, Tk, hs)
        y = self.attend(q, k, v, mask)  # (B, nh, Tq, hs)
        # Heads back side by side: transpose first, so that each position's heads are
        # neighbours, then flatten them. A view straight from (B, nh, Tq, hs) would cut the
        # memory in the wrong place and mix positions of one head into one row.
        y = y.transpose(1, 2).reshape(B, Tq, C)  # (B, Tq, C)
        return self.o_proj(y)  # (B, Tq, C)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, nh, T, hs): head h gets features h*hs ... (h+1)*hs - 1."""
        B, T, C = x.shape
        # view splits C into (nh, hs); transpose puts heads before positions, so every head is
        # a batch of its own for the matmuls.
        return x.view(B, T, self.heads, self.d_head).transpose(1, 2)  # (B, nh, T, hs)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
               mask: torch.Tensor | None) -> torch.Tensor:
        """Scaled dot-product attention in every head at once: (B, nh, Tq, hs)."""
        dtype = q.dtype
        # float16/bfloat16 lose digits in every dot product and in the softmax: work in float32.
        work = torch.promote_types(dtype, torch.float32)
        q, k, v = q.to(work), k.to(work), v.to(work)
        # Scale by the size of one head's dot product, hs, not d_model: each head's scores are
        # sums of hs terms, with a spread of ~sqrt(hs).
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, nh, Tq, Tk)
        if mask is not None:
            # -inf so masked keys get exactly zero weight: exp(-inf) == 0, whatever k and v hold.
            # Not -1e9: float16 can't hold it (masked_fill raises).
            scores = scores.masked_fill(~mask, float("-inf"))  # (B, nh, Tq, Tk)
        weights = scores.softmax(dim=-1)  # (B, nh, Tq, Tk): over the keys, sums to 1
        return (weights @ v).to(dtype)  # (B, nh, Tq, hs)
