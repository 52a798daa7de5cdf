"""The cross-entropy drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.cross_entropy import cross_entropy

reference = cross_entropy  # the name a mistake uses to call the reference (see grader/selftest.py)


def _random(scale: float = 1.0, noncontiguous: bool = False):
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        return Call((make(d.N, d.C, scale=scale), r.integers(d.C, d.N)))
    return build


def _confident_wrong(gap: float):
    """Rows whose target logit sits at -gap/2 and another class's at +gap/2: loss ~ gap."""
    def build(r, d):
        logits = r.normal(d.N, d.C).double()
        target = r.integers(d.C, d.N)
        rows = torch.arange(d.N)
        logits[rows, target] = -gap / 2 + logits[rows, target]
        logits[rows, (target + 1) % d.C] = gap / 2 + logits[rows, (target + 1) % d.C]
        return Call((logits.to(r.dtype), target))
    return build


CASES = (
    Case("every dim a distinct size", "shape", dict(N=6, C=9), _random(scale=2.0)),
    Case("batch of 1", "shape", dict(N=1, C=7), _random(scale=2.0)),
    Case("two classes", "shape", dict(N=5, C=2), _random(scale=2.0)),
    Case("non-contiguous logits", "shape", dict(N=5, C=8), _random(noncontiguous=True)),
    Case("float64", "shape", dict(N=5, C=8), _random(scale=3.0), dtype=torch.float64),
    Case("random logits", "numerics", dict(N=8, C=10), _random(scale=3.0), grad=True),
    Case("nearly equal logits", "numerics", dict(N=4, C=11), _random(scale=1e-3)),
    Case("logits of magnitude 1e4", "stability", dict(N=4, C=7), _random(scale=1e4),
         magnitude=1e4),
    Case("confidently wrong rows, loss ~1000", "stability", dict(N=4, C=6),
         _confident_wrong(1000.0), magnitude=500),
    # exp(-102) ~ 5e-45 is a float32 subnormal: a probability that small keeps only a digit or
    # two, so log(p) is off by ~0.1 long before p underflows to 0.
    Case("confidently wrong rows, loss ~100", "stability", dict(N=5, C=6),
         _confident_wrong(102.0)),
    Case("float16", "stability", dict(N=6, C=10), _random(scale=4.0), dtype=torch.float16),
    Case("bfloat16", "stability", dict(N=6, C=10), _random(scale=4.0), dtype=torch.bfloat16),
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
    title="Cross-entropy loss",
    difficulty="easy",
    tags=("basics", "numerics", "losses"),
    minutes=8,
    entry="cross_entropy",
    reference=cross_entropy,
    cases=CASES,
    forbidden=("cross_entropy", "nll_loss", "log_softmax", "softmax"),
    hints=(
        "The loss of one row is -log of the probability softmax gives its target class. What "
        "is that probability when the model is confidently wrong, and what is log of it?",
        "Work with log-probabilities and never form the probability itself: "
        "-log softmax(z)[t] = logsumexp(z) - z[t].",
        "logsumexp(z) = m + log(sum(exp(z - m))) with m = z.amax(-1, keepdim=True): every "
        "exponent is <= 0 and the sum is >= 1. Pick z[t] with z.gather(-1, target[:, None]).",
        "Average over the batch (.mean(), not .sum()); for float16/bfloat16 compute in float32 "
        "and return .to(logits.dtype).",
    ),
    mistakes=(
        Mistake("log-of-softmax",
                "log(softmax) underflows: a confidently wrong row's probability rounds to 0 and "
                "log(0) = -inf: compute logsumexp(z) - z[target] instead", log_of_softmax),
        Mistake("eps-clamp",
                "log(p + eps) or p.clamp(min=eps) caps the loss near -log(eps) (~21-28) where it "
                "should be ~1000: drop the eps and use logsumexp(z) - z[target]", eps_clamp),
        Mistake("sum-not-mean",
                "sums the per-row losses: F.cross_entropy averages them over the batch, "
                "use .mean()", sum_not_mean),
    ),
)
