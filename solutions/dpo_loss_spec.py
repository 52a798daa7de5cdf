"""The DPO loss drill: cases, properties, hints and known mistakes."""

import torch
import torch.nn.functional as F

from handwrite.grader.compare import tolerance
from handwrite.grader.i18n import T, both, tr
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.dpo_loss import dpo_loss

reference = dpo_loss  # the name a mistake uses to call the reference (see grader/selftest.py)


# --- how a case calls dpo_loss ----------------------------------------------------------------

def call_and_probe(dpo_loss, *args, **kwargs):
    """Calls dpo_loss as the case says and returns (loss, chosen_rewards, rejected_rewards,
    rewards_detached). Runs in the sandbox, as source.

    rewards_detached: a second call, on copies of the four log-probs that require grad, must
    return rewards that do not (the contract: the rewards are detached, as in TRL). The copies
    are our own: the caller's inputs may not require grad, and the grader runs known mistakes
    under no_grad. They are not leaves (a clone of a leaf), so that an attempt that edits its
    inputs in place meets the "leaves its inputs unchanged" check, not an autograd error.
    """
    out = dpo_loss(*args, **kwargs)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise TypeError(tr("dpo_loss returned {got}, expected a tuple of 3: "
                           "(loss, chosen_rewards, rejected_rewards)",
                           "dpo_loss 返回了 {got}，应为含 3 个元素的 tuple："
                           "(loss, chosen_rewards, rejected_rewards)",
                           got=f"{len(out)} items" if isinstance(out, (tuple, list))
                           else type(out).__name__))
    with torch.enable_grad():
        copies = [a.detach().clone().requires_grad_(True).clone() for a in args]
        again = dpo_loss(*copies, **kwargs)
    detached = all(isinstance(t, torch.Tensor) and not t.requires_grad for t in again[1:3])
    flag = torch.tensor(detached, device=args[0].device)  # () bool
    return (out[0], out[1], out[2], flag)


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _truth(call):
    """beta * logits, in float64, from the case's own inputs."""
    pc, pr, rc, rr = (a.detach().double() for a in call.args)
    beta = call.kwargs["beta"]
    return beta, beta * ((pc - pr) - (rc - rr)), (pc, pr, rc, rr)


def _margin_is_beta_logits(call, out, seen):
    beta, want, (pc, pr, rc, rr) = _truth(call)
    got = out[1].double() - out[2].double()  # (B,) the attempt's reward margins
    scale = max(float(a.abs().max()) for a in (pc, pr, rc, rr))
    tol = tolerance(call.args[0].dtype, beta * scale)
    close = lambda a: bool(torch.isclose(got, a, tol.rtol, tol.atol).all())  # noqa: E731
    if close(want):
        return None
    if beta != 1 and close(want / beta):
        why = both("the rewards have no beta: chosen_rewards = beta * (pc - rc)",
                   "rewards 里少了 beta：chosen_rewards = beta * (pc - rc)")
    elif close(beta * (pc - pr)):
        why = both("the reference log-probs are missing: a reward is beta times the policy's "
                   "log-prob MINUS the reference's",
                   "漏掉了参考模型的对数概率：reward 是 beta 乘以 policy 与参考模型对数概率之差")
    elif close(-want):
        why = both("chosen and rejected are swapped", "chosen 与 rejected 弄反了")
    else:
        why = both("they differ by up to {d:.3g}", "最多相差 {d:.3g}",
                   d=float((got - want).abs().max()))
    return both("reward margin chosen_rewards - rejected_rewards must be "
                "beta * ((pc - pr) - (rc - rr)): {why}",
                "reward margin chosen_rewards - rejected_rewards 应等于 "
                "beta * ((pc - pr) - (rc - rr))：{why_zh}", why=str(why), why_zh=why.zh)


def _rewards_detached(call, out, seen):
    if bool(out[3]):
        return None
    return T("the rewards carry gradient: they are for logging (margins, accuracies), "
             "return beta * (pc - rc).detach() as TRL does",
             zh="rewards 带着梯度：它们是用来记录的指标（margin、准确率），应像 TRL 一样返回 "
                "beta * (pc - rc).detach()")


