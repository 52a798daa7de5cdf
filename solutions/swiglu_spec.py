"""The SwiGLU drill: cases, hints and known mistakes."""

import torch
import torch.nn.functional as F

from handwrite.grader.i18n import T
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
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(B=2, T=3, C=6, Hd=10),
         _input("B", "T", "C")),
    Case(T("batch of 1", zh="批大小为 1"), "shape", dict(B=1, T=5, C=8, Hd=12), _input("B", "T", "C")),
    Case(T("extra leading dims (B, H, T, C)", zh="前面多几个维度 (B, H, T, C)"), "shape", dict(B=2, H=3, T=4, C=6, Hd=14),
         _input("B", "H", "T", "C")),
    Case(T("2-D input (N, C)", zh="二维输入 (N, C)"), "shape", dict(N=7, C=5, Hd=9), _input("N", "C")),
    Case(T("non-contiguous x", zh="非连续（non-contiguous）的 x"), "shape", dict(B=2, T=4, C=6, Hd=11),
         _input("B", "T", "C", noncontiguous=True)),
    Case(T("random inputs", zh="随机输入"), "numerics", dict(B=2, T=5, C=8, Hd=12),
         _input("B", "T", "C", scale=2.0), grad=True),
    Case(T("float64", zh="float64"), "numerics", dict(B=3, T=4, C=6, Hd=10), _input("B", "T", "C", scale=2.0),
         dtype=torch.float64),
    Case(T("float16", zh="float16"), "stability", dict(B=2, T=5, C=8, Hd=12), _input("B", "T", "C", scale=2.0),
         dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=3, T=4, C=6, Hd=10), _input("B", "T", "C", scale=2.0),
         dtype=torch.bfloat16),
    # Inputs of ~20 give gate and value of ~10 and products of ~1e2: silu must hold up at
    # both ends (sigmoid of a large negative gate is ~0, not nan).
    Case(T("inputs of magnitude 20", zh="量级为 20 的输入"), "stability", dict(B=2, T=3, C=8, Hd=16),
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
    title=T("SwiGLU feed-forward block", zh="SwiGLU 前馈层"),
    difficulty="easy",
    tags=("llm", "ffn", "modules"),
    minutes=8,
    entry="SwiGLU",
    reference=SwiGLU,
    cases=CASES,
    aliases=("swiglu-ffn", "gated-mlp"),
    hints=(
        T("Two maps up to d_hidden, one map back down: one of the two up-projections goes "
          "through an activation and multiplies the other, feature by feature.",
          zh="两个线性层升到 d_hidden，一个再降回来：两个升维投影之一先过激活函数，"
             "再逐特征地乘上另一个。"),
        T("The gate is silu(self.w1(x)); it multiplies self.w3(x), which gets no activation. "
          "silu(h) = h * sigmoid(h), not gelu.",
          zh="门控是 silu(self.w1(x))，它去乘 self.w3(x)，后者不过激活函数。"
             "silu(h) = h * sigmoid(h)，不是 gelu。"),
        T("return self.w2(F.silu(self.w1(x)) * self.w3(x)); nn.Linear keeps every leading dim, "
          "so no reshape is needed. All three Linears have bias=False.",
          zh="return self.w2(F.silu(self.w1(x)) * self.w3(x))；nn.Linear 会保留前面所有维度，"
             "不需要 reshape。三个 Linear 都是 bias=False。"),
        T("For float16/bfloat16, do the silu and the product in float32 "
          "(.float()), then .to(x.dtype) before w2, so the output has x's dtype.",
          zh="输入是 float16/bfloat16 时，silu 和乘法用 float32 算（.float()），送进 w2 之前"
             "再 .to(x.dtype) 转回去，这样输出的 dtype 与 x 相同。"),
    ),
    mistakes=(
        Mistake("silu-vs-gelu",
                T("the gate uses gelu; SwiGLU's gate is silu(h) = h * sigmoid(h): "
                  "F.silu(self.w1(x))",
                  zh="门控用了 gelu；SwiGLU 的门控是 silu(h) = h * sigmoid(h)："
                     "F.silu(self.w1(x))"), SiluVsGelu),
        Mistake("gate-on-wrong-branch",
                T("silu is applied to w3(x) and multiplies w1(x): the gate is w1's branch, "
                  "F.silu(self.w1(x)) * self.w3(x)",
                  zh="silu 作用在 w3(x) 上再去乘 w1(x)：门控应该是 w1 这一支，"
                     "F.silu(self.w1(x)) * self.w3(x)"), GateOnWrongBranch),
        Mistake("missing-w3",
                T("w3 is never used, so there is no gating: multiply by the value branch, "
                  "self.w2(F.silu(self.w1(x)) * self.w3(x))",
                  zh="从没用到 w3，所以根本没有门控：要乘上 value 分支，"
                     "self.w2(F.silu(self.w1(x)) * self.w3(x))"), MissingW3),
    ),
)
