"""The learning-rate schedule drill: a drive that calls lr_at at every step and turns the floats
into a tensor, boundary properties, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.lr_schedule import lr_at

reference = lr_at  # the name a mistake uses to call the reference (see grader/selftest.py)


# --- the drive: runs in the sandbox, as source (torch, math, tr and its arguments only) -------

def every_step(lr_at, base_lr, warmup_steps, total_steps, min_lr, past_end=3):
    """Calls lr_at at every step from 0 to total_steps + past_end and returns the learning
    rates as one float64 tensor of total_steps + past_end + 1 values."""
    lrs = []
    for step in range(total_steps + past_end + 1):
        lr = lr_at(step, base_lr, warmup_steps, total_steps, min_lr)
        if isinstance(lr, torch.Tensor) and lr.dim() == 0:
            lr = float(lr)  # a 0-d tensor is a number too
        elif isinstance(lr, bool) or not isinstance(lr, (int, float)):
            got = (f"a tensor of shape {tuple(lr.shape)}" if isinstance(lr, torch.Tensor)
                   else "None" if lr is None else type(lr).__name__)
            raise TypeError(tr(
                "lr_at({step}, {base_lr}, {warmup_steps}, {total_steps}, {min_lr}) returned "
                "{got}: return the learning rate as one number, a Python float",
                "lr_at({step}, {base_lr}, {warmup_steps}, {total_steps}, {min_lr}) 返回了 "
                "{got}：学习率要作为一个数返回，即 Python float", step=step, base_lr=base_lr,
                warmup_steps=warmup_steps, total_steps=total_steps, min_lr=min_lr, got=got))
        lrs.append(float(lr))
    return torch.tensor(lrs, dtype=torch.float64)  # (total_steps + past_end + 1,)


# --- properties: the boundaries, in the user's words ------------------------------------------

def _args(call):
    base_lr, warmup, total, min_lr = call.args
    return base_lr, warmup, total, min_lr


def _off(got, want, base_lr):
    """Whether got is not want, up to rounding (a float32 attempt is fine)."""
    return abs(got - want) > 1e-6 * abs(base_lr)


def _starts_at_zero(call, out, seen):
    base_lr, warmup, total, min_lr = _args(call)
    got = float(out[0])
    if warmup == 0:
        if _off(got, base_lr, base_lr):
            return both("at step 0 lr is {got:.6g}, expected base_lr = {want:.6g}: with "
                        "warmup_steps=0 there is no warmup, the cosine starts at step 0 with "
                        "progress 0",
                        "第 0 步的 lr 是 {got:.6g}，应为 base_lr = {want:.6g}：warmup_steps=0 "
                        "时没有预热，余弦从第 0 步开始，progress 为 0", got=got, want=base_lr)
        return None
    if _off(got, 0.0, base_lr):
        return both("at step 0 lr is {got:.6g}, expected 0: the warmup ramp starts from 0 "
                    "(not one step ahead, not from min_lr), lr = base_lr * step / warmup_steps",
                    "第 0 步的 lr 是 {got:.6g}，应为 0：预热从 0 开始线性增长（不提前一步，也不"
                    "从 min_lr 开始），lr = base_lr * step / warmup_steps", got=got)
    return None


def _peaks_at_warmup_end(call, out, seen):
    base_lr, warmup, total, min_lr = _args(call)
    if warmup > 1:  # (with one warmup step its last step is step 0: the first property's)
        last = warmup - 1
        want, got = base_lr * last / warmup, float(out[last])
        if _off(got, want, base_lr):
            return both("at step {s} (the last warmup step) lr is {got:.6g}, expected "
                        "{want:.6g} = base_lr * {s} / {w}: the ramp is the line from 0 at step "
                        "0 to base_lr at step warmup_steps, not one step earlier",
                        "第 {s} 步（预热的最后一步）的 lr 是 {got:.6g}，应为 {want:.6g} = "
                        "base_lr * {s} / {w}：预热是从第 0 步的 0 到第 warmup_steps 步的 "
                        "base_lr 的直线，不能提前一步到达", s=last, w=warmup, got=got, want=want)
    got = float(out[warmup])
    if _off(got, base_lr, base_lr):
        return both("at step {s} (end of warmup) lr is {got:.6g}, expected base_lr = "
                    "{want:.6g}: the cosine starts there with progress 0, progress = (step - "
                    "warmup_steps) / (total_steps - warmup_steps)",
                    "第 {s} 步（预热结束）的 lr 是 {got:.6g}，应为 base_lr = {want:.6g}：余弦"
                    "从这一步开始，progress 为 0，progress = (step - warmup_steps) / "
                    "(total_steps - warmup_steps)", s=warmup, got=got, want=base_lr)
    return None


def _halfway(call, out, seen):
    base_lr, warmup, total, min_lr = _args(call)
    if (total - warmup) % 2:
        return None  # no step sits exactly halfway through the decay
    step = warmup + (total - warmup) // 2
    want, got = (base_lr + min_lr) / 2, float(out[step])
    if _off(got, want, base_lr):
        return both("at step {s}, halfway through the decay (steps {w} to {t}), lr is "
                    "{got:.6g}, expected (base_lr + min_lr) / 2 = {want:.6g}: progress = "
                    "(step - warmup_steps) / (total_steps - warmup_steps) is 1/2 there, and "
                    "the cosine scales the gap base_lr - min_lr",
                    "第 {s} 步正好是衰减阶段（第 {w} 到 {t} 步）的一半，lr 是 {got:.6g}，应为 "
                    "(base_lr + min_lr) / 2 = {want:.6g}：这里 progress = (step - "
                    "warmup_steps) / (total_steps - warmup_steps) 为 1/2，余弦缩放的是差值 "
                    "base_lr - min_lr", s=step, w=warmup, t=total, got=got, want=want)
    return None


def _ends_on_the_floor(call, out, seen):
    base_lr, warmup, total, min_lr = _args(call)
    got = float(out[total])
    if _off(got, min_lr, base_lr):
        return both("at step {s} (end of decay) lr is {got:.6g}, expected min_lr = {want:.6g}: "
                    "the cosine takes the gap base_lr - min_lr down to the floor, lr = min_lr "
                    "+ 0.5 * (base_lr - min_lr) * (1 + cos(pi * progress))",
                    "第 {s} 步（衰减结束）的 lr 是 {got:.6g}，应为 min_lr = {want:.6g}：余弦"
                    "衰减的是差值 base_lr - min_lr，最终落到下限上，lr = min_lr + 0.5 * "
                    "(base_lr - min_lr) * (1 + cos(pi * progress))", s=total, got=got,
                    want=min_lr)
    return None


def _stays_on_the_floor(call, out, seen):
    base_lr, warmup, total, min_lr = _args(call)
    for step in range(total + 1, len(out)):
        got = float(out[step])
        if _off(got, min_lr, base_lr):
            return both("at step {s} (after the end, total_steps={t}) lr is {got:.6g}, "
                        "expected min_lr = {want:.6g}: past total_steps hold the floor, else "
                        "the cosine climbs back up",
                        "第 {s} 步（已超过 total_steps={t}）的 lr 是 {got:.6g}，应为 min_lr = "
                        "{want:.6g}：超过 total_steps 后要保持在下限，否则余弦会重新上升",
                        s=step, t=total, got=got, want=min_lr)
    return None


STARTS = Property(T("step 0: lr is 0 (base_lr without warmup)",
                    zh="第 0 步：lr 为 0（没有预热时为 base_lr）"), "numerics", _starts_at_zero)
PEAKS = Property(T("end of warmup: lr reaches base_lr at step warmup_steps",
                   zh="预热结束：lr 在第 warmup_steps 步到达 base_lr"), "numerics",
                 _peaks_at_warmup_end)
HALFWAY = Property(T("halfway through the decay: lr is (base_lr + min_lr) / 2",
                     zh="衰减进行到一半：lr 为 (base_lr + min_lr) / 2"), "numerics", _halfway)
ENDS = Property(T("end of decay: lr is min_lr at step total_steps",
                  zh="衰减结束：第 total_steps 步的 lr 为 min_lr"), "numerics", _ends_on_the_floor)
STAYS = Property(T("after the end: lr stays at min_lr",
                   zh="结束之后：lr 保持为 min_lr"), "numerics", _stays_on_the_floor)
BOUNDARIES = (STARTS, PEAKS, HALFWAY, ENDS, STAYS)


# --- cases ------------------------------------------------------------------------------------

def _schedule(base_lr=None, min_lr=None, past_end=3):
    """warmup_steps = d.W, total_steps = d.S, d.N = S + past_end + 1 learning rates. base_lr
    and min_lr as given, else drawn (base_lr in [0.5, 3): lr multipliers, large enough that
    the grader's tolerance sees an off-by-one; min_lr a tenth to a half of it)."""
    def build(r, d):
        assert d.N == d.S + past_end + 1, "N must be the number of learning rates"
        u = torch.rand(2, generator=r.gen, dtype=torch.float64).tolist()
        base = base_lr if base_lr is not None else round(0.5 + 2.5 * u[0], 4)
        floor = min_lr if min_lr is not None else round(base * (0.1 + 0.4 * u[1]), 4)
        return Call((base, d.W, d.S, floor), {"past_end": past_end})
    return build


def _case(name, category, dims, build):
    return Case(name, category, dims, build, dtype=torch.float64, drive=every_step,
                properties=BOUNDARIES)


CASES = (
    _case(T("every dim a distinct size: warmup 4, 12 steps",
            zh="每个维度大小都不同：预热 4 步，共 12 步"), "shape",
          dict(W=4, S=12, N=16), _schedule()),
    _case(T("no warmup (warmup_steps=0)", zh="没有预热（warmup_steps=0）"), "shape",
          dict(W=0, S=9, N=13), _schedule()),
    _case(T("one warmup step", zh="只有 1 步预热"), "shape", dict(W=1, S=7, N=11),
          _schedule()),
    _case(T("random schedule: warmup 10, 50 steps", zh="随机调度：预热 10 步，共 50 步"),
          "numerics", dict(W=10, S=50, N=54), _schedule()),
    _case(T("base_lr=1 (a multiplier), min_lr=0.1, 8 steps past the end",
            zh="base_lr=1（作为倍率），min_lr=0.1，超过结束 8 步"), "numerics",
          dict(W=5, S=20, N=29), _schedule(1.0, 0.1, past_end=8)),
    _case(T("min_lr=0: decays to zero", zh="min_lr=0：衰减到 0"), "numerics",
          dict(W=6, S=25, N=29), _schedule(min_lr=0.0)),
    _case(T("long warmup: 30 of 40 steps", zh="预热很长：40 步里预热 30 步"), "numerics",
          dict(W=30, S=40, N=44), _schedule()),
    _case(T("realistic: peak 3e-4, floor 3e-5, warmup 100 of 600",
            zh="真实取值：峰值 3e-4，下限 3e-5，600 步里预热 100 步"), "numerics",
          dict(W=100, S=600, N=606), _schedule(3e-4, 3e-5, past_end=5)),
)


# --- known mistakes ---------------------------------------------------------------------------

def warmup_one_step_ahead(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps  # the bug: already base_lr at step W - 1
    return reference(step, base_lr, warmup_steps, total_steps, min_lr)


def decays_to_zero(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    return 0.5 * base_lr * (1 + math.cos(math.pi * progress))  # the bug: min_lr never used


def cosine_over_total_steps(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    if step >= total_steps:
        return min_lr
    # the bug: the decay is stretched over total_steps, so it is cut off above the floor
    progress = (step - warmup_steps) / total_steps
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))


def cosine_from_step_0(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    if step >= total_steps:
        return min_lr
    progress = step / total_steps  # the bug: the cosine is already under way at warmup's end
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))


def no_clamp_after_end(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    # the bug: past total_steps progress > 1 and the cosine climbs back up
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))


