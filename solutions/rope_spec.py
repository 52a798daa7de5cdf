"""The rotary position embedding (RoPE) drill: cases, properties, hints and known mistakes."""

import math

import torch

from handwrite.grader.compare import is_close, tolerance
from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.rope import apply_rope

reference = apply_rope  # the name a mistake uses to call the reference (see grader/selftest.py)


def _x(scale=1.0, offset=None, base=None, layout="contiguous", shift=None):
    """x (B, H, T, d), and only the keyword arguments the case is about (the rest default).

    layout "transposed": a (B, H, d, T) tensor seen through .transpose(-1, -2); "bthd": the
    usual way q reaches RoPE, projected as (B, T, H, d) and then .transpose(1, 2).
    shift: the case is driven by three_ways (below), which also moves every position by it.
    """
    def build(r, d):
        if layout == "bthd":
            x = r.normal(d.B, d.T, d.H, d.d, scale=scale).transpose(1, 2)  # (B, H, T, d)
        elif layout == "transposed":
            x = r.noncontiguous(d.B, d.H, d.T, d.d, scale=scale)  # (B, H, T, d)
        else:
            x = r.normal(d.B, d.H, d.T, d.d, scale=scale)  # (B, H, T, d)
        kwargs = {"offset": offset, "base": base, "shift": shift}
        return Call((x,), {k: v for k, v in kwargs.items() if v is not None})
    return build


def three_ways(apply_rope, x, offset=0, shift=0):
    """(y, y_shifted, y_decoded): the run at offset; the same x with every position moved by
    shift; and x fed one row at a time, as decoding does, row t as T = 1 at offset + t."""
    y = apply_rope(x, offset=offset)  # (B, H, T, d)
    y_shifted = apply_rope(x, offset=offset + shift)  # (B, H, T, d)
    steps = [apply_rope(x[:, :, t:t + 1], offset=offset + t) for t in range(x.shape[2])]
    return y, y_shifted, torch.cat(steps, dim=2)  # the last (B, H, T, d)


# --- properties: why an answer is wrong, in the words of what RoPE promises -----------------

def _slack(dtype: torch.dtype) -> float:
    """Relative slack for a property measured on an output rounded to ``dtype``."""
    return {torch.float16: 1e-2, torch.bfloat16: 5e-2}.get(dtype, 1e-4)


def _norms_kept(call, y, seen):
    x = call.args[0].double()  # (B, H, T, d)
    nx, ny = x.norm(dim=-1), y.double().norm(dim=-1)  # (B, H, T)
    change = (ny - nx).abs() / nx  # (B, H, T)
    if change.max() <= _slack(y.dtype):
        return None
    b, h, t = (int(i) for i in torch.unravel_index(change.argmax(), change.shape))
    return both("a rotation keeps every vector's length, but |y[{b}, {h}, {t}]| = {ny:.4g} "
                "while |x[{b}, {h}, {t}]| = {nx:.4g}: each pair (x[i], x[i + d/2]) must turn "
                "as a whole, x * cos + rotate_half(x) * sin",
                "旋转不改变任何向量的长度，但 |y[{b}, {h}, {t}]| = {ny:.4g}，而 "
                "|x[{b}, {h}, {t}]| = {nx:.4g}：每一对 (x[i], x[i + d/2]) 必须作为整体"
                "旋转，x * cos + rotate_half(x) * sin",
                b=b, h=h, t=t, ny=float(ny[b, h, t]), nx=float(nx[b, h, t]))


def _relative_only(call, out, seen):
    slack = _slack(out[0].dtype)
    y, y_shifted, _ = (o.double() for o in out)
    scores = y @ y.transpose(-1, -2)  # (B, H, T, T): rotated q . k, with q and k both x
    moved = y_shifted @ y_shifted.transpose(-1, -2)  # (B, H, T, T)
    change = (moved - scores).abs()  # (B, H, T, T)
    if change.max() <= slack * scores.abs().max():
        return None
    b, h, i, j = (int(v) for v in torch.unravel_index(change.argmax(), change.shape))
    s = call.kwargs.get("shift", 0)
    return both("moving every position by {s} changed q.k of rows i={i}, j={j} from "
                "{before:.4g} to {after:.4g}: with RoPE it depends only on j - i, which holds "
                "when each pair (x[i], x[i + d/2]) is turned by position * frequency, and "
                "nothing else is done to it",
                "所有位置整体平移 {s} 后，第 i={i}、j={j} 行的 q.k 从 {before:.4g} 变成了 "
                "{after:.4g}：用 RoPE 时它只取决于 j - i；只有每一对 (x[i], x[i + d/2]) "
                "都只按（位置 * 频率）的角度旋转、不做其他处理，这一点才成立",
                s=s, i=i, j=j, before=float(scores[b, h, i, j]),
                after=float(moved[b, h, i, j]))


