import torch


def dropout(x: torch.Tensor, p: float = 0.5, training: bool = True,
            generator=None) -> torch.Tensor:
    if not training:
        return x.clone()
    u = torch.rand(x.shape, generator=generator, device=x.device)
    drop = u >= 1 - p  # another draw of the same law: drop the top p of [0, 1)
    return (x.float() / (1 - p)).masked_fill(drop, 0.0).to(x.dtype)
