import torch


def apply_rope(x, offset=0, base=10000.0):
    # Each half-split pair (x1, x2) as one complex number x1 + i x2: turning it by an angle
    # is multiplying by e^(i angle). complex32 barely exists, so work in complex64/128.
    B, H, T, d = x.shape
    h = d // 2
    real = torch.float64 if x.dtype == torch.float64 else torch.float32
    freqs = 1.0 / base ** (torch.arange(0, d, 2, device=x.device, dtype=real) / d)  # (h,)
    pos = torch.arange(offset, offset + T, device=x.device, dtype=real)  # (T,)
    turn = torch.polar(torch.ones(T, h, device=x.device, dtype=real),
                       torch.outer(pos, freqs))  # (T, h) complex
    z = torch.complex(x[..., :h].to(real), x[..., h:].to(real)) * turn  # (B, H, T, h)
    return torch.cat([z.real, z.imag], dim=-1).to(x.dtype)