CHECKS = (
    Property(T("reward margin = beta * ((pc - pr) - (rc - rr))",
               zh="reward margin = beta * ((pc - pr) - (rc - rr))"), "numerics",
             _margin_is_beta_logits),
    Property(T("the rewards are detached", zh="rewards 已 detach"), "gradients",
             _rewards_detached),
)


# --- cases ------------------------------------------------------------------------------------

def _logps(beta=0.1, label_smoothing=0.0, length=60.0, gap=3.0, same=False,
           noncontiguous=False):
    """Summed log-probs of B chosen and B rejected answers: the reference model's around
    -length (-length to -2 * length), the policy's within a few `gap`s of them. same: the
    policy equals the reference (the loss is log 2 whatever beta). noncontiguous: the four
    are columns of one (B, 4) table, as a batch of logged log-probs is often stored."""
    def build(r, d):
        g = r.gen
        ref = -length * (1 + torch.rand(d.B, 2, generator=g, dtype=torch.float64))  # (B, 2)
        policy = ref if same else ref + gap * torch.randn(d.B, 2, generator=g,
                                                          dtype=torch.float64)  # (B, 2)
        table = torch.cat([policy, ref], dim=1).to(r.dtype)  # (B, 4): pc, pr, rc, rr
        if noncontiguous:
            cols = table.unbind(dim=1)  # four (B,) views with stride 4
        else:
            cols = tuple(c.contiguous() for c in table.unbind(dim=1))  # four (B,)
        return Call(cols, {"beta": beta, "label_smoothing": label_smoothing})
    return build


def _case(name, category, dims, build, **kw):
    return Case(name, category, dims, build, drive=call_and_probe, properties=CHECKS, **kw)


CASES = (
    _case(T("every dim a distinct size: B=5", zh="每个维度大小都不同：B=5"), "shape",
          dict(B=5), _logps()),
    _case(T("batch of 1", zh="批大小为 1"), "shape", dict(B=1), _logps(beta=0.2)),
    _case(T("non-contiguous log-probs (columns of a (B, 4) table)",
            zh="非连续（non-contiguous）的对数概率（一张 (B, 4) 表的各列）"), "shape",
          dict(B=7), _logps(noncontiguous=True)),
    _case(T("random log-probs, gradient: beta=0.1", zh="随机对数概率，梯度：beta=0.1"),
          "numerics", dict(B=6), _logps(), grad=True),
    _case(T("beta=0.5, larger gaps", zh="beta=0.5，差距更大"), "numerics", dict(B=9),
          _logps(beta=0.5, gap=6.0)),
    _case(T("label smoothing 0.1, gradient: beta=0.2",
            zh="标签平滑 0.1，梯度：beta=0.2"), "numerics", dict(B=8),
          _logps(beta=0.2, label_smoothing=0.1), grad=True),
    _case(T("policy equals reference: the loss is log 2",
            zh="policy 与参考模型相同：loss 为 log 2"), "numerics", dict(B=4),
          _logps(beta=0.3, same=True)),
    _case(T("float64: beta=0.25", zh="float64：beta=0.25"), "numerics", dict(B=10),
          _logps(beta=0.25), dtype=torch.float64, grad=True),
    _case(T("large logit gaps: beta * logits beyond +-750",
            zh="logits 差距很大：beta * logits 超过 ±750"), "stability", dict(B=6),
          _logps(beta=0.5, length=2000.0, gap=1500.0), magnitude=1e3),
    _case(T("large logit gaps with label smoothing 0.2",
            zh="logits 差距很大，且标签平滑为 0.2"), "stability", dict(B=7),
          _logps(beta=0.5, label_smoothing=0.2, length=2000.0, gap=1500.0), magnitude=1e3),
    _case(T("float16: beta=0.1", zh="float16：beta=0.1"), "stability", dict(B=11),
          _logps(length=100.0, gap=4.0), dtype=torch.float16),
    _case(T("bfloat16: beta=0.2, label smoothing 0.1", zh="bfloat16：beta=0.2，标签平滑 0.1"),
          "stability", dict(B=12), _logps(beta=0.2, label_smoothing=0.1, length=100.0, gap=4.0),
          dtype=torch.bfloat16),
)


# --- known mistakes ---------------------------------------------------------------------------

# Helpers: the parts a mistake gets right (pasted into its attempt file with it, see
# grader/selftest.py).

