# expect: device
import torch


def causal_lm_loss(logits, labels):
    z = logits[:, :-1].float()  # (B, T-1, V)
    target = labels[:, 1:]  # (B, T-1)
    keep = target != -100
    V = z.shape[-1]
    # the bug: the vocabulary index is made on the CPU, wherever the logits live
    one_hot = (target.clamp(min=0)[..., None] == torch.arange(V)).float()  # (B, T-1, V)
    losses = torch.logsumexp(z, -1) - (z * one_hot).sum(-1)
    return (torch.where(keep, losses, 0.0).sum() / keep.sum()).to(logits.dtype)
