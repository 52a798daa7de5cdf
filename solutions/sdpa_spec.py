"""The scaled dot-product attention drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T
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
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(B=2, H=3, Tq=5, Tk=7, d=4, dv=6), _inputs()),
    Case(T("batch of 1, more keys than queries", zh="批大小为 1，key 比 query 多"), "shape", dict(B=1, H=2, Tq=3, Tk=8, d=5, dv=4),
         _inputs()),
    Case(T("no leading dims: q (Tq, d)", zh="没有前导维度：q 为 (Tq, d)"), "shape", dict(Tq=6, Tk=3, d=5, dv=2), _inputs()),
    Case(T("three leading dims", zh="三个前导维度"), "shape", dict(N=2, B=3, H=4, Tq=5, Tk=6, d=7, dv=8), _inputs()),
    Case(T("non-contiguous q, k, v", zh="非连续（non-contiguous）的 q、k、v"), "shape", dict(B=2, H=3, Tq=4, Tk=6, d=5, dv=7),
         _inputs(noncontiguous=True)),
    Case(T("mask (Tq, Tk) shared by every batch and head", zh="所有样本和头共用的 (Tq, Tk) 掩码"), "shape",
         dict(B=2, H=3, Tq=4, Tk=6, d=5, dv=7), _inputs(mask="[Tq, Tk]")),
    Case(T("mask (B, 1, Tq, Tk) shared by the heads", zh="各头共用的 (B, 1, Tq, Tk) 掩码"), "shape",
         dict(B=3, H=2, Tq=5, Tk=4, d=6, dv=7), _inputs(mask="[B, 1, Tq, Tk]")),
    Case(T("mask (B, 1, 1, Tk) shared by the heads and queries", zh="各头和各 query 共用的 (B, 1, 1, Tk) 掩码"), "shape",
         dict(B=2, H=4, Tq=3, Tk=6, d=5, dv=7), _inputs(mask="[B, 1, 1, Tk]")),
    Case(T("random q, k, v", zh="随机的 q、k、v"), "numerics", dict(B=2, H=3, Tq=4, Tk=6, d=8, dv=5),
         _inputs(scale=2.0), grad=True),
    Case(T("float64", zh="float64"), "numerics", dict(B=2, H=3, Tq=5, Tk=4, d=6, dv=7), _inputs(scale=2.0),
         dtype=torch.float64),
    Case(T("causal mask", zh="因果掩码"), "masking", dict(B=2, H=3, T=6, d=4, dv=5), _inputs(mask="causal"),
         grad=True),
    Case(T("padding mask (B, 1, 1, Tk)", zh="padding 掩码 (B, 1, 1, Tk)"), "masking", dict(B=3, H=2, Tq=4, Tk=7, d=5, dv=6),
         _inputs(mask="padding"), leak=_padding_leak),
    Case(T("float16 with a causal mask", zh="float16，带因果掩码"), "stability", dict(B=2, H=3, T=5, d=8, dv=4),
         _inputs(mask="causal", scale=2.0), dtype=torch.float16),
    Case(T("bfloat16 with a padding mask", zh="bfloat16，带 padding 掩码"), "stability", dict(B=3, H=2, Tq=4, Tk=7, d=8, dv=5),
         _inputs(mask="padding", scale=2.0), dtype=torch.bfloat16),
    # Scores of ~1e3 (53**2 / sqrt(8)) a few apart: exp(1e3) overflows unless the row max goes
    # first. magnitude is the scores' size: their rounding is what moves the weights.
    Case(T("scores of ~1e3, a few apart", zh="分数约为 1e3，彼此只相差个位数"), "stability", dict(B=2, H=3, Tq=4, Tk=6, d=8, dv=5),
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
    title=T("Scaled dot-product attention", zh="缩放点积注意力"),
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
        T("Each query takes a weighted mean of the rows of v; the weights say how well the query "
          "matches each key, and they sum to 1 over the keys.",
          zh="每个 query 取 v 各行的加权平均；权重表示这个 query 与每个 key 的匹配程度，"
             "在所有 key 上加起来等于 1。"),
        T("scores = q @ k.transpose(-2, -1) / sqrt(d), with d = q.size(-1): the dim q and k are "
          "dotted over, not v's. Then softmax over the keys (dim=-1), then weights @ v.",
          zh="scores = q @ k.transpose(-2, -1) / sqrt(d)，其中 d = q.size(-1)：是 q 和 k "
             "做点积的那一维，不是 v 的。然后对 key 那一维（dim=-1）做 softmax，再算 weights @ v。"),
        T("Masked keys need exactly zero weight: scores.masked_fill(~mask, float('-inf')) before "
          "the softmax. Multiplying scores by the mask gives them score 0, not weight 0, and "
          "-1e9 can't even be stored in float16.",
          zh="被掩码的 key 权重必须恰好为 0：在 softmax 之前 "
             "scores.masked_fill(~mask, float('-inf'))。把分数乘以掩码只会让分数变成 0，"
             "权重并不是 0；而 float16 连 -1e9 都存不下。"),
        T("For float16/bfloat16 inputs compute in float32 and return .to(q.dtype).",
          zh="输入是 float16/bfloat16 时，用 float32 计算，最后 .to(q.dtype) 转回去。"),
    ),
    mistakes=(
        Mistake("no-scale",
                T("scores are not scaled, so they grow with d and the softmax saturates: divide "
                  "q @ k^T by math.sqrt(q.size(-1))",
                  zh="分数没有缩放，会随 d 增大，softmax 随之饱和：应把 q @ k^T 除以 "
                     "math.sqrt(q.size(-1))"), no_scale),
        Mistake("wrong-scale",
                T("scores are divided by d, not sqrt(d): divide q @ k^T by math.sqrt(q.size(-1))",
                  zh="分数除以了 d，而不是 sqrt(d)：应把 q @ k^T 除以 math.sqrt(q.size(-1))"),
                wrong_scale),
        Mistake("mask-inverted",
                T("the mask is inverted (True = may attend): fill where the mask is False, "
                  "scores.masked_fill(~mask, float('-inf'))",
                  zh="掩码用反了（True 表示可以关注）：应在掩码为 False 的位置填充，"
                     "scores.masked_fill(~mask, float('-inf'))"), mask_inverted),
        Mistake("softmax-wrong-dim",
                T("the softmax normalises over the queries (dim=-2): normalise each query's "
                  "scores over the keys, softmax(dim=-1)",
                  zh="softmax 在 query 那一维（dim=-2）上归一化了：应对每个 query 的分数在 key "
                     "上归一化，softmax(dim=-1)"), softmax_wrong_dim),
        Mistake("mask-fill-overflow",
                T("masked_fill(..., -1e9) overflows float16 and raises: fill with float('-inf') "
                  "(or torch.finfo(scores.dtype).min), or compute the scores in float32",
                  zh="masked_fill(..., -1e9) 在 float16 下溢出并报错：改填 float('-inf')（或 "
                     "torch.finfo(scores.dtype).min），或者用 float32 计算分数"),
                mask_fill_overflow),
    ),
)
