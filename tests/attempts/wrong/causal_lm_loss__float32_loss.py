# expect: shape
import torch


def causal_lm_loss(logits, labels):
    z = logits[:, :-1].float()  # float32 arithmetic is right, but return logits.dtype
    y = labels[:, 1:]
    keep = y != -100
    picked = z.gather(-1, y.clamp(min=0)[..., None])[..., 0]
    losses = torch.where(keep, torch.logsumexp(z, dim=-1) - picked, 0.0)
    return losses.sum() / keep.sum()
