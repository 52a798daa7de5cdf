# expect: stability
import torch


def apply_rope(x, offset=0, base=10000.0):
    # Everything in x's dtype: fine in float32, but bfloat16 can't hold position 1001 and a
    # float16 angle of ~2000 is only good to within a radian.
    B, H, T, d = x.shape
    h = d // 2
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=x.dtype) / d)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=x.dtype)
    angles = torch.outer(pos, inv_freq)  # (T, h)
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
