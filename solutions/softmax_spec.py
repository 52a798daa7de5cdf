"""The softmax drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.softmax import softmax

reference = softmax  # the name a mistake uses to call the reference (see grader/selftest.py)


def _logits(scale: float = 1.0, dim: int = -1, noncontiguous: bool = False):
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        return Call((make(*vars(d).values(), scale=scale),), {"dim": dim})
    return build


def _offset_rows(r, d):
    # Rows sitting far apart: one shared shift can't rescue them all, only a per-row max can.
    offsets = torch.tensor([-1000.0, 0.0, 40.0, 1000.0], dtype=torch.float64)[: d.R, None]
    return Call(((r.normal(d.R, d.C).double() + offsets).to(r.dtype),), {})


CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(B=2, T=3, C=5), _logits()),
    Case(T("dim=0", zh="dim=0"), "shape", dict(B=4, T=3, C=5), _logits(dim=0)),
    Case(T("dim=1", zh="dim=1"), "shape", dict(B=2, T=6, C=5), _logits(dim=1)),
    Case(T("1-D input", zh="一维输入"), "shape", dict(C=7), _logits()),
    Case(T("batch of 1, extra leading dims", zh="批大小为 1，前面多几个维度"), "shape", dict(B=1, H=3, T=4, C=6), _logits()),
    Case(T("non-contiguous input", zh="非连续（non-contiguous）输入"), "shape", dict(B=2, T=3, C=5), _logits(noncontiguous=True)),
    Case(T("random logits", zh="随机 logits"), "numerics", dict(N=6, C=9), _logits(scale=3.0), grad=True),
    Case(T("float64", zh="float64"), "numerics", dict(N=5, C=8), _logits(scale=3.0), dtype=torch.float64),
    Case(T("nearly equal logits", zh="几乎相等的 logits"), "numerics", dict(N=3, C=11), _logits(scale=1e-3)),
    Case(T("logits of magnitude 1e4", zh="量级为 1e4 的 logits"), "stability", dict(N=4, C=7), _logits(scale=1e4),
         magnitude=1e4),
    Case(T("rows at offsets -1000, 0, 40, 1000", zh="各行分别偏移 -1000、0、40、1000"), "stability", dict(R=4, C=6), _offset_rows,
         magnitude=1e3),
    Case(T("float16", zh="float16"), "stability", dict(N=4, C=10), _logits(scale=4.0), dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(N=4, C=10), _logits(scale=4.0), dtype=torch.bfloat16),
)


def no_max_subtraction(x, dim=-1):
    e = x.exp()
    return e / e.sum(dim, keepdim=True)


def global_max(x, dim=-1):
    e = (x - x.max()).exp()
    return e / e.sum(dim, keepdim=True)


def ignores_dim(x, dim=-1):
    return reference(x, -1)


DRILL = Drill(
    id="softmax",
    title=T("Softmax", zh="Softmax"),
    difficulty="easy",
    tags=("basics", "numerics"),
    minutes=5,
    entry="softmax",
    reference=softmax,
    cases=CASES,
    forbidden=("softmax", "log_softmax", "softmin"),
    hints=(
        T("softmax is exp(x) / sum(exp(x)) along one dim. What does exp(x) do when x is 1e4?",
          zh="softmax 就是沿某一维求 exp(x) / sum(exp(x))。x 是 1e4 时 exp(x) 会怎样？"),
        T("softmax(x) == softmax(x - c) for any c that is constant along dim: choose c so that "
          "the largest exponent is exp(0) = 1.",
          zh="对沿 dim 不变的任意常数 c，softmax(x) == softmax(x - c)：选一个 c，让最大的指数项"
             "变成 exp(0) = 1。"),
        T("c = x.amax(dim=dim, keepdim=True): the max of each row along dim, not of the whole "
          "tensor; keepdim=True so it broadcasts back. Sum with keepdim=True too.",
          zh="c = x.amax(dim=dim, keepdim=True)：沿 dim 取每一行自己的最大值，而不是整个张量的"
             "最大值；keepdim=True 才能广播回去。求和也要 keepdim=True。"),
        T("For float16/bfloat16 inputs compute in float32 and return .to(x.dtype).",
          zh="输入是 float16/bfloat16 时，用 float32 计算，最后 .to(x.dtype) 转回去。"),
    ),
    mistakes=(
        Mistake("no-max-subtraction",
                T("exp overflows for large logits (1e4 -> inf, inf/inf = nan): subtract the row "
                  "max before exp",
                  zh="logits 很大时 exp 上溢（1e4 -> inf，inf/inf = nan）：exp 之前先减去每行的"
                     "最大值"), no_max_subtraction),
        Mistake("global-max",
                T("subtracting the max of the whole tensor underflows rows far below it (0/0 = "
                  "nan): subtract each row's own max, x.amax(dim, keepdim=True)",
                  zh="减去整个张量的最大值，会让远低于它的行下溢（0/0 = nan）：要减每行自己的"
                     "最大值，x.amax(dim, keepdim=True)"), global_max),
        Mistake("ignores-dim", T("always normalises over the last dim: use the dim argument",
                                 zh="总是在最后一维上归一化：要用 dim 参数"), ignores_dim),
    ),
)
