# expect: shape, numerics, stability, gradients
import torch


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x, offset=0, base=10000.0):
    # Half-split rotate_half, but the cos/sin tables laid out for interleaved pairs
    # (repeat_interleave): the two features of a pair get different angles.
    T, d = x.shape[-2:]
    work = torch.promote_types(x.dtype, torch.float32)
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=work) / d)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=work)
    angles = torch.outer(pos, inv_freq).repeat_interleave(2, dim=-1)  # (T, d)
    xw = x.to(work)
    return (xw * angles.cos() + rotate_half(xw) * angles.sin()).to(x.dtype)
