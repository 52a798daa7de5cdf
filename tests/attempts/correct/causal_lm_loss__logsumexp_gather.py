import torch


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    # Shift, flatten with reshape (the logits may be non-contiguous), gather with a clamped index.
    V = logits.shape[-1]
    z = logits[:, :-1].reshape(-1, V)
    if z.dtype in (torch.float16, torch.bfloat16):
        z = z.float()
    y = labels[:, 1:].reshape(-1)
    keep = y != -100
    picked = z.gather(1, y.clamp(min=0)[:, None])[:, 0]
    losses = (torch.logsumexp(z, dim=1) - picked) * keep
    return (losses.sum() / keep.sum()).to(logits.dtype)