def _decode_matches(call, out, seen):
    y, _, y_decoded = out
    tol = tolerance(y.dtype)
    for t in range(y.shape[2]):
        if not is_close(y_decoded[:, :, t], y[:, :, t], tol):
            offset = call.kwargs.get("offset", 0)
            return both("apply_rope(x[:, :, {t}:{t1}], offset={p}) - one decode step at "
                        "position {p} - differs from row {t} of apply_rope(x, "
                        "offset={offset}): row t sits at position offset + t, "
                        "torch.arange(offset, offset + T)",
                        "apply_rope(x[:, :, {t}:{t1}], offset={p})（在位置 {p} 解码一步）与 "
                        "apply_rope(x, offset={offset}) 的第 {t} 行不一致：第 t 行位于位置 "
                        "offset + t，即 torch.arange(offset, offset + T)",
                        t=t, t1=t + 1, p=offset + t, offset=offset)
    return None


NORMS_KEPT = Property(T("norms preserved: |y| = |x| for every (b, h, t)",
                        zh="范数不变：每个 (b, h, t) 都有 |y| = |x|"), "numerics",
                      _norms_kept)
RELATIVE_ONLY = Property(T("rotated q.k depends only on the relative position j - i",
                           zh="旋转后的 q.k 只取决于相对位置 j - i"),
                         "numerics", _relative_only)
DECODE_MATCHES = Property(T("a decode step at position p equals row p of the full run",
                            zh="在位置 p 解码一步，结果等于完整计算的第 p 行"),
                          "numerics", _decode_matches)


# Tolerances. An angle of size P is rounded to within eps * P, which moves the output by
# ~|x| * eps * P: for float32 angles that stays inside float32's own tolerance up to positions
# of a few dozen (every float32 case but one stays below 20), and inside float16/bfloat16's 8
# ulps up to positions of many thousands. The float32 case at position ~2000 declares
# magnitude=P, the size of its angles, so that float32 angles pass there and float16 ones
# don't (see compare.tolerance).
CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape",
         dict(B=2, H=3, T=5, d=8), _x()),
    Case(T("batch of 1 and one head", zh="批大小为 1，只有一个头"), "shape",
         dict(B=1, H=1, T=6, d=4), _x(offset=2)),
    Case(T("d = 2: a single pair", zh="d = 2：只有一对"), "shape", dict(B=3, H=2, T=4, d=2),
         _x(offset=1)),
    Case(T("T = 1: one decode step at position 9", zh="T = 1：在位置 9 解码一步"), "shape",
         dict(B=2, H=3, T=1, d=6), _x(offset=9)),
    Case(T("non-contiguous x: (B, T, H, d).transpose(1, 2)",
           zh="非连续（non-contiguous）的 x：(B, T, H, d).transpose(1, 2)"), "shape",
         dict(B=2, H=4, T=5, d=6), _x(layout="bthd", offset=3)),
    Case(T("non-contiguous x: T and d transposed", zh="非连续的 x：T 和 d 两维互换"), "shape",
         dict(B=3, H=2, T=7, d=4), _x(layout="transposed")),
    Case(T("random x at offset 3", zh="随机 x，offset 为 3"), "numerics",
         dict(B=2, H=3, T=5, d=8), _x(scale=2.0, offset=3),
         grad=True, properties=(NORMS_KEPT,)),
    Case(T("d = 16: eight frequencies", zh="d = 16：8 个频率"), "numerics",
         dict(B=2, H=3, T=6, d=16), _x(offset=7)),
    Case(T("base=500.0", zh="base=500.0"), "numerics", dict(B=3, H=2, T=5, d=12),
         _x(offset=4, base=500.0)),
    Case(T("float64", zh="float64"), "numerics", dict(B=2, H=3, T=4, d=10),
         _x(scale=2.0, offset=5), dtype=torch.float64),
    Case(T("every position moved by 11: offset 2 -> 13",
           zh="所有位置整体平移 11：offset 2 -> 13"), "numerics", dict(B=2, H=3, T=5, d=8),
         _x(offset=2, shift=11), drive=three_ways,
         properties=(RELATIVE_ONLY,)),
    Case(T("decoded one token at a time from position 6", zh="从位置 6 开始逐个 token 解码"),
         "numerics", dict(B=3, H=2, T=4, d=6), _x(offset=6, shift=1), drive=three_ways,
         properties=(DECODE_MATCHES,)),
    Case(T("float16", zh="float16"), "stability", dict(B=2, H=3, T=5, d=8),
         _x(scale=2.0, offset=4), dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=3, H=2, T=6, d=8),
         _x(scale=2.0, offset=4), dtype=torch.bfloat16),
    # Decoding deep into a sequence: float16 holds integers up to 2048 but an angle of ~2000
    # only to within 1 radian; bfloat16 can't hold the positions themselves (1001 -> 1000).
    Case(T("float16 at positions 1996-1999", zh="float16，位置 1996-1999"), "stability",
         dict(B=2, H=3, T=4, d=8), _x(offset=1996), dtype=torch.float16),
    Case(T("bfloat16 at positions 1000-1004", zh="bfloat16，位置 1000-1004"), "stability",
         dict(B=3, H=2, T=5, d=8), _x(offset=1000), dtype=torch.bfloat16),
    Case(T("float32 at positions 2040-2045", zh="float32，位置 2040-2045"), "stability",
         dict(B=2, H=3, T=6, d=8), _x(offset=2040), magnitude=2045.0),
    Case(T("inputs of magnitude 1e4", zh="量级为 1e4 的输入"), "stability",
         dict(B=2, H=3, T=5, d=8), _x(scale=1e4, offset=2), magnitude=1e4),
)


