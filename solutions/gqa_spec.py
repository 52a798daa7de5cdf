"""The grouped-query attention drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.gqa import GroupedQueryAttention

reference = GroupedQueryAttention  # the class every mistake subclasses (see grader/selftest.py)


def _input(scale=1.0, noncontiguous=False):
    """x (B, T, C) for GroupedQueryAttention(C, H, KV). A case that names no KV has
    n_kv_heads == n_heads (plain MHA): naming it would give two dims one size."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(d.B, d.T, d.C, scale=scale)  # (B, T, C)
        return Call((x,), init_args=(d.C, d.H, getattr(d, "KV", d.H)))
    return build


# Every case is causal self-attention; the group ratio g = H // KV is what varies. The reference
# is multi-head attention on the KV heads repeated in repeat_interleave order (query head h reads
# KV head h // g), so the numerics cases are the proof that an attempt equals exactly that, at
# each ratio. Ratios 2 to 8 with more than one KV head are where .repeat (h % KV) and other wrong
# group mappings part from it; ratios 1 (MHA) and KV == 1 (MQA) are where they don't, and an
# attempt must still be right there.
CASES = (
    Case(T("every dim a distinct size: 6 query heads share 3 KV heads", zh="每个维度大小都不同：6 个 query 头共用 3 个 KV 头"), "shape",
         dict(B=2, T=5, C=24, H=6, KV=3), _input()),
    Case(T("batch of 1", zh="批大小为 1"), "shape", dict(B=1, T=7, C=20, H=4, KV=2), _input()),
    Case(T("non-contiguous x", zh="非连续（non-contiguous）的 x"), "shape", dict(B=3, T=4, C=32, H=8, KV=2), _input(noncontiguous=True)),
    Case(T("a single position (T=1)", zh="只有一个位置（T=1）"), "shape", dict(B=3, T=1, C=12, H=6, KV=2), _input()),
    Case(T("group ratio 1: n_kv_heads == n_heads == 3, plain MHA", zh="分组比 1：n_kv_heads == n_heads == 3，即普通的 MHA"), "numerics",
         dict(B=2, T=5, C=12, H=3), _input(scale=2.0), grad=True),
    Case(T("group ratio 2: 6 query heads share 3 KV heads", zh="分组比 2：6 个 query 头共用 3 个 KV 头"), "numerics",
         dict(B=2, T=5, C=18, H=6, KV=3), _input(scale=2.0), grad=True),
    Case(T("group ratio 4: 8 query heads share 2 KV heads", zh="分组比 4：8 个 query 头共用 2 个 KV 头"), "numerics",
         dict(B=3, T=6, C=32, H=8, KV=2), _input(scale=2.0)),
    Case(T("group ratio 8: 16 query heads share 2 KV heads", zh="分组比 8：16 个 query 头共用 2 个 KV 头"), "numerics",
         dict(B=3, T=5, C=48, H=16, KV=2), _input(scale=2.0)),
    Case(T("MQA: 5 query heads share 1 KV head", zh="MQA：5 个 query 头共用 1 个 KV 头"), "numerics", dict(B=2, T=6, C=20, H=5, KV=1),
         _input(scale=2.0), grad=True),
    Case(T("float64, 8 query heads share 4 KV heads", zh="float64，8 个 query 头共用 4 个 KV 头"), "numerics", dict(B=2, T=5, C=24, H=8, KV=4),
         _input(scale=2.0), dtype=torch.float64),
    # No leak test: in self-attention every position is a query too, so no input can change
    # without moving some output. A future that leaks shows as a plain mismatch here.
    Case(T("causal: position i sees positions 0 ... i only", zh="因果：位置 i 只能看到位置 0 ... i"), "masking",
         dict(B=3, T=9, C=12, H=4, KV=2), _input(scale=2.0), grad=True),
    Case(T("float16, 6 query heads share 3 KV heads", zh="float16，6 个 query 头共用 3 个 KV 头"), "stability", dict(B=2, T=5, C=24, H=6, KV=3),
         _input(scale=2.0), dtype=torch.float16),
    Case(T("bfloat16, MQA", zh="bfloat16，MQA"), "stability", dict(B=3, T=5, C=16, H=4, KV=1), _input(scale=2.0),
         dtype=torch.bfloat16),
    # Inputs of ~20 give projections of ~10 and scores of ~1e2 to 1e3: exp of them overflows
    # unless the row max goes first.
    Case(T("inputs of magnitude 20", zh="量级为 20 的输入"), "stability", dict(B=2, T=6, C=24, H=8, KV=4),
         _input(scale=20.0), magnitude=1e3),
)


class RepeatNotInterleave(GroupedQueryAttention):
    def expand_kv(self, kv):
        # the bug: tiles the KV heads (0, 1, 0, 1, ...), so query head h reads h % n_kv_heads
        return kv.repeat(1, self.group, 1, 1)


class WrongGroupMapping(GroupedQueryAttention):
    def expand_kv(self, kv):
        # the bug: query head h reads KV head h // n_kv_heads, not h // (n_heads // n_kv_heads)
        index = torch.arange(self.n_heads, device=kv.device) // self.n_kv_heads
        return kv[:, index]


