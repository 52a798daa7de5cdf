"""The layer-norm drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.layer_norm import layer_norm

reference = layer_norm  # the name a mistake uses to call the reference (see grader/selftest.py)


def _params(r, d):
    """weight near 1 and bias near 0, as after training, but with no two features alike."""
    return r.normal(d.D, scale=0.5, offset=1.0), r.normal(d.D, scale=0.5)


def _inputs(scale: float = 1.0, offset: float = 0.0, noncontiguous: bool = False, **kwargs):
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(*vars(d).values(), scale=scale, offset=offset)  # (..., D): D is the last dim
        return Call((x, *_params(r, d)), kwargs)
    return build


def _row_scales(*stds: float):
    """Row n has standard deviation stds[n]: eps only matters when the variance is near it."""
    def build(r, d):
        std = torch.tensor(stds, dtype=torch.float64)[: d.R, None]
        x = (r.normal(d.R, d.D).double() * std).to(r.dtype)
        return Call((x, *_params(r, d)))
    return build


CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(B=2, T=3, D=5), _inputs()),
    Case(T("2-D input", zh="二维输入"), "shape", dict(N=4, D=6), _inputs()),
    Case(T("batch of 1, extra leading dims", zh="批大小为 1，前面多几个维度"), "shape", dict(B=1, H=3, T=4, D=6), _inputs()),
    Case(T("non-contiguous input", zh="非连续（non-contiguous）输入"), "shape", dict(B=2, T=3, D=5), _inputs(noncontiguous=True)),
    Case(T("float64", zh="float64"), "shape", dict(B=2, T=3, D=8), _inputs(scale=2.0), dtype=torch.float64),
    Case(T("random inputs", zh="随机输入"), "numerics", dict(B=2, T=3, D=16), _inputs(scale=2.0, offset=0.5),
         grad=True),
    # Dividing the variance by D - 1 instead of D scales the output by sqrt(6/7): 7% off.
    Case(T("last dim of 7", zh="最后一维大小为 7"), "numerics", dict(N=5, D=7), _inputs()),
    Case(T("rows with std 1e-3, 1e-2, 0.1 and 1", zh="各行标准差分别为 1e-3、1e-2、0.1 和 1"), "numerics", dict(R=4, D=12),
         _row_scales(1e-3, 1e-2, 0.1, 1.0)),
    Case(T("eps=1e-3 passed in", zh="传入 eps=1e-3"), "numerics", dict(N=4, D=10), _inputs(scale=0.1, eps=1e-3)),
    # E[x^2] - E[x]^2 at 1e4 + N(0, 1): both terms are ~1e8, float32 keeps ~7 digits of them,
    # and the variance of ~1 is lost (some rows even come out < 0: nan).
    Case(T("rows at 1e4 + noise", zh="各行在 1e4 + 噪声附近"), "stability", dict(N=8, D=32), _inputs(offset=1e4),
         magnitude=1e4),
    Case(T("float16", zh="float16"), "stability", dict(B=2, T=3, D=24), _inputs(scale=2.0, offset=1.0),
         dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=2, T=3, D=24), _inputs(scale=2.0, offset=1.0),
         dtype=torch.bfloat16),
)


def unbiased_variance(x, weight, bias, eps=1e-5):
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    mean = z.mean(dim=-1, keepdim=True)
    var = z.var(dim=-1, keepdim=True)  # torch's default: unbiased, divides by D - 1
    return ((z - mean) / torch.sqrt(var + eps) * weight + bias).to(x.dtype)


def eps_outside_sqrt(x, weight, bias, eps=1e-5):
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    mean = z.mean(dim=-1, keepdim=True)
    var = (z - mean).pow(2).mean(dim=-1, keepdim=True)
    return ((z - mean) / (torch.sqrt(var) + eps) * weight + bias).to(x.dtype)


def variance_cancellation(x, weight, bias, eps=1e-5):
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    mean = z.mean(dim=-1, keepdim=True)
    var = (z * z).mean(dim=-1, keepdim=True) - mean * mean
    return ((z - mean) / torch.sqrt(var + eps) * weight + bias).to(x.dtype)


DRILL = Drill(
    id="layer_norm",
    title=T("Layer normalisation", zh="层归一化（LayerNorm）"),
    difficulty="easy",
    tags=("basics", "numerics", "normalisation"),
    minutes=8,
    entry="layer_norm",
    reference=layer_norm,
    cases=CASES,
    forbidden=("layer_norm", "group_norm", "instance_norm", "batch_norm"),
    hints=(
        T("Each row along the last dim gets its own mean and variance; weight and bias then act "
          "per feature. Which variance does layer norm use, and where exactly does eps go?",
          zh="沿最后一维，每一行用自己的均值和方差；之后 weight 和 bias 按特征逐个作用。"
             "LayerNorm 用的是哪种方差？eps 到底加在哪里？"),
        T("The variance is biased (divide by D, not D - 1) and eps sits inside the square root: "
          "(x - mean) / sqrt(var + eps). torch.var divides by D - 1 unless told otherwise.",
          zh="方差是有偏的（除以 D，不是 D - 1），eps 在平方根里面："
             "(x - mean) / sqrt(var + eps)。torch.var 默认除以 D - 1。"),
        T("Compute the variance in two passes, ((x - mean) ** 2).mean(-1, keepdim=True): the "
          "one-pass E[x^2] - E[x]^2 cancels catastrophically when the rows sit far from 0.",
          zh="分两遍计算方差：((x - mean) ** 2).mean(-1, keepdim=True)。一遍算完的 "
             "E[x^2] - E[x]^2 在各行远离 0 时会发生灾难性抵消。"),
        T("For float16/bfloat16 compute in float32 and return .to(x.dtype); keepdim=True on the "
          "mean and variance so they broadcast back over the last dim.",
          zh="输入是 float16/bfloat16 时，用 float32 计算，最后 .to(x.dtype) 转回去；均值和方差"
             "都要 keepdim=True，才能沿最后一维广播回去。"),
    ),
    mistakes=(
        Mistake("unbiased-variance",
                T("divides the variance by D - 1 (torch.var's default): layer norm divides by D, "
                  "use var(unbiased=False) or ((x - mean) ** 2).mean(-1)",
                  zh="方差除以了 D - 1（torch.var 的默认行为）：LayerNorm 除以 D，应用 "
                     "var(unbiased=False) 或 ((x - mean) ** 2).mean(-1)"), unbiased_variance),
        Mistake("eps-outside-sqrt",
                T("(x - mean) / (sqrt(var) + eps) is wrong for rows whose variance is near eps: "
                  "put eps inside, (x - mean) / sqrt(var + eps)",
                  zh="方差接近 eps 的行，用 (x - mean) / (sqrt(var) + eps) 算出来是错的：eps "
                     "要放进根号里，(x - mean) / sqrt(var + eps)"), eps_outside_sqrt),
        Mistake("variance-cancellation",
                T("var = E[x^2] - E[x]^2 cancels catastrophically for rows far from 0 (1e4 + "
                  "noise): subtract the mean first, ((x - mean) ** 2).mean(-1)",
                  zh="对远离 0 的行（1e4 + 噪声），var = E[x^2] - E[x]^2 会发生灾难性抵消："
                     "先减去均值，((x - mean) ** 2).mean(-1)"),
                variance_cancellation),
    ),
)
