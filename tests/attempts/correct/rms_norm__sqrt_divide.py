import torch


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    # Divide by the square root; square in float32 only when x is float16/bfloat16.
    z = x if x.dtype in (torch.float32, torch.float64) else x.to(torch.float32)
    rms = torch.sqrt(torch.mean(z * z, dim=-1, keepdim=True) + eps)
    return (z / rms * weight).to(x.dtype)
