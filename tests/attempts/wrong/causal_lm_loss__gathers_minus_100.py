# expect: numerics, masking, stability, gradients
import torch


def causal_lm_loss(logits, labels):
    z = logits[:, :-1].float()
    y = labels[:, 1:]
    keep = y != -100
    # -100 wraps around to a real class as a negative index: gather rejects it, but plain
    # indexing does not, and nothing masks those positions out afterwards
    rows = torch.arange(z.shape[0], device=z.device)[:, None]
    cols = torch.arange(z.shape[1], device=z.device)[None, :]
    picked = z[rows, cols, y % z.shape[-1]]
    losses = torch.logsumexp(z, dim=-1) - picked
    return (losses.sum() / keep.sum()).to(logits.dtype)
