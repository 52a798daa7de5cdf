"""The flash attention drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.compare import is_close, tolerance
from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.flash_attention import flash_attention

reference = flash_attention  # the name a mistake calls (see grader/selftest.py)

LEAK = 10.0  # size of the hidden part the leak test adds to each key (see _blind_future)
BLOCK_SIZES = (1, 5, 8, 64)  # the "one answer" case runs every one of them (see _every_block_size)


def _lengths(d):
    """(Tq, Tk): a causal case has one length T for both."""
    return (d.T, d.T) if hasattr(d, "T") else (d.Tq, d.Tk)


def _inputs(scale=1.0, noncontiguous=False, shared=0.0, first_block_low=0.0, causal=False,
            block_size=True):
    """q (B, H, Tq, d), k (B, H, Tk, d), v (B, H, Tk, dv), block_size=bs and causal, by keyword.

    shared: q and k get this value in feature 0, which adds shared**2 / sqrt(d) to every score:
    scores that large whose differences stay ~1, so the softmax is far from one-hot.
    first_block_low: every key after the first block gets a score this much higher than the
    first block's, so a max taken from the first block alone is far too small for the rest.
    """
    def build(r, d):
        Tq, Tk = _lengths(d)
        make = r.noncontiguous if noncontiguous else r.normal
        q = make(d.B, d.H, Tq, d.d, scale=scale)  # (B, H, Tq, d)
        k = make(d.B, d.H, Tk, d.d, scale=scale)  # (B, H, Tk, d)
        v = make(d.B, d.H, Tk, d.dv)  # (B, H, Tk, dv)
        if shared:
            q[..., 0] = k[..., 0] = shared
        if first_block_low:
            c = math.sqrt(first_block_low * math.sqrt(d.d))  # c * c / sqrt(d) = first_block_low
            q[..., 0] = c
            k[..., d.bs:, 0] = c
        kwargs = {"block_size": d.bs} if block_size else {}
        return Call((q, k, v), kwargs | ({"causal": True} if causal else {}))
    return build


def _blind_future(call, r, d):
    """Key j gets a large extra part orthogonal to every query that may see it (j ... T - 1):
    no allowed score changes, while every score of a query before j, which must not see key j,
    moves by ~LEAK. The output may move only if a future key keeps weight.

    (No key is hidden from every query, as query T - 1 sees them all, so this changes the keys
    in a way only the queries that must not see them can notice. It needs T < d.) LEAK is ~10,
    not 1e4: rounding k + extra to the case's dtype moves the allowed scores by ~eps * LEAK,
    and that must stay within the tolerance.
    """
    q, k, v = call.args
    assert d.T < d.d, "the blind part needs room: T < d"
    q64 = q.double()  # (B, H, T, d)
    noise = torch.randn(k.shape, generator=r.gen, dtype=torch.float64)  # (B, H, T, d)
    extra = torch.empty_like(noise)  # (B, H, T, d)
    for j in range(d.T):
        seen_by = q64[..., j:, :]  # (B, H, n, d): the queries that may see key j
        basis, _ = torch.linalg.qr(seen_by.transpose(-2, -1))  # (B, H, d, n): spans them
        u = noise[..., j, :, None]  # (B, H, d, 1)
        u = u - basis @ (basis.transpose(-2, -1) @ u)  # (B, H, d, 1): orthogonal to them all
        extra[..., j, :] = u[..., 0]
    # every element ~LEAK in size
    extra = extra * (LEAK * math.sqrt(d.d) / extra.norm(dim=-1, keepdim=True))  # (B, H, T, d)
    return Call((q, (k.double() + extra).to(k.dtype), v), call.kwargs)


def _no_score_matrix(case_name):
    """The check of the drill's point: no op of the call made a tensor with as many elements
    as the (B, H, Tq, Tk) score matrix. q, k, v and every tile are smaller in these cases
    (d, dv and block_size all below Tq and Tk), and so is a (Tq, Tk) mask, as B * H > 1.

    The largest tensor's shape is printed as it is, not named back with the case's dims: a
    matmul makes (B * H, Tq, Tk), whose B * H may equal some other dim's size."""
    def test(call, out, seen):
        q, k = call.args[0], call.args[1]  # (B, H, Tq, d), (B, H, Tk, d)
        B, H, Tq, Tk = q.size(0), q.size(1), q.size(-2), k.size(-2)
        n = math.prod(seen.largest)
        if n < B * H * Tq * Tk:
            return None
        return both("an op made a tensor of shape {shape}, {n} elements, as many as the "
                    "whole (B, H, Tq, Tk) = ({B}, {H}, {Tq}, {Tk}) score matrix: keep one "
                    "(B, H, Tq, block_size) tile of scores at a time, and merge the tiles with "
                    "the running max, sum and output",
                    "有个操作产生了形状为 {shape} 的张量，共 {n} 个元素，和整个 (B, H, Tq, Tk) = "
                    "({B}, {H}, {Tq}, {Tk}) 分数矩阵一样多：每次只保留一个 (B, H, Tq, "
                    "block_size) 的分数块，再用当前最大值、累加和与累加输出把各块合并起来",
                    shape=seen.largest, n=n, B=B, H=H, Tq=Tq, Tk=Tk)
    name_zh = getattr(case_name, "zh", None) or case_name
    return Property(T(f"never builds the Tq x Tk score matrix ({case_name})",
                      zh=f"不会构造出 Tq x Tk 的分数矩阵（{name_zh}）"), "rules", test)


