"""The sliding-window attention drill: cases, hints and known mistakes."""

import math

import torch
import torch.nn.functional as F

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.sliding_window_attention import sliding_window_attention

reference = sliding_window_attention  # the name a mistake calls (see grader/selftest.py)

LEAK = 10.0  # size of the hidden part the leak tests add to each key (see _blind_keys)


def _inputs(scale=1.0, noncontiguous=False, shared=0.0):
    """q, k (B, H, T, d), v (B, H, T, dv) and the window w.

    shared: q and k get this value in feature 0, which adds shared**2 / sqrt(d) to every score:
    scores that large whose differences stay ~1, so the softmax is far from one-hot.
    """
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        q = make(d.B, d.H, d.T, d.d, scale=scale)  # (B, H, T, d)
        k = make(d.B, d.H, d.T, d.d, scale=scale)  # (B, H, T, d)
        v = make(d.B, d.H, d.T, d.dv)  # (B, H, T, dv)
        if shared:
            q[..., 0] = k[..., 0] = shared
        return Call((q, k, v, d.w))
    return build


def _blind_keys(call, r, d):
    """Key j gets a large extra part orthogonal to the query of every position that may see it
    (j ... j + w - 1). No score inside a window changes, while every score outside one, far
    past and future alike, moves by ~LEAK: the output may move only if a key outside some
    window keeps weight.

    (No key lies outside every query's window, as each query sees itself, so this changes the
    keys in a way only the queries that must not see them can notice. It needs w < d.)
    LEAK is kept at ~10, not 1e4: the rounding of k + extra to the case's dtype moves the
    scores inside the windows by ~eps * LEAK, and that must stay within the tolerance.
    """
    q, k, v, w = call.args
    assert w < d.d, "the blind part needs room: window < d"
    q64 = q.double()  # (B, H, T, d)
    noise = torch.randn(k.shape, generator=r.gen, dtype=torch.float64)  # (B, H, T, d)
    extra = torch.empty_like(noise)  # (B, H, T, d)
    for j in range(d.T):
        seen_by = q64[..., j:j + w, :]  # (B, H, n, d): the queries whose window holds key j
        basis, _ = torch.linalg.qr(seen_by.transpose(-2, -1))  # (B, H, d, n): spans them
        u = noise[..., j, :, None]  # (B, H, d, 1)
        u = u - basis @ (basis.transpose(-2, -1) @ u)  # (B, H, d, 1): orthogonal to them all
        extra[..., j, :] = u[..., 0]
    # every element ~LEAK in size
    extra = extra * (LEAK * math.sqrt(d.d) / extra.norm(dim=-1, keepdim=True))  # (B, H, T, d)
    return Call((q, (k.double() + extra).to(k.dtype), v, w))


CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(B=2, H=3, T=9, d=5, dv=6, w=4), _inputs()),
    Case(T("batch of 1", zh="批大小为 1"), "shape", dict(B=1, H=2, T=7, d=4, dv=5, w=3), _inputs()),
    Case(T("non-contiguous q, k, v", zh="非连续（non-contiguous）的 q、k、v"), "shape", dict(B=2, H=3, T=8, d=4, dv=6, w=5),
         _inputs(noncontiguous=True)),
    Case(T("a single position (T=1)", zh="只有一个位置（T=1）"), "shape", dict(B=2, H=3, T=1, d=4, dv=5, w=6), _inputs()),
    Case(T("random q, k, v", zh="随机的 q、k、v"), "numerics", dict(B=2, H=3, T=7, d=8, dv=5, w=4), _inputs(scale=2.0),
         grad=True),
    Case(T("window 1: each query sees only itself", zh="窗口为 1：每个 query 只能看到自己"), "numerics",
         dict(B=2, H=4, T=6, d=3, dv=5, w=1), _inputs(scale=2.0)),
    Case(T("window T - 1: only the last query loses a key", zh="窗口为 T - 1：只有最后一个 query 少看一个 key"), "numerics",
         dict(B=3, H=2, T=6, d=4, dv=7, w=5), _inputs(scale=2.0)),
    Case(T("window longer than T: plain causal attention", zh="窗口比 T 长：就是普通的因果注意力"), "numerics",
         dict(B=3, H=2, T=5, d=4, dv=6, w=8), _inputs(scale=2.0), grad=True),
    Case(T("float64", zh="float64"), "numerics", dict(B=2, H=3, T=8, d=6, dv=5, w=4), _inputs(scale=2.0),
         dtype=torch.float64),
    Case(T("keys outside the window changed: far past and future", zh="改动窗口外的 key：远处的过去和未来"), "masking",
         dict(B=2, H=3, T=10, d=8, dv=5, w=4), _inputs(), leak=_blind_keys, grad=True),
    Case(T("window 2, float64: keys outside the window changed", zh="窗口为 2，float64：改动窗口外的 key"), "masking",
         dict(B=3, H=4, T=9, d=6, dv=5, w=2), _inputs(), leak=_blind_keys, dtype=torch.float64),
    Case(T("window longer than T: future keys changed", zh="窗口比 T 长：改动未来的 key"), "masking",
         dict(B=2, H=3, T=6, d=8, dv=5, w=7), _inputs(), leak=_blind_keys),
    Case(T("float16", zh="float16"), "stability", dict(B=2, H=3, T=7, d=8, dv=5, w=4), _inputs(scale=2.0),
         dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=3, H=2, T=8, d=6, dv=5, w=4), _inputs(scale=2.0),
         dtype=torch.bfloat16),
    # Scores of ~1e3 (53**2 / sqrt(8)) a few apart: exp(1e3) overflows unless the row max goes
    # first. magnitude is the scores' size: their rounding is what moves the weights.
    Case(T("scores of ~1e3, a few apart", zh="分数约为 1e3，彼此只相差个位数"), "stability", dict(B=2, H=3, T=6, d=8, dv=5, w=4),
         _inputs(shared=53.0), magnitude=1e3),
)


