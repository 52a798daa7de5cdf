"""The multi-head attention drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.attention import MultiheadAttention

reference = MultiheadAttention  # the class every mistake subclasses (see grader/selftest.py)


def _lengths(d):
    """(Tq, Tk): a causal case has one length T for both."""
    return (d.T, d.T) if hasattr(d, "T") else (d.Tq, d.Tk)


def _inputs(mask=None, scale=1.0, noncontiguous=False):
    """q (B, Tq, C), k and v (B, Tk, C); heads=H when the case names H, else the default 8."""
    def build(r, d):
        Tq, Tk = _lengths(d)
        make = r.noncontiguous if noncontiguous else r.normal
        q = make(d.B, Tq, d.C, scale=scale)  # (B, Tq, C)
        k = make(d.B, Tk, d.C, scale=scale)  # (B, Tk, C)
        v = make(d.B, Tk, d.C, scale=scale)  # (B, Tk, C)
        kwargs = {} if mask is None else {"mask": r.mask(mask, d.B, *_lengths(d))}
        heads = {"heads": d.H} if hasattr(d, "H") else {}
        return Call((q, k, v), kwargs, init_args=(d.C,), init_kwargs=heads)
    return build


def _padding_leak(call, r, d):
    # Keys the padding mask hides from every query get huge, different k and v: if any of
    # their weight survives the masking, the output moves.
    q, k, v = call.args
    hidden = ~call.kwargs["mask"][:, 0, 0, :, None]  # (B, Tk, 1): broadcasts over features
    k = torch.where(hidden, r.normal(*k.shape, scale=1e4), k)
    v = torch.where(hidden, r.normal(*v.shape, scale=1e4), v)
    return Call((q, k, v), call.kwargs, call.init_args, call.init_kwargs)


CASES = (
    Case(T("every dim a distinct size, heads=3", zh="每个维度大小都不同，heads=3"), "shape", dict(B=2, Tq=5, Tk=7, C=12, H=3),
         _inputs()),
    Case(T("default heads=8", zh="默认 heads=8"), "shape", dict(B=3, Tq=4, Tk=6, C=16), _inputs()),
    Case(T("batch of 1, more keys than queries", zh="批大小为 1，key 比 query 多"), "shape", dict(B=1, Tq=3, Tk=8, C=10, H=2),
         _inputs()),
    Case(T("non-contiguous q, k, v", zh="非连续（non-contiguous）的 q、k、v"), "shape", dict(B=2, Tq=4, Tk=6, C=12, H=3),
         _inputs(noncontiguous=True)),
    Case(T("mask (Tq, Tk) shared by every batch and head", zh="所有样本和头共用的 (Tq, Tk) 掩码"), "shape",
         dict(B=2, Tq=4, Tk=6, C=15, H=5), _inputs(mask="[Tq, Tk]")),
    Case(T("mask (B, 1, Tq, Tk) shared by the heads", zh="各头共用的 (B, 1, Tq, Tk) 掩码"), "shape", dict(B=3, Tq=5, Tk=4, C=12, H=2),
         _inputs(mask="[B, 1, Tq, Tk]")),
    Case(T("mask (B, 1, 1, Tk) shared by the heads and queries", zh="各头和各 query 共用的 (B, 1, 1, Tk) 掩码"), "shape",
         dict(B=2, Tq=3, Tk=6, C=8, H=4), _inputs(mask="[B, 1, 1, Tk]")),
    Case(T("random inputs", zh="随机输入"), "numerics", dict(B=2, Tq=4, Tk=6, C=12, H=3), _inputs(scale=2.0),
         grad=True),
    Case(T("float64", zh="float64"), "numerics", dict(B=2, Tq=5, Tk=3, C=8, H=4), _inputs(scale=2.0),
         dtype=torch.float64),
    Case(T("causal self-attention mask", zh="因果自注意力掩码"), "masking", dict(B=2, T=6, C=12, H=4),
         _inputs(mask="causal"), grad=True),
    Case(T("padding mask (B, 1, 1, Tk)", zh="padding 掩码 (B, 1, 1, Tk)"), "masking", dict(B=3, Tq=4, Tk=7, C=10, H=2),
         _inputs(mask="padding"), leak=_padding_leak),
    Case(T("float16 with a causal mask", zh="float16，带因果掩码"), "stability", dict(B=2, T=5, C=12, H=3),
         _inputs(mask="causal", scale=2.0), dtype=torch.float16),
    Case(T("bfloat16 with a padding mask", zh="bfloat16，带 padding 掩码"), "stability", dict(B=3, Tq=4, Tk=7, C=12, H=2),
         _inputs(mask="padding", scale=2.0), dtype=torch.bfloat16),
    # Inputs of ~20 give projections of ~10 and scores of ~1e2 to 1e3: exp of them overflows
    # unless the row max goes first.
    Case(T("inputs of magnitude 20", zh="量级为 20 的输入"), "stability", dict(B=2, Tq=4, Tk=6, C=12, H=3),
         _inputs(scale=20.0), magnitude=1e3),
)


class UnusedProjection(MultiheadAttention):
    def forward(self, q, k, v, mask=None):
        B, Tq, C = q.shape
        q = self.split_heads(self.q_proj(q))
        k = self.split_heads(self.q_proj(k))  # the bug: k_proj is never used
        v = self.split_heads(self.q_proj(v))  # the bug: v_proj is never used
        y = self.attend(q, k, v, mask)
        return self.o_proj(y.transpose(1, 2).reshape(B, Tq, C))


class HeadMergeWithoutTranspose(MultiheadAttention):
    def forward(self, q, k, v, mask=None):
        B, Tq, C = q.shape
        q = self.split_heads(self.q_proj(q))
        k = self.split_heads(self.k_proj(k))
        v = self.split_heads(self.v_proj(v))
        y = self.attend(q, k, v, mask)  # (B, nh, Tq, hs)
        return self.o_proj(y.contiguous().view(B, Tq, C))  # the bug: heads not moved back


class WrongScale(MultiheadAttention):
    def attend(self, q, k, v, mask):
        # the bug: scores / sqrt(d_model) (undone here by scaling q down by sqrt(heads))
        return super().attend(q / math.sqrt(self.heads), k, v, mask)


class MaskInverted(MultiheadAttention):
    def attend(self, q, k, v, mask):
        # the bug: masked_fill(mask, -inf) hides the keys that True says may be attended
        return super().attend(q, k, v, None if mask is None else ~mask)


class MaskFillOverflow(MultiheadAttention):
    def attend(self, q, k, v, mask):
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # in q's dtype
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)  # the bug: -1e9 overflows float16
        return scores.softmax(dim=-1) @ v


DRILL = Drill(
    id="attention",
    title=T("Multi-head attention", zh="多头注意力"),
    difficulty="medium",
    tags=("attention", "modules", "masking"),
    minutes=15,
    entry="MultiheadAttention",
    reference=MultiheadAttention,
    cases=CASES,
    # The names torch reports: F.scaled_dot_product_attention and its aten kernels
    # (_scaled_dot_product_flash_attention_for_cpu, _scaled_dot_product_attention_math, ...),
    # and nn.MultiheadAttention's multi_head_attention_forward / _native_multi_head_attention.
    forbidden=("scaled_dot_product", "multi_head_attention"),
    aliases=("mha", "multihead-attention", "multi-head-attention"),
    hints=(
        T("Project q, k and v, each with its own Linear; cut d_model into heads; attend in every "
          "head at once; put the heads back side by side; project with o_proj.",
          zh="q、k、v 各用自己的 Linear 投影；把 d_model 切成多个头；所有头一起做注意力；再把各头"
             "按顺序拼回去；最后用 o_proj 投影。"),
        T("Split: (B, T, d_model) -> view(B, T, heads, d_head) -> transpose(1, 2) -> "
          "(B, heads, T, d_head). k and v have length Tk, which may differ from Tq.",
          zh="拆头：(B, T, d_model) -> view(B, T, heads, d_head) -> transpose(1, 2) -> "
             "(B, heads, T, d_head)。k 和 v 的长度是 Tk，可能和 Tq 不同。"),
        T("scores = q @ k.transpose(-2, -1) / sqrt(d_head), not sqrt(d_model); then "
          "masked_fill(~mask, float('-inf')) (the mask broadcasts to (B, heads, Tq, Tk)) and "
          "softmax over the keys, dim=-1. In float16, -1e9 can't be stored: masked_fill raises.",
          zh="scores = q @ k.transpose(-2, -1) / sqrt(d_head)，不是 sqrt(d_model)；然后 "
             "masked_fill(~mask, float('-inf'))（掩码会广播到 (B, heads, Tq, Tk)），再对 key "
             "那一维（dim=-1）做 softmax。float16 存不下 -1e9：masked_fill 会报错。"),
        T("Merge: y.transpose(1, 2) back to (B, Tq, heads, d_head) before .reshape(B, Tq, "
          "d_model); a .view straight from (B, heads, Tq, d_head) interleaves heads and positions.",
          zh="合并：先 y.transpose(1, 2) 变回 (B, Tq, heads, d_head)，再 .reshape(B, Tq, "
             "d_model)；直接从 (B, heads, Tq, d_head) 做 .view 会把头和位置交错在一起。"),
    ),
    mistakes=(
        Mistake("unused-projection",
                T("k and v are projected with q_proj, so k_proj and v_proj are never used: "
                  "k = self.k_proj(k), v = self.v_proj(v)",
                  zh="k 和 v 用 q_proj 投影了，k_proj 和 v_proj 根本没用上：应写 "
                     "k = self.k_proj(k)，v = self.v_proj(v)"), UnusedProjection),
        Mistake("head-merge-without-transpose",
                T("heads are merged with .view(B, Tq, d_model) straight from (B, heads, Tq, "
                  "d_head), which mixes positions: .transpose(1, 2) first, then "
                  ".reshape(B, Tq, d_model)",
                  zh="直接从 (B, heads, Tq, d_head) 用 .view(B, Tq, d_model) 合并各头，会把不同"
                     "位置混在一起：先 .transpose(1, 2)，再 .reshape(B, Tq, d_model)"),
                HeadMergeWithoutTranspose),
        Mistake("wrong-scale",
                T("scores are divided by sqrt(d_model): each head's dot product has d_head "
                  "terms, divide by math.sqrt(d_model // heads)",
                  zh="分数除以了 sqrt(d_model)：每个头的点积只有 d_head 项，应除以 "
                     "math.sqrt(d_model // heads)"), WrongScale),
        Mistake("mask-inverted",
                T("the mask is inverted (True = may attend): fill where the mask is False, "
                  "scores.masked_fill(~mask, float('-inf'))",
                  zh="掩码用反了（True 表示可以关注）：应在掩码为 False 的位置填充，"
                     "scores.masked_fill(~mask, float('-inf'))"), MaskInverted),
        Mistake("mask-fill-overflow",
                T("masked_fill(..., -1e9) overflows float16 and raises: fill with float('-inf') "
                  "(or torch.finfo(scores.dtype).min), or compute the scores in float32",
                  zh="masked_fill(..., -1e9) 在 float16 下溢出并报错：改填 float('-inf')（或 "
                     "torch.finfo(scores.dtype).min），或者用 float32 计算分数"),
                MaskFillOverflow),
    ),
)
