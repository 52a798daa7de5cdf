import torch


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x, offset=0, base=10000.0):
    # Hugging Face Llama's way: a cos/sin cache of shape (T, d), unsqueezed over the heads.
    dim = x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float().to(x.device) / dim))
    position_ids = torch.arange(offset, offset + x.shape[-2], device=x.device)[None, :]  # (1, T)
    freqs = (inv_freq[None, :, None] @ position_ids[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (1, T, d)
    cos = emb.cos().unsqueeze(1)  # (1, 1, T, d)
    sin = emb.sin().unsqueeze(1)
    xf = x.float() if x.dtype != torch.float64 else x
    if x.dtype == torch.float64:
        cos, sin = cos.double(), sin.double()
    return ((xf * cos) + (rotate_half(xf) * sin)).to(x.dtype)
