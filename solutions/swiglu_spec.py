"""The SwiGLU drill: cases, hints and known mistakes."""

import torch
import torch.nn.functional as F

from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.swiglu import SwiGLU

reference = SwiGLU  # the class every mistake subclasses (see grader/selftest.py)


def _input(*dims, scale=1.0, noncontiguous=False):
    """x with the named dims in order (the last one is C = d_model); SwiGLU(C, Hd)."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(*(getattr(d, n) for n in dims), scale=scale)  # (..., C)
        return Call((x,), init_args=(d.C, d.Hd))
    return build


CASES = (
    Case("every dim a distinct size", "shape", dict(B=2, T=3, C=6, Hd=10),
         _input("B", "T", "C")),
    Case("batch of 1", "shape", dict(B=1, T=5, C=8, Hd=12), _input("B", "T", "C")),
    Case("extra leading dims (B, H, T, C)", "shape", dict(B=2, H=3, T=4, C=6, Hd=14),
         _input("B", "H", "T", "C")),
    Case("2-D input (N, C)", "shape", dict(N=7, C=5, Hd=9), _input("N", "C")),
    Case("non-contiguous x", "shape", dict(B=2, T=4, C=6, Hd=11),
         _input("B", "T", "C", noncontiguous=True)),
    Case("random inputs", "numerics", dict(B=2, T=5, C=8, Hd=12),
         _input("B", "T", "C", scale=2.0), grad=True),
    Case("float64", "numerics", dict(B=3, T=4, C=6, Hd=10), _input("B", "T", "C", scale=2.0),
         dtype=torch.float64),
    Case("float16", "stability", dict(B=2, T=5, C=8, Hd=12), _input("B", "T", "C", scale=2.0),
         dtype=torch.float16),
    Case("bfloat16", "stability", dict(B=3, T=4, C=6, Hd=10), _input("B", "T", "C", scale=2.0),
         dtype=torch.bfloat16),
    # Inputs of ~20 give gate and value of ~10 and products of ~1e2: silu must hold up at
    # both ends (sigmoid of a large negative gate is ~0, not nan).
    Case("inputs of magnitude 20", "stability", dict(B=2, T=3, C=8, Hd=16),
         _input("B", "T", "C", scale=20.0), magnitude=1e2),
)


class SiluVsGelu(SwiGLU):
    def forward(self, x):
        gate = self.w1(x).float()
        hidden = F.gelu(gate) * self.w3(x).float()  # the bug: gelu, not silu
        return self.w2(hidden.to(x.dtype))


class GateOnWrongBranch(SwiGLU):
    def forward(self, x):
        # the bug: silu on w3's branch, gating w1's
        hidden = F.silu(self.w3(x).float()) * self.w1(x).float()
        return self.w2(hidden.to(x.dtype))


class MissingW3(SwiGLU):
    def forward(self, x):
        hidden = F.silu(self.w1(x).float())  # the bug: no value branch, w3 is never used
        return self.w2(hidden.to(x.dtype))


DRILL = Drill(
    id="swiglu",
    title="SwiGLU feed-forward block",
    difficulty="easy",
    tags=("llm", "ffn", "modules"),
    minutes=8,
    entry="SwiGLU",
    reference=SwiGLU,
    cases=CASES,
    aliases=("swiglu-ffn", "gated-mlp"),
    hints=(
        "Two maps up to d_hidden, one map back down: one of the two up-projections goes "
        "through an activation and multiplies the other, feature by feature.",
        "The gate is silu(self.w1(x)); it multiplies self.w3(x), which gets no activation. "
        "silu(h) = h * sigmoid(h), not gelu.",
        "return self.w2(F.silu(self.w1(x)) * self.w3(x)); nn.Linear keeps every leading dim, "
        "so no reshape is needed. All three Linears have bias=False.",
        "For float16/bfloat16, do the silu and the product in float32 "
        "(.float()), then .to(x.dtype) before w2, so the output has x's dtype.",
    ),
    mistakes=(
        Mistake("silu-vs-gelu",
                "the gate uses gelu; SwiGLU's gate is silu(h) = h * sigmoid(h): "
                "F.silu(self.w1(x))", SiluVsGelu),
        Mistake("gate-on-wrong-branch",
                "silu is applied to w3(x) and multiplies w1(x): the gate is w1's branch, "
                "F.silu(self.w1(x)) * self.w3(x)", GateOnWrongBranch),
        Mistake("missing-w3",
                "w3 is never used, so there is no gating: multiply by the value branch, "
                "self.w2(F.silu(self.w1(x)) * self.w3(x))", MissingW3),
    ),
)
