# expect: load
import torch


def sinusoidal_pe(max_len, d_model, device=None, dtype=torch.float32):
    # T called max_len, as in many PositionalEncoding modules: the contract names it T.
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pos = torch.arange(max_len, device=device, dtype=work)[:, None]
    angles = pos * 10000.0 ** (-torch.arange(0, d_model, 2, device=device, dtype=work) / d_model)
    pe = torch.zeros(max_len, d_model, device=device, dtype=work)
    pe[:, 0::2] = angles.sin()
    pe[:, 1::2] = angles[:, : d_model // 2].cos()
    return pe.to(dtype)