class NoCausalMask(GroupedQueryAttention):
    def attend(self, q, k, v):
        dtype = q.dtype
        q, k, v = q.float(), k.float(), v.float()
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # the bug: no causal mask
        return (scores.softmax(dim=-1) @ v).to(dtype)


class WrongScale(GroupedQueryAttention):
    def attend(self, q, k, v):
        # the bug: scores / sqrt(d_model) (done here by scaling q down by sqrt(n_heads))
        return super().attend(q / math.sqrt(self.n_heads), k, v)


DRILL = Drill(
    id="gqa",
    title=T("Grouped-query attention (GQA / MQA)", zh="分组查询注意力（GQA / MQA）"),
    difficulty="medium",
    tags=("attention", "llm", "modules"),
    minutes=15,
    entry="GroupedQueryAttention",
    reference=GroupedQueryAttention,
    cases=CASES,
    # The names torch reports: F.scaled_dot_product_attention and its aten kernels
    # (_scaled_dot_product_flash_attention_for_cpu, _scaled_dot_product_attention_math, ...),
    # and nn.MultiheadAttention's multi_head_attention_forward / _native_multi_head_attention.
    forbidden=("scaled_dot_product", "multi_head_attention"),
    aliases=("grouped-query-attention", "mqa", "multi-query-attention"),
    hints=(
        T("It is causal multi-head attention in which several query heads share one key/value "
          "head: project, give each query head its KV head, then attend as usual.",
          zh="就是因果多头注意力，只不过几个 query 头共用一个 key/value 头：先做投影，"
             "给每个 query 头配上它的 KV 头，然后照常算注意力。"),
        T("Split q_proj(x) into (B, n_heads, T, d_head) and k_proj(x), v_proj(x) into "
          "(B, n_kv_heads, T, d_head): view(B, T, heads, d_head).transpose(1, 2). "
          "d_head = d_model // n_heads for both.",
          zh="把 q_proj(x) 拆成 (B, n_heads, T, d_head)，把 k_proj(x)、v_proj(x) 拆成 "
             "(B, n_kv_heads, T, d_head)：view(B, T, heads, d_head).transpose(1, 2)。"
             "两者的 d_head 都是 d_model // n_heads。"),
        T("Query head h reads KV head h // (n_heads // n_kv_heads): "
          "k.repeat_interleave(n_heads // n_kv_heads, dim=1). Not .repeat(1, g, 1, 1), which "
          "tiles 0, 1, 0, 1 ... and pairs head h with h % n_kv_heads.",
          zh="第 h 个 query 头读第 h // (n_heads // n_kv_heads) 个 KV 头："
             "k.repeat_interleave(n_heads // n_kv_heads, dim=1)。不要用 .repeat(1, g, 1, 1)："
             "它按 0, 1, 0, 1 ... 平铺，会把第 h 个头配给第 h % n_kv_heads 个 KV 头。"),
        T("Causal: scores.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device)"
          ".triu(1), float('-inf')) before softmax(dim=-1); scale by sqrt(d_head), not "
          "sqrt(d_model). Then y.transpose(1, 2).reshape(B, T, d_model) and o_proj.",
          zh="因果：在 softmax(dim=-1) 之前做 scores.masked_fill(torch.ones(T, T, "
             "dtype=torch.bool, device=x.device).triu(1), float('-inf'))；按 sqrt(d_head) "
             "缩放，而不是 sqrt(d_model)。然后 y.transpose(1, 2).reshape(B, T, d_model)，"
             "再过 o_proj。"),
    ),
    mistakes=(
        Mistake("repeat-not-interleave",
                T("the KV heads are tiled with .repeat (0, 1, 0, 1 ...), pairing query head h "
                  "with KV head h % n_kv_heads: use k.repeat_interleave(n_heads // n_kv_heads, "
                  "dim=1), so heads 0 ... g-1 share KV head 0",
                  zh="KV 头用 .repeat 平铺成了 0, 1, 0, 1 ...，第 h 个 query 头配到了第 "
                     "h % n_kv_heads 个 KV 头：应该用 k.repeat_interleave(n_heads // n_kv_heads, "
                     "dim=1)，让头 0 ... g-1 共用 KV 头 0"), RepeatNotInterleave),
        Mistake("wrong-group-mapping",
                T("query head h reads KV head h // n_kv_heads: divide by the group size, "
                  "h // (n_heads // n_kv_heads)",
                  zh="第 h 个 query 头读的是第 h // n_kv_heads 个 KV 头：应除以组大小，"
                     "即 h // (n_heads // n_kv_heads)"), WrongGroupMapping),
        Mistake("no-causal-mask",
                T("no causal mask, so position i attends to later positions: fill scores above "
                  "the diagonal with float('-inf') before the softmax",
                  zh="没有因果掩码，位置 i 会关注到它后面的位置：在 softmax 之前把对角线以上的"
                     "分数填成 float('-inf')"), NoCausalMask),
        Mistake("wrong-scale",
                T("scores are divided by sqrt(d_model): each head's dot product has d_head terms, "
                  "divide by math.sqrt(d_model // n_heads)",
                  zh="分数除以了 sqrt(d_model)：每个头的点积只有 d_head 项，应除以 "
                     "math.sqrt(d_model // n_heads)"), WrongScale),
    ),
)
