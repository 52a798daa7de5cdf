"""The cross-entropy drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.cross_entropy import cross_entropy

reference = cross_entropy  # the name a mistake uses to call the reference (see grader/selftest.py)


def _random(scale: float = 1.0, noncontiguous: bool = False):
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        return Call((make(d.N, d.C, scale=scale), r.integers(d.C, d.N)))
    return build


def _confident_wrong(*losses: float):
    """Row n's target logit sits at -losses[n]/2 and another class's at +losses[n]/2, the rest
    near 0: a confident, wrong guess whose loss is ~losses[n]."""
    def build(r, d):
        logits = r.normal(d.N, d.C).double()  # (N, C)
        target = r.integers(d.C, d.N)  # (N,)
        rows, half = torch.arange(d.N), torch.tensor(losses, dtype=torch.float64)[: d.N] / 2
        logits[rows, target] = -half
        logits[rows, (target + 1) % d.C] = half
        return Call((logits.to(r.dtype), target))
    return build


CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(N=6, C=9), _random(scale=2.0)),
    Case(T("batch of 1", zh="批大小为 1"), "shape", dict(N=1, C=7), _random(scale=2.0)),
    Case(T("two classes", zh="只有两个类别"), "shape", dict(N=5, C=2), _random(scale=2.0)),
    Case(T("non-contiguous logits", zh="非连续（non-contiguous）的 logits"), "shape", dict(N=5, C=8), _random(noncontiguous=True)),
    Case(T("float64", zh="float64"), "shape", dict(N=5, C=8), _random(scale=3.0), dtype=torch.float64),
    Case(T("random logits", zh="随机 logits"), "numerics", dict(N=8, C=10), _random(scale=3.0), grad=True),
    Case(T("nearly equal logits", zh="几乎相等的 logits"), "numerics", dict(N=4, C=11), _random(scale=1e-3)),
    Case(T("logits of magnitude 1e4", zh="量级为 1e4 的 logits"), "stability", dict(N=4, C=7), _random(scale=1e4),
         magnitude=1e4),
    # The target's probability is exp(-1000): 0 in any float dtype, so log(p) = -inf.
    Case(T("confidently wrong rows, loss ~1000", zh="自信地猜错的行，loss 约 1000"), "stability", dict(N=4, C=6),
         _confident_wrong(1000, 980, 1010, 1000)),
    # exp(-102) ~ 5e-45 is a float32 subnormal: a probability that small keeps a digit or two,
    # so log(p) is already ~0.1 off before p underflows to 0 (at a loss of ~104).
    Case(T("confidently wrong rows, loss ~100", zh="自信地猜错的行，loss 约 100"), "stability", dict(N=5, C=6),
         _confident_wrong(98, 100, 101, 102, 103)),
    Case(T("float16", zh="float16"), "stability", dict(N=6, C=10), _random(scale=4.0), dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(N=6, C=10), _random(scale=4.0), dtype=torch.bfloat16),
)


def log_of_softmax(logits, target):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32))
    e = (z - z.amax(dim=-1, keepdim=True)).exp()
    p = e / e.sum(dim=-1, keepdim=True)
    return -p.gather(-1, target.unsqueeze(-1)).log().mean().to(logits.dtype)


def eps_clamp(logits, target):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32))
    e = (z - z.amax(dim=-1, keepdim=True)).exp()
    p = e / e.sum(dim=-1, keepdim=True)
    return -(p.gather(-1, target.unsqueeze(-1)) + 1e-9).log().mean().to(logits.dtype)


def sum_not_mean(logits, target):
    return reference(logits, target) * target.numel()


DRILL = Drill(
    id="cross_entropy",
    title=T("Cross-entropy loss", zh="交叉熵损失"),
    difficulty="easy",
    tags=("basics", "numerics", "losses"),
    minutes=8,
    entry="cross_entropy",
    reference=cross_entropy,
    cases=CASES,
    forbidden=("cross_entropy", "nll_loss", "log_softmax", "softmax"),
    hints=(
        T("The loss of one row is -log of the probability softmax gives its target class. What "
          "is that probability when the model is confidently wrong, and what is log of it?",
          zh="每一行的 loss 是 -log p，p 是 softmax 给目标类别的概率。模型很自信却猜错时，"
             "p 是多少？log p 又是多少？"),
        T("Work with log-probabilities and never form the probability itself: "
          "-log softmax(z)[t] = logsumexp(z) - z[t].",
          zh="全程用对数概率计算，不要把概率本身算出来："
             "-log softmax(z)[t] = logsumexp(z) - z[t]。"),
        T("logsumexp(z) = m + log(sum(exp(z - m))) with m = z.amax(-1, keepdim=True): every "
          "exponent is <= 0 and the sum is >= 1. Pick z[t] with z.gather(-1, target[:, None]).",
          zh="logsumexp(z) = m + log(sum(exp(z - m)))，其中 m = z.amax(-1, keepdim=True)："
             "每个指数都 <= 0，求和结果 >= 1。用 z.gather(-1, target[:, None]) 取出 z[t]。"),
        T("Average over the batch (.mean(), not .sum()); for float16/bfloat16 compute in float32 "
          "and return .to(logits.dtype).",
          zh="在批维度上取平均（.mean()，不是 .sum()）；输入是 float16/bfloat16 时，用 float32 "
             "计算，最后 .to(logits.dtype) 转回去。"),
    ),
    mistakes=(
        Mistake("log-of-softmax",
                T("log(softmax) underflows: a confidently wrong row's probability first loses its "
                  "digits, then rounds to 0, and log(0) = -inf: use logsumexp(z) - z[target]",
                  zh="log(softmax) 会下溢：自信地猜错时，目标类别的概率 p 先丢失有效数字，再被"
                     "舍入为 0，而 log(0) = -inf：应改用 logsumexp(z) - z[target]"),
                log_of_softmax),
        Mistake("eps-clamp",
                T("log(p + eps) or p.clamp(min=eps) caps the loss near -log(eps) (~21-28) where it "
                  "should be ~1000: drop the eps and use logsumexp(z) - z[target]",
                  zh="log(p + eps) 或 p.clamp(min=eps) 会把 loss 封顶在 -log(eps)（约 21-28）"
                     "附近，而它本应约为 1000：去掉 eps，改用 logsumexp(z) - z[target]"),
                eps_clamp),
        Mistake("sum-not-mean",
                T("sums the per-row losses: F.cross_entropy averages them over the batch, "
                  "use .mean()",
                  zh="把每行的 loss 加起来了：F.cross_entropy 是在批维度上取平均，应该用 "
                     ".mean()"), sum_not_mean),
    ),
)
