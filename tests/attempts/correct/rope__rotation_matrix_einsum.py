import torch


def apply_rope(x, offset=0, base=10000.0):
    # One 2x2 rotation matrix per (position, pair), applied with einsum.
    B, H, T, d = x.shape
    h = d // 2
    work = torch.promote_types(x.dtype, torch.float32)
    i = torch.arange(h, device=x.device, dtype=work)
    theta = torch.pow(torch.tensor(base, device=x.device, dtype=work), -2.0 * i / d)  # (h,)
    p = torch.arange(T, device=x.device, dtype=work) + offset
    a = p.unsqueeze(1) * theta  # (T, h)
    c, s = torch.cos(a), torch.sin(a)
    rot = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (T, h, 2, 2)
    pairs = torch.stack([x[..., :h], x[..., h:]], dim=-1).to(work)  # (B, H, T, h, 2)
    out = torch.einsum("tkij,bhtkj->bhtki", rot, pairs)  # (B, H, T, h, 2)
    return torch.cat([out[..., 0], out[..., 1]], dim=-1).to(x.dtype)
