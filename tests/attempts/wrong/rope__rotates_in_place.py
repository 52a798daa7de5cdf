# expect: numerics, rules
import torch


def apply_rope(x, offset=0, base=10000.0):
    # Rotates q in place to save a copy: the caller's x is overwritten (and a leaf that
    # requires grad can't even be written to).
    T, d = x.shape[-2:]
    h = d // 2
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=torch.float32) / d)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=torch.float32)
    angles = torch.outer(pos, inv_freq)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., :h].clone(), x[..., h:].clone()
    x[..., :h] = x1 * cos - x2 * sin
    x[..., h:] = x2 * cos + x1 * sin
    return x
