# expect: device
import torch


def apply_rope(x, offset=0, base=10000.0):
    T, d = x.shape[-2:]
    inv_freq = 1.0 / base ** (torch.arange(0, d, 2).float() / d)  # on the CPU, always
    pos = torch.arange(offset, offset + T).float()
    angles = torch.outer(pos, inv_freq)
    cos = torch.cat([angles.cos(), angles.cos()], dim=-1)
    sin = torch.cat([angles.sin(), angles.sin()], dim=-1)
    xf = x.float() if x.dtype != torch.float64 else x
    x1, x2 = xf.chunk(2, dim=-1)
    return (xf * cos + torch.cat([-x2, x1], dim=-1) * sin).to(x.dtype)
