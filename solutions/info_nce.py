"""Symmetric InfoNCE, the CLIP loss: the reference that `handwrite check info_nce` grades
against."""

import torch
import torch.nn.functional as F


def info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float = 0.07) -> torch.Tensor:
    """a (N, D), b (N, D): row i of a and row i of b are a positive pair, every other row of
    the batch a negative. Returns the scalar
    (CE(logits, arange(N)) + CE(logits.T, arange(N))) / 2, logits = a_n @ b_n.T / temperature,
    in a's dtype."""
    # float16/bfloat16 lose digits in the norms, the dot products and the logsumexp: do the
    # arithmetic in float32 at least, and round once at the end.
    ct = torch.promote_types(a.dtype, torch.float32)
    # Unit rows make a_n @ b_n.T cosine similarities in [-1, 1]: without it the loss can be
    # lowered by growing the embeddings instead of aligning them. eps=1e-12 as F.normalize:
    # x / max(||x||, eps), so an all-zero row stays all zeros instead of 0 / 0 = nan.
    a_n = F.normalize(a.to(ct), dim=-1, eps=1e-12)  # (N, D)
    b_n = F.normalize(b.to(ct), dim=-1, eps=1e-12)  # (N, D)
    # DIVIDE by the temperature: a small one (0.07) stretches [-1, 1] to about [-14, 14], a
    # sharp softmax; multiplying would squash every logit to ~0 and every softmax to uniform.
    logits = a_n @ b_n.T / temperature  # (N, N) logits[i, j] = sim(a_i, b_j) / t
    # The positive of a_i is b_i: the right "class" of row i is column i, the diagonal.
    labels = torch.arange(a.shape[0], device=a.device)  # (N,)
    # a -> b: each a_i picks its b among the N columns (softmax along each row).
    loss_a_to_b = F.cross_entropy(logits, labels)  # () mean over the N rows
    # b -> a: each b_j picks its a among the N rows: the same loss on the transpose.
    loss_b_to_a = F.cross_entropy(logits.T, labels)  # () mean over the N columns
    # F.cross_entropy is logsumexp(z) - z[label] with the row max taken out first, so logits
    # of +-100 (temperature 0.01) never reach exp() and overflow.
    loss = (loss_a_to_b + loss_b_to_a) / 2  # () symmetric: neither side is the anchor
    return loss.to(a.dtype)  # ()
