"""Scaled dot-product attention, written by hand: the reference that `handwrite check sdpa`
grades against."""

import math

import torch


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None) -> torch.Tensor:
    """softmax(q @ k^T / sqrt(d)) @ v over the last two dims, in q's dtype.

    q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv); mask is bool, True = may attend, and
    broadcasts to (..., Tq, Tk). Returns (..., Tq, dv): each query's weighted mean of v's rows.
    """
    dtype = q.dtype
    # float16/bfloat16 lose digits in every dot product and in the softmax: work in float32.
    work = torch.promote_types(dtype, torch.float32)
    q, k, v = q.to(work), k.to(work), v.to(work)
    # One score per (query, key) pair. A dot product of d terms has a spread of ~sqrt(d):
    # dividing by sqrt(d) keeps the scores ~1 for any d, so the softmax doesn't saturate into
    # a one-hot with vanishing gradients. d is the dim q and k share, not v's dv.
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (..., Tq, Tk)
    if mask is not None:
        # -inf so masked keys get exactly zero weight: exp(-inf) == 0, whatever their k and v.
        # Not -1e9: float16 can't hold it (masked_fill raises), and -inf needs no guess of how
        # small is small enough.
        scores = scores.masked_fill(~mask, float("-inf"))  # mask broadcasts to (..., Tq, Tk)
    # Normalise over the keys (the last dim): each query's weights sum to 1. torch.softmax
    # subtracts the row max first, so scores of 1e3 don't overflow exp.
    weights = scores.softmax(dim=-1)  # (..., Tq, Tk)
    return (weights @ v).to(dtype)  # (..., Tq, dv)