def floor_as_clamp(step, base_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    # the bug: a cosine down to 0, cut off at min_lr: it reaches the floor early and sits there
    return max(min_lr, 0.5 * base_lr * (1 + math.cos(math.pi * progress)))


DRILL = Drill(
    id="lr_schedule",
    title=T("LR schedule: linear warmup, cosine decay to a floor",
            zh="学习率调度：线性预热 + 余弦衰减到下限"),
    difficulty="easy",
    tags=("training", "optimisation", "classic"),
    minutes=8,
    entry="lr_at",
    reference=lr_at,
    cases=CASES,
    forbidden=(),  # pure Python: no torch op does it (a scheduler is plain Python too)
    aliases=("lr-schedule", "cosine-schedule", "warmup-cosine", "lr_scheduler"),
    outputs=(),
    differentiable=False,
    on_device=False,
    hints=(
        T("Three pieces by step: a straight line up during warmup, half a cosine down until "
          "total_steps, then flat at min_lr. Check that the pieces meet where they join.",
          zh="按 step 分三段：预热期间直线上升，然后半个余弦下降到 total_steps，之后保持在 "
             "min_lr。检查相邻两段在衔接处的值是否相等。"),
        T("Warmup: lr = base_lr * step / warmup_steps for step < warmup_steps: 0 at step 0, "
          "and the ramp would hit base_lr exactly at step warmup_steps, where the cosine "
          "takes over.",
          zh="预热：step < warmup_steps 时 lr = base_lr * step / warmup_steps：第 0 步为 0，"
             "这条直线正好在第 warmup_steps 步到达 base_lr，余弦从那里接手。"),
        T("Decay: progress = (step - warmup_steps) / (total_steps - warmup_steps) runs 0 -> 1 "
          "over the decay phase only; scale the gap, not base_lr: lr = min_lr + 0.5 * "
          "(base_lr - min_lr) * (1 + cos(pi * progress)).",
          zh="衰减：progress = (step - warmup_steps) / (total_steps - warmup_steps)，只在衰减"
             "阶段从 0 走到 1；缩放的是差值而不是 base_lr：lr = min_lr + 0.5 * (base_lr - "
             "min_lr) * (1 + cos(pi * progress))。"),
        T("step >= total_steps: return min_lr (cos is periodic: left alone it climbs back up). "
          "warmup_steps = 0 needs no special case if the warmup branch is step < warmup_steps.",
          zh="step >= total_steps：直接返回 min_lr（cos 是周期函数，不截断就会重新上升）。"
             "如果预热分支写成 step < warmup_steps，warmup_steps = 0 就不需要特殊处理。"),
    ),
    mistakes=(
        Mistake("off-by-one-warmup",
                T("the ramp is one step ahead, (step + 1) / warmup_steps: it starts above 0 "
                  "and hits base_lr at step W - 1; use step / warmup_steps",
                  zh="预热提前了一步，(step + 1) / warmup_steps：起点不是 0，第 W - 1 步就到了 "
                     "base_lr；应为 step / warmup_steps"),
                warmup_one_step_ahead),
        Mistake("decays-to-zero",
                T("the cosine decays base_lr to 0 and ignores min_lr: decay the gap, lr = "
                  "min_lr + 0.5 * (base_lr - min_lr) * (1 + cos(pi * progress))",
                  zh="余弦把 base_lr 衰减到了 0，忽略了 min_lr：应衰减差值，lr = min_lr + "
                     "0.5 * (base_lr - min_lr) * (1 + cos(pi * progress))"),
                decays_to_zero),
        Mistake("cosine-over-total-steps",
                T("the decay is spread over total_steps, not over the total_steps - "
                  "warmup_steps steps it has, so it stops above the floor and then jumps: "
                  "divide by (total_steps - warmup_steps)",
                  zh="衰减被摊到了 total_steps 步上，而它实际只有 total_steps - warmup_steps "
                     "步，于是没降到下限就跳了下去：应除以 (total_steps - warmup_steps)"),
                cosine_over_total_steps),
        Mistake("cosine-from-step-0",
                T("progress counts from step 0, so the cosine is under way before warmup "
                  "ends: progress = (step - warmup_steps) / (total_steps - warmup_steps)",
                  zh="progress 从第 0 步开始计算，预热还没结束余弦就已经在下降了：progress = "
                     "(step - warmup_steps) / (total_steps - warmup_steps)"),
                cosine_from_step_0),
        Mistake("no-clamp-after-end",
                T("after total_steps progress goes past 1 and the cosine climbs back up: "
                  "return min_lr for step >= total_steps",
                  zh="超过 total_steps 后 progress 大于 1，余弦又开始上升：step >= total_steps "
                     "时返回 min_lr"),
                no_clamp_after_end),
        Mistake("floor-as-clamp",
                T("a cosine down to 0 cut off with max(min_lr, ...) reaches the floor too "
                  "early: rescale instead, lr = min_lr + 0.5 * (base_lr - min_lr) * (1 + cos)",
                  zh="余弦降到 0 再用 max(min_lr, ...) 截断，会过早到达下限：应重新缩放，lr = "
                     "min_lr + 0.5 * (base_lr - min_lr) * (1 + cos)"),
                floor_as_clamp),
    ),
)