def _margin(pc, pr, rc, rr):
    """(pc - pr) - (rc - rr) in float32: how much more than the reference the policy prefers
    the chosen answer."""
    pc, pr, rc, rr = (t.float() for t in (pc, pr, rc, rr))
    return (pc - pr) - (rc - rr)


def _with_rewards(loss, logps, beta):
    """The mistake's loss in the inputs' dtype, beside the reference's (right) rewards."""
    _, chosen, rejected = reference(*logps, beta)
    return loss.to(logps[0].dtype), chosen, rejected


def sign_flipped(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                 ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    logps = (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    z = beta * _margin(*logps)
    # the bug: the signs of both terms are swapped, so the loss rewards the rejected answer
    losses = -F.logsigmoid(-z) * (1 - label_smoothing) - F.logsigmoid(z) * label_smoothing
    return _with_rewards(losses.mean(), logps, beta)


def beta_outside(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                 ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    logps = (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    logits = _margin(*logps)
    # the bug: beta scales the loss, not the logits inside the log-sigmoid
    losses = beta * (-F.logsigmoid(logits) * (1 - label_smoothing)
                     - F.logsigmoid(-logits) * label_smoothing)
    return _with_rewards(losses.mean(), logps, beta)


def reference_dropped(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                      ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    logps = (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    pc, pr = policy_chosen_logps.float(), policy_rejected_logps.float()
    z = beta * (pc - pr)  # the bug: the reference log-ratio is not subtracted
    losses = -F.logsigmoid(z) * (1 - label_smoothing) - F.logsigmoid(-z) * label_smoothing
    return _with_rewards(losses.mean(), logps, beta)


def log_of_sigmoid(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                   ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    logps = (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    z = beta * _margin(*logps)
    # the bug: sigmoid(z) underflows to 0 (and 1 - sigmoid(z) to 0) for large |z|: log(0)
    losses = (-torch.log(torch.sigmoid(z)) * (1 - label_smoothing)
              - torch.log(1 - torch.sigmoid(z)) * label_smoothing)
    return _with_rewards(losses.mean(), logps, beta)


def summed_not_averaged(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                        ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    logps = (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    z = beta * _margin(*logps)
    losses = -F.logsigmoid(z) * (1 - label_smoothing) - F.logsigmoid(-z) * label_smoothing
    return _with_rewards(losses.sum(), logps, beta)  # the bug: sum


def ignores_label_smoothing(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                            ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    logps = (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    losses = -F.logsigmoid(beta * _margin(*logps))  # the bug: label_smoothing never used
    return _with_rewards(losses.mean(), logps, beta)


def rewards_not_detached(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                         ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    loss, _, _ = reference(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                           ref_rejected_logps, beta, label_smoothing)
    dtype = policy_chosen_logps.dtype
    # the bug: no .detach(), so the rewards keep the policy's graph
    chosen = beta * (policy_chosen_logps.float() - ref_chosen_logps.float())
    rejected = beta * (policy_rejected_logps.float() - ref_rejected_logps.float())
    return loss, chosen.to(dtype), rejected.to(dtype)


def rewards_without_beta(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                         ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    loss, _, _ = reference(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                           ref_rejected_logps, beta, label_smoothing)
    dtype = policy_chosen_logps.dtype
    # the bug: the implicit reward is beta times the log-ratio, not the bare log-ratio
    chosen = (policy_chosen_logps.float() - ref_chosen_logps.float()).detach()
    rejected = (policy_rejected_logps.float() - ref_rejected_logps.float()).detach()
    return loss, chosen.to(dtype), rejected.to(dtype)


DRILL = Drill(
    id="dpo_loss",
    title=T("DPO loss (sigmoid, with label smoothing)",
            zh="DPO 损失（sigmoid 形式，带标签平滑）"),
    difficulty="medium",
    tags=("alignment", "rlhf", "losses"),
    minutes=10,
    entry="dpo_loss",
    reference=dpo_loss,
    cases=CASES,
    outputs=("loss", "chosen_rewards", "rejected_rewards", "rewards_detached"),
    aliases=("dpo", "dpo-loss"),
    hints=(
        T("DPO is a logistic loss on how much more the policy prefers the chosen answer than "
          "the reference model does. beta turns that log-ratio into an implicit reward.",
          zh="DPO 是一个 logistic 损失，作用在「policy 比参考模型更偏好 chosen 回答多少」"
             "上。beta 把这个对数比值变成隐式 reward。"),
        T("logits = (pc - pr) - (rc - rr); the loss per pair is -log sigmoid(beta * logits): "
          "beta goes inside, and the mean over pairs is the loss.",
          zh="logits = (pc - pr) - (rc - rr)；每一对的损失是 -log sigmoid(beta * logits)："
             "beta 在 sigmoid 里面，对所有样本对取平均就是 loss。"),
        T("log(sigmoid(z)) is log(0) = -inf once z < -100 or so: use F.logsigmoid(z) (or "
          "-F.softplus(-z)). With label smoothing ls: "
          "-(1 - ls) * logsigmoid(z) - ls * logsigmoid(-z).",
          zh="z 小于 -100 左右时 log(sigmoid(z)) 就成了 log(0) = -inf：用 F.logsigmoid(z)"
             "（或 -F.softplus(-z)）。带标签平滑 ls 时："
             "-(1 - ls) * logsigmoid(z) - ls * logsigmoid(-z)。"),
        T("chosen_rewards = beta * (pc - rc).detach(), rejected likewise. For float16/bfloat16 "
          "compute in float32 and cast every output back to the input's dtype.",
          zh="chosen_rewards = beta * (pc - rc).detach()，rejected 同理。float16/bfloat16 时用 "
             "float32 计算，每个输出都转回输入的 dtype。"),
    ),
    mistakes=(
        Mistake("sign-flipped",
                T("the loss is -logsigmoid(-beta * logits), which pushes the rejected answer "
                  "up: it is -logsigmoid(+beta * logits), chosen minus rejected",
                  zh="loss 写成了 -logsigmoid(-beta * logits)，反而在抬高 rejected 回答："
                     "应为 -logsigmoid(+beta * logits)，chosen 减 rejected"), sign_flipped),
        Mistake("beta-outside",
                T("beta multiplies the loss, beta * -logsigmoid(logits): beta scales the "
                  "logits inside, -logsigmoid(beta * logits)",
                  zh="beta 乘在了 loss 外面，beta * -logsigmoid(logits)：beta 应该在里面缩放 "
                     "logits，-logsigmoid(beta * logits)"), beta_outside),
        Mistake("reference-dropped",
                T("logits = pc - pr without the reference: subtract the reference's log-ratio, "
                  "logits = (pc - pr) - (rc - rr)",
                  zh="logits = pc - pr，漏掉了参考模型：要减去参考模型的对数比值，"
                     "logits = (pc - pr) - (rc - rr)"), reference_dropped),
        Mistake("log-of-sigmoid",
                T("log(sigmoid(z)) underflows to log(0) = -inf for large gaps: use "
                  "F.logsigmoid(z), and F.logsigmoid(-z) for log(1 - sigmoid(z))",
                  zh="差距很大时 log(sigmoid(z)) 下溢成 log(0) = -inf：改用 F.logsigmoid(z)，"
                     "log(1 - sigmoid(z)) 则用 F.logsigmoid(-z)"), log_of_sigmoid),
        Mistake("summed-not-averaged",
                T("the per-pair losses are summed: the loss is their mean, losses.mean()",
                  zh="把每一对的损失加起来了：loss 是它们的平均值，losses.mean()"),
                summed_not_averaged),
        Mistake("ignores-label-smoothing",
                T("label_smoothing is ignored: with ls > 0 the loss is "
                  "-(1 - ls) * logsigmoid(z) - ls * logsigmoid(-z), z = beta * logits",
                  zh="忽略了 label_smoothing：ls > 0 时 loss 是 "
                     "-(1 - ls) * logsigmoid(z) - ls * logsigmoid(-z)，z = beta * logits"),
                ignores_label_smoothing),
        Mistake("rewards-not-detached",
                T("the rewards keep the policy's graph: return beta * (pc - rc).detach(), "
                  "they are metrics",
                  zh="rewards 还连着 policy 的计算图：返回 beta * (pc - rc).detach()，"
                     "它们只是指标"), rewards_not_detached),
        Mistake("rewards-without-beta",
                T("the rewards are the bare log-ratios pc - rc: the implicit reward is "
                  "beta * (pc - rc)",
                  zh="rewards 只是对数比值 pc - rc：隐式 reward 是 beta * (pc - rc)"),
                rewards_without_beta),
    ),
)
