"""The GRPO drill: cases, hints and known mistakes."""

import math

import torch

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.grpo import grpo_loss

reference = grpo_loss  # the name a mistake uses to call the reference (see grader/selftest.py)


# --- properties: why an attempt is wrong, in words --------------------------------------------

def _groups(call):
    """(rewards as (B, G) in float64, G, eps) from the case's own call."""
    G = call.args[5]
    eps = call.kwargs.get("eps", 1e-4)
    return call.args[3].double().reshape(-1, G), G, eps


def _slack(dtype):
    """How far a correct answer's group mean and std may drift after rounding to dtype."""
    return {torch.float16: 2e-2, torch.bfloat16: 6e-2}.get(dtype, 1e-4)


def _each_group_on_its_own(call, out, seen):
    r, G, eps = _groups(call)
    adv = out[1].double().reshape(-1, G)  # (B, G)
    slack = _slack(out[1].dtype)
    std = r.std(dim=1)  # (B,)
    want_std = std / (std + eps)  # (B,) the std of (r - mean) / (std + eps): 1, or 0 if flat
    got_mean, got_std = adv.mean(dim=1), adv.std(dim=1)  # (B,)
    for g in range(r.shape[0]):
        if float(std[g]) == 0:  # all rewards equal: the other property's to judge
            continue
        m, s, w = float(got_mean[g]), float(got_std[g]), float(want_std[g])
        # std 1 (eps left out, or another eps) is the mismatch report's to say, not this one's
        if abs(m) <= slack and min(abs(s - w), abs(s - 1.0)) <= slack * max(w, 1.0):
            continue
        rows = f"{g * G}..{g * G + G - 1}"
        # the biased std: larger by sqrt(G / (G - 1)) (1.12 for G = 5), a gap no rounding makes
        if abs(m) <= slack and abs(s - w * math.sqrt(G / (G - 1))) <= max(slack, 0.01):
            return both("group {g} (rows {rows}): its advantages have std {s:.4g}, not {w:.4g}: "
                        "that is the biased std (divide by G); the contract's is unbiased, "
                        "torch.std's default (divide by G - 1)",
                        "第 {g} 组（第 {rows} 行）：优势的标准差是 {s:.4g}，而不是 {w:.4g}："
                        "这是有偏标准差（除以 G）；约定用无偏标准差，即 torch.std 的默认值"
                        "（除以 G - 1）", g=g, rows=rows, s=s, w=w)
        return both("group {g} (rows {rows}): its advantages have mean {m:.4g} and std {s:.4g}, "
                    "but a group normalised by its own mean and std has mean 0 and std {w:.4g}: "
                    "take the mean and std over each group of G consecutive rows "
                    "(rewards.view(-1, G), dim=1), not over the whole batch",
                    "第 {g} 组（第 {rows} 行）：优势的均值是 {m:.4g}、标准差是 {s:.4g}，但用本组"
                    "自己的均值和标准差归一化后，均值应为 0、标准差应为 {w:.4g}：要在每组 G "
                    "个相邻的行上求均值和标准差（rewards.view(-1, G)，dim=1），而不是在整个批次上",
                    g=g, rows=rows, m=m, s=s, w=w)
    return None


def _flat_group_is_zero(call, out, seen):
    r, G, eps = _groups(call)
    loss, adv = out[0].double(), out[1].double().reshape(-1, G)  # (), (B, G)
    for g in (r == r[:, :1]).all(dim=1).nonzero().flatten().tolist():
        got = ", ".join(f"{a:.4g}" for a in adv[g].tolist())
        rows = f"{g * G}..{g * G + G - 1}"
        if not bool(adv[g].isfinite().all()) or float(adv[g].abs().max()) > 1e-6:
            return both("group {g} (rows {rows}) has all rewards equal, so its std is 0, and "
                        "its advantages came out [{got}]: they must be 0, with no nan: divide "
                        "by (std + eps), as the contract says",
                        "第 {g} 组（第 {rows} 行）的奖励全都相同，标准差为 0，它的优势却是 "
                        "[{got}]：应该全为 0，且不能有 nan：按约定除以 (std + eps)",
                        g=g, rows=rows, got=got)
    if not bool(loss.isfinite()):
        return both("the loss is {loss}: a group whose rewards are all equal must give "
                    "advantages of 0, not 0 / 0", "loss 是 {loss}：奖励全都相同的组，优势"
                    "应为 0，而不是 0 / 0", loss=float(loss))
    return None


