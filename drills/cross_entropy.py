"""Cross-entropy - write it by hand.

Contract
    cross_entropy(logits, target) returns what
    F.cross_entropy(logits, target) returns with its defaults: the mean
    over the batch of -log softmax(logits[n])[target[n]].

    logits  a floating tensor of shape (N, C):
            float16, bfloat16, float32 or float64
    target  an int64 tensor of shape (N,), each entry a class index in
            [0, C) (every target is valid: there is no ignore_index)

    Returns a scalar (shape ()) with the logits' dtype. The inputs must
    not be modified. It must stay finite and accurate for logits as
    large as 1e4, for confidently wrong rows (the target's logit far
    below another's, a loss of ~1000), and in float16.

Not allowed: cross_entropy, nll_loss, log_softmax and softmax in any
form (torch.*, F.*, Tensor methods, nn modules). torch.logsumexp is
allowed.

Grade it:  handwrite check cross_entropy
"""

import torch


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    raise NotImplementedError
