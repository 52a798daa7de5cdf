# expect: shape
import torch


def apply_rope(x, offset=0, base=10000.0):
    B, H, T, d = x.shape
    h = d // 2
    work = torch.promote_types(x.dtype, torch.float32)
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=work) / d)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=work)
    angles = torch.outer(pos, inv_freq)  # (T, h)
    cos, sin = angles.cos(), angles.sin()
    flat = x.view(B * H, T, d).to(work)  # .view can't merge B and H of a transposed q
    x1, x2 = flat[..., :h], flat[..., h:]
    y = torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
    return y.view(B, H, T, d).to(x.dtype)
