"""The LoRA drill: cases, hints and known mistakes."""

import math

import torch
import torch.nn as nn

from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.lora import LoRALinear

reference = LoRALinear  # the class every mistake subclasses (see grader/selftest.py)


# --- how a case calls the layer ---------------------------------------------------------------

def forward_and_merge(layer, x, lora_B, init, fresh=False):
    """Writes lora_B, runs the layer on x, and runs the nn.Linear that merge() returns on x.

    Returns (y, merged_y); with fresh=True also what a freshly built layer trains and how it
    starts (see _frozen_base and _starts_as_base). Runs in the sandbox, as source.
    """
    # The grader loads the reference's weights, whose lora_B is zero (as the contract says): the
    # adapter would add nothing and every bug in it would hide. The case's own B goes in first.
    # It arrives as a nested list, not a tensor, so that it is a weight and not an input to
    # differentiate.
    with torch.no_grad():
        layer.lora_B.copy_(torch.tensor(lora_B, dtype=layer.lora_B.dtype,
                                        device=layer.lora_B.device))
    # merge() may fold the update into base in place and hand base back: fine, the layer is not
    # used after it. So it runs on a twin with the same weights, never on the layer whose
    # forward is differentiated below. (fork_rng: building one draws random weights, and the
    # caller's random stream is none of the grader's business.)
    with torch.random.fork_rng(devices=[]):
        twin = type(layer)(*init)
    twin = twin.to(device=layer.lora_A.device, dtype=layer.lora_A.dtype)
    twin.load_state_dict(layer.state_dict())
    # The frozen base's weights are constants: make them buffers, so that the gradient check
    # asks for gradients of lora_A and lora_B only (the grader wants every parameter to get
    # one, and a frozen weight never does). Whether the base is frozen is asked of a fresh
    # layer below, and of its requires_grad flags, which are what an optimizer reads.
    for name, weight in list(layer.base.named_parameters(recurse=False)):
        del layer.base._parameters[name]
        layer.base.register_buffer(name, weight.detach())
    x_copy = x.detach().clone()  # merged(x) below must not see a forward that edits x
    y = layer(x)  # (..., Out)
    on_meta = x.device.type == "meta"
    try:
        merged = twin.merge()
    except NotImplementedError as exc:
        if on_meta and "copy out of meta" in str(exc):  # no data step is needed to merge
            raise RuntimeError(tr(
                "merge() copied the layer's weights into a tensor on another device (the CPU): "
                "make the new nn.Linear on the layer's device, "
                "nn.Linear(..., device=W.device, dtype=W.dtype)",
                "merge() 把层的权重拷到了另一个设备（CPU）上的张量里：新的 nn.Linear 要建在层所在"
                "的设备上，nn.Linear(..., device=W.device, dtype=W.dtype)")) from None
        raise
    if not isinstance(merged, nn.Linear):
        raise TypeError(tr("merge() returned {what}: the contract asks for a plain "
                           "nn.Linear(in_features, out_features)", "merge() 返回了 {what}：约定要求"
                           "返回普通的 nn.Linear(in_features, out_features)",
                           what=type(merged).__name__))
    want = (layer.lora_A.dtype, layer.lora_A.device)
    if (merged.weight.dtype, merged.weight.device) != want:
        raise TypeError(tr("merge() returned an nn.Linear in {dtype} on {device}, but the layer "
                           "is {want_dtype} on {want_device}: nn.Linear(..., device=W.device, "
                           "dtype=W.dtype)", "merge() 返回的 nn.Linear 是 {device} 上的 {dtype}，"
                           "但层是 {want_device} 上的 {want_dtype}：应写 nn.Linear(..., "
                           "device=W.device, dtype=W.dtype)", dtype=merged.weight.dtype,
                           device=merged.weight.device, want_dtype=want[0], want_device=want[1]))
    with torch.no_grad():  # merging is for inference: its output has no gradient to check
        merged_y = merged(x_copy)  # (..., Out)
    if not fresh:
        return y, merged_y
    with torch.random.fork_rng(devices=[]):
        new = type(layer)(*init)
    trainable = torch.tensor([new.base.weight.requires_grad, new.base.bias.requires_grad,
                              new.lora_A.requires_grad, new.lora_B.requires_grad])
    A, B = new.lora_A.detach(), new.lora_B.detach()
    starts = torch.tensor([bool((A != A.reshape(-1)[0]).any()), bool((B == 0).all())])
    return y, merged_y, trainable.to(x.device), starts.to(x.device)


# --- properties: why a fresh layer is wrong, in words -----------------------------------------

