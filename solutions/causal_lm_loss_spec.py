"""The causal LM loss drill: cases, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T
from handwrite.grader.spec import Call, Case, Drill, Mistake
from handwrite.solutions.causal_lm_loss import causal_lm_loss

reference = causal_lm_loss  # the name a mistake uses to call the reference (see grader/selftest.py)

IGNORE = -100


def _random(scale: float = 3.0, noncontiguous: bool = False, prompts: tuple[int, ...] = (),
            dead_rows: tuple[int, ...] = (), scatter: float = 0.0):
    """Random logits and labels. Row b's first prompts[b] labels are -100 (a masked prompt),
    each row in dead_rows is -100 throughout, and with scatter > 0 that share of the other
    labels is -100 too. labels[:, 1] and labels[:, -1] of a live row stay targets, so every
    row that is not dead keeps one."""
    def build(r, d):
        make = r.noncontiguous if noncontiguous else r.normal
        logits = make(d.B, d.T, d.V, scale=scale)  # (B, T, V)
        labels = r.integers(d.V, d.B, d.T)  # (B, T)
        if scatter:
            drop = torch.rand(d.B, d.T, generator=r.gen) < scatter  # (B, T)
            drop[:, 1] = False
            labels[drop] = IGNORE
        for b, k in enumerate(prompts):
            labels[b, :k] = IGNORE
        for b in dead_rows:
            labels[b] = IGNORE
        return Call((logits, labels))
    return build


def _leak(call, r, d):
    """New logits wherever no kept target reads them: the last position, and each position
    whose next label is -100. The loss must not move."""
    logits, labels = call.args
    unread = torch.ones(d.B, d.T, dtype=torch.bool)  # (B, T)
    unread[:, :-1] = labels[:, 1:] == IGNORE
    noise = r.normal(d.B, d.T, d.V, scale=5.0)  # (B, T, V)
    return Call((torch.where(unread[..., None], noise, logits), labels))


CASES = (
    Case(T("every dim a distinct size", zh="每个维度大小都不同"), "shape", dict(B=3, T=5, V=7), _random()),
    Case(T("batch of 1", zh="批大小为 1"), "shape", dict(B=1, T=6, V=9), _random()),
    Case(T("two positions (T=2): one target per row", zh="只有两个位置（T=2）：每行一个目标"), "shape", dict(B=4, T=2, V=6), _random()),
    Case(T("non-contiguous logits", zh="非连续（non-contiguous）的 logits"), "shape", dict(B=2, T=5, V=8), _random(noncontiguous=True)),
    Case(T("float64", zh="float64"), "shape", dict(B=3, T=6, V=8), _random(), dtype=torch.float64),
    Case(T("random logits, no label ignored", zh="随机 logits，没有被忽略的 label"), "numerics", dict(B=4, T=7, V=10), _random(),
         grad=True),
    Case(T("prompts masked: the first k labels -100, k differs per row", zh="prompt 被掩码：前 k 个 label 为 -100，每行的 k 不同"), "numerics",
         dict(B=4, T=9, V=11), _random(prompts=(2, 5, 0, 7)), grad=True),
    Case(T("a row entirely ignored", zh="有一整行都被忽略"), "numerics", dict(B=3, T=6, V=8),
         _random(prompts=(3, 0, 0), dead_rows=(1,)), grad=True),
    Case(T("ignored labels scattered", zh="被忽略的 label 零散分布"), "numerics", dict(B=5, T=8, V=9),
         _random(scatter=0.4)),
    Case(T("logits at ignored positions don't matter", zh="被忽略位置上的 logits 不影响结果"), "masking", dict(B=3, T=7, V=8),
         _random(prompts=(4, 1, 2), scatter=0.3), leak=_leak),
    Case(T("logits of magnitude 1e4", zh="量级为 1e4 的 logits"), "stability", dict(B=3, T=5, V=7),
         _random(scale=1e4, prompts=(2, 0, 1)), magnitude=1e4),
    Case(T("float16", zh="float16"), "stability", dict(B=4, T=6, V=10), _random(scale=4.0, prompts=(1, 3)),
         dtype=torch.float16),
    Case(T("bfloat16", zh="bfloat16"), "stability", dict(B=4, T=6, V=10), _random(scale=4.0, prompts=(2, 0, 3)),
         dtype=torch.bfloat16),
)


def no_shift(logits, labels):
    z = logits.to(torch.promote_types(logits.dtype, torch.float32))  # position t vs label t
    keep = labels != -100
    picked = z.gather(-1, labels.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    losses = torch.where(keep, torch.logsumexp(z, dim=-1) - picked, 0.0)
    return (losses.sum() / keep.sum()).to(logits.dtype)


def mean_over_ignored(logits, labels):
    z = logits[:, :-1].to(torch.promote_types(logits.dtype, torch.float32))
    target = labels[:, 1:]
    keep = target != -100
    picked = z.gather(-1, target.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    losses = torch.where(keep, torch.logsumexp(z, dim=-1) - picked, 0.0)
    return (losses.sum() / target.numel()).to(logits.dtype)  # counts the ignored positions


def shift_on_wrong_side(logits, labels):
    z = logits[:, 1:].to(torch.promote_types(logits.dtype, torch.float32))
    target = labels[:, :-1]  # position t + 1 "predicts" label t
    keep = target != -100
    picked = z.gather(-1, target.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    losses = torch.where(keep, torch.logsumexp(z, dim=-1) - picked, 0.0)
    return (losses.sum() / keep.sum()).to(logits.dtype)


DRILL = Drill(
    id="causal_lm_loss",
    title=T("Causal LM loss (shifted, -100 ignored)", zh="因果语言模型损失（错位对齐，忽略 -100）"),
    difficulty="medium",
    tags=("llm", "losses"),
    minutes=10,
    entry="causal_lm_loss",
    reference=causal_lm_loss,
    cases=CASES,
    forbidden=("cross_entropy", "nll_loss", "log_softmax", "softmax"),
    leak_advice=T("positions labelled -100 must add nothing to the sum nor to the count",
                  zh="标签为 -100 的位置既不计入求和，也不计入个数"),
    hints=(
        T("Which token does the model at position t try to predict? It has already seen token t. "
          "Line the logits up with their targets before computing any loss.",
          zh="位置 t 上的模型要预测的是哪个 token？token t 它已经看到了。"
             "算损失之前，先把 logits 和各自的目标对齐。"),
        T("Shift: logits[:, :-1] against labels[:, 1:]. Then it is a cross-entropy per position: "
          "-log softmax(z)[y] = logsumexp(z) - z[y], computed in float32 at least.",
          zh="错开一位：logits[:, :-1] 对 labels[:, 1:]。之后就是逐位置的交叉熵："
             "-log softmax(z)[y] = logsumexp(z) - z[y]，至少用 float32 计算。"),
        T("-100 is not a valid index: gather with labels.masked_fill(labels == -100, 0), then "
          "zero those positions with torch.where(keep, loss, 0.0).",
          zh="-100 不是合法的下标：先用 labels.masked_fill(labels == -100, 0) 做 gather，"
             "再用 torch.where(keep, loss, 0.0) 把这些位置清零。"),
        T("Average over the targets that count: losses.sum() / keep.sum(), not .mean() over all "
          "B * (T - 1) positions; return .to(logits.dtype).",
          zh="只对有效的目标求平均：losses.sum() / keep.sum()，而不是对全部 B * (T - 1) "
             "个位置 .mean()；返回前 .to(logits.dtype)。"),
    ),
    mistakes=(
        Mistake("no-shift",
                T("scores position t's logits against label t, the token it has already seen: "
                  "shift, logits[:, :-1] against labels[:, 1:]",
                  zh="拿位置 t 的 logits 去对 label t，而这个 token 它已经看到了：要错开一位，"
                     "logits[:, :-1] 对 labels[:, 1:]"), no_shift),
        Mistake("mean-over-ignored",
                T("divides by every position, ignored ones included, which shrinks the loss: "
                  "divide by the number of labels that are not -100",
                  zh="除以了所有位置的个数，连被忽略的也算在内，loss 因此偏小："
                     "应除以不为 -100 的 label 个数"), mean_over_ignored),
        Mistake("shift-on-wrong-side",
                T("shifts the wrong way, logits[:, 1:] against labels[:, :-1], so each position "
                  "predicts the token before it: use logits[:, :-1] against labels[:, 1:]",
                  zh="错位方向反了，logits[:, 1:] 对 labels[:, :-1]，变成每个位置预测它前面的"
                     " token：应该是 logits[:, :-1] 对 labels[:, 1:]"),
                shift_on_wrong_side),
    ),
)
