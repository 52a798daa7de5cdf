# expect: load, shape, numerics, stability
import torch


def apply_rope(x, start_pos=0, theta=10000.0):
    # Meta Llama's names for offset and base: the contract's keywords don't reach it.
    T, d = x.shape[-2:]
    h = d // 2
    work = torch.promote_types(x.dtype, torch.float32)
    inv_freq = theta ** (-torch.arange(0, d, 2, device=x.device, dtype=work) / d)
    pos = torch.arange(start_pos, start_pos + T, device=x.device, dtype=work)
    angles = torch.outer(pos, inv_freq)
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., :h].to(work), x[..., h:].to(work)
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1).to(x.dtype)
