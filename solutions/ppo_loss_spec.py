"""The PPO clipped-loss drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.ppo_loss import ppo_loss

reference = ppo_loss  # the name a mistake uses to call the reference (see grader/selftest.py)

STEP = 1 / 32  # every log-prob is a multiple of it: exact in float16 and bfloat16 too


# --- inputs -----------------------------------------------------------------------------------

def _log_ratios(eps: float, reach: int) -> torch.Tensor:
    """Log-ratios m * STEP, |m| <= reach, whose ratio sits at least 0.02 away from 1 - eps and
    1 + eps: a float16 or bfloat16 exp is off by under 0.01, so no correct attempt can land on
    the other side of the clip boundary than the reference (where the gradient jumps)."""
    m = torch.arange(-reach, reach + 1, dtype=torch.float64)  # (2 reach + 1,)
    r = torch.exp(m * STEP)
    far = ((r - (1 - eps)).abs() > 0.02) & ((r - (1 + eps)).abs() > 0.02)
    return m[far] * STEP  # (n_allowed,)


def _draw(r, shape, eps, signs="mixed", reach=20, offset=0.0, on_policy=False, adv_scale=1.0):
    """(logp_new, logp_old, advantages) in float64, before rounding to the case's dtype.
    logp_old in [-4.75, -0.78] + offset; the first four elements cover the four regimes of
    the clip: (A > 0, ratio above), (A < 0, ratio below), (A < 0, above), (A > 0, below)."""
    n = math.prod(shape)
    allowed = _log_ratios(eps, reach)
    d = allowed[r.integers(len(allowed), n)]  # (n,)
    logp_old = -(25 + r.integers(128, n)).double() * STEP + offset  # (n,)
    z = torch.randn(n, generator=r.gen, dtype=torch.float64)  # (n,)
    adv = z.sign() * (0.1 + z.abs()) * adv_scale  # (n,) |A| >= 0.1: every gradient is visible
    if signs == "positive":
        adv = adv.abs()
    elif signs == "negative":
        adv = -adv.abs()
    if n >= 4 and not on_policy:
        d[:4] = torch.tensor([14.0, -16.0, 14.0, -16.0]) * STEP  # ratio 1.55 / 0.61
        if signs == "mixed":
            adv[:4] = adv[:4].abs() * torch.tensor([1.0, -1.0, -1.0, 1.0], dtype=torch.float64)
    if on_policy:
        d = torch.zeros(n, dtype=torch.float64)
    logp_new = logp_old + d  # (n,) exact: both are multiples of STEP
    return tuple(t.view(shape) for t in (logp_new, logp_old, adv))


def _padding_mask(r, B, T, dead_rows=()):
    """Row b keeps its first L_b tokens (a response of length L_b, then padding)."""
    lengths = 1 + r.integers(T, B)  # (B,) in [1, T]
    lengths[0] = T  # one full row: a per-row mean would then differ from the token mean
    mask = torch.arange(T) < lengths[:, None]  # (B, T) bool
    for b in dead_rows:
        mask[b] = False
    return mask


def _inputs(eps=0.2, masked=False, dead_rows=(), noncontiguous=False, **kw):
    def build(r, d):
        shape = tuple(vars(d).values())
        lpn, lpo, adv = (t.to(r.dtype) for t in _draw(r, shape, eps, **kw))
        if noncontiguous:  # same values, transposed storage: catches .view
            lpn, lpo, adv = (t.transpose(-1, -2).contiguous().transpose(-1, -2)
                             for t in (lpn, lpo, adv))
        mask = _padding_mask(r, *shape, dead_rows=dead_rows) if masked else None
        return Call((lpn, lpo, adv), {"clip_eps": eps, "mask": mask})
    return build


def _leak(call, r, d):
    """New log-probs and advantages wherever the mask is False: the outputs must not move."""
    lpn, lpo, adv = call.args
    mask = call.kwargs["mask"]
    fresh = _draw(r, tuple(lpn.shape), call.kwargs["clip_eps"], reach=40)
    moved = tuple(torch.where(mask, t, f.to(t.dtype)) for t, f in zip((lpn, lpo, adv), fresh))
    return Call(moved, dict(call.kwargs))


# --- how the clip cases call ppo_loss ---------------------------------------------------------

def loss_and_gradient(ppo_loss, logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    """(loss, clip_fraction, dloss_dlogp_new): the attempt's outputs, and the gradient of its
    loss with respect to logp_new, taken on a copy (the grader runs known mistakes under
    no_grad, and the caller's logp_new may not require grad). Runs in the sandbox, as source."""
    out = ppo_loss(logp_new, logp_old, advantages, clip_eps=clip_eps, mask=mask)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = (tr("{n} items", "{n} 个元素", n=len(out)) if isinstance(out, (tuple, list))
               else type(out).__name__)
        raise ValueError(tr("ppo_loss returned {got}, expected a tuple of 2: "
                            "(loss, clip_fraction)",
                            "ppo_loss 返回了 {got}，应为含 2 个元素的 tuple："
                            "(loss, clip_fraction)", got=got))
    x = logp_new.detach().clone().requires_grad_(True)
    grad = None
    with torch.enable_grad():
        again = ppo_loss(x, logp_old.detach(), advantages.detach(), clip_eps=clip_eps,
                         mask=mask)
        loss = again[0] if isinstance(again, (tuple, list)) else again
        if isinstance(loss, torch.Tensor) and loss.requires_grad:
            (grad,) = torch.autograd.grad(loss.sum(), x, allow_unused=True)
    grad = torch.zeros_like(x) if grad is None else grad.detach()  # (...)
    return (out[0], out[1], grad)


# --- property: where the clip is active, and where it is not ----------------------------------

def _gradient_follows_the_clip(call, out, seen):
    lpn, lpo, adv = (t.double() for t in call.args)
    eps, mask = call.kwargs["clip_eps"], call.kwargs["mask"]
    keep = torch.ones_like(lpn, dtype=torch.bool) if mask is None else mask
    ratio = (lpn - lpo).exp()
    grad = out[2].double()
    if grad.shape != ratio.shape:
        return both("dloss/dlogp_new has shape {got}, expected logp_new's {want}",
                    "dloss/dlogp_new 的形状是 {got}，应与 logp_new 相同 {want}",
                    got=tuple(grad.shape), want=tuple(ratio.shape))
    # The size an unclipped element's gradient has: |A| * ratio / (number counted).
    size = adv.abs() * ratio / keep.sum()
    zero, nonzero = grad.abs() <= 0.01 * size, grad.abs() >= 0.25 * size
    above, below = ratio > 1 + eps, ratio < 1 - eps
    gain_capped = keep & (adv > 0) & above
    loss_capped = keep & (adv < 0) & below
    penalised = keep & (((adv < 0) & above) | ((adv > 0) & below))
    inside = keep & ~above & ~below
    problems = []
    n_gain, n_loss = int((gain_capped & ~zero).sum()), int((loss_capped & ~zero).sum())
    if n_gain or n_loss:
        where_en = " and ".join(
            ([f"{n_gain} elements with A > 0 and ratio > 1 + eps"] if n_gain else [])
            + ([f"{n_loss} {'' if n_gain else 'elements '}with A < 0 and ratio < 1 - eps"]
               if n_loss else []))
        where_zh = "、".join(
            ([f"{n_gain} 个 A > 0 且 ratio > 1 + eps 的元素"] if n_gain else [])
            + ([f"{n_loss} 个 A < 0 且 ratio < 1 - eps 的元素"] if n_loss else []))
        problems.append(both(
            "the gradient is not 0 at {where}: there the clipped term is the smaller one and "
            "does not depend on logp_new. Take the MIN of the two terms, and clamp the ratio "
            "(not the advantage)",
            "在 {where_zh}上梯度不为 0：这些位置上被裁剪的一项更小，且与 logp_new 无关。"
            "两项要取 min，裁剪的是 ratio（不是优势）", where=where_en, where_zh=where_zh))
    if (penalised & ~nonzero).any():
        problems.append(both(
            "the gradient is 0 at {n} elements where the clip must not act (A < 0 with ratio > "
            "1 + eps, or A > 0 with ratio < 1 - eps): there the unclipped ratio * A is the "
            "smaller term and the min must keep it, so that a step that made things worse is "
            "fully penalised",
            "在 {n} 个裁剪不该起作用的元素上梯度为 0（A < 0 且 ratio > 1 + eps，或 A > 0 且 "
            "ratio < 1 - eps）：这里未裁剪的 ratio * A 更小，min 必须保留它，"
            "让变差的更新受到完整的惩罚",
            n=int((penalised & ~nonzero).sum())))
    if (inside & ~nonzero).any():
        problems.append(both(
            "the gradient is 0 at {n} elements whose ratio is inside [1 - eps, 1 + eps]: "
            "the loss must depend on logp_new there, through exp(logp_new - logp_old)",
            "在 {n} 个 ratio 位于 [1 - eps, 1 + eps] 内的元素上梯度为 0：这里 loss 必须"
            "通过 exp(logp_new - logp_old) 依赖 logp_new",
            n=int((inside & ~nonzero).sum())))
    if not problems:
        return None
    return both("{en}", "{zh}", en="; ".join(problems), zh="；".join(p.zh for p in problems))


def _clip_fraction_counts_active_clips(call, out, seen):
    lpn, lpo, adv = (t.double() for t in call.args)
    eps, mask = call.kwargs["clip_eps"], call.kwargs["mask"]
    keep = torch.ones_like(lpn, dtype=torch.bool) if mask is None else mask
    ratio = (lpn - lpo).exp()
    n = int(keep.sum())
    active = int((keep & (((adv > 0) & (ratio > 1 + eps)) | ((adv < 0) & (ratio < 1 - eps))))
                 .sum())
    outside = int((keep & ((ratio - 1).abs() > eps)).sum())
    got = float(out[1])
    if abs(got - active / n) <= 1e-3:
        return None
    if abs(got - outside / n) <= 1e-3:
        return both("clip_fraction = {got:.4g} counts every ratio outside [1 - eps, 1 + eps] "
                    "({o} of {n}); the contract counts only where the clip is active, the "
                    "clipped term strictly the smaller ({a} of {n}): A > 0 with ratio > "
                    "1 + eps, or A < 0 with ratio < 1 - eps",
                    "clip_fraction = {got:.4g} 统计了所有落在 [1 - eps, 1 + eps] 之外的 ratio"
                    "（{n} 个中的 {o} 个）；约定只统计裁剪真正生效的元素，即裁剪项严格更小的"
                    "（{n} 个中的 {a} 个）：A > 0 且 ratio > 1 + eps，或 A < 0 且 "
                    "ratio < 1 - eps", got=got, o=outside, a=active, n=n)
    return both("clip_fraction = {got:.4g}, but the clip is active at {a} of the {n} counted "
                "elements ({want:.4g}): count where the clipped term is strictly the smaller, "
                "over the counted elements only",
                "clip_fraction = {got:.4g}，但裁剪在 {n} 个计入的元素中的 {a} 个上生效"
                "（{want:.4g}）：只在计入的元素上，统计裁剪项严格更小的比例",
                got=got, a=active, n=n, want=active / n)


CLIP = (Property(T("the gradient is 0 exactly where the clip is active",
                   zh="梯度恰好在裁剪生效处为 0"), "gradients", _gradient_follows_the_clip),
        Property(T("clip_fraction counts where the clip is active",
                   zh="clip_fraction 统计的是裁剪生效的比例"), "numerics",
                 _clip_fraction_counts_active_clips))


def _clip_case(name, dims, build, **kw):
    return Case(name, "numerics", dims, build, drive=loss_and_gradient, properties=CLIP, **kw)


# --- cases ------------------------------------------------------------------------------------

CASES = (
    Case(T("every dim a distinct size (B, T), no mask", zh="每个维度大小都不同 (B, T)，无掩码"),
         "shape", dict(B=3, T=5), _inputs()),
    Case(T("1-D input (B,)", zh="一维输入 (B,)"), "shape", dict(B=7), _inputs(eps=0.25)),
    Case(T("batch of 1, with a mask", zh="批大小为 1，带掩码"), "shape", dict(B=1, T=6),
         _inputs(masked=True)),
    Case(T("non-contiguous inputs, with a mask", zh="非连续（non-contiguous）输入，带掩码"),
         "shape", dict(B=4, T=6), _inputs(masked=True, noncontiguous=True)),
    _clip_case(T("clip active on both sides, with gradients", zh="两侧的裁剪都生效，检查梯度"),
               dict(B=4, T=9), _inputs(), grad=True),
    _clip_case(T("positive advantages only, eps=0.1: the gain stops at 1 + eps",
                 zh="只有正优势，eps=0.1：收益在 1 + eps 处封顶"),
               dict(B=5, T=8), _inputs(eps=0.1, signs="positive"), grad=True),
    _clip_case(T("negative advantages only, eps=0.3: the clip acts below 1 - eps",
                 zh="只有负优势，eps=0.3：裁剪在 1 - eps 以下生效"),
               dict(B=6, T=5), _inputs(eps=0.3, signs="negative")),
    Case(T("on-policy: logp_new == logp_old, so loss = -mean(A)",
           zh="同策略：logp_new == logp_old，所以 loss = -mean(A)"),
         "numerics", dict(B=3, T=7), _inputs(on_policy=True)),
    _clip_case(T("float64, eps=0.15, with a mask", zh="float64，eps=0.15，带掩码"),
               dict(B=3, T=8), _inputs(eps=0.15, masked=True), dtype=torch.float64),
    # ratio up to e^3 = 20: terms 20 times larger than A, and so is their rounding
    Case(T("ratios far outside the clip range (|log-ratio| up to 3)",
           zh="ratio 远在裁剪范围之外（|log-ratio| 最大到 3）"),
         "numerics", dict(B=4, T=7), _inputs(reach=96), magnitude=20.0),
    Case(T("token mask: one mean over all counted tokens, with gradients",
           zh="token 掩码：对所有计入的 token 求一个平均，检查梯度"),
         "masking", dict(B=5, T=7), _inputs(masked=True), grad=True, leak=_leak),
    Case(T("a row entirely masked", zh="有一整行都被掩码"), "masking", dict(B=3, T=6),
         _inputs(eps=0.2, masked=True, dead_rows=(1,)), leak=_leak),
    Case(T("float16, with a mask", zh="float16，带掩码"), "stability", dict(B=4, T=6),
         _inputs(masked=True), dtype=torch.float16),
    # Advantages of a few units: bfloat16's tolerance (8 ulps) must not hide the mistakes.
    Case(T("bfloat16, eps=0.1", zh="bfloat16，eps=0.1"), "stability", dict(B=6, T=7),
         _inputs(eps=0.1, reach=40, adv_scale=4.0), dtype=torch.bfloat16),
    # Sequence-level PPO: one log-prob per response, a sum over its tokens. exp(-200) is 0
    # in float32, so exp(logp_new) / exp(logp_old) is nan here; exp of the difference is not.
    Case(T("sequence log-probs near -200 (B,)", zh="序列级 log-prob 在 -200 附近 (B,)"),
         "stability", dict(B=6), _inputs(offset=-200.0), magnitude=200.0),
)


# --- known mistakes ---------------------------------------------------------------------------

def max_instead_of_min(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    ratio = torch.exp(logp_new.double() - logp_old.double())
    adv = advantages.double()
    clipped = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv
    per = -torch.maximum(ratio * adv, clipped)  # the bug: max, the optimistic bound
    keep = torch.ones_like(per) if mask is None else mask.double()
    _, clip_fraction = reference(logp_new, logp_old, advantages, clip_eps, mask)
    return ((per * keep).sum() / keep.sum()).to(logp_new.dtype), clip_fraction


def ratio_not_exponentiated(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    ratio = logp_new.double() - logp_old.double()  # the bug: the LOG-ratio used as the ratio
    adv = advantages.double()
    clipped = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv
    per = -torch.minimum(ratio * adv, clipped)
    keep = torch.ones_like(per) if mask is None else mask.double()
    _, clip_fraction = reference(logp_new, logp_old, advantages, clip_eps, mask)
    return ((per * keep).sum() / keep.sum()).to(logp_new.dtype), clip_fraction


def clip_on_advantage(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    ratio = torch.exp(logp_new.double() - logp_old.double())
    adv = advantages.double()
    clipped = ratio * adv.clamp(1 - clip_eps, 1 + clip_eps)  # the bug: clamps A, not the ratio
    per = -torch.minimum(ratio * adv, clipped)
    keep = torch.ones_like(per) if mask is None else mask.double()
    _, clip_fraction = reference(logp_new, logp_old, advantages, clip_eps, mask)
    return ((per * keep).sum() / keep.sum()).to(logp_new.dtype), clip_fraction


def no_minus(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    loss, clip_fraction = reference(logp_new, logp_old, advantages, clip_eps, mask)
    return -loss, clip_fraction  # the bug: returns the objective, which a step would minimise


def clipped_term_only(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    ratio = torch.exp(logp_new.double() - logp_old.double())
    per = -ratio.clamp(1 - clip_eps, 1 + clip_eps) * advantages.double()  # the bug: no min
    keep = torch.ones_like(per) if mask is None else mask.double()
    _, clip_fraction = reference(logp_new, logp_old, advantages, clip_eps, mask)
    return ((per * keep).sum() / keep.sum()).to(logp_new.dtype), clip_fraction


def log_ratio_reversed(logp_new, logp_old, advantages, clip_eps=0.2, mask=None):
    ratio = torch.exp(logp_old.double() - logp_new.double())  # the bug: pi_old / pi_new
    adv = advantages.double()
    clipped = ratio.clamp(1 - clip_eps, 1 + clip_eps) * adv
    per = -torch.minimum(ratio * adv, clipped)
    keep = torch.ones_like(per) if mask is None else mask.double()
    _, clip_fraction = reference(logp_new, logp_old, advantages, clip_eps, mask)
    return ((per * keep).sum() / keep.sum()).to(logp_new.dtype), clip_fraction


DRILL = Drill(
    id="ppo_loss",
    title=T("PPO clipped surrogate loss", zh="PPO 裁剪代理目标损失"),
    difficulty="medium",
    tags=("rl", "rlhf", "alignment"),
    minutes=15,
    entry="ppo_loss",
    reference=ppo_loss,
    cases=CASES,
    outputs=("loss", "clip_fraction", "dloss_dlogp_new"),
    aliases=("ppo", "ppo-clip", "clipped-surrogate"),
    hints=(
        T("The ratio says how much more (or less) likely the new policy makes each action "
          "than the policy that collected it. PPO takes the more pessimistic of the plain and "
          "the clipped objective, then averages over the counted elements.",
          zh="ratio 表示新策略选中每个动作的概率是采样时旧策略的多少倍。PPO 在原始目标和"
             "裁剪后的目标之间取更悲观的那个，再对计入的元素求平均。"),
        T("ratio = exp(logp_new - logp_old): a difference of log-probs, never exp(logp_new) / "
          "exp(logp_old), which is 0 / 0 for a log-prob of -200. Clip the RATIO, not the "
          "advantage: clamp(ratio, 1 - eps, 1 + eps) * A.",
          zh="ratio = exp(logp_new - logp_old)：用 log-prob 的差，不要写 exp(logp_new) / "
             "exp(logp_old)，log-prob 为 -200 时那是 0 / 0。裁剪的是 ratio，不是优势："
             "clamp(ratio, 1 - eps, 1 + eps) * A。"),
        T("loss = -min(ratio * A, clamp(ratio, 1 - eps, 1 + eps) * A): the minus turns the "
          "objective into a loss to minimise; the MIN (not max) caps the gain but keeps the "
          "full penalty of a step that made things worse (A < 0 with ratio > 1 + eps).",
          zh="loss = -min(ratio * A, clamp(ratio, 1 - eps, 1 + eps) * A)：负号把要最大化的"
             "目标变成要最小化的 loss；取 min（不是 max）会给收益封顶，但让变差的更新"
             "（A < 0 且 ratio > 1 + eps）受到完整的惩罚。"),
        T("Masked mean over all tokens at once: torch.where(mask, loss, 0).sum() / mask.sum(). "
          "clip_fraction: the same mean of (clipped term < unclipped term). Compute in float32 "
          "and return both .to(logp_new.dtype).",
          zh="对所有 token 一起做掩码平均：torch.where(mask, loss, 0).sum() / mask.sum()。"
             "clip_fraction：对 (裁剪项 < 未裁剪项) 做同样的平均。用 float32 计算，两个结果都 "
             ".to(logp_new.dtype) 再返回。"),
    ),
    mistakes=(
        Mistake("max-instead-of-min",
                T("takes the max of the two terms, the optimistic bound, so the clip never "
                  "caps a gain: loss = -min(ratio * A, clamp(ratio, 1 - eps, 1 + eps) * A)",
                  zh="两项取了 max，即乐观的界，裁剪永远不会给收益封顶："
                     "loss = -min(ratio * A, clamp(ratio, 1 - eps, 1 + eps) * A)"),
                max_instead_of_min),
        Mistake("ratio-not-exponentiated",
                T("uses logp_new - logp_old as the ratio: that is the LOG-ratio (0 on-policy, "
                  "where the ratio is 1); ratio = exp(logp_new - logp_old)",
                  zh="把 logp_new - logp_old 当成了 ratio：那是对数比（同策略时为 0，而 ratio "
                     "应为 1）；ratio = exp(logp_new - logp_old)"),
                ratio_not_exponentiated),
        Mistake("clip-on-advantage",
                T("clamps the advantage to [1 - eps, 1 + eps] instead of the ratio: the second "
                  "term is clamp(ratio, 1 - eps, 1 + eps) * A",
                  zh="把优势而不是 ratio 限制在 [1 - eps, 1 + eps] 内：第二项应为 "
                     "clamp(ratio, 1 - eps, 1 + eps) * A"),
                clip_on_advantage),
        Mistake("no-minus",
                T("returns the objective min(...) itself: an optimiser minimises the loss, so "
                  "it would push good actions down; return -min(...)",
                  zh="直接返回了目标 min(...)：优化器是最小化 loss 的，这样会压低好动作的概率；"
                     "应返回 -min(...)"),
                no_minus),
        Mistake("clipped-term-only",
                T("uses the clipped term alone, without the min: a step that made things worse "
                  "(A < 0 with ratio > 1 + eps) loses its gradient; take -min of both terms",
                  zh="只用了裁剪后的那一项，没有取 min：变差的更新（A < 0 且 ratio > 1 + eps）"
                     "就没有梯度了；要对两项取 min 再取负"),
                clipped_term_only),
        Mistake("log-ratio-reversed",
                T("the ratio is pi_old / pi_new, exp(logp_old - logp_new): it is the new "
                  "policy over the old, exp(logp_new - logp_old)",
                  zh="ratio 算成了 pi_old / pi_new，即 exp(logp_old - logp_new)：应是新策略"
                     "比旧策略，exp(logp_new - logp_old)"),
                log_ratio_reversed),
    ),
)
