"""The gradient-clipping drill: a drive that clips copies in place and returns them, properties
for the global norm, the no-op below the threshold and the in-place update, hints and known
mistakes."""

import torch

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.grad_clip import clip_grad_norm_

reference = clip_grad_norm_  # the name a mistake uses to call the reference (grader/selftest.py)


# --- the drive: runs in the sandbox, as source (torch, math, tr and its arguments only) -------

def clip_copies(clip_grad_norm_, grads, max_norm, **eps):
    """Clips copies of the grads in place and returns (total_norm, *grads as the call left
    them): the in-place update is part of the answer. Runs in the sandbox, as source."""
    # Copies (same strides: a transposed grad stays transposed): the caller's tensors stay as
    # they were, and what the attempt did to the tensors it was given is compared. The copies
    # are kept apart from the list, so a new list, or list items replaced, shows as unchanged.
    copies = [g.detach().clone() for g in grads]  # [(...)]
    total_norm = clip_grad_norm_(list(copies), max_norm, **eps)  # eps only where a case says
    return (total_norm, *copies)


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _inputs(call):
    return [g.double() for g in call.args[0]], call.args[1], call.kwargs.get("eps", 1e-6)


def _coefs(grads, outs):
    """The factor each tensor was scaled by (least squares: <out, in> / <in, in>)."""
    return [float((o.double() * g).sum() / (g * g).sum()) for g, o in zip(grads, outs)]


def _global_norm(call, out, seen):
    grads, max_norm, eps = _inputs(call)
    want = float(torch.stack([(g * g).sum() for g in grads]).sum().sqrt())
    got = float(out[0])
    if not abs(got - want) <= 1e-4 * want:
        per = [float(g.norm()) for g in grads]
        after = float(torch.stack([o.double().pow(2).sum() for o in out[1:]]).sum().sqrt())
        if abs(got - after) <= 1e-4 * want:
            return both("total_norm is {got:.6g}, the norm AFTER clipping: return the norm the "
                        "grads had before, {want:.6g}",
                        "total_norm 是 {got:.6g}，这是裁剪之后的范数：应返回裁剪之前的范数 "
                        "{want:.6g}", got=got, want=want)
        return both("total_norm is {got:.6g}, but the L2 norm of all the grads together is "
                    "{want:.6g} (the tensors' own norms are {per}): sqrt of the sum of every "
                    "squared entry of every tensor, not a sum or max of the norms",
                    "total_norm 是 {got:.6g}，但所有梯度合在一起的 L2 范数是 {want:.6g}（各张量"
                    "自己的范数是 {per}）：应是所有张量所有元素平方和的平方根，而不是各范数之和"
                    "或最大值", got=got, want=want,
                    per=", ".join(f"{p:.4g}" for p in per))
    coefs = _coefs(grads, out[1:])
    if max(coefs) - min(coefs) > 1e-4 * max(abs(c) for c in coefs):
        return both("the tensors were scaled by different factors ({coefs}): every tensor is "
                    "scaled by the same clip_coef = max_norm / (total_norm + eps) from the "
                    "global norm; clipping each by its own norm changes the update's "
                    "direction",
                    "各张量被缩放的倍数不同（{coefs}）：所有张量都要乘以同一个 clip_coef = "
                    "max_norm / (total_norm + eps)，由全局范数算出；按各自的范数分别裁剪会改变"
                    "更新的方向", coefs=", ".join(f"{c:.4g}" for c in coefs))
    return None


