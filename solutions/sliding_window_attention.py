"""Sliding-window attention, written by hand: the reference that
`handwrite check sliding_window_attention` grades against."""

import math

import torch


def sliding_window_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                             window: int) -> torch.Tensor:
    """Causal attention in which query i sees only the last ``window`` keys: i - window < j <= i.

    q (B, H, T, d), k (B, H, T, d), v (B, H, T, dv) -> (B, H, T, dv) in q's dtype. Exactly
    ``window`` keys per query, its own included; fewer for the first window - 1 queries.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 (a query always sees itself), not {window}")
    dtype = q.dtype
    # float16/bfloat16 lose digits in every dot product and in the softmax: work in float32.
    work = torch.promote_types(dtype, torch.float32)
    q, k, v = q.to(work), k.to(work), v.to(work)
    T = q.size(-2)
    # A dot product of d terms has a spread of ~sqrt(d): dividing by it keeps the scores ~1, so
    # the softmax doesn't saturate. d is the dim q and k share, not v's dv.
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (B, H, T, T)
    # Positions, made on q's device so that the mask works wherever the inputs are.
    i = torch.arange(T, device=q.device)[:, None]  # (T, 1): query positions
    j = torch.arange(T, device=q.device)[None, :]  # (1, T): key positions
    # Two bounds, both needed: j <= i is causality (nothing from the future), j > i - window is
    # the window (nothing older than window - 1 steps back). Strict >, so that the band holds
    # exactly window keys, i - window + 1 ... i; >= would let in window + 1.
    keep = (j <= i) & (j > i - window)  # (T, T), broadcasts over B and H
    # -inf, not a large negative number: exp(-inf) == 0, so a key outside the window gets
    # exactly zero weight whatever its k holds. The diagonal is always kept (window >= 1), so
    # no row is all -inf.
    scores = scores.masked_fill(~keep, float("-inf"))  # (B, H, T, T)
    # Normalise over the keys (the last dim); softmax subtracts the row max first, so scores of
    # 1e3 don't overflow exp.
    weights = scores.softmax(dim=-1)  # (B, H, T, T): each row sums to 1 over its window
    return (weights @ v).to(dtype)  # (B, H, T, dv)
