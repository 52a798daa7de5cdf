"""The dropout drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.dropout import dropout

reference = dropout  # the name a mistake uses to call the reference (see grader/selftest.py)


# --- how a case calls dropout -----------------------------------------------------------------

def draw_and_check(dropout, x, p, training=True, seed=0):
    """Runs dropout three times (seed, the same seed again, another seed) and returns what any
    correct mask gives alike: (y, keep_rate, mean_y, dy_dx, same_seed). Runs in the sandbox,
    as source.

    The mask is random, so no two correct attempts agree entry by entry. What they do agree on:
      y          every kept entry is x / (1 - p); the dropped ones are shown as x / (1 - p)
                 too (in eval: y as returned, which must be x)
      keep_rate  the share of nonzero entries, reported as exactly 1 - p when it lies within
                 5 binomial standard deviations of it (else as it is)
      mean_y     y.mean(), reported as x.mean() when within 5 standard deviations of it
      dy_dx      the gradient of y.sum() from the second run, with 1 / (1 - p) added where
                 that run dropped: 1 / (1 - p) everywhere when backward uses the same mask
      same_seed  [the same seed gives the same y, another seed gives another y]
    """
    def generator(s):
        if x.device.type == "meta":  # the meta device has no generator: the global RNG
            return None
        return torch.Generator(device=x.device).manual_seed(s)

    y = dropout(x, p, training, generator=generator(seed))
    if not isinstance(y, torch.Tensor) or y.shape != x.shape:
        raise ValueError(tr("dropout returned {got}, expected a tensor of x's shape {want}",
                            "dropout 返回了 {got}，应为与 x 形状相同的张量 {want}",
                            got=tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__,
                            want=tuple(x.shape)))
    # The same seed again, on a copy we differentiate ourselves (the caller's x may not
    # require grad, and the grader runs known mistakes under no_grad).
    xg = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        again = dropout(xg, p, training, generator=generator(seed))
        dy_dx = None
        if again.requires_grad:
            (dy_dx,) = torch.autograd.grad(again, xg, torch.ones_like(again), allow_unused=True)
    dy_dx = torch.zeros_like(xg) if dy_dx is None else dy_dx.detach()  # (...)
    other = dropout(x, p, training, generator=generator(seed + 1))
    d, again = y.detach(), again.detach()
    same_seed = torch.stack([(again == d).all(), (other.detach() != d).any()])  # (2,) bool
    kept = d != 0  # (...) x is never exactly 0 here
    rate = kept.float().mean()  # ()
    mean_y, mean_x = d.float().mean(), x.detach().float().mean()  # ()
    if not training:
        return (y, rate.to(x.dtype), mean_y.to(x.dtype), dy_dx, same_seed)
    n = x.numel()
    rate_ok = (rate - (1 - p)).abs() <= 5 * math.sqrt(p * (1 - p) / n) + 1e-6
    keep_rate = torch.where(rate_ok, torch.full_like(rate, 1 - p), rate)  # ()
    # var(mean(y)) = sum(x^2) p / (1 - p) / n^2 for independent keeps
    spread = 5 * (x.detach().float().pow(2).sum() * p / (1 - p)).sqrt() / n + 1e-6  # ()
    mean_out = torch.where((mean_y - mean_x).abs() <= spread, mean_x, mean_y)  # ()
    y_out = torch.where(kept, y, x / (1 - p))  # (...) the dropped shown as if kept
    dy_dx = torch.where(again != 0, dy_dx, dy_dx + 1 / (1 - p))  # (...)
    return (y_out, keep_rate.to(x.dtype), mean_out.to(x.dtype), dy_dx, same_seed)


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _p(call):
    return call.args[1], call.kwargs.get("training", True)


def _keeps_one_minus_p(call, out, seen):
    p, training = _p(call)
    want = 1 - p if training else 1.0
    got = float(out[1])
    if abs(got - want) <= 1e-2 * max(want, 1e-3):
        return None
    if not training:
        return both("in eval it zeroed {drop:.1%} of the entries: training=False is the "
                    "identity, return x as it is",
                    "eval 模式下却把 {drop:.1%} 的元素置零了：training=False 时是恒等映射，"
                    "原样返回 x", drop=1 - got)
    return both("kept {got:.1%} of the entries, but p={p} keeps {want:.1%} (within a binomial "
                "bound): p is the probability of DROPPING an entry, keep where rand >= p",
                "保留了 {got:.1%} 的元素，但 p={p} 应保留 {want:.1%}（在二项分布的误差范围内）："
                "p 是丢弃一个元素的概率，rand >= p 时保留", got=got, p=p, want=want)


def _keeps_the_mean(call, out, seen):
    p, training = _p(call)
    x = call.args[0].double()
    want, got = float(x.mean()), float(out[2])
    if abs(got - want) <= 0.02 * abs(want) + 0.02 * float(x.std()):
        return None
    return both("mean(y) = {got:.4g}, but mean(x) = {want:.4g}: the kept entries must be scaled "
                "by 1 / (1 - p) in training (and not at all in eval), so that E[y] = x",
                "mean(y) = {got:.4g}，但 mean(x) = {want:.4g}：训练时保留下来的元素要乘以 "
                "1 / (1 - p)（eval 时完全不缩放），这样才有 E[y] = x", got=got, want=want)


def _gradient_masked(call, out, seen):
    p, training = _p(call)
    want = 1 / (1 - p) if training else 1.0
    dy_dx = out[3].double()
    if bool(((dy_dx - want).abs() <= 0.02 * want).all()):
        return None
    if training and bool(((dy_dx - 2 * want).abs() <= 0.02 * want).any()):
        return T("the gradient reaches dropped entries: zeroing them under no_grad, in .data "
                 "or in place hides the mask from autograd; multiply by the mask instead, "
                 "y = x * keep / (1 - p)",
                 zh="梯度流到了被丢弃的元素上：在 no_grad 下、通过 .data 或原地置零会让 autograd "
                    "看不到掩码；应乘以掩码，y = x * keep / (1 - p)")
    return both("dy/dx should be {want:.4g} where an entry is kept and 0 where it is dropped: "
                "backward must go through the same mask and the same 1 / (1 - p) scale as the "
                "forward (in eval: 1 everywhere)",
                "dy/dx 应在保留处为 {want:.4g}、丢弃处为 0：反向传播必须经过与前向相同的掩码"
                "和相同的 1 / (1 - p) 缩放（eval 时处处为 1）", want=want)


def _seeded(call, out, seen):
    p, training = _p(call)
    same, differs = (bool(f) for f in out[4])
    if not same:
        return T("the same generator seed gave a different y: draw every random number from "
                 "the generator argument, torch.rand(x.shape, generator=generator, "
                 "device=x.device)",
                 zh="同一个 generator 种子却得到了不同的 y：所有随机数都要从参数 generator 里取，"
                    "torch.rand(x.shape, generator=generator, device=x.device)")
    if training and 0 < p and not differs:
        return T("another generator seed gave the same y: the mask must come from the "
                 "generator, not from something fixed",
                 zh="换了 generator 种子，y 却完全一样：掩码必须由 generator 随机生成，不能是固定的")
    return None


CHECKS = (
    Property(T("keeps 1 - p of the entries", zh="保留约 1 - p 的元素"), "numerics",
             _keeps_one_minus_p),
    Property(T("preserves the mean: E[y] = x", zh="均值不变：E[y] = x"), "numerics",
             _keeps_the_mean),
    Property(T("the gradient goes through the same mask", zh="梯度经过同一个掩码"),
             "gradients", _gradient_masked),
    Property(T("the generator decides the mask", zh="掩码由 generator 决定"), "numerics",
             _seeded),
)


# --- cases ------------------------------------------------------------------------------------

def _inputs(p, training=True, scale=1.0, offset=0.0, noncontiguous=False):
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        x = make(*vars(d).values(), scale=scale, offset=offset)  # (...)
        x = torch.where(x == 0, torch.ones_like(x), x)  # an exact 0 would look dropped
        return Call((x, p), {"training": training, "seed": r.integers(2**31, 1).item()})
    return build


def _case(name, category, dims, build, **kw):
    return Case(name, category, dims, build, drive=draw_and_check, properties=CHECKS, **kw)


CASES = (
    _case(T("every dim a distinct size: p=0.3", zh="每个维度大小都不同：p=0.3"), "shape",
          dict(B=4, T=6, D=50), _inputs(0.3)),
    _case(T("batch of 1, extra leading dims: p=0.2", zh="批大小为 1，前面多几个维度：p=0.2"),
          "shape", dict(B=1, H=3, T=8, D=40), _inputs(0.2)),
    _case(T("1-D input: p=0.25", zh="一维输入：p=0.25"), "shape", dict(N=1000), _inputs(0.25)),
    _case(T("non-contiguous input: p=0.4", zh="非连续（non-contiguous）输入：p=0.4"), "shape",
          dict(B=5, T=12, D=20), _inputs(0.4, noncontiguous=True)),
    _case(T("random inputs, gradient: p=0.3", zh="随机输入，梯度：p=0.3"), "numerics",
          dict(B=4, T=7, D=40), _inputs(0.3, scale=2.0), grad=True),
    _case(T("eval: training=False is the identity, p=0.3",
            zh="eval：training=False 时是恒等映射，p=0.3"), "numerics",
          dict(B=3, T=8, D=30), _inputs(0.3, training=False), grad=True),
    _case(T("p=0 keeps every entry", zh="p=0 时保留全部元素"), "numerics",
          dict(B=3, T=5, D=40), _inputs(0.0)),
    _case(T("p=0.9 drops most entries", zh="p=0.9 时丢弃大部分元素"), "numerics",
          dict(N=40, D=60), _inputs(0.9)),
    _case(T("x around 2, the mean must stay: p=0.6", zh="x 在 2 附近，均值必须不变：p=0.6"),
          "numerics", dict(N=30, D=70), _inputs(0.6, scale=0.5, offset=2.0)),
    _case(T("float64: p=0.35", zh="float64：p=0.35"), "numerics", dict(B=4, T=9, D=25),
          _inputs(0.35), dtype=torch.float64),
    _case(T("float16: p=0.3", zh="float16：p=0.3"), "stability", dict(B=4, T=6, D=45),
          _inputs(0.3, scale=2.0), dtype=torch.float16),
    _case(T("bfloat16: p=0.2", zh="bfloat16：p=0.2"), "stability", dict(B=4, T=6, D=45),
          _inputs(0.2, scale=2.0), dtype=torch.bfloat16),
    _case(T("inputs of magnitude 1e4: p=0.45", zh="量级为 1e4 的输入：p=0.45"), "stability",
          dict(B=3, T=8, D=50), _inputs(0.45, scale=1e4), magnitude=1e4),
)


# --- known mistakes ---------------------------------------------------------------------------

def no_scaling(x, p=0.5, training=True, generator=None):
    if not training:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep  # the bug: no 1 / (1 - p), so E[y] = (1 - p) x


def scales_at_eval(x, p=0.5, training=True, generator=None):
    if not training:
        return x / (1 - p)  # the bug: eval scales too (the scaling is already in training)
    return reference(x, p, training, generator)


def p_as_keep_prob(x, p=0.5, training=True, generator=None):
    if not training:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator, device=x.device) < p  # the bug: keeps p
    return x * keep / p


def ignores_generator(x, p=0.5, training=True, generator=None):
    if not training:
        return x.clone()
    keep = torch.rand(x.shape, device=x.device) >= p  # the bug: the global RNG, not generator
    return x * keep / (1 - p)


def zeroed_under_no_grad(x, p=0.5, training=True, generator=None):
    if not training:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    y = x / (1 - p)
    with torch.no_grad():
        y[~keep] = 0  # the bug: autograd never sees the mask, so dy/dx = 1 / (1 - p) everywhere
    return y


DRILL = Drill(
    id="dropout",
    title=T("Inverted dropout", zh="Inverted dropout（反向缩放的 dropout）"),
    difficulty="easy",
    tags=("basics", "training", "regularisation"),
    minutes=6,
    entry="dropout",
    reference=dropout,
    cases=CASES,
    outputs=("y", "keep_rate", "mean_y", "dy_dx", "same_seed"),
    forbidden=("dropout",),
    aliases=("inverted-dropout",),
    hints=(
        T("In training, each entry survives with probability 1 - p; the survivors are scaled so "
          "that the expected output equals the input. In eval nothing happens.",
          zh="训练时每个元素以 1 - p 的概率保留，保留下来的元素要缩放，使输出的期望等于"
             "输入。eval 时什么都不做。"),
        T("Draw one uniform number per entry from the generator, on x's device: "
          "torch.rand(x.shape, generator=generator, device=x.device). Keep where it is >= p: "
          "p is the DROP probability.",
          zh="为每个元素从 generator 取一个均匀随机数，放在 x 的设备上：torch.rand(x.shape, "
             "generator=generator, device=x.device)。随机数 >= p 的保留：p 是丢弃概率。"),
        T("y = x * keep / (1 - p): multiply by the mask (so backward zeroes the same entries), "
          "and scale by 1 / (1 - p) in training only. training=False: return x (a copy).",
          zh="y = x * keep / (1 - p)：乘以掩码（反向传播才会把同样的元素置零），只在训练时"
             "乘 1 / (1 - p)。training=False：返回 x（的拷贝）。"),
        T("Return x's dtype: for float16/bfloat16, draw and scale in float32, then .to(x.dtype).",
          zh="返回 x 的 dtype：float16/bfloat16 时在 float32 下取随机数并缩放，最后 "
             ".to(x.dtype)。"),
    ),
    mistakes=(
        Mistake("no-scaling",
                T("the kept entries are not scaled, so E[y] = (1 - p) x: divide by (1 - p) in "
                  "training",
                  zh="保留下来的元素没有缩放，于是 E[y] = (1 - p) x：训练时要除以 (1 - p)"),
                no_scaling),
        Mistake("scales-at-eval",
                T("eval divides by (1 - p) too: inverted dropout scales in training only, eval "
                  "returns x unchanged",
                  zh="eval 时也除以了 (1 - p)：inverted dropout 只在训练时缩放，eval 原样返回 x"),
                scales_at_eval),
        Mistake("p-as-keep-prob",
                T("p is used as the keep probability: p is the probability of dropping, keep "
                  "where rand >= p and scale by 1 / (1 - p)",
                  zh="把 p 当成了保留概率：p 是丢弃概率，rand >= p 时保留，并乘以 1 / (1 - p)"),
                p_as_keep_prob),
        Mistake("ignores-generator",
                T("the mask comes from the global RNG: pass generator=generator to torch.rand, "
                  "so that a seed reproduces the mask",
                  zh="掩码用的是全局随机数生成器：要把 generator=generator 传给 torch.rand，"
                     "同一个种子才能复现同一个掩码"),
                ignores_generator),
        Mistake("zeroed-under-no-grad",
                T("the dropped entries are zeroed under no_grad, so their gradient is not: "
                  "multiply by the mask, y = x * keep / (1 - p)",
                  zh="被丢弃的元素是在 no_grad 下置零的，它们的梯度却没有被置零：应乘以掩码，"
                     "y = x * keep / (1 - p)"),
                zeroed_under_no_grad),
    ),
)