def _coefficient(call, out, seen):
    grads, max_norm, eps = _inputs(call)
    norm = float(torch.stack([(g * g).sum() for g in grads]).sum().sqrt())
    want = min(1.0, max_norm / (norm + eps))
    if all(torch.equal(o.double(), g) for g, o in zip(grads, out[1:])):
        return None  # not scaled at all: the in-place property says why
    got = _coefs(grads, out[1:])[0]
    if abs(got - want) <= 1e-4 * want:
        return None
    if abs(got - max_norm / norm) <= 1e-4 * want:
        return both("the grads were scaled by {got:.6g} = max_norm / total_norm, expected "
                    "max_norm / (total_norm + eps) = {want:.6g} with eps={eps:g}: add eps to "
                    "the norm before dividing",
                    "梯度乘了 {got:.6g} = max_norm / total_norm，应为 max_norm / (total_norm + "
                    "eps) = {want:.6g}（eps={eps:g}）：相除之前要先给范数加上 eps",
                    got=got, want=want, eps=eps)
    return both("the grads were scaled by {got:.6g}, expected clip_coef = min(1, max_norm / "
                "(total_norm + eps)) = {want:.6g}",
                "梯度乘了 {got:.6g}，应为 clip_coef = min(1, max_norm / (total_norm + eps)) = "
                "{want:.6g}", got=got, want=want)


def _below_is_no_op(call, out, seen):
    grads, max_norm, eps = _inputs(call)
    norm = float(torch.stack([(g * g).sum() for g in grads]).sum().sqrt())
    for i, (g, o) in enumerate(zip(grads, out[1:])):
        if not torch.allclose(o.double(), g, rtol=1e-6, atol=0.0):
            (c,) = _coefs([g], [o])
            return both("the grads changed (grads[{i}] scaled by {c:.4g}) although their total "
                        "norm {n:.4g} is below max_norm = {m:g}: clamp the coefficient, "
                        "clip_coef = min(1, max_norm / (total_norm + eps)), so that nothing "
                        "changes below the threshold",
                        "梯度的总范数 {n:.4g} 小于 max_norm = {m:g}，梯度却被改变了（grads[{i}] "
                        "乘了 {c:.4g}）：系数要截断，clip_coef = min(1, max_norm / (total_norm "
                        "+ eps))，低于阈值时什么都不变", i=i, c=c, n=norm, m=max_norm)
    return None


def _in_place(call, out, seen):
    grads, max_norm, eps = _inputs(call)
    if all(torch.equal(o.double(), g) for g, o in zip(grads, out[1:])):
        norm = float(torch.stack([(g * g).sum() for g in grads]).sum().sqrt())
        return both("the grads you were given are unchanged although their total norm {n:.4g} "
                    "is above max_norm = {m:g}: scale each tensor in place, g.mul_(clip_coef); "
                    "g = g * clip_coef or a new list leaves the caller's tensors as they were",
                    "传入的梯度没有任何变化，而它们的总范数 {n:.4g} 大于 max_norm = {m:g}：要原地"
                    "缩放每个张量，g.mul_(clip_coef)；写 g = g * clip_coef 或返回新列表，调用者"
                    "的张量都不会变", n=norm, m=max_norm)
    return None


