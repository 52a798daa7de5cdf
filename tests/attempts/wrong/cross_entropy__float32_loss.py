# expect: shape
import torch


def cross_entropy(logits, target):
    z = logits.float()  # float32 arithmetic is right, but the loss must come back in logits.dtype
    lse = torch.logsumexp(z, dim=-1)
    return (lse - z.gather(-1, target[:, None]).squeeze(-1)).mean()
