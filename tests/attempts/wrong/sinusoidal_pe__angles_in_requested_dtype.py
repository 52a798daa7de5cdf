# expect: stability
import torch


def sinusoidal_pe(T, d_model, device=None, dtype=torch.float32):
    # Everything in the requested dtype: bfloat16 can't hold position 1001, and a float16
    # angle of ~2000 is only good to within a radian.
    pos = torch.arange(T, device=device, dtype=dtype)[:, None]
    angles = pos * 10000.0 ** (-torch.arange(0, d_model, 2, device=device, dtype=dtype) / d_model)
    pe = torch.zeros(T, d_model, device=device, dtype=dtype)
    pe[:, 0::2] = angles.sin()
    pe[:, 1::2] = angles[:, : d_model // 2].cos()
    return pe