def _case(name, category, dims, build, matrix_check=False, **kw):
    """A Case; with matrix_check, it also proves that no Tq x Tk score matrix was built."""
    props = (_no_score_matrix(name),) if matrix_check else ()
    return Case(name, category, dims, build, properties=props, **kw)


def _every_block_size(entry, q, k, v):
    """The same inputs in blocks of 1, 5, 8 and 64 keys: one output per block size. Each call
    gets its own copies, so an attempt that scales q in place (a rules failure, caught by the
    other cases) can't pass for one whose answer depends on the block size."""
    # (1, 5, 8, 64) is BLOCK_SIZES, written out: a drive may use no name from this module
    return tuple(entry(q.clone(), k.clone(), v.clone(), block_size=bs) for bs in (1, 5, 8, 64))


def _one_answer(call, out, seen):
    """Every block size gives what the single block (64 >= Tk: plain attention) gives."""
    *tiled, whole = out
    tol = tolerance(whole.dtype)
    for bs, o in zip(BLOCK_SIZES, tiled):
        if not is_close(o, whole, tol):
            gap = (o.double() - whole.double()).abs().max().item()
            return both("block_size={bs} and block_size={whole} (a single block: plain "
                        "attention) give outputs up to {gap:.3g} apart, so merging blocks changes "
                        "the answer: when the max grows from m_old to m_new, multiply both l and "
                        "acc by exp(m_old - m_new) before adding the new block, then set m = m_new",
                        "block_size={bs} 与 block_size={whole}（只有一块，即普通注意力）的输出"
                        "最多相差 {gap:.3g}，说明合并块的方式改变了结果：最大值从 m_old 变为 "
                        "m_new 时，先把 l 和 acc 都乘以 exp(m_old - m_new)，再加上新块，然后令 "
                        "m = m_new",
                        bs=bs, whole=BLOCK_SIZES[-1], gap=gap)
    return None


def _watched(entry, q, k, v, block_size):
    """Calls the attempt with every op watched: the first op that makes a tensor as large as
    the (B, H, Tq, Tk) score matrix raises, so the scorecard shows the line that built it."""
    B, H, Tq, Tk = q.size(0), q.size(1), q.size(-2), k.size(-2)
    limit = B * H * Tq * Tk

    class Watch(torch.utils._python_dispatch.TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls):
            return False  # else torch imports dynamo (~1 s) to wrap this mode

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, torch.Tensor) and t.numel() >= limit:
                    raise RuntimeError(tr(  # the grader adds " at line N: ..."
                        "{op} made a tensor of shape {shape}, as large as the whole "
                        "(B, H, Tq, Tk) = ({B}, {H}, {Tq}, {Tk}) score matrix, where flash "
                        "attention keeps one (B, H, Tq, block_size) = ({B}, {H}, {Tq}, {bs}) "
                        "tile of scores at a time; it was made",
                        "{op} 生成了形状为 {shape} 的张量，和整个 (B, H, Tq, Tk) = ({B}, {H}, "
                        "{Tq}, {Tk}) 的分数矩阵一样大；flash attention 每次只保留一个 (B, H, Tq, "
                        "block_size) = ({B}, {H}, {Tq}, {bs}) 的分数块",
                        op=func.overloadpacket.__name__, shape=tuple(t.shape), B=B, H=H, Tq=Tq,
                        Tk=Tk, bs=block_size))
            return out

    with Watch():
        return entry(q, k, v, block_size=block_size)


