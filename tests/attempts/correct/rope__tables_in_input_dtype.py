import math

import torch


def apply_rope(x, offset=0, base=10000.0):
    # Angles in float32 (positions need it), but the rotation itself in x's own dtype, as
    # fused kernels do: cos and sin are cast down once.
    T, d = x.shape[-2], x.shape[-1]
    h = d // 2
    idx = torch.arange(0, d, 2, device=x.device, dtype=torch.float32)
    inv_freq = torch.exp(idx * (-math.log(base) / d))  # (h,)
    t = torch.arange(T, device=x.device, dtype=torch.float32) + offset  # (T,)
    ang = t[:, None] * inv_freq  # (T, h)
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