def _matches_torch(call, out, seen):
    # clip_grad_norm_ is forbidden to the attempt, not to the grader: it is the ground truth.
    grads, max_norm, eps = _inputs(call)
    params = [torch.zeros_like(g) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    want = torch.nn.utils.clip_grad_norm_(params, max_norm)  # eps is 1e-6 inside
    pairs = [("total_norm", out[0], want)]
    pairs += [(f"grads[{i}]", o, p.grad) for i, (o, p) in enumerate(zip(out[1:], params))]
    for name, got, w in pairs:
        worst = float((got.double() - w).abs().max()) if got.numel() else 0.0
        if worst > 1e-5 * (1 + float(w.abs().max())):
            return both("{name} differs from torch.nn.utils.clip_grad_norm_'s by up to "
                        "{worst:.3g}", "{name} 与 torch.nn.utils.clip_grad_norm_ 的结果最多相差 "
                        "{worst:.3g}", name=name, worst=worst)
    return None


GLOBAL = Property(T("one norm over all the tensors together, one coefficient for all",
                    zh="所有张量合在一起算一个范数，共用一个系数"), "numerics", _global_norm)
COEF = Property(T("scaled by clip_coef = min(1, max_norm / (total_norm + eps))",
                  zh="缩放系数为 clip_coef = min(1, max_norm / (total_norm + eps))"), "numerics",
                _coefficient)
NO_OP = Property(T("below the threshold nothing changes", zh="低于阈值时什么都不变"),
                 "numerics", _below_is_no_op)
IN_PLACE = Property(T("the grads given are scaled in place", zh="传入的梯度被原地缩放"),
                    "numerics", _in_place)
TORCH = Property(T("equals torch.nn.utils.clip_grad_norm_",
                   zh="与 torch.nn.utils.clip_grad_norm_ 结果一致"), "numerics", _matches_torch)


# --- cases ------------------------------------------------------------------------------------

def _grads(shapes, ratio=0.5, max_norm=None, scales=None, eps=None, noncontiguous=(),
           zero=False):
    """Grads of the given shapes (names of dims), each drawn with its own scale; max_norm is
    ratio times their total norm (below 1: clipping; above 1: nothing to do) unless given."""
    def build(r, d):
        grads = []
        for i, shape in enumerate(shapes):
            sizes = [getattr(d, n) for n in shape]
            scale = scales[i] if scales else 1.0 + 0.5 * i
            make = r.noncontiguous if i in noncontiguous else r.normal
            grads.append(make(*sizes, scale=scale) * (0 if zero else 1))  # (...)
        norm = float(torch.stack([g.double().pow(2).sum() for g in grads]).sum().sqrt())
        limit = max_norm if max_norm is not None else float(f"{ratio * norm:.4g}")
        return Call((grads, limit), {} if eps is None else {"eps": eps})
    return build


def _case(name, category, dims, build, properties=(), **kw):
    return Case(name, category, dims, build, drive=clip_copies, properties=properties, **kw)


OUTPUTS = ("total_norm", "grads[0]", "grads[1]", "grads[2]", "grads[3]")

CASES = (
    _case(T("every dim a distinct size: a weight, a bias and a conv kernel",
            zh="每个维度大小都不同：一个权重、一个偏置和一个卷积核"), "shape",
          dict(O=5, I=3, C=4, K=2), _grads([("O", "I"), ("O",), ("C", "O", "K")]),
          (GLOBAL, COEF, IN_PLACE)),
    _case(T("a single tensor", zh="只有一个张量"), "shape", dict(O=6, I=4),
          _grads([("O", "I")], ratio=0.3), (IN_PLACE,)),
    _case(T("non-contiguous grads (transposed views)", zh="非连续（non-contiguous）梯度（转置视图）"),
          "shape", dict(O=5, I=7), _grads([("O", "I"), ("I",)], noncontiguous=(0,)),
          (GLOBAL, IN_PLACE)),
    _case(T("a 0-d grad (a scalar parameter) among others",
            zh="其中有一个 0 维梯度（标量参数）"), "shape", dict(O=3, I=5),
          _grads([(), ("O", "I"), ("I",)], ratio=0.6), (GLOBAL, IN_PLACE)),
    _case(T("random grads, clipped to a quarter", zh="随机梯度，裁剪到四分之一"), "numerics",
          dict(O=6, I=5, H=3, C=2), _grads([("O", "I"), ("O",), ("H", "O", "I"), ("C",)],
                                           ratio=0.25), (GLOBAL, IN_PLACE, TORCH)),
    _case(T("below the threshold: nothing changes", zh="低于阈值：什么都不变"), "numerics",
          dict(O=4, I=6, H=3), _grads([("O", "I"), ("H",), ("I", "H")], ratio=1.5),
          (NO_OP, TORCH)),
    _case(T("max_norm=1, one tensor 100x larger than the others",
            zh="max_norm=1，其中一个张量比其他的大 100 倍"), "numerics",
          dict(O=5, I=4, H=6), _grads([("O", "I"), ("H",), ("I",)], max_norm=1.0,
                                      scales=(0.05, 5.0, 0.05)), (GLOBAL, IN_PLACE, TORCH)),
    _case(T("eps=0.5 passed in", zh="传入 eps=0.5"), "numerics", dict(O=3, I=4, H=5),
          _grads([("O", "I"), ("H",)], ratio=0.5, scales=(0.3, 0.2), eps=0.5),
          (GLOBAL, COEF, IN_PLACE)),
    _case(T("all-zero grads: norm 0, nothing changes (no nan)",
            zh="梯度全为 0：范数为 0，什么都不变（不能出现 nan）"), "numerics",
          dict(O=4, I=3), _grads([("O", "I"), ("O",)], max_norm=1.0, zero=True), (NO_OP,)),
    _case(T("float64", zh="float64"), "numerics", dict(O=6, I=4, H=5),
          _grads([("O", "I"), ("H", "I")], ratio=0.4), (GLOBAL, IN_PLACE),
          dtype=torch.float64),
    _case(T("float16, grads around 300: their squares overflow float16",
            zh="float16，梯度在 300 左右：平方会超出 float16 的范围"), "stability",
          dict(O=6, I=5, H=4), _grads([("O", "I"), ("H",)], ratio=0.2, scales=(300.0, 200.0)),
          dtype=torch.float16),
    _case(T("bfloat16", zh="bfloat16"), "stability", dict(O=6, I=5, H=4),
          _grads([("O", "I"), ("H", "I")], ratio=0.5), dtype=torch.bfloat16),
)


# --- known mistakes ---------------------------------------------------------------------------

def per_tensor_norm(grads, max_norm, eps=1e-6):
    total_norm = reference([g.clone() for g in grads], max_norm, eps)  # what it returns
    for g in grads:
        # the bug: each tensor clipped by its own norm, not by the global one
        coef = (max_norm / (g.double().norm() + eps)).clamp(max=1.0)
        g.copy_(g.double() * coef)
    return total_norm


def missing_eps(grads, max_norm, eps=1e-6):
    total_norm = torch.stack([g.double().pow(2).sum() for g in grads]).sum().sqrt()
    coef = (max_norm / total_norm).clamp(max=1.0)  # the bug: eps is never added
    for g in grads:
        g.copy_(g.double() * coef)
    return total_norm.to(grads[0].dtype)


def clips_below_threshold(grads, max_norm, eps=1e-6):
    total_norm = torch.stack([g.double().pow(2).sum() for g in grads]).sum().sqrt()
    coef = max_norm / (total_norm + eps)  # the bug: not clamped to 1, small grads grow
    for g in grads:
        g.copy_(g.double() * coef)
    return total_norm.to(grads[0].dtype)


def returns_norm_after_clipping(grads, max_norm, eps=1e-6):
    reference(grads, max_norm, eps)
    # the bug: the norm of the clipped grads, not the one they had
    return torch.stack([g.double().pow(2).sum() for g in grads]).sum().sqrt().to(grads[0].dtype)


def not_in_place(grads, max_norm, eps=1e-6):
    total_norm = torch.stack([g.double().pow(2).sum() for g in grads]).sum().sqrt()
    coef = (max_norm / (total_norm + eps)).clamp(max=1.0)
    grads = [g * coef.to(g.dtype) for g in grads]  # the bug: new tensors, the caller's unchanged
    return total_norm.to(grads[0].dtype)


def sums_the_norms(grads, max_norm, eps=1e-6):
    # the bug: the tensors' norms added up, an L1 norm of norms, not the global L2 norm
    total_norm = torch.stack([g.double().norm() for g in grads]).sum()
    coef = (max_norm / (total_norm + eps)).clamp(max=1.0)
    for g in grads:
        g.copy_(g.double() * coef)
    return total_norm.to(grads[0].dtype)


DRILL = Drill(
    id="grad_clip",
    title=T("Gradient clipping by global norm (in place)",
            zh="按全局范数裁剪梯度（原地修改）"),
    difficulty="easy",
    tags=("training", "optimisation", "classic"),
    minutes=8,
    entry="clip_grad_norm_",
    reference=clip_grad_norm_,
    cases=CASES,
    outputs=OUTPUTS,
    # torch.nn.utils.clip_grad_norm_ (and clip_grad_value_) by any import: the sandbox's
    # tripwires refuse them. _foreach_norm gives every tensor's norm in one call: the drill's
    # one idea is combining them, so it stays allowed.
    forbidden=("clip_grad",),
    aliases=("clip-grad-norm", "clip_grad_norm", "gradient-clipping", "grad-clip"),
    differentiable=False,
    hints=(
        T("Treat all the gradients as one long vector: compute its L2 norm, and if it is "
          "above max_norm, shrink every tensor by the same factor so that it is not.",
          zh="把所有梯度看成一个长向量：算出它的 L2 范数，若超过 max_norm，就把每个张量"
             "按同一个倍数缩小，使范数不超过 max_norm。"),
        T("total_norm = sqrt(sum of (g ** 2).sum() over every tensor): the squares are "
          "summed across tensors, not the norms. For float16, sum the squares in float32.",
          zh="total_norm = 所有张量的 (g ** 2).sum() 之和再开平方：跨张量相加的是平方和，"
             "不是各自的范数。float16 时要在 float32 下求平方和。"),
        T("clip_coef = max_norm / (total_norm + eps), then clamp it to at most 1 "
          "(.clamp(max=1.0)): below the threshold the grads must stay as they are.",
          zh="clip_coef = max_norm / (total_norm + eps)，再截断到不超过 1（.clamp(max=1.0)）："
             "低于阈值时梯度必须保持不变。"),
        T("Scale in place, under torch.no_grad(): for g in grads: g.mul_(clip_coef.to(g.dtype)) "
          "(g = g * c only rebinds a name). Return the norm from BEFORE clipping, as a 0-d "
          "tensor in the grads' dtype.",
          zh="在 torch.no_grad() 下原地缩放：for g in grads: g.mul_(clip_coef.to(g.dtype))"
             "（g = g * c 只是给名字重新赋值）。返回裁剪之前的范数，作为 0 维张量，dtype 与"
             "梯度相同。"),
    ),
    mistakes=(
        Mistake("per-tensor-norm",
                T("each tensor is clipped by its own norm: compute one norm over all the "
                  "tensors together and scale them all by the same coefficient",
                  zh="每个张量按各自的范数裁剪：应把所有张量合在一起算一个范数，并用同一个"
                     "系数缩放全部张量"), per_tensor_norm),
        Mistake("missing-eps",
                T("eps is not added to the norm: clip_coef = max_norm / (total_norm + eps), "
                  "which also keeps the division finite when every grad is 0",
                  zh="范数没有加 eps：clip_coef = max_norm / (total_norm + eps)，这样梯度全为 "
                     "0 时除法也不会出问题"), missing_eps),
        Mistake("clips-below-threshold",
                T("the coefficient is not clamped to 1, so grads below the threshold are "
                  "scaled up: clip_coef = min(1, max_norm / (total_norm + eps))",
                  zh="系数没有截断到 1，低于阈值的梯度被放大了：clip_coef = min(1, max_norm / "
                     "(total_norm + eps))"), clips_below_threshold),
        Mistake("returns-norm-after-clipping",
                T("the norm returned is the one after clipping: return the total norm the "
                  "grads had before, as torch does (it is what you log)",
                  zh="返回的是裁剪之后的范数：要像 torch 一样返回裁剪之前的总范数（日志里记录"
                     "的就是它）"), returns_norm_after_clipping),
        Mistake("not-in-place",
                T("new tensors are made and the caller's grads stay unchanged: scale each "
                  "tensor in place, g.mul_(clip_coef)",
                  zh="创建了新张量，调用者的梯度没有变：要原地缩放每个张量，g.mul_(clip_coef)"),
                not_in_place),
        Mistake("sums-the-norms",
                T("the tensors' norms are added up: the global norm is sqrt of the sum of "
                  "their SQUARED norms, sqrt(sum(n_i ** 2))",
                  zh="把各张量的范数直接相加了：全局范数是各范数平方和的平方根，"
                     "sqrt(sum(n_i ** 2))"), sums_the_norms),
    ),
)