EACH_GROUP = Property(T("each group is normalised by its own mean and std",
                        zh="每组用自己的均值和标准差归一化"), "numerics", _each_group_on_its_own)
FLAT_GROUP = Property(T("a group with all rewards equal gets advantages 0, no nan",
                        zh="奖励全都相同的组，优势为 0，没有 nan"), "numerics",
                      _flat_group_is_zero)


# --- cases ------------------------------------------------------------------------------------

def _inputs(lengths="random", scale=1.0, offset=-1.0, drift=0.2, ref_drift=0.3, rewards=None,
            on_policy=False, noncontiguous=False, **kwargs):
    """logp (N, T) of completions padded on the right, old_logp and ref_logp near it, rewards
    (N,) and the mask (N, T). lengths: "random" (1..T per row), "full", or a tuple per row.
    rewards: None (normal), or a function (r, B, G) -> (N,) in float64."""
    def build(r, d):
        N = d.B * d.G
        make = r.noncontiguous if noncontiguous else r.normal
        logp = -make(N, d.T).abs() * scale + offset  # (N, T) log-probs, below 0
        # on-policy (one update per batch, as TRL's default): old_logp holds logp's values
        old = logp.clone() if on_policy else logp + make(N, d.T, scale=drift)  # (N, T)
        ref = logp + make(N, d.T, scale=ref_drift)  # (N, T)
        if rewards is None:
            rew = r.normal(N)  # (N,)
        else:
            rew = rewards(r, d.B, d.G).to(logp.dtype)  # (N,)
        if lengths == "full":
            n = torch.full((N,), d.T)
        elif lengths == "random":
            n = torch.randint(1, d.T + 1, (N,), generator=r.gen)
            n[0] = d.T  # one full row, one of length 1
            n[-1] = 1
        else:
            n = torch.tensor(lengths)
        mask = torch.arange(d.T)[None, :] < n[:, None]  # (N, T) right padding
        return Call((logp, old, ref, rew, mask, d.G), kwargs)
    return build


def _leak(call, r, d):
    """New log-probs under every padded position: the loss must not move."""
    logp, old, ref, rew, mask, G = call.args
    pad = ~mask
    noisy = [torch.where(pad, (t.double() + r.normal(*t.shape, scale=3.0).double()).to(t.dtype),
                         t) for t in (logp, old, ref)]  # 3 x (N, T)
    return Call((*noisy, rew, mask, G), call.kwargs)


def _scales(r, B, G):
    """Group g's rewards on a scale of its own: 0.01, 1, 100, ... (a reward model's raw
    scores next to a 0/1 checker)."""
    return torch.cat([torch.randn(G, generator=r.gen, dtype=torch.float64) * 10.0 ** (2 * g - 2)
                      + 10.0 ** (2 * g - 1) for g in range(B)])


def _binary(r, B, G):
    """0/1 rewards (a rule-based checker): group 1 all right, group 2 all wrong."""
    rew = (torch.rand(B * G, generator=r.gen) < 0.5).double()
    rew[:G] = torch.tensor([1.0, 0.0] + [1.0] * (G - 2))
    rew[G:2 * G] = 1.0
    rew[2 * G:3 * G] = 0.0
    return rew


def _offset(r, B, G):
    return 1000.0 + torch.randn(B * G, generator=r.gen, dtype=torch.float64)


CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape",
         dict(B=3, G=4, T=7), _inputs()),
    Case(T("one prompt (B=1)", zh="只有一个 prompt（B=1）"), "shape",
         dict(B=1, G=5, T=6), _inputs()),
    Case(T("two completions per prompt (G=2)", zh="每个 prompt 两个回答（G=2）"), "shape",
         dict(B=5, G=2, T=4), _inputs()),
    Case(T("non-contiguous log-probs", zh="非连续（non-contiguous）的 log-prob"), "shape",
         dict(B=2, G=3, T=8), _inputs(noncontiguous=True)),
    Case(T("random inputs, gradient", zh="随机输入，梯度"), "numerics",
         dict(B=3, G=4, T=6), _inputs(), grad=True),
    Case(T("groups on very different reward scales", zh="各组奖励的量级相差很大"), "numerics",
         dict(B=3, G=5, T=4), _inputs(rewards=_scales), grad=True, properties=(EACH_GROUP,)),
    Case(T("0/1 rewards: groups all right or all wrong (std 0)",
           zh="0/1 奖励：有的组全对或全错（标准差为 0）"), "numerics",
         dict(B=4, G=3, T=5), _inputs(rewards=_binary), grad=True,
         properties=(FLAT_GROUP, EACH_GROUP)),
    Case(T("clipping on both sides: clip_eps=0.1", zh="两侧都触发裁剪：clip_eps=0.1"),
         "numerics", dict(B=3, G=4, T=9), _inputs(drift=0.5, clip_eps=0.1)),
    Case(T("a strong KL penalty: beta=0.5, ref_logp far from logp",
           zh="很强的 KL 惩罚：beta=0.5，ref_logp 离 logp 很远"), "numerics",
         dict(B=2, G=4, T=6), _inputs(ref_drift=1.0, beta=0.5), grad=True),
    Case(T("beta=0: no KL term, eps=0.1", zh="beta=0：没有 KL 项，eps=0.1"), "numerics",
         dict(B=3, G=3, T=5), _inputs(beta=0.0, eps=0.1)),
    Case(T("on-policy: old_logp equals logp (ratio 1)",
           zh="on-policy：old_logp 等于 logp（ratio 为 1）"), "numerics",
         dict(B=2, G=5, T=4), _inputs(on_policy=True), grad=True),
    Case(T("float64", zh="float64"), "numerics", dict(B=3, G=4, T=5), _inputs(),
         dtype=torch.float64),
    Case(T("padding doesn't count: lengths 1 to T", zh="padding 不参与计算：长度从 1 到 T"),
         "masking", dict(B=2, G=4, T=9), _inputs(lengths=(9, 1, 4, 2, 7, 3, 9, 5)),
         leak=_leak),
    # Full rows in half precision: at its tolerance, one scalar loss is too easily matched by
    # some other wrong formula for the mask's mistakes to be told apart there.
    Case(T("float16", zh="float16"), "stability", dict(B=3, G=4, T=6), _inputs(lengths="full"),
         dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=3, G=4, T=6),
         _inputs(lengths="full"), dtype=torch.bfloat16),
    Case(T("log-probs around -150 (rare tokens)", zh="log-prob 在 -150 附近（罕见 token）"),
         "stability", dict(B=2, G=3, T=5), _inputs(offset=-150.0), magnitude=150.0),
    Case(T("rewards around 1000, spread 1", zh="奖励在 1000 附近，离散程度为 1"), "stability",
         dict(B=3, G=4, T=5), _inputs(rewards=_offset), magnitude=1000.0),
)


# --- known mistakes ---------------------------------------------------------------------------
# Each is the reference with one classic bug. The helpers below are the parts a mistake gets
# right (they are pasted into its attempt file with it, see grader/selftest.py).

def _surrogate(logp, old_logp, A, clip_eps):
    """min(r A, clip(r) A) per token, r = exp(logp - old_logp)."""
    ratio, a = torch.exp(logp.float() - old_logp.float()), A.float()[:, None]
    return torch.minimum(ratio * a, ratio.clamp(1 - clip_eps, 1 + clip_eps) * a)


def _k3(log_ratio):
    return torch.exp(log_ratio) - log_ratio - 1


def _sequence_mean(per_token, mask):
    m = mask.float()
    return ((per_token * m).sum(1) / m.sum(1)).mean()


def _loss(A, logp, old_logp, ref_logp, mask, clip_eps, beta):
    """The reference's objective, given the advantages (right or wrong)."""
    kl = _k3(ref_logp.float() - logp.float())
    per_token = -(_surrogate(logp, old_logp, A, clip_eps) - beta * kl)
    return _sequence_mean(per_token, mask).to(logp.dtype), A.to(logp.dtype)


def global_normalisation(logp, old_logp, ref_logp, rewards, mask, group_size,
                         clip_eps=0.2, beta=0.04, eps=1e-4):
    r = rewards.float()
    A = (r - r.mean()) / (r.std() + eps)  # the bug: one mean and std for the whole batch
    return _loss(A, logp, old_logp, ref_logp, mask, clip_eps, beta)


def std_without_eps(logp, old_logp, ref_logp, rewards, mask, group_size,
                    clip_eps=0.2, beta=0.04, eps=1e-4):
    r = rewards.float().view(-1, group_size)
    A = ((r - r.mean(1, keepdim=True)) / r.std(1, keepdim=True)).view(-1)  # the bug: 0 / 0
    return _loss(A, logp, old_logp, ref_logp, mask, clip_eps, beta)


