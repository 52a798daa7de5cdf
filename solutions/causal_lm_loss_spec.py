"""The causal LM loss drill: cases, hints and known mistakes."""

import torch

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
    Case("every dim a distinct size", "shape", dict(B=3, T=5, V=7), _random()),
    Case("batch of 1", "shape", dict(B=1, T=6, V=9), _random()),
    Case("two positions (T=2): one target per row", "shape", dict(B=4, T=2, V=6), _random()),
    Case("non-contiguous logits", "shape", dict(B=2, T=5, V=8), _random(noncontiguous=True)),
    Case("float64", "shape", dict(B=3, T=6, V=8), _random(), dtype=torch.float64),
    Case("random logits, no label ignored", "numerics", dict(B=4, T=7, V=10), _random(),
         grad=True),
    Case("prompts masked: the first k labels -100, k differs per row", "numerics",
         dict(B=4, T=9, V=11), _random(prompts=(2, 5, 0, 7)), grad=True),
    Case("a row entirely ignored", "numerics", dict(B=3, T=6, V=8),
         _random(prompts=(3, 0, 0), dead_rows=(1,)), grad=True),
    Case("ignored labels scattered", "numerics", dict(B=5, T=8, V=9),
         _random(scatter=0.4)),
    Case("logits at ignored positions don't matter", "masking", dict(B=3, T=7, V=8),
         _random(prompts=(4, 1, 2), scatter=0.3), leak=_leak),
    Case("logits of magnitude 1e4", "stability", dict(B=3, T=5, V=7),
         _random(scale=1e4, prompts=(2, 0, 1)), magnitude=1e4),
    Case("float16", "stability", dict(B=4, T=6, V=10), _random(scale=4.0, prompts=(1, 3)),
         dtype=torch.float16),
    Case("bfloat16", "stability", dict(B=4, T=6, V=10), _random(scale=4.0, prompts=(2, 0, 3)),
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
    title="Causal LM loss (shifted, -100 ignored)",
    difficulty="medium",
    tags=("llm", "losses"),
    minutes=10,
    entry="causal_lm_loss",
    reference=causal_lm_loss,
    cases=CASES,
    forbidden=("cross_entropy", "nll_loss", "log_softmax", "softmax"),
    hints=(
        "Which token does the model at position t try to predict? It has already seen token t. "
        "Line the logits up with their targets before computing any loss.",
        "Shift: logits[:, :-1] against labels[:, 1:]. Then it is a cross-entropy per position: "
        "-log softmax(z)[y] = logsumexp(z) - z[y], computed in float32 at least.",
        "-100 is not a valid index: gather with labels.masked_fill(labels == -100, 0), then "
        "zero those positions with torch.where(keep, loss, 0.0).",
        "Average over the targets that count: losses.sum() / keep.sum(), not .mean() over all "
        "B * (T - 1) positions; return .to(logits.dtype).",
    ),
    mistakes=(
        Mistake("no-shift",
                "scores position t's logits against label t, the token it has already seen: "
                "shift, logits[:, :-1] against labels[:, 1:]", no_shift),
        Mistake("mean-over-ignored",
                "divides by every position, ignored ones included, which shrinks the loss: "
                "divide by the number of labels that are not -100", mean_over_ignored),
        Mistake("shift-on-wrong-side",
                "shifts the wrong way, logits[:, 1:] against labels[:, :-1], so each position "
                "predicts the token before it: use logits[:, :-1] against labels[:, 1:]",
                shift_on_wrong_side),
    ),
)
