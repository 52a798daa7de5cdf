"""The RMS-norm drill: cases, hints and known mistakes."""

import torch

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
    Case("every dim a distinct size", "shape", dict(B=2, T=3, D=5), _inputs()),
    Case("2-D input", "shape", dict(N=4, D=6), _inputs()),
    Case("batch of 1, extra leading dims", "shape", dict(B=1, H=3, T=4, D=6), _inputs()),
    Case("non-contiguous input", "shape", dict(B=2, T=3, D=5), _inputs(noncontiguous=True)),
    Case("float64", "shape", dict(B=2, T=3, D=8), _inputs(scale=2.0), dtype=torch.float64),
    Case("random inputs", "numerics", dict(B=2, T=3, D=16), _inputs(scale=2.0, offset=0.5),
         grad=True),
    Case("rows with std 1e-3, 1e-2, 0.1 and 1", "numerics", dict(R=4, D=12),
         _row_scales(1e-3, 1e-2, 0.1, 1.0)),
    Case("eps=1e-3 passed in", "numerics", dict(N=4, D=10), _inputs(scale=0.05, eps=1e-3)),
    # x ** 2 overflows float16 (max 65504) once |x| > 256: the square must be taken in float32.
    # No magnitude: the output is normalised, so the tolerance needs no room for large values.
    Case("float16, values ~300", "stability", dict(B=2, T=3, D=16), _inputs(scale=300.0),
         dtype=torch.float16),
    Case("float16", "stability", dict(B=2, T=3, D=24), _inputs(scale=2.0, offset=0.5),
         dtype=torch.float16),
    Case("bfloat16", "stability", dict(B=2, T=3, D=24), _inputs(scale=2.0, offset=0.5),
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
    title="RMS normalisation",
    difficulty="easy",
    tags=("basics", "numerics", "normalisation", "llm"),
    minutes=5,
    entry="rms_norm",
    reference=rms_norm,
    cases=CASES,
    forbidden=("rms_norm",),
    hints=(
        "Each row along the last dim is divided by its root mean square, then scaled per "
        "feature. Where does eps go, and what happens to x ** 2 in float16?",
        "No mean is subtracted: ms = (x ** 2).mean(-1, keepdim=True), and eps goes inside the "
        "square root: x / sqrt(ms + eps), or x * torch.rsqrt(ms + eps).",
        "float16 overflows past 65504, so x ** 2 is inf for |x| > 256: square in float32 "
        "(z = x.float()) and return .to(x.dtype).",
    ),
    mistakes=(
        Mistake("eps-outside-sqrt",
                "x / (sqrt(ms) + eps) is wrong for rows whose mean square is near eps: put eps "
                "inside, x / sqrt(ms + eps)", eps_outside_sqrt),
        Mistake("subtracts-mean",
                "centres each row first, as layer norm does: RMS norm only rescales, "
                "x / sqrt(mean(x ** 2) + eps), with no mean subtracted", subtracts_mean),
        Mistake("no-upcast",
                "x ** 2 in float16 overflows to inf for |x| > 256, so the row comes out as "
                "zeros: square in float32 (x.float()) and cast the result back", no_upcast),
    ),
)
