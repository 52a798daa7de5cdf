"""Layer normalisation, written by hand: the reference that `handwrite check layer_norm` grades
against."""

import torch


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
               eps: float = 1e-5) -> torch.Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias over the last dim, as
    ``F.layer_norm(x, x.shape[-1:], weight, bias, eps)``, in x's dtype."""
    # float16/bfloat16 lose digits at every add: do the arithmetic in float32 at least.
    z = x.to(torch.promote_types(x.dtype, torch.float32))  # (..., D)
    mean = z.mean(dim=-1, keepdim=True)  # (..., 1) keepdim: broadcasts back over D
    # Centre first, then average the squares (two passes). The one-pass E[x^2] - E[x]^2
    # subtracts two huge, nearly equal numbers when the mean is large: at x ~ 1e4 both are ~1e8,
    # float32 keeps ~7 digits of them, and the variance of ~1 is lost (it can even be < 0).
    centred = z - mean  # (..., D)
    var = centred.pow(2).mean(dim=-1, keepdim=True)  # (..., 1) biased: divide by D, not D - 1
    # eps inside the sqrt, as torch does: it matters when a row's variance is near eps.
    y = centred * torch.rsqrt(var + eps)  # (..., D) each row: mean 0, variance ~1
    return (y * weight + bias).to(x.dtype)  # (..., D) weight, bias: (D,), one per feature