def _frozen_base(call, out, seen):
    """out[2]: requires_grad of a fresh layer's base.weight, base.bias, lora_A, lora_B."""
    names = ("base.weight", "base.bias", "lora_A", "lora_B")
    flags = [bool(f) for f in out[2]]
    trains = [n for n, f in zip(names[:2], flags[:2]) if f]
    still = [n for n, f in zip(names[2:], flags[2:]) if not f]
    if trains:
        verb = "requires" if len(trains) == 1 else "require"
        return both("{names} still {verb} grad, so the pretrained layer trains too (and its "
                    "gradients cost the memory LoRA saves): freeze all of it, "
                    "self.base.requires_grad_(False)",
                    "{names_zh} 的 requires_grad 仍然是 True，预训练的层也会被训练（它的梯度"
                    "还会占掉 LoRA 省下的显存）：把它整个冻结，self.base.requires_grad_(False)",
                    names=" and ".join(trains), names_zh=" 和 ".join(trains), verb=verb)
    if still:
        verb = "does" if len(still) == 1 else "do"
        return both("{names} {verb} not require grad, so the adapter never trains: "
                    "nn.Parameter(...) with requires_grad left True",
                    "{names_zh} 的 requires_grad 是 False，适配器永远不会被训练：用 nn.Parameter(...)，"
                    "requires_grad 保持默认的 True",
                    names=" and ".join(still), names_zh=" 和 ".join(still), verb=verb)
    return None


def _starts_as_base(call, out, seen):
    """out[3]: a fresh layer's [lora_A is random, lora_B is all zeros]."""
    a_random, b_zero = (bool(f) for f in out[3])
    if not a_random and not b_zero:
        return T("lora_A and lora_B are initialised the wrong way round (A zeros, B random): "
                 "B = 0 is what makes a fresh layer equal its base; A is drawn at random",
                 zh="lora_A 和 lora_B 的初始化弄反了（A 全零，B 随机）：B = 0 才能让新建的层"
                    "等于它的 base；A 要随机初始化")
    if not b_zero:
        return T("a fresh layer's lora_B is not all zeros, so B A != 0 and the layer does not "
                 "start out as the pretrained one: nn.init.zeros_(self.lora_B)",
                 zh="新建的层的 lora_B 不是全零，于是 B A != 0，层的初始状态不等于预训练的层："
                    "nn.init.zeros_(self.lora_B)")
    if not a_random:
        return T("a fresh layer's lora_A is not random (it is constant, or zero): draw it like "
                 "a Linear weight, nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5)); with "
                 "A = 0 and B = 0 neither gets a gradient and nothing ever trains",
                 zh="新建的层的 lora_A 不是随机的（是常数或零）：像 Linear 的权重那样初始化，"
                    "nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))；A = 0 且 B = 0 时"
                    "两者都得不到梯度，什么都训练不了")
    return None


# --- cases ------------------------------------------------------------------------------------

