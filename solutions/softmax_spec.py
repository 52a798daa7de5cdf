"""The softmax drill: cases, hints and known mistakes."""

import torch

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
    Case("every dim a distinct size", "shape", dict(B=2, T=3, C=5), _logits()),
    Case("dim=0", "shape", dict(B=4, T=3, C=5), _logits(dim=0)),
    Case("dim=1", "shape", dict(B=2, T=6, C=5), _logits(dim=1)),
    Case("1-D input", "shape", dict(C=7), _logits()),
    Case("batch of 1, extra leading dims", "shape", dict(B=1, H=3, T=4, C=6), _logits()),
    Case("non-contiguous input", "shape", dict(B=2, T=3, C=5), _logits(noncontiguous=True)),
    Case("random logits", "numerics", dict(N=6, C=9), _logits(scale=3.0), grad=True),
    Case("float64", "numerics", dict(N=5, C=8), _logits(scale=3.0), dtype=torch.float64),
    Case("nearly equal logits", "numerics", dict(N=3, C=11), _logits(scale=1e-3)),
    Case("logits of magnitude 1e4", "stability", dict(N=4, C=7), _logits(scale=1e4),
         magnitude=1e4),
    Case("rows at offsets -1000, 0, 40, 1000", "stability", dict(R=4, C=6), _offset_rows,
         magnitude=1e3),
    Case("float16", "stability", dict(N=4, C=10), _logits(scale=4.0), dtype=torch.float16),
    Case("bfloat16", "stability", dict(N=4, C=10), _logits(scale=4.0), dtype=torch.bfloat16),
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
    title="Softmax",
    difficulty="easy",
    tags=("basics", "numerics"),
    minutes=5,
    entry="softmax",
    reference=softmax,
    cases=CASES,
    forbidden=("softmax", "log_softmax", "softmin"),
    hints=(
        "softmax is exp(x) / sum(exp(x)) along one dim. What does exp(x) do when x is 1e4?",
        "softmax(x) == softmax(x - c) for any c that is constant along dim: choose c so that "
        "the largest exponent is exp(0) = 1.",
        "c = x.amax(dim=dim, keepdim=True): the max of each row along dim, not of the whole "
        "tensor; keepdim=True so it broadcasts back. Sum with keepdim=True too.",
        "For float16/bfloat16 inputs compute in float32 and return .to(x.dtype).",
    ),
    mistakes=(
        Mistake("no-max-subtraction",
                "exp overflows for large logits (1e4 -> inf, inf/inf = nan): subtract the row "
                "max before exp", no_max_subtraction),
        Mistake("global-max",
                "subtracting the max of the whole tensor underflows rows far below it (0/0 = "
                "nan): subtract each row's own max, x.amax(dim, keepdim=True)", global_max),
        Mistake("ignores-dim", "always normalises over the last dim: use the dim argument",
                ignores_dim),
    ),
)