CASES = (
    _case(T("every dim a distinct size, the last block shorter", zh="每个维度大小都不同，最后一块更短"), "shape",
          dict(B=2, H=3, Tq=9, Tk=20, d=4, dv=5, bs=6), _inputs(), matrix_check=True),
    _case(T("batch of 1", zh="批大小为 1"), "shape", dict(B=1, H=2, Tq=5, Tk=11, d=3, dv=4, bs=7), _inputs()),
    _case(T("non-contiguous q, k, v; blocks that divide Tk", zh="非连续（non-contiguous）的 q、k、v；块大小整除 Tk"), "shape",
          dict(B=2, H=3, Tq=7, Tk=12, d=4, dv=5, bs=6), _inputs(noncontiguous=True)),
    _case(T("a single query (Tq=1)", zh="只有一个 query（Tq=1）"), "shape", dict(B=2, H=3, Tq=1, Tk=13, d=4, dv=5, bs=6),
          _inputs()),
    _case(T("more queries than keys", zh="query 比 key 多"), "shape", dict(B=3, H=2, Tq=14, Tk=9, d=4, dv=5, bs=6),
          _inputs()),
    _case(T("the default block_size=16", zh="默认的 block_size=16"), "shape", dict(B=2, H=3, Tq=5, Tk=37, d=4, dv=6),
          _inputs(block_size=False)),
    # The point of the drill, watched op by op: the scorecard names the line that built it.
    _case(T("Tk=48 in blocks of 8, every op's output size watched", zh="Tk=48，每块 8 个 key，检查每个操作输出的大小"), "shape",
          dict(B=2, H=3, Tq=10, Tk=48, d=4, dv=5, bs=8), _inputs(), drive=_watched),
    _case(T("random q, k, v", zh="随机的 q、k、v"), "numerics", dict(B=2, H=3, Tq=8, Tk=21, d=5, dv=6, bs=4),
          _inputs(scale=2.0), matrix_check=True, grad=True),
    _case(T("block_size=1: one key at a time", zh="block_size=1：每次一个 key"), "numerics",
          dict(B=2, H=3, Tq=5, Tk=9, d=4, dv=6, bs=1), _inputs(scale=2.0)),
    _case(T("block_size > Tk: a single block", zh="block_size > Tk：只有一块"), "numerics",
          dict(B=2, H=3, Tq=6, Tk=10, d=4, dv=5, bs=16), _inputs(scale=2.0), grad=True),
    _case(T("float64", zh="float64"), "numerics", dict(B=2, H=3, Tq=7, Tk=17, d=4, dv=5, bs=6),
          _inputs(scale=2.0), dtype=torch.float64),
    Case(T("one answer for block sizes 1, 5, 8 and 64", zh="块大小为 1、5、8 和 64 时结果一致"), "numerics",
         dict(B=2, H=3, Tq=6, Tk=19, d=4, dv=7), _inputs(scale=2.0, block_size=False),
         drive=_every_block_size,
         properties=(Property(T("the output does not depend on block_size",
                                zh="输出不依赖 block_size"),
                              "numerics", _one_answer),)),
    _case(T("causal, in blocks of 4", zh="因果，每块 4 个 key"), "masking", dict(B=2, H=3, T=11, d=5, dv=6, bs=4),
          _inputs(scale=2.0, causal=True), matrix_check=True, grad=True),
    _case(T("causal, block_size=1", zh="因果，block_size=1"), "masking", dict(B=3, H=2, T=9, d=4, dv=5, bs=1),
          _inputs(scale=2.0, causal=True), dtype=torch.float64),
    _case(T("causal: future keys changed", zh="因果：改动未来的 key"), "masking", dict(B=2, H=3, T=6, d=8, dv=5, bs=4),
          _inputs(causal=True), leak=_blind_future),
    _case(T("float16", zh="float16"), "stability", dict(B=2, H=3, Tq=7, Tk=19, d=8, dv=5, bs=6),
          _inputs(scale=2.0), dtype=torch.float16),
    _case(T("bfloat16, causal", zh="bfloat16，因果"), "stability", dict(B=3, H=2, T=13, d=8, dv=5, bs=4),
          _inputs(scale=2.0, causal=True), dtype=torch.bfloat16),
    # Scores of ~1e3 (53**2 / sqrt(8)) a few apart: exp(1e3) overflows unless a max goes
    # first. magnitude is the scores' size: their rounding is what moves the weights.
    _case(T("scores of ~1e3, a few apart", zh="分数约为 1e3，彼此只相差几个单位"), "stability",
          dict(B=2, H=3, Tq=6, Tk=17, d=8, dv=5, bs=4), _inputs(shared=53.0), magnitude=1e3),
    # The first block's scores sit ~100 below the rest: a max that is not updated after the
    # first block leaves exp(~100) in the later ones, past float32's 3e38.
    _case(T("the first block's scores ~100 below the rest", zh="第一块的分数比其余的低约 100"), "stability",
          dict(B=2, H=3, Tq=7, Tk=18, d=4, dv=5, bs=6), _inputs(first_block_low=100.0),
          magnitude=1e2),
)


