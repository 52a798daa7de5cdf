import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# RoPE with complex numbers: the half-split pair (x[i], x[i + D/2]) is the complex number
# x[i] + 1j * x[i + D/2], and turning it is a multiplication by e^(1j * angle). One head at a
# time, in float64 for float64 inputs and float32 otherwise.
def rope(x, work):
    T, D = x.shape[-2], x.shape[-1]
    half = D // 2
    real_dtype = torch.float64 if work == torch.float64 else torch.float32
    freqs = 1.0 / (10000.0 ** (torch.arange(half, device=x.device, dtype=real_dtype) * 2 / D))
    pos = torch.arange(T, device=x.device, dtype=real_dtype)
    turn = torch.polar(torch.ones(T, half, device=x.device, dtype=real_dtype),
                       pos[:, None] * freqs[None, :])
    z = torch.complex(x[..., :half], x[..., half:]) * turn
    return torch.cat([z.real, z.imag], dim=-1)


class Norm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        work = torch.float64 if x.dtype == torch.float64 else torch.float32
        z = x.to(work)
        rms = torch.sqrt((z * z).mean(dim=-1, keepdim=True) + 1e-6)
        return (z / rms * self.weight.to(work)).to(x.dtype)


class SelfAttention(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.h = heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        D = C // self.h
        work = torch.float64 if x.dtype == torch.float64 else torch.float32
        q, k, v = self.q_proj(x).to(work), self.k_proj(x).to(work), self.v_proj(x).to(work)
        pos = torch.arange(T, device=x.device)
        allowed = pos[:, None] >= pos[None, :]
        heads = []
        for h in range(self.h):
            cols = slice(h * D, (h + 1) * D)
            qh, kh = rope(q[..., cols], work), rope(k[..., cols], work)
            s = qh @ kh.transpose(1, 2) / math.sqrt(D)
            s = torch.where(allowed, s, torch.tensor(float("-inf"), device=x.device, dtype=work))
            heads.append(F.softmax(s, dim=-1) @ v[..., cols])
        return self.o_proj(torch.cat(heads, dim=-1).to(x.dtype))


class FeedForward(nn.Module):
    def __init__(self, d_model, d_hidden):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_hidden, bias=False)
        self.w3 = nn.Linear(d_model, d_hidden, bias=False)
        self.w2 = nn.Linear(d_hidden, d_model, bias=False)

    def forward(self, x):
        g = self.w1(x).float()
        return self.w2((g * torch.sigmoid(g) * self.w3(x).float()).to(x.dtype))


class DecoderBlock(nn.Module):
    def __init__(self, d_model, heads, d_hidden):
        super().__init__()
        self.attn_norm = Norm(d_model)
        self.attn = SelfAttention(d_model, heads)
        self.mlp_norm = Norm(d_model)
        self.mlp = FeedForward(d_model, d_hidden)

    def forward(self, x):
        h = x + self.attn(self.attn_norm(x))
        out = h + self.mlp(self.mlp_norm(h))
        return out
