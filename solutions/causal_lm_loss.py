"""Causal language-model loss, written by hand: the reference that
`handwrite check causal_lm_loss` grades against."""

import torch

IGNORE_INDEX = -100  # the label Hugging Face uses for "no loss here": prompts, padding


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token loss over the targets that are not -100, as
    ``F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1),
    ignore_index=-100)``, in the logits' dtype."""
    # Position t has seen tokens 0..t, so its logits predict token t + 1: drop the last
    # position (nothing left to predict) and the first label (nothing predicts it).
    # float16/bfloat16 lose digits at every exp and add: do the arithmetic in float32 at least.
    z = logits[:, :-1].to(torch.promote_types(logits.dtype, torch.float32))  # (B, T-1, V)
    target = labels[:, 1:]  # (B, T-1)
    keep = target != IGNORE_INDEX  # (B, T-1) True where the position counts
    # -log softmax(z)[t] = logsumexp(z) - z[t]: never form the probability and take its log.
    lse = torch.logsumexp(z, dim=-1)  # (B, T-1)
    # -100 is not a valid index for gather: point ignored positions at class 0, then mask them.
    safe = target.masked_fill(~keep, 0)  # (B, T-1)
    picked = z.gather(-1, safe.unsqueeze(-1)).squeeze(-1)  # (B, T-1) each target's logit
    # where, not multiply: an ignored position must contribute exactly 0, whatever its logits.
    losses = torch.where(keep, lse - picked, 0.0)  # (B, T-1)
    # The mean is over the targets that count, not over all B * (T-1) positions.
    return (losses.sum() / keep.sum()).to(logits.dtype)  # ()
