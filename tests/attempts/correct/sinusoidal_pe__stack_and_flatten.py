import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    # (sin, cos) side by side for every frequency, flattened so they interleave; an odd
    # d_model drops the last cos.
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, device=device, dtype=work)
    freqs = 1.0 / torch.pow(10000.0, torch.arange(0, d_model, 2, device=device, dtype=work) / d_model)
    a = torch.outer(pos, freqs)  # (T, ceil(d/2))
    return torch.stack([a.sin(), a.cos()], dim=-1).flatten(1)[:, :d_model].to(dtype)
