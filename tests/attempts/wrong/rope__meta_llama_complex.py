# expect: shape, numerics, stability, gradients
import torch


def apply_rope(x, offset=0, base=10000.0):
    # Meta's Llama: view_as_complex pairs features (2i, 2i + 1), not the contract's (i, i + d/2).
    T, d = x.shape[-2:]
    real = torch.float64 if x.dtype == torch.float64 else torch.float32
    freqs = 1.0 / (base ** (torch.arange(0, d, 2, device=x.device, dtype=real)[: d // 2] / d))
    t = torch.arange(offset, offset + T, device=x.device, dtype=real)
    freqs_cis = torch.polar(torch.ones(T, d // 2, device=x.device, dtype=real),
                            torch.outer(t, freqs))
    x_ = torch.view_as_complex(x.to(real).reshape(*x.shape[:-1], -1, 2))
    return torch.view_as_real(x_ * freqs_cis).flatten(3).to(x.dtype)
