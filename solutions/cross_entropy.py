"""Cross-entropy, written by hand: the reference that `handwrite check cross_entropy` grades
against."""

import torch


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of -log softmax(logits)[target], as ``F.cross_entropy(logits, target)``,
    in the logits' dtype."""
    # float16/bfloat16 lose digits at every exp and add: do the arithmetic in float32 at least.
    z = logits.to(torch.promote_types(logits.dtype, torch.float32))  # (N, C)
    # -log softmax(z)[t] = logsumexp(z) - z[t]. Never form the probability and take its log:
    # for a confident wrong guess it underflows to 0, and log(0) = -inf.
    # logsumexp(z) = m + log(sum(exp(z - m))) for any m: with m = the row max every exponent is
    # <= 0, so exp never overflows, and the sum is >= 1, so its log is finite.
    m = z.amax(dim=-1, keepdim=True)  # (N, 1)
    lse = m.squeeze(-1) + (z - m).exp().sum(dim=-1).log()  # (N,)
    picked = z.gather(-1, target.unsqueeze(-1)).squeeze(-1)  # (N,) each row's target logit
    return (lse - picked).mean().to(logits.dtype)  # () the mean over the batch