def biased_std(logp, old_logp, ref_logp, rewards, mask, group_size,
               clip_eps=0.2, beta=0.04, eps=1e-4):
    r = rewards.float().view(-1, group_size)
    std = r.std(1, keepdim=True, unbiased=False)  # the bug: divides by G, not G - 1
    A = ((r - r.mean(1, keepdim=True)) / (std + eps)).view(-1)
    return _loss(A, logp, old_logp, ref_logp, mask, clip_eps, beta)


def strided_groups(logp, old_logp, ref_logp, rewards, mask, group_size,
                   clip_eps=0.2, beta=0.04, eps=1e-4):
    r = rewards.float().view(group_size, -1)  # the bug: group b is rows b, b + B, b + 2B, ...
    A = ((r - r.mean(0, keepdim=True)) / (r.std(0, keepdim=True) + eps)).reshape(-1)
    return _loss(A, logp, old_logp, ref_logp, mask, clip_eps, beta)


def kl_ratio_inverted(logp, old_logp, ref_logp, rewards, mask, group_size,
                      clip_eps=0.2, beta=0.04, eps=1e-4):
    _, A = reference(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps, beta, eps)
    kl = _k3(logp.float() - ref_logp.float())  # the bug: log(pi / pi_ref), the other way round
    per_token = -(_surrogate(logp, old_logp, A, clip_eps) - beta * kl)
    return _sequence_mean(per_token, mask).to(logp.dtype), A


def kl_penalty_rewarded(logp, old_logp, ref_logp, rewards, mask, group_size,
                        clip_eps=0.2, beta=0.04, eps=1e-4):
    _, A = reference(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps, beta, eps)
    kl = _k3(ref_logp.float() - logp.float())
    per_token = -(_surrogate(logp, old_logp, A, clip_eps) + beta * kl)  # the bug: + beta * kl
    return _sequence_mean(per_token, mask).to(logp.dtype), A


def mask_ignored(logp, old_logp, ref_logp, rewards, mask, group_size,
                 clip_eps=0.2, beta=0.04, eps=1e-4):
    _, A = reference(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps, beta, eps)
    kl = _k3(ref_logp.float() - logp.float())
    per_token = -(_surrogate(logp, old_logp, A, clip_eps) - beta * kl)
    return per_token.mean(dim=1).mean().to(logp.dtype), A  # the bug: padding counted


def token_level_mean(logp, old_logp, ref_logp, rewards, mask, group_size,
                     clip_eps=0.2, beta=0.04, eps=1e-4):
    _, A = reference(logp, old_logp, ref_logp, rewards, mask, group_size, clip_eps, beta, eps)
    kl = _k3(ref_logp.float() - logp.float())
    per_token = -(_surrogate(logp, old_logp, A, clip_eps) - beta * kl)
    m = mask.float()
    # the bug (for this contract): every token weighs the same, not every sequence
    return ((per_token * m).sum() / m.sum()).to(logp.dtype), A