def _layer(alpha, *dims, scale=1.0, b_scale=0.5, noncontiguous=False, fresh=False):
    """x with the named dims in order (the last is In); LoRALinear(In, Out, R, alpha); and the
    lora_B (Out, R) the drive writes in, random in the case's dtype."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(*(getattr(d, n) for n in dims), scale=scale)  # (..., In)
        lora_B = r.normal(d.Out, d.R, scale=b_scale)  # (Out, R), rounded to the case's dtype
        init = (d.In, d.Out, d.R, alpha)
        kwargs = {"init": init, "fresh": True} if fresh else {"init": init}
        return Call((x, lora_B.tolist()), kwargs, init_args=init)
    return build


FRESH = (Property(T("a fresh layer's base is frozen: only lora_A and lora_B train",
                    zh="新建的层的 base 是冻结的：只有 lora_A 和 lora_B 参与训练"), "gradients",
                  _frozen_base),
         Property(T("a fresh layer starts as its base: lora_B zeros, lora_A random",
                    zh="新建的层一开始等于它的 base：lora_B 全零，lora_A 随机"), "numerics",
                  _starts_as_base))

# Every case checks the forward and the merged layer together: merge() must give the same
# answer as forward. alpha / r varies (2, 4, 8, 0.5, 1, 3 ...), and r is never 1 where the
# scaling is checked, so that alpha, alpha / r and r / alpha all differ.
CASES = (
    Case(T("every dim a distinct size: r=4, alpha=8", zh="每个维度大小都不同：r=4，alpha=8"),
         "shape", dict(B=2, T=3, In=10, Out=7, R=4),
         _layer(8.0, "B", "T", "In"), drive=forward_and_merge),
    Case(T("batch of 1: r=2, alpha=16", zh="批大小为 1：r=2，alpha=16"), "shape",
         dict(B=1, T=5, In=6, Out=9, R=2),
         _layer(16.0, "B", "T", "In", b_scale=0.25), drive=forward_and_merge),
    Case(T("2-D input (N, In): r=3, alpha=6", zh="二维输入 (N, In)：r=3，alpha=6"), "shape",
         dict(N=7, In=5, Out=8, R=3),
         _layer(6.0, "N", "In"), drive=forward_and_merge),
    Case(T("one vector x (In,): r=3, alpha=9", zh="x 只是一个向量 (In,)：r=3，alpha=9"), "shape",
         dict(In=6, Out=4, R=3),
         _layer(9.0, "In"), drive=forward_and_merge),
    Case(T("extra leading dims (B, H, T, In): r=6, alpha=12",
           zh="前面多几个维度 (B, H, T, In)：r=6，alpha=12"), "shape",
         dict(B=2, H=3, T=4, In=9, Out=5, R=6), _layer(12.0, "B", "H", "T", "In"),
         drive=forward_and_merge),
    Case(T("non-contiguous x: r=3, alpha=12", zh="非连续（non-contiguous）的 x：r=3，alpha=12"),
         "shape", dict(B=2, T=4, In=9, Out=6, R=3),
         _layer(12.0, "B", "T", "In", noncontiguous=True), drive=forward_and_merge),
    Case(T("random inputs: r=3, alpha=6", zh="随机输入：r=3，alpha=6"), "numerics",
         dict(B=2, T=5, In=8, Out=6, R=3),
         _layer(6.0, "B", "T", "In", scale=2.0), grad=True, drive=forward_and_merge),
    Case(T("alpha < r: r=8, alpha=4, scaling 0.5", zh="alpha < r：r=8，alpha=4，缩放系数 0.5"),
         "numerics", dict(B=3, T=2, In=12, Out=10, R=8),
         _layer(4.0, "B", "T", "In"), grad=True, drive=forward_and_merge),
    Case(T("rank 1: r=1, alpha=1", zh="秩为 1：r=1，alpha=1"), "numerics",
         dict(B=2, T=4, In=7, Out=5, R=1),
         _layer(1.0, "B", "T", "In"), drive=forward_and_merge),
    Case(T("float64: r=4, alpha=16", zh="float64：r=4，alpha=16"), "numerics",
         dict(B=3, T=2, In=7, Out=9, R=4),
         _layer(16.0, "B", "T", "In", scale=2.0), dtype=torch.float64, drive=forward_and_merge),
    Case(T("a fresh LoRALinear: base frozen, lora_B zeros, lora_A random",
           zh="新建的 LoRALinear：base 冻结，lora_B 全零，lora_A 随机"), "numerics",
         dict(B=2, T=3, In=9, Out=4, R=5), _layer(10.0, "B", "T", "In", fresh=True),
         drive=forward_and_merge, properties=FRESH),
    Case(T("float16: r=4, alpha=8", zh="float16：r=4，alpha=8"), "stability",
         dict(B=2, T=3, In=12, Out=10, R=4),
         _layer(8.0, "B", "T", "In", scale=2.0), dtype=torch.float16, drive=forward_and_merge),
    Case(T("bfloat16: r=2, alpha=6", zh="bfloat16：r=2，alpha=6"), "stability",
         dict(B=3, T=4, In=10, Out=8, R=2),
         _layer(6.0, "B", "T", "In", scale=2.0), dtype=torch.bfloat16, drive=forward_and_merge),
    Case(T("inputs of magnitude 30: r=4, alpha=32", zh="量级为 30 的输入：r=4，alpha=32"),
         "stability", dict(B=2, T=3, In=16, Out=6, R=4),
         _layer(32.0, "B", "T", "In", scale=30.0), magnitude=30.0, drive=forward_and_merge),
)


# --- known mistakes ---------------------------------------------------------------------------

class ScaleByAlpha(LoRALinear):
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__(in_features, out_features, r, alpha)
        self.scaling = alpha  # the bug: alpha, not alpha / r


class SwappedInit(LoRALinear):
    def reset_lora_parameters(self):
        nn.init.zeros_(self.lora_A)  # the bug: A zero, B random
        nn.init.kaiming_uniform_(self.lora_B, a=math.sqrt(5))


class MergeSign(LoRALinear):
    def merge(self):
        W = self.base.weight
        merged = nn.Linear(W.shape[1], W.shape[0], device=W.device, dtype=W.dtype)
        with torch.no_grad():
            merged.weight.copy_(W - self.scaling * (self.lora_B @ self.lora_A))  # the bug: minus
            merged.bias.copy_(self.base.bias)
        return merged


class MergeWithoutScaling(LoRALinear):
    def merge(self):
        W = self.base.weight
        merged = nn.Linear(W.shape[1], W.shape[0], device=W.device, dtype=W.dtype)
        with torch.no_grad():
            merged.weight.copy_(W + self.lora_B @ self.lora_A)  # the bug: alpha / r left out
            merged.bias.copy_(self.base.bias)
        return merged


class BaseNotFrozen(LoRALinear):
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__(in_features, out_features, r, alpha)
        self.base.requires_grad_(True)  # the bug: the pretrained weights train too


DRILL = Drill(
    id="lora",
    title=T("LoRA linear layer (and merge)", zh="LoRA 线性层（及 merge）"),
    difficulty="medium",
    tags=("llm", "fine-tuning", "modules"),
    minutes=12,
    entry="LoRALinear",
    reference=LoRALinear,
    cases=CASES,
    outputs=("y", "merged_y", "trainable", "starts_as_base"),
    aliases=("lora-linear", "low-rank-adaptation"),
    hints=(
        T("Two paths, added: the pretrained Linear, frozen, and a rank-r detour x -> A -> B "
          "whose output is scaled by alpha / r. merge() folds the detour into one weight.",
          zh="两条路径相加：冻结的预训练 Linear，加上一条秩为 r 的旁路 x -> A -> B，旁路的"
             "输出乘以 alpha / r。merge() 把这条旁路合并进同一个权重。"),
        T("lora_A is (r, in_features) and random, kaiming_uniform_(a=math.sqrt(5)) like a Linear "
          "weight; lora_B is (out_features, r) and zeros, so a fresh layer equals its base. "
          "Freeze the base with self.base.requires_grad_(False).",
          zh="lora_A 形状为 (r, in_features)，随机初始化，和 Linear 的权重一样用 "
             "kaiming_uniform_(a=math.sqrt(5))；lora_B 形状为 (out_features, r)，全零，所以"
             "新建的层等于它的 base。用 self.base.requires_grad_(False) 冻结 base。"),
        T("forward: self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * (alpha / r). The "
          "scaling is alpha / r, not alpha; A comes first (it maps In down to r).",
          zh="forward：self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * (alpha / r)。"
             "缩放系数是 alpha / r，不是 alpha；先乘 A（它把 In 维降到 r 维）。"),
        T("merge: a new nn.Linear(in, out, device=W.device, dtype=W.dtype); under "
          "torch.no_grad() copy W + (alpha / r) * lora_B @ lora_A (plus, not minus) into its "
          "weight and the base's bias into its bias.",
          zh="merge：新建 nn.Linear(in, out, device=W.device, dtype=W.dtype)；在 "
             "torch.no_grad() 下把 W + (alpha / r) * lora_B @ lora_A（是加，不是减）拷进它的"
             "权重，把 base 的偏置拷进它的偏置。"),
    ),
    mistakes=(
        Mistake("scale-by-alpha",
                T("the update is scaled by alpha: scale it by alpha / r, so its size does not "
                  "change with the rank",
                  zh="更新量乘的是 alpha：应该乘 alpha / r，这样它的大小不随秩变化"),
                ScaleByAlpha),
        Mistake("swapped-init",
                T("lora_A starts at zero and lora_B random: swap them, B = 0 (so a fresh layer "
                  "equals its base) and A random, kaiming_uniform_(a=math.sqrt(5))",
                  zh="lora_A 初始化为零、lora_B 随机：两者要对调，B = 0（新建的层才等于它的 "
                     "base），A 随机，kaiming_uniform_(a=math.sqrt(5))"), SwappedInit),
        Mistake("merge-sign",
                T("merge() subtracts the update: the merged weight is W + (alpha / r) * B @ A",
                  zh="merge() 减去了更新量：合并后的权重是 W + (alpha / r) * B @ A"),
                MergeSign),
        Mistake("merge-without-scaling",
                T("merge() adds B @ A without alpha / r, so the merged layer differs from "
                  "forward: W + (alpha / r) * B @ A",
                  zh="merge() 加 B @ A 时没有乘 alpha / r，合并后的层与 forward 结果不同："
                     "W + (alpha / r) * B @ A"), MergeWithoutScaling),
        Mistake("base-not-frozen",
                T("the base Linear still requires grad, so it trains too: "
                  "self.base.requires_grad_(False) in __init__",
                  zh="base Linear 的 requires_grad 仍然是 True，它也会被训练：在 __init__ 里调用 "
                     "self.base.requires_grad_(False)"), BaseNotFrozen),
    ),
)
