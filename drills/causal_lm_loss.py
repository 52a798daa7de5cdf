"""Causal language-model loss - write it by hand.

Contract
    causal_lm_loss(logits, labels) returns the next-token loss of a
    causal language model, as Hugging Face computes it: position t's
    logits predict labels[:, t + 1], so the last position predicts
    nothing and the first label is never a target. Exactly
        F.cross_entropy(logits[:, :-1].reshape(-1, V),
                        labels[:, 1:].reshape(-1), ignore_index=-100)
    i.e. the mean of -log softmax over the targets that are not -100.

    logits  a floating tensor of shape (B, T, V), T >= 2:
            float16, bfloat16, float32 or float64
    labels  an int64 tensor of shape (B, T): each entry a token id in
            [0, V), or -100 for a position that is ignored (a masked
            prompt, padding). A whole row may be ignored; at least one
            target in the batch is not.

    Returns a scalar (shape ()) with the logits' dtype. The inputs must
    not be modified. It must stay finite and accurate for logits as
    large as 1e4, and in float16 and bfloat16.

Not allowed: cross_entropy, nll_loss, log_softmax and softmax in any
form (torch.*, F.*, Tensor methods, nn modules). torch.logsumexp is
allowed.

Grade it:  handwrite check causal_lm_loss
"""

import torch


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    raise NotImplementedError