DRILL = Drill(
    id="grpo",
    title=T("GRPO loss: group-relative advantages, clipped surrogate, k3 KL",
            zh="GRPO 损失：组内相对优势、裁剪的替代目标、k3 KL"),
    difficulty="hard",
    tags=("rl", "rlhf", "alignment", "llm"),
    minutes=25,
    entry="grpo_loss",
    reference=grpo_loss,
    cases=CASES,
    outputs=("loss", "advantages"),
    aliases=("grpo-loss", "grpo_loss"),
    leak_advice=T("average each row over its masked tokens only: sum(loss * mask) / mask.sum()",
                  zh="每一行只对掩码内的 token 求平均：sum(loss * mask) / mask.sum()"),
    hints=(
        T("Three steps: an advantage per completion from its group's rewards alone, a PPO-style "
          "clipped surrogate per token, a KL penalty to the reference model per token; then "
          "average each sequence over its own tokens, and the sequences together.",
          zh="分三步：每个回答的优势只由它所在组的奖励算出；每个 token 一个 PPO 式的裁剪替代"
             "目标；每个 token 一个到参考模型的 KL 惩罚。然后每条序列在自己的 token 上取平均，"
             "再对所有序列取平均。"),
        T("Groups are consecutive rows: r = rewards.view(-1, G); A = (r - r.mean(1, "
          "keepdim=True)) / (r.std(1, keepdim=True) + eps), unbiased std, then .view(-1). A "
          "group with equal rewards has std 0: eps makes its A 0, not nan.",
          zh="组是相邻的行：r = rewards.view(-1, G)；A = (r - r.mean(1, keepdim=True)) / "
             "(r.std(1, keepdim=True) + eps)，无偏标准差，再 .view(-1)。奖励全相同的组标准差"
             "为 0：有了 eps 它的 A 是 0，而不是 nan。"),
        T("ratio = exp(logp - old_logp) (never exp(logp) / exp(old_logp): it underflows); "
          "surrogate = min(ratio * A, ratio.clamp(1 - clip_eps, 1 + clip_eps) * A) with "
          "A[:, None]; kl = exp(ref_logp - logp) - (ref_logp - logp) - 1.",
          zh="ratio = exp(logp - old_logp)（不要写 exp(logp) / exp(old_logp)：会下溢）；"
             "surrogate = min(ratio * A, ratio.clamp(1 - clip_eps, 1 + clip_eps) * A)，"
             "其中 A 用 A[:, None]；kl = exp(ref_logp - logp) - (ref_logp - logp) - 1。"),
        T("loss_t = -(surrogate - beta * kl); m = mask.float(); loss = ((loss_t * m).sum(1) / "
          "m.sum(1)).mean(). Compute in float32 for float16/bfloat16 and return both in logp's "
          "dtype.",
          zh="loss_t = -(surrogate - beta * kl)；m = mask.float()；loss = ((loss_t * m).sum(1)"
             " / m.sum(1)).mean()。float16/bfloat16 时用 float32 计算，两个输出都转回 logp 的 "
             "dtype。"),
    ),
    mistakes=(
        Mistake("global-normalisation",
                T("advantages use one mean and std over the whole batch: normalise each group "
                  "of G consecutive rows by its own mean and std",
                  zh="优势用的是整个批次的均值和标准差：要用每组 G 个相邻行自己的均值和标准差"
                     "来归一化"), global_normalisation),
        Mistake("std-without-eps",
                T("divides by the std alone, so a group with equal rewards gives 0 / 0 = nan: "
                  "divide by (std + eps)",
                  zh="只除以了标准差，奖励全相同的组就成了 0 / 0 = nan：应除以 (std + eps)"),
                std_without_eps),
        Mistake("biased-std",
                T("the std divides by G (unbiased=False): the contract's is unbiased, "
                  "torch.std's default, dividing by G - 1",
                  zh="标准差除以的是 G（unbiased=False）：约定用无偏标准差，即 torch.std 的"
                     "默认值，除以 G - 1"), biased_std),
        Mistake("strided-groups",
                T("groups are taken strided (rows b, b + B, ...): a group is G consecutive "
                  "rows, rewards.view(-1, G)",
                  zh="分组取成了跨步的（第 b、b + B、... 行）：一组是 G 个相邻的行，"
                     "rewards.view(-1, G)"), strided_groups),
        Mistake("kl-ratio-inverted",
                T("k3 uses log(pi / pi_ref): the log-ratio is reference minus policy, "
                  "kl = exp(ref_logp - logp) - (ref_logp - logp) - 1",
                  zh="k3 用成了 log(pi / pi_ref)：对数比应是参考模型减去策略，"
                     "kl = exp(ref_logp - logp) - (ref_logp - logp) - 1"), kl_ratio_inverted),
        Mistake("kl-penalty-rewarded",
                T("the KL is added to the objective, which rewards drifting away from the "
                  "reference: loss_t = -(surrogate - beta * kl)",
                  zh="KL 被加进了目标里，等于奖励偏离参考模型：loss_t = -(surrogate - beta * kl)"),
                kl_penalty_rewarded),
        Mistake("mask-ignored",
                T("padding tokens are averaged in: weight them 0 with the mask and divide by "
                  "the number of completion tokens in the row",
                  zh="padding token 也参与了平均：用掩码把它们的权重置 0，并除以该行的"
                     "有效 token 数"), mask_ignored),
        Mistake("token-level-mean",
                T("one mean over every token of the batch (token-level): the contract is the "
                  "sequence-level mean, each row over its own tokens, then over the rows",
                  zh="对整个批次的所有 token 取了一个平均（token 级）：约定是序列级平均，"
                     "每行先在自己的 token 上平均，再对各行平均"), token_level_mean),
    ),
)
