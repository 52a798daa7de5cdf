import torch
import torch.nn.functional as F


def causal_lm_loss(logits, labels):
    # Log-probabilities by hand, a one-hot dot product; a zero one-hot row for a -100 label.
    z = logits.to(torch.promote_types(logits.dtype, torch.float32))[:, :-1]
    y = labels[:, 1:]
    keep = y != -100
    m = z.max(dim=-1, keepdim=True).values
    logp = z - m - (z - m).exp().sum(dim=-1, keepdim=True).log()
    one_hot = F.one_hot(y.where(keep, 0), num_classes=z.shape[-1]).to(z.dtype)
    one_hot = one_hot * keep[..., None].to(z.dtype)
    return (-(one_hot * logp).sum() / keep.sum()).to(logits.dtype)
