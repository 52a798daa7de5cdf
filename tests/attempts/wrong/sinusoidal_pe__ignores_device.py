# expect: device
import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(T, dtype=work)[:, None]  # device= forgotten: always on the CPU
    angles = pos * 10000.0 ** (-torch.arange(0, d_model, 2, dtype=work) / d_model)
    pe = torch.zeros(T, d_model, dtype=work)
    pe[:, 0::2] = angles.sin()
    pe[:, 1::2] = angles[:, : d_model // 2].cos()
    return pe.to(dtype)