# --- known mistakes --------------------------------------------------------------------------

def interleaved_pairs(x, offset=0, base=10000.0):
    # the bug: pairs (2i, 2i + 1) turn together (GPT-J / Meta Llama), not (i, i + d/2).
    # Written as: gather the even features into the first half and the odd ones into the
    # second, rotate the half-split way, and put every feature back where it came from.
    d = x.shape[-1]
    order = torch.cat([torch.arange(0, d, 2, device=x.device),
                       torch.arange(1, d, 2, device=x.device)])  # (d,)
    return reference(x[..., order], offset, base)[..., order.argsort()]


def frequency_exponent(x, offset=0, base=10000.0):
    # the bug: frequencies base^(-i/d) for i = 0 ... d/2 - 1, not base^(-2i/d), so the slowest
    # pair turns ~sqrt(base) times too fast. base^(-i/d) = sqrt(base)^(-2i/d):
    return reference(x, offset, math.sqrt(base))


def ignores_offset(x, offset=0, base=10000.0):
    return reference(x, 0, base)  # the bug: positions 0 ... T - 1 whatever the offset


def no_rotate_half(x, offset=0, base=10000.0):
    B, H, T, d = x.shape
    work = torch.promote_types(x.dtype, torch.float32)
    inv_freq = base ** (-2 * torch.arange(d // 2, device=x.device, dtype=work) / d)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=work)
    angles = torch.cat([torch.outer(pos, inv_freq)] * 2, dim=-1)  # (T, d)
    xw = x.to(work)
    return (xw * angles.cos() + xw * angles.sin()).to(x.dtype)  # the bug: x, not rotate_half(x)


def rotation_reversed(x, offset=0, base=10000.0):
    # the bug: rotate_half(x) = (x2, -x1), not (-x2, x1): every pair turns the other way.
    # Turning backwards is turning forwards with the second coordinate's sign flipped:
    h = x.shape[-1] // 2
    flip = lambda t: torch.cat([t[..., :h], -t[..., h:]], dim=-1)  # noqa: E731
    return flip(reference(flip(x), offset, base))


DRILL = Drill(
    id="rope",
    title=T("Rotary position embeddings (RoPE)", zh="旋转位置编码（RoPE）"),
    difficulty="medium",
    tags=("llm", "attention", "positions"),
    minutes=12,
    entry="apply_rope",
    reference=apply_rope,
    cases=CASES,
    # what three_ways returns, named as the mismatch messages say them
    # (the prose one carries its Chinese, for when judge.output_names says them through say())
    outputs=("apply_rope(x, offset)", "apply_rope(x, offset + shift)",
             T("x decoded one row at a time", zh="逐行解码 x 的结果")),
    aliases=("rotary", "rotary-embedding", "rotary-embeddings", "apply-rope"),
    hints=(
        T("RoPE turns pairs of features by an angle that grows with the position, each pair "
          "at its own speed. Which features form a pair, how fast does pair i turn, and what "
          "is the position of row t?",
          zh="RoPE 把特征两两配对，按随位置增大的角度旋转，每一对的转速各不相同。哪两维"
             "组成一对？第 i 对转得多快？第 t 行的位置是多少？"),
        T("Half-split pairs: feature i goes with feature i + d/2. Pair i turns by "
          "p * base ** (-2 * i / d) at position p = offset + t: build "
          "torch.arange(offset, offset + T) and the d/2 frequencies, and their outer product.",
          zh="对半切分配对：第 i 维和第 i + d/2 维是一对。在位置 p = offset + t，第 i 对"
             "旋转 p * base ** (-2 * i / d)：构造 torch.arange(offset, offset + T) 和 d/2 "
             "个频率，再求两者的外积。"),
        T("With x1, x2 = x[..., :d//2], x[..., d//2:]: y = cat(x1 * cos - x2 * sin, "
          "x2 * cos + x1 * sin), which is x * cat(cos, cos) + cat(-x2, x1) * cat(sin, sin). "
          "The (T, d/2) tables broadcast over B and H.",
          zh="令 x1, x2 = x[..., :d//2], x[..., d//2:]：y = cat(x1 * cos - x2 * sin, "
             "x2 * cos + x1 * sin)，也就是 x * cat(cos, cos) + cat(-x2, x1) * cat(sin, sin)。"
             "(T, d/2) 的 cos/sin 表在 B 和 H 上广播。"),
        T("Make the positions and angles in float32 (float64 for float64 x), with "
          "device=x.device: bfloat16 can't hold position 1001. Rotate in float32 and return "
          ".to(x.dtype).",
          zh="位置和角度用 float32 计算（x 是 float64 时用 float64），并指定 "
             "device=x.device：bfloat16 连位置 1001 都表示不了。旋转也在 float32 下做，最后 "
             ".to(x.dtype) 再返回。"),
    ),
    mistakes=(
        Mistake("interleaved-pairs",
                T("pairs (2i, 2i + 1) are rotated together (GPT-J / Meta Llama layout): the "
                  "contract pairs feature i with feature i + d/2, x[..., :d//2] with "
                  "x[..., d//2:]",
                  zh="把 (2i, 2i + 1) 当成一对来旋转（GPT-J / Meta Llama 的排布）：约定是"
                     "第 i 维与第 i + d/2 维配对，即 x[..., :d//2] 与 x[..., d//2:]"),
                interleaved_pairs),
        Mistake("frequency-exponent",
                T("pair i turns at base ** (-i / d): the exponent is 2i/d, "
                  "base ** (-2 * torch.arange(d // 2) / d), i.e. torch.arange(0, d, 2) / d",
                  zh="第 i 对按 base ** (-i / d) 旋转：指数应为 2i/d，即 "
                     "base ** (-2 * torch.arange(d // 2) / d)，也就是 "
                     "torch.arange(0, d, 2) / d"),
                frequency_exponent),
        Mistake("ignores-offset",
                T("positions start at 0 whatever the offset, so a decode step at position p "
                  "is rotated as position 0: use torch.arange(offset, offset + T)",
                  zh="不管 offset 是多少，位置都从 0 开始，于是在位置 p 解码的那一步被当成"
                     "位置 0 来旋转：要用 torch.arange(offset, offset + T)"), ignores_offset),
        Mistake("no-rotate-half",
                T("x * cos + x * sin scales each feature instead of turning each pair: the "
                  "sin term multiplies rotate_half(x) = cat(-x2, x1)",
                  zh="x * cos + x * sin 只是缩放了每一维，而不是把每一对旋转：sin 项乘的"
                     "应是 rotate_half(x) = cat(-x2, x1)"), no_rotate_half),
        Mistake("rotation-reversed",
                T("every pair turns backwards: rotate_half(x) is cat(-x2, x1), not "
                  "cat(x2, -x1), so y1 = x1 cos - x2 sin and y2 = x2 cos + x1 sin",
                  zh="每一对都转反了方向：rotate_half(x) 是 cat(-x2, x1)，不是 "
                     "cat(x2, -x1)，所以 y1 = x1 cos - x2 sin，y2 = x2 cos + x1 sin"),
                rotation_reversed),
    ),
)
