"""RMS normalisation, written by hand: the reference that `handwrite check rms_norm` grades
against."""

import torch


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """x / sqrt(mean(x ** 2) + eps) * weight over the last dim, as
    ``F.rms_norm(x, x.shape[-1:], weight, eps)``, in x's dtype."""
    # Square in float32 at least: float16 tops out at 65504, so any |x| > 256 squares to inf
    # (and the row would come out as all zeros); float32 also keeps more digits in the mean.
    z = x.to(torch.promote_types(x.dtype, torch.float32))  # (..., D)
    # No mean is subtracted, unlike layer norm: only the scale of each row is normalised.
    ms = z.pow(2).mean(dim=-1, keepdim=True)  # (..., 1) mean square; keepdim broadcasts over D
    # eps inside the sqrt: it matters when a row's mean square is near eps.
    return (z * torch.rsqrt(ms + eps) * weight).to(x.dtype)  # (..., D) weight (D,) per feature
