"""The LoRA drill: cases, hints and known mistakes."""

import math

import torch
import torch.nn as nn

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
            raise RuntimeError(
                "merge() copied the layer's weights into a tensor on another device (the CPU): "
                "make the new nn.Linear on the layer's device, "
                "nn.Linear(..., device=W.device, dtype=W.dtype)") from None
        raise
    if not isinstance(merged, nn.Linear):
        raise TypeError(f"merge() returned {type(merged).__name__}: the contract asks for a "
                        "plain nn.Linear(in_features, out_features)")
    want = (layer.lora_A.dtype, layer.lora_A.device)
    if (merged.weight.dtype, merged.weight.device) != want:
        raise TypeError(f"merge() returned an nn.Linear in {merged.weight.dtype} on "
                        f"{merged.weight.device}, but the layer is {want[0]} on {want[1]}: "
                        "nn.Linear(..., device=W.device, dtype=W.dtype)")
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
        return (f"{' and '.join(trains)} still {verb} grad, so the pretrained layer trains too "
                "(and its gradients cost the memory LoRA saves): freeze all of it, "
                "self.base.requires_grad_(False)")
    if still:
        verb = "does" if len(still) == 1 else "do"
        return (f"{' and '.join(still)} {verb} not require grad, so the adapter never trains: "
                "nn.Parameter(...) with requires_grad left True")
    return None


def _starts_as_base(call, out, seen):
    """out[3]: a fresh layer's [lora_A is random, lora_B is all zeros]."""
    a_random, b_zero = (bool(f) for f in out[3])
    if not a_random and not b_zero:
        return ("lora_A and lora_B are initialised the wrong way round (A zeros, B random): "
                "B = 0 is what makes a fresh layer equal its base; A is drawn at random")
    if not b_zero:
        return ("a fresh layer's lora_B is not all zeros, so B A != 0 and the layer does not "
                "start out as the pretrained one: nn.init.zeros_(self.lora_B)")
    if not a_random:
        return ("a fresh layer's lora_A is not random (it is constant, or zero): draw it like "
                "a Linear weight, nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5)); with "
                "A = 0 and B = 0 neither gets a gradient and nothing ever trains")
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


FRESH = (Property("a fresh layer's base is frozen: only lora_A and lora_B train", "gradients",
                  _frozen_base),
         Property("a fresh layer starts as its base: lora_B zeros, lora_A random", "numerics",
                  _starts_as_base))

