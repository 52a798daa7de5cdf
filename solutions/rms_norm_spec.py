"""The RMS-norm drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.rms_norm import rms_norm

reference = rms_norm  # the name a mistake uses to call the reference (see grader/selftest.py)


def _weight(r, d):
    """Near 1, as after training, but with no two features alike."""
    return r.normal(d.D, scale=0.5, offset=1.0)


def _inputs(scale: float = 1.0, offset: float = 0.0, noncontiguous: bool = False, **kwargs):
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(*vars(d).values(), scale=scale, offset=offset)  # (..., D): D is the last dim
        return Call((x, _weight(r, d)), kwargs)
    return build


def _row_scales(*stds: float):
    """Row n has standard deviation stds[n]: eps only matters when the mean square is near it."""
    def build(r, d):
        std = torch.tensor(stds, dtype=torch.float64)[: d.R, None]
        x = (r.normal(d.R, d.D).double() * std).to(r.dtype)
        return Call((x, _weight(r, d)))
    return build


CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(B=2, T=3, D=5), _inputs()),
    Case(T("2-D input", zh="二维输入"), "shape", dict(N=4, D=6), _inputs()),
    Case(T("batch of 1, extra leading dims", zh="批大小为 1，前面多几个维度"), "shape", dict(B=1, H=3, T=4, D=6), _inputs()),
    Case(T("non-contiguous input", zh="非连续（non-contiguous）输入"), "shape", dict(B=2, T=3, D=5), _inputs(noncontiguous=True)),
    Case(T("float64", zh="float64"), "shape", dict(B=2, T=3, D=8), _inputs(scale=2.0), dtype=torch.float64),
    Case(T("random inputs", zh="随机输入"), "numerics", dict(B=2, T=3, D=16), _inputs(scale=2.0, offset=0.5),
         grad=True),
    Case(T("rows with std 1e-3, 1e-2, 0.1 and 1", zh="各行标准差分别为 1e-3、1e-2、0.1 和 1"), "numerics", dict(R=4, D=12),
         _row_scales(1e-3, 1e-2, 0.1, 1.0)),
    Case(T("eps=1e-3 passed in", zh="传入 eps=1e-3"), "numerics", dict(N=4, D=10), _inputs(scale=0.05, eps=1e-3)),
    # x ** 2 overflows float16 (max 65504) once |x| > 256: the square must be taken in float32.
    # No magnitude: the output is normalised, so the tolerance needs no room for large values.
    Case(T("float16, values ~300", zh="float16，数值约 300"), "stability", dict(B=2, T=3, D=16), _inputs(scale=300.0),
         dtype=torch.float16),
    Case(T("float16", zh="float16"), "stability", dict(B=2, T=3, D=24), _inputs(scale=2.0, offset=0.5),
         dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=2, T=3, D=24), _inputs(scale=2.0, offset=0.5),
         dtype=torch.bfloat16),
)


def eps_outside_sqrt(x, weight, eps=1e-6):
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    rms = z.pow(2).mean(dim=-1, keepdim=True).sqrt()
    return (z / (rms + eps) * weight).to(x.dtype)


def subtracts_mean(x, weight, eps=1e-6):
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    z = z - z.mean(dim=-1, keepdim=True)
    return (z * torch.rsqrt(z.pow(2).mean(dim=-1, keepdim=True) + eps) * weight).to(x.dtype)


def no_upcast(x, weight, eps=1e-6):
    ms = (x * x).mean(dim=-1, keepdim=True)  # in x's dtype: float16 squares overflow past 256
    return x * torch.rsqrt(ms + eps) * weight


DRILL = Drill(
    id="rms_norm",
    title=T("RMS normalisation", zh="RMS 归一化（RMSNorm）"),
    difficulty="easy",
    tags=("basics", "numerics", "normalisation", "llm"),
    minutes=5,
    entry="rms_norm",
    reference=rms_norm,
    cases=CASES,
    forbidden=("rms_norm",),
    hints=(
        T("Each row along the last dim is divided by its root mean square, then scaled per "
          "feature. Where does eps go, and what happens to x ** 2 in float16?",
          zh="沿最后一维，每一行除以自己的均方根，再按特征逐个缩放。eps 加在哪里？"
             "x ** 2 在 float16 下会怎样？"),
        T("No mean is subtracted: ms = (x ** 2).mean(-1, keepdim=True), and eps goes inside the "
          "square root: x / sqrt(ms + eps), or x * torch.rsqrt(ms + eps).",
          zh="不减均值：ms = (x ** 2).mean(-1, keepdim=True)，eps 放在平方根里面："
             "x / sqrt(ms + eps)，或 x * torch.rsqrt(ms + eps)。"),
        T("float16 overflows past 65504, so x ** 2 is inf for |x| > 256: square in float32 "
          "(z = x.float()) and return .to(x.dtype).",
          zh="float16 超过 65504 就上溢，所以 |x| > 256 时 x ** 2 是 inf：在 float32 下求平方"
             "（z = x.float()），最后 .to(x.dtype) 转回去。"),
    ),
    mistakes=(
        Mistake("eps-outside-sqrt",
                T("x / (sqrt(ms) + eps) is wrong for rows whose mean square is near eps: put eps "
                  "inside, x / sqrt(ms + eps)",
                  zh="均方接近 eps 的行，用 x / (sqrt(ms) + eps) 算出来是错的：eps 要放进根号里，"
                     "x / sqrt(ms + eps)"), eps_outside_sqrt),
        Mistake("subtracts-mean",
                T("centres each row first, as layer norm does: RMS norm only rescales, "
                  "x / sqrt(mean(x ** 2) + eps), with no mean subtracted",
                  zh="像 LayerNorm 那样先把每行中心化了：RMSNorm 只做缩放，"
                     "x / sqrt(mean(x ** 2) + eps)，不减均值"), subtracts_mean),
        Mistake("no-upcast",
                T("x ** 2 in float16 overflows to inf for |x| > 256, so the row comes out as "
                  "zeros: square in float32 (x.float()) and cast the result back",
                  zh="|x| > 256 时，float16 下的 x ** 2 上溢为 inf，整行输出变成 0：在 float32 下"
                     "求平方（x.float()），再把结果转回原 dtype"), no_upcast),
    ),
)
