import math

import torch
import torch.nn as nn


class CachedSelfAttention(nn.Module):
    # Positions as ids: the mask compares key and query positions, and RoPE multiplies each
    # half-split pair (t[j], t[j + d/2]) as a complex number by e^(i * angle).
    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            setattr(self, name, nn.Linear(d_model, d_model, bias=False))

    def rope(self, t, pos):
        half = self.head_dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device,
                                                            dtype=torch.float64) * 2
                          / self.head_dim)
        rot = torch.polar(torch.ones(len(pos), half, dtype=torch.float64, device=t.device),
                          pos.double()[:, None] * freqs)  # (T, d/2) complex
        z = torch.complex(t[..., :half].double(), t[..., half:].double()) * rot
        return torch.cat([z.real, z.imag], dim=-1).to(t.dtype)

    def forward(self, x, cache=None):
        B, T, C = x.shape
        past = cache[0].shape[2] if cache is not None else 0
        q_pos = torch.arange(past, past + T, device=x.device)
        split = lambda t: t.unflatten(-1, (self.heads, self.head_dim)).transpose(1, 2)
        q = self.rope(split(self.q_proj(x)), q_pos)
        k = self.rope(split(self.k_proj(x)), q_pos)
        v = split(self.v_proj(x))
        if cache is not None:
            k = torch.cat((cache[0], k), dim=2)
            v = torch.cat((cache[1], v), dim=2)
        k_pos = torch.arange(k.shape[2], device=x.device)
        allowed = k_pos[None, :] <= q_pos[:, None]  # (T, P + T)
        s = (q.float() @ k.float().mT) * self.head_dim ** -0.5
        s = s.masked_fill(~allowed, -math.inf)
        s = s - s.amax(-1, keepdim=True)
        w = s.exp() / s.exp().sum(-1, keepdim=True)
        y = (w @ v.float()).to(x.dtype).transpose(1, 2).reshape(B, T, C)
        return self.o_proj(y), (k, v)