def sum_not_rescaled(q, k, v, block_size=16, causal=False):
    dtype, Tq, Tk = q.dtype, q.size(-2), k.size(-2)
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    m = torch.full((*q.shape[:-1], 1), float("-inf"), device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(*q.shape[:-1], v.size(-1), device=q.device)
    i = torch.arange(Tq, device=q.device)[:, None]
    for start in range(0, Tk, block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if causal:
            j = torch.arange(start, start + s.size(-1), device=q.device)[None, :]
            s = s.masked_fill(j > i, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        alpha = torch.exp(m - m_new)
        l = l + p.sum(dim=-1, keepdim=True)  # the bug: l is not rescaled by alpha
        acc = alpha * acc + p @ v[..., start:start + block_size, :]
        m = m_new
    return (acc / l).to(dtype)


def output_not_rescaled(q, k, v, block_size=16, causal=False):
    dtype, Tq, Tk = q.dtype, q.size(-2), k.size(-2)
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    m = torch.full((*q.shape[:-1], 1), float("-inf"), device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(*q.shape[:-1], v.size(-1), device=q.device)
    i = torch.arange(Tq, device=q.device)[:, None]
    for start in range(0, Tk, block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if causal:
            j = torch.arange(start, start + s.size(-1), device=q.device)[None, :]
            s = s.masked_fill(j > i, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        alpha = torch.exp(m - m_new)
        l = alpha * l + p.sum(dim=-1, keepdim=True)
        acc = acc + p @ v[..., start:start + block_size, :]  # the bug: acc is not rescaled
        m = m_new
    return (acc / l).to(dtype)


def max_not_updated(q, k, v, block_size=16, causal=False):
    dtype, Tq, Tk = q.dtype, q.size(-2), k.size(-2)
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    m = torch.full((*q.shape[:-1], 1), float("-inf"), device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(*q.shape[:-1], v.size(-1), device=q.device)
    i = torch.arange(Tq, device=q.device)[:, None]
    for start in range(0, Tk, block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if causal:
            j = torch.arange(start, start + s.size(-1), device=q.device)[None, :]
            s = s.masked_fill(j > i, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        alpha = torch.exp(m - m_new)  # m is still -inf: alpha is 0, and wipes l and acc
        l = alpha * l + p.sum(dim=-1, keepdim=True)
        acc = alpha * acc + p @ v[..., start:start + block_size, :]
        # the bug: no m = m_new, so only the last block counts
    return (acc / l).to(dtype)


def full_score_matrix(q, k, v, block_size=16, causal=False):
    # Right numbers, but the bug: the whole (B, H, Tq, Tk) score matrix at once, which is
    # exactly the memory flash attention exists to save
    dtype = q.dtype
    q, k, v = q.float(), k.float(), v.float()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if causal:
        T = q.size(-2)
        keep = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    return (scores.softmax(dim=-1) @ v).to(dtype)


def no_running_max(q, k, v, block_size=16, causal=False):
    dtype, Tq, Tk = q.dtype, q.size(-2), k.size(-2)
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    l = torch.zeros(*q.shape[:-1], 1, device=q.device)
    acc = torch.zeros(*q.shape[:-1], v.size(-1), device=q.device)
    i = torch.arange(Tq, device=q.device)[:, None]
    for start in range(0, Tk, block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if causal:
            j = torch.arange(start, start + s.size(-1), device=q.device)[None, :]
            s = s.masked_fill(j > i, float("-inf"))
        p = torch.exp(s)  # the bug: no max subtracted, exp(1e3) overflows to inf
        l = l + p.sum(dim=-1, keepdim=True)
        acc = acc + p @ v[..., start:start + block_size, :]
    return (acc / l).to(dtype)


def causal_index_in_block(q, k, v, block_size=16, causal=False):
    dtype, Tq, Tk = q.dtype, q.size(-2), k.size(-2)
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    m = torch.full((*q.shape[:-1], 1), float("-inf"), device=q.device)
    l = torch.zeros_like(m)
    acc = torch.zeros(*q.shape[:-1], v.size(-1), device=q.device)
    i = torch.arange(Tq, device=q.device)[:, None]
    for start in range(0, Tk, block_size):
        s = q @ k[..., start:start + block_size, :].transpose(-2, -1)
        if causal:
            j = torch.arange(s.size(-1), device=q.device)[None, :]  # the bug: no + start
            s = s.masked_fill(j > i, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))
        p = torch.exp(s - m_new)
        alpha = torch.exp(m - m_new)
        l = alpha * l + p.sum(dim=-1, keepdim=True)
        acc = alpha * acc + p @ v[..., start:start + block_size, :]
        m = m_new
    return (acc / l).to(dtype)


DRILL = Drill(
    id="flash_attention",
    title=T("Flash attention (online softmax over key blocks)", zh="Flash attention（对 key 分块做在线 softmax）"),
    difficulty="hard",
    tags=("attention", "numerics", "memory"),
    minutes=20,
    entry="flash_attention",
    reference=flash_attention,
    cases=CASES,
    # The names torch reports: F.scaled_dot_product_attention and its aten kernels
    # (_scaled_dot_product_flash_attention_for_cpu, ...), flex_attention, and
    # nn.MultiheadAttention's multi_head_attention_forward / _native_multi_head_attention.
    # softmax and logsumexp stay allowed: on one tile they are fine, and on the whole score
    # matrix the size check fails them anyway.
    forbidden=("scaled_dot_product", "flex_attention", "multi_head_attention"),
    aliases=("flash", "flashattention", "flash-attn", "online-softmax-attention"),
    # Names of the outputs of the one case that returns a tuple: _every_block_size's.
    outputs=tuple(f"block_size={bs}" for bs in BLOCK_SIZES),
    hints=(
        T("Take the keys a block at a time. For every query keep what you need to finish the "
          "softmax later: the largest score so far, the sum of exponentials so far, and the "
          "weighted sum of the values so far.",
          zh="每次取一块 key。对每个 query，保存之后完成 softmax 所需的量：到目前为止的最大"
             "分数、到目前为止的指数和，以及到目前为止 value 的加权和。"),
        T("One block: s = q @ k_blk^T / sqrt(d), (B, H, Tq, bs); m_new = max(m, s.amax(-1)); "
          "p = exp(s - m_new). Start from m = -inf, l = 0, acc = 0, made on q's device in "
          "float32: exp(-inf) = 0 makes the first block no special case.",
          zh="处理一块：s = q @ k_blk^T / sqrt(d)，形状 (B, H, Tq, bs)；"
             "m_new = max(m, s.amax(-1))；p = exp(s - m_new)。初始值 m = -inf、l = 0、"
             "acc = 0，用 float32 建在 q 所在的设备上：exp(-inf) = 0，所以第一块不用特殊处理。"),
        T("What l and acc hold was summed against the old max. When it grows, scale both by "
          "alpha = exp(m_old - m_new): l = alpha * l + p.sum(-1), acc = alpha * acc + p @ v_blk. "
          "Then m = m_new, or the next block is measured against a stale max. Return acc / l in "
          "q's dtype.",
          zh="l 和 acc 里的值是相对旧的最大值累加的。最大值变大时，两者都要乘以 "
             "alpha = exp(m_old - m_new)：l = alpha * l + p.sum(-1)，"
             "acc = alpha * acc + p @ v_blk。然后令 m = m_new，否则下一块用的还是过时的最大值。"
             "最后以 q 的 dtype 返回 acc / l。"),
        T("causal: a key's position in the sequence is start + its index in the block; mask "
          "with j = start + arange(bs) against the query's i, s.masked_fill(j > i, -inf). Key 0 "
          "is in the first block, so every row's max is finite from then on.",
          zh="因果：key 在序列中的位置是 start 加上它在块内的下标；用 j = start + arange(bs) "
             "和 query 的位置 i 比较来做掩码，s.masked_fill(j > i, -inf)。key 0 在第一块里，"
             "所以从第一块起每一行的最大值都是有限的。"),
    ),
    mistakes=(
        Mistake("sum-not-rescaled",
                T("the running sum l is not rescaled when the max grows, so earlier blocks weigh "
                  "too much in it: l = exp(m_old - m_new) * l + p.sum(-1)",
                  zh="最大值变大时没有重新缩放累加和 l，前面的块在其中权重过大："
                     "l = exp(m_old - m_new) * l + p.sum(-1)"), sum_not_rescaled),
        Mistake("output-not-rescaled",
                T("the running output acc is not rescaled when the max grows: "
                  "acc = exp(m_old - m_new) * acc + p @ v_blk",
                  zh="最大值变大时没有重新缩放累加输出 acc："
                     "acc = exp(m_old - m_new) * acc + p @ v_blk"), output_not_rescaled),
        Mistake("max-not-updated",
                T("the running max m is never updated (no m = m_new), so exp(m - m_new) is 0 at "
                  "every block and only the last block counts: set m = m_new after each block",
                  zh="当前最大值 m 从未更新（没有 m = m_new），于是每块的 exp(m - m_new) 都是 0，"
                     "只有最后一块起作用：每处理完一块都要令 m = m_new"),
                max_not_updated),
        Mistake("full-score-matrix",
                T("builds the whole (B, H, Tq, Tk) score matrix, the memory flash attention "
                  "exists to save: compute one (B, H, Tq, block_size) tile per block and merge "
                  "them with the running max, sum and output",
                  zh="构造了整个 (B, H, Tq, Tk) 分数矩阵，而省下这块内存正是 flash attention 的"
                     "意义所在：每块只算一个 (B, H, Tq, block_size) 的分数块，再用当前最大值、"
                     "累加和与累加输出把它们合并起来"), full_score_matrix),
        Mistake("no-running-max",
                T("exp(scores) is taken with no max subtracted, which overflows for scores of "
                  "~100 and more: keep a running max m and use exp(s - m_new)",
                  zh="求 exp(scores) 前没有减去最大值，分数达到 ~100 及以上时会上溢："
                     "要维护当前最大值 m，用 exp(s - m_new)"), no_running_max),
        Mistake("causal-index-in-block",
                T("the causal mask compares the query's position with the key's index inside "
                  "its block, so later blocks' future keys are attended: j = start + arange(bs)",
                  zh="因果掩码拿 query 的位置和 key 在块内的下标比较，导致后面各块里的未来 key "
                     "也被关注到了：应为 j = start + arange(bs)"),
                causal_index_in_block),
    ),
)
