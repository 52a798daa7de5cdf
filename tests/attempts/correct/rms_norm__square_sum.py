import torch


def rms_norm(x, weight, eps=1e-6):
    # The mean square as a sum of squares over D, via einsum; float64 stays float64.
    z = x.to(torch.promote_types(x.dtype, torch.float32))
    ms = torch.einsum("...d,...d->...", z, z)[..., None] / z.shape[-1]
    return (weight * (z / (ms + eps) ** 0.5)).to(x.dtype)
