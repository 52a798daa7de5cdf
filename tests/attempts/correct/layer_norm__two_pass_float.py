import torch


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
               eps: float = 1e-5) -> torch.Tensor:
    # Upcast with .float() (float64 comes down to float32: judged at float32 tolerance anyway).
    z = x.float()
    d = z.shape[-1]
    mean = z.sum(dim=-1, keepdim=True) / d
    diff = z - mean
    var = (diff * diff).sum(dim=-1, keepdim=True) / d
    out = diff * torch.rsqrt(var + eps) * weight.float() + bias.float()
    return out.to(x.dtype)