# Every case checks the forward and the merged layer together: merge() must give the same
# answer as forward. alpha / r varies (2, 4, 8, 0.5, 1, 3 ...), and r is never 1 where the
# scaling is checked, so that alpha, alpha / r and r / alpha all differ.
CASES = (
    Case("every dim a distinct size: r=4, alpha=8", "shape", dict(B=2, T=3, In=10, Out=7, R=4),
         _layer(8.0, "B", "T", "In"), drive=forward_and_merge),
    Case("batch of 1: r=2, alpha=16", "shape", dict(B=1, T=5, In=6, Out=9, R=2),
         _layer(16.0, "B", "T", "In", b_scale=0.25), drive=forward_and_merge),
    Case("2-D input (N, In): r=3, alpha=6", "shape", dict(N=7, In=5, Out=8, R=3),
         _layer(6.0, "N", "In"), drive=forward_and_merge),
    Case("one vector x (In,): r=3, alpha=9", "shape", dict(In=6, Out=4, R=3),
         _layer(9.0, "In"), drive=forward_and_merge),
    Case("extra leading dims (B, H, T, In): r=6, alpha=12", "shape",
         dict(B=2, H=3, T=4, In=9, Out=5, R=6), _layer(12.0, "B", "H", "T", "In"),
         drive=forward_and_merge),
    Case("non-contiguous x: r=3, alpha=12", "shape", dict(B=2, T=4, In=9, Out=6, R=3),
         _layer(12.0, "B", "T", "In", noncontiguous=True), drive=forward_and_merge),
    Case("random inputs: r=3, alpha=6", "numerics", dict(B=2, T=5, In=8, Out=6, R=3),
         _layer(6.0, "B", "T", "In", scale=2.0), grad=True, drive=forward_and_merge),
    Case("alpha < r: r=8, alpha=4, scaling 0.5", "numerics", dict(B=3, T=2, In=12, Out=10, R=8),
         _layer(4.0, "B", "T", "In"), grad=True, drive=forward_and_merge),
    Case("rank 1: r=1, alpha=1", "numerics", dict(B=2, T=4, In=7, Out=5, R=1),
         _layer(1.0, "B", "T", "In"), drive=forward_and_merge),
    Case("float64: r=4, alpha=16", "numerics", dict(B=3, T=2, In=7, Out=9, R=4),
         _layer(16.0, "B", "T", "In", scale=2.0), dtype=torch.float64, drive=forward_and_merge),
    Case("a fresh LoRALinear: base frozen, lora_B zeros, lora_A random", "numerics",
         dict(B=2, T=3, In=9, Out=4, R=5), _layer(10.0, "B", "T", "In", fresh=True),
         drive=forward_and_merge, properties=FRESH),
    Case("float16: r=4, alpha=8", "stability", dict(B=2, T=3, In=12, Out=10, R=4),
         _layer(8.0, "B", "T", "In", scale=2.0), dtype=torch.float16, drive=forward_and_merge),
    Case("bfloat16: r=2, alpha=6", "stability", dict(B=3, T=4, In=10, Out=8, R=2),
         _layer(6.0, "B", "T", "In", scale=2.0), dtype=torch.bfloat16, drive=forward_and_merge),
    Case("inputs of magnitude 30: r=4, alpha=32", "stability", dict(B=2, T=3, In=16, Out=6, R=4),
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
    title="LoRA linear layer (and merge)",
    difficulty="medium",
    tags=("llm", "fine-tuning", "modules"),
    minutes=12,
    entry="LoRALinear",
    reference=LoRALinear,
    cases=CASES,
    outputs=("y", "merged_y", "trainable", "starts_as_base"),
    aliases=("lora-linear", "low-rank-adaptation"),
    hints=(
        "Two paths, added: the pretrained Linear, frozen, and a rank-r detour x -> A -> B "
        "whose output is scaled by alpha / r. merge() folds the detour into one weight.",
        "lora_A is (r, in_features) and random, kaiming_uniform_(a=math.sqrt(5)) like a Linear "
        "weight; lora_B is (out_features, r) and zeros, so a fresh layer equals its base. "
        "Freeze the base with self.base.requires_grad_(False).",
        "forward: self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * (alpha / r). The "
        "scaling is alpha / r, not alpha; A comes first (it maps In down to r).",
        "merge: a new nn.Linear(in, out, device=W.device, dtype=W.dtype); under "
        "torch.no_grad() copy W + (alpha / r) * lora_B @ lora_A (plus, not minus) into its "
        "weight and the base's bias into its bias.",
    ),
    mistakes=(
        Mistake("scale-by-alpha",
                "the update is scaled by alpha: scale it by alpha / r, so its size does not "
                "change with the rank", ScaleByAlpha),
        Mistake("swapped-init",
                "lora_A starts at zero and lora_B random: swap them, B = 0 (so a fresh layer "
                "equals its base) and A random, kaiming_uniform_(a=math.sqrt(5))", SwappedInit),
        Mistake("merge-sign",
                "merge() subtracts the update: the merged weight is W + (alpha / r) * B @ A",
                MergeSign),
        Mistake("merge-without-scaling",
                "merge() adds B @ A without alpha / r, so the merged layer differs from "
                "forward: W + (alpha / r) * B @ A", MergeWithoutScaling),
        Mistake("base-not-frozen",
                "the base Linear still requires grad, so it trains too: "
                "self.base.requires_grad_(False) in __init__", BaseNotFrozen),
    ),
)
