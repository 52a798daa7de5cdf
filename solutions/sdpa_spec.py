"""The scaled dot-product attention drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.sdpa import scaled_dot_product_attention

reference = scaled_dot_product_attention  # the name a mistake calls (see grader/selftest.py)


def _lengths(d):
    """(Tq, Tk): a causal case has one length T for both."""
    return (d.T, d.T) if hasattr(d, "T") else (d.Tq, d.Tk)


def _inputs(mask=None, scale=1.0, noncontiguous=False, shared=0.0):
    """q, k, v with the case's leading dims (every dim before Tq), and optionally a mask.

    shared: q and k get this value in feature 0, which adds shared**2 / sqrt(d) to every score:
    scores that large whose differences stay ~1, so the softmax is far from one-hot.
    """
    def build(r, d):
        lead = [size for name, size in vars(d).items() if name not in ("T", "Tq", "Tk", "d", "dv")]
        Tq, Tk = _lengths(d)
        make = r.noncontiguous if noncontiguous else r.normal
        q = make(*lead, Tq, d.d, scale=scale)  # (..., Tq, d)
        k = make(*lead, Tk, d.d, scale=scale)  # (..., Tk, d)
        v = make(*lead, Tk, d.dv)  # (..., Tk, dv)
        if shared:
            q[..., 0] = k[..., 0] = shared
        return Call((q, k, v) + (() if mask is None else (r.mask(mask, d.B, *_lengths(d)),)))
    return build


def _padding_leak(call, r, d):
    # Keys the padding mask hides from every query get huge, different k and v: if any of
    # their weight survives the masking, the output moves.
    q, k, v, mask = call.args
    hidden = ~mask[..., 0, :, None]  # (B, 1, Tk, 1): broadcasts over heads and features
    k = torch.where(hidden, r.normal(*k.shape, scale=1e4), k)
    v = torch.where(hidden, r.normal(*v.shape, scale=1e4), v)
    return Call((q, k, v, mask))


CASES = (
    Case("every dim a distinct size", "shape", dict(B=2, H=3, Tq=5, Tk=7, d=4, dv=6), _inputs()),
    Case("batch of 1, more keys than queries", "shape", dict(B=1, H=2, Tq=3, Tk=8, d=5, dv=4),
         _inputs()),
    Case("no leading dims: q (Tq, d)", "shape", dict(Tq=6, Tk=3, d=5, dv=2), _inputs()),
    Case("three leading dims", "shape", dict(N=2, B=3, H=4, Tq=5, Tk=6, d=7, dv=8), _inputs()),
    Case("non-contiguous q, k, v", "shape", dict(B=2, H=3, Tq=4, Tk=6, d=5, dv=7),
         _inputs(noncontiguous=True)),
    Case("mask (Tq, Tk) shared by every batch and head", "shape",
         dict(B=2, H=3, Tq=4, Tk=6, d=5, dv=7), _inputs(mask="[Tq, Tk]")),
    Case("mask (B, 1, Tq, Tk) shared by the heads", "shape",
         dict(B=3, H=2, Tq=5, Tk=4, d=6, dv=7), _inputs(mask="[B, 1, Tq, Tk]")),
    Case("mask (B, 1, 1, Tk) shared by the heads and queries", "shape",
         dict(B=2, H=4, Tq=3, Tk=6, d=5, dv=7), _inputs(mask="[B, 1, 1, Tk]")),
    Case("random q, k, v", "numerics", dict(B=2, H=3, Tq=4, Tk=6, d=8, dv=5),
         _inputs(scale=2.0), grad=True),
    Case("float64", "numerics", dict(B=2, H=3, Tq=5, Tk=4, d=6, dv=7), _inputs(scale=2.0),
         dtype=torch.float64),
    Case("causal mask", "masking", dict(B=2, H=3, T=6, d=4, dv=5), _inputs(mask="causal"),
         grad=True),
    Case("padding mask (B, 1, 1, Tk)", "masking", dict(B=3, H=2, Tq=4, Tk=7, d=5, dv=6),
         _inputs(mask="padding"), leak=_padding_leak),
    Case("float16 with a causal mask", "stability", dict(B=2, H=3, T=5, d=8, dv=4),
         _inputs(mask="causal", scale=2.0), dtype=torch.float16),
    Case("bfloat16 with a padding mask", "stability", dict(B=3, H=2, Tq=4, Tk=7, d=8, dv=5),
         _inputs(mask="padding", scale=2.0), dtype=torch.bfloat16),
    # Scores of ~1e3 (53**2 / sqrt(8)) a few apart: exp(1e3) overflows unless the row max goes
    # first. magnitude is the scores' size: their rounding is what moves the weights.
    Case("scores of ~1e3, a few apart", "stability", dict(B=2, H=3, Tq=4, Tk=6, d=8, dv=5),
         _inputs(shared=53.0), magnitude=1e3),
)


def no_scale(q, k, v, mask=None):
    # the bug: scores = q @ k^T, without the 1/sqrt(d) (undone here by scaling q up by sqrt(d))
    return reference(q * math.sqrt(q.size(-1)), k, v, mask)


def wrong_scale(q, k, v, mask=None):
    # the bug: scores / d instead of scores / sqrt(d)
    return reference(q / math.sqrt(q.size(-1)), k, v, mask)


def mask_inverted(q, k, v, mask=None):
    # the bug: masked_fill(mask, -inf) hides the keys that True says may be attended
    return reference(q, k, v, None if mask is None else ~mask)


def softmax_wrong_dim(q, k, v, mask=None):
    dtype = q.dtype
    q, k, v = q.float(), k.float(), v.float()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-2)  # the bug: normalises over the queries
    return (weights @ v).to(dtype)


def mask_fill_overflow(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # in q's dtype, as most write it
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)  # the bug: -1e9 is out of float16's range
    return scores.softmax(dim=-1) @ v


DRILL = Drill(
    id="sdpa",
    title="Scaled dot-product attention",
    difficulty="easy",
    tags=("attention", "masking", "numerics"),
    minutes=8,
    entry="scaled_dot_product_attention",
    reference=scaled_dot_product_attention,
    cases=CASES,
    # The names torch reports: F.scaled_dot_product_attention and its aten kernels
    # (_scaled_dot_product_flash_attention_for_cpu, _scaled_dot_product_attention_math, ...),
    # and nn.MultiheadAttention's multi_head_attention_forward / _native_multi_head_attention.
    forbidden=("scaled_dot_product", "multi_head_attention"),
    aliases=("scaled-dot-product-attention", "scaled_dot_product_attention"),
    hints=(
        "Each query takes a weighted mean of the rows of v; the weights say how well the query "
        "matches each key, and they sum to 1 over the keys.",
        "scores = q @ k.transpose(-2, -1) / sqrt(d), with d = q.size(-1): the dim q and k are "
        "dotted over, not v's. Then softmax over the keys (dim=-1), then weights @ v.",
        "Masked keys need exactly zero weight: scores.masked_fill(~mask, float('-inf')) before "
        "the softmax. Multiplying scores by the mask gives them score 0, not weight 0, and "
        "-1e9 can't even be stored in float16.",
        "For float16/bfloat16 inputs compute in float32 and return .to(q.dtype).",
    ),
    mistakes=(
        Mistake("no-scale",
                "scores are not scaled, so they grow with d and the softmax saturates: divide "
                "q @ k^T by math.sqrt(q.size(-1))", no_scale),
        Mistake("wrong-scale",
                "scores are divided by d, not sqrt(d): divide q @ k^T by math.sqrt(q.size(-1))",
                wrong_scale),
        Mistake("mask-inverted",
                "the mask is inverted (True = may attend): fill where the mask is False, "
                "scores.masked_fill(~mask, float('-inf'))", mask_inverted),
        Mistake("softmax-wrong-dim",
                "the softmax normalises over the queries (dim=-2): normalise each query's "
                "scores over the keys, softmax(dim=-1)", softmax_wrong_dim),
        Mistake("mask-fill-overflow",
                "masked_fill(..., -1e9) overflows float16 and raises: fill with float('-inf') "
                "(or torch.finfo(scores.dtype).min), or compute the scores in float32",
                mask_fill_overflow),
    ),
)