def off_by_one_window(q, k, v, window):
    # the bug: i - window <= j <= i, which keeps window + 1 keys
    return reference(q, k, v, window + 1)


def window_without_causality(q, k, v, window):
    dtype = q.dtype
    q, k, v = q.float(), k.float(), v.float()
    T = q.size(-2)
    i = torch.arange(T, device=q.device)[:, None]
    j = torch.arange(T, device=q.device)[None, :]
    keep = j > i - window  # the bug: no j <= i, so every later key is attended too
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))).masked_fill(~keep, float("-inf"))
    return (scores.softmax(dim=-1) @ v).to(dtype)


def padded_keys_attended(q, k, v, window):
    dtype = q.dtype
    q, k, v = q.float(), k.float(), v.float()
    # window - 1 zero keys and values before position 0, then one window of keys per query
    kw = F.pad(k, (0, 0, window - 1, 0)).unfold(-2, window, 1)  # (B, H, T, d, w)
    vw = F.pad(v, (0, 0, window - 1, 0)).unfold(-2, window, 1)  # (B, H, T, dv, w)
    scores = torch.einsum("bhtd,bhtdw->bhtw", q, kw) / math.sqrt(q.size(-1))
    # the bug: the padding is never masked, so the zero keys before position 0 get
    # weight exp(0 - max) in the first window - 1 queries
    return torch.einsum("bhtw,bhtdw->bhtd", scores.softmax(dim=-1), vw).to(dtype)


DRILL = Drill(
    id="sliding_window_attention",
    title=T("Sliding-window attention", zh="滑动窗口注意力"),
    difficulty="medium",
    tags=("attention", "llm", "masking"),
    minutes=10,
    entry="sliding_window_attention",
    reference=sliding_window_attention,
    cases=CASES,
    # The names torch reports: F.scaled_dot_product_attention and its aten kernels
    # (_scaled_dot_product_flash_attention_for_cpu, ...), flex_attention, and
    # nn.MultiheadAttention's multi_head_attention_forward / _native_multi_head_attention.
    forbidden=("scaled_dot_product", "flex_attention", "multi_head_attention"),
    aliases=("swa", "sliding-window"),
    hints=(
        T("It is causal attention with one more cut: a query looks back at most window - 1 "
          "positions. Build one boolean mask of the keys each query may see.",
          zh="就是因果注意力再多截一刀：query 最多往回看 window - 1 个位置。构造一个 bool "
             "掩码，标出每个 query 能看到哪些 key。"),
        T("Two conditions for query i and key j: nothing from the future, and nothing more than "
          "window - 1 steps back. Make i and j from torch.arange(T, device=q.device).",
          zh="对 query i 和 key j 有两个条件：不能看未来，也不能往回看超过 window - 1 步。"
             "i 和 j 用 torch.arange(T, device=q.device) 构造。"),
        T("keep = (j <= i) & (j > i - window): keys i - window + 1 ... i, exactly window of "
          "them. j >= i - window keeps window + 1, and the window alone lets the future in.",
          zh="keep = (j <= i) & (j > i - window)：保留 key i - window + 1 ... i，正好 window "
             "个。写成 j >= i - window 会保留 window + 1 个；只用窗口这一个条件，未来的 key 也会被放进来。"),
        T("scores = q @ k.transpose(-2, -1) / sqrt(d), masked_fill(~keep, float('-inf')), "
          "softmax(dim=-1), @ v. The diagonal is always kept, so no row is all -inf. In "
          "float16/bfloat16, compute in float32 and return .to(q.dtype).",
          zh="scores = q @ k.transpose(-2, -1) / sqrt(d)，masked_fill(~keep, float('-inf'))，"
             "softmax(dim=-1)，再 @ v。对角线总会保留，所以不会有整行都是 -inf。输入是 "
             "float16/bfloat16 时，用 float32 计算，最后 .to(q.dtype) 转回去。"),
    ),
    mistakes=(
        Mistake("off-by-one-window",
                T("each query keeps window + 1 keys (j >= i - window): keep "
                  "i - window < j <= i, exactly window keys with its own",
                  zh="每个 query 保留了 window + 1 个 key（j >= i - window）：应保留 "
                     "i - window < j <= i，连同它自己正好 window 个 key"), off_by_one_window),
        Mistake("window-without-causality",
                T("only the window's lower bound is applied, so queries see later keys: keep "
                  "(j <= i) & (j > i - window)",
                  zh="只用了窗口的下界，query 因此能看到后面的 key：应保留 "
                     "(j <= i) & (j > i - window)"), window_without_causality),
        Mistake("padded-keys-attended",
                T("the zero padding before position 0 is attended (score 0, weight > 0) by the "
                  "first window - 1 queries: mask padded slots with float('-inf')",
                  zh="前 window - 1 个 query 关注到了位置 0 之前补的零（分数为 0，权重 > 0）："
                     "要把补零的位置用 float('-inf') 掩掉"),
                padded_keys_attended),
    ),
)
