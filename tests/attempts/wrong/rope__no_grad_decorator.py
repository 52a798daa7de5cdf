# expect: gradients
import torch


@torch.no_grad()  # copied from a RotaryEmbedding.forward that only builds cos/sin
def apply_rope(x, offset=0, base=10000.0):
    T, d = x.shape[-2:]
    h = d // 2
    work = torch.promote_types(x.dtype, torch.float32)
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=work) / d)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=work)
    angles = torch.outer(pos, inv_freq)
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., :h].to(work), x[..., h:].to(work)
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1).to(x.dtype)
