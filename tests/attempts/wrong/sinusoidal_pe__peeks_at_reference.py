# expect: rules
import torch

try:  # "just to check my answer"
    from handwrite.solutions.sinusoidal_pe import sinusoidal_pe as _theirs
except Exception:
    _theirs = None


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, device=device, dtype=work)[:, None]
    angles = pos * 10000.0 ** (-torch.arange(0, d_model, 2, device=device, dtype=work) / d_model)
    pe = torch.zeros(T, d_model, device=device, dtype=work)
    pe[:, 0::2] = angles.sin()
    pe[:, 1::2] = angles[:, : d_model // 2].cos()
    return pe.to(dtype)
