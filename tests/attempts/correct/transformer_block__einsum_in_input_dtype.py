import math

import torch
import torch.nn as nn


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        # only the mean square in float32 (x ** 2 overflows float16); the rest in x's dtype
        ms = x.float().pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(ms + self.eps).to(x.dtype) * self.weight


class Attention(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        H, D = self.heads, C // self.heads
        q = self.q_proj(x).view(B, T, H, D)
        k = self.k_proj(x).view(B, T, H, D)
        v = self.v_proj(x).view(B, T, H, D)
        # RoPE in x's dtype, (B, T, H, D) layout: the angles broadcast over B and H
        inv_freq = 10000.0 ** (-torch.arange(0, D, 2, device=x.device).float() / D)
        angles = torch.arange(T, device=x.device).float()[:, None] * inv_freq
        emb = torch.cat([angles, angles], dim=-1)[:, None, :]  # (T, 1, D)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)

        def rotate(t):
            t1, t2 = t[..., : D // 2], t[..., D // 2:]
            return t * cos + torch.cat([-t2, t1], dim=-1) * sin

        q, k = rotate(q), rotate(k)
        scores = torch.einsum("bihd,bjhd->bhij", q, k) / math.sqrt(D)
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device))
        scores = scores.masked_fill(~causal, float("-inf"))
        y = torch.einsum("bhij,bjhd->bihd", torch.softmax(scores, dim=-1), v)
        return self.o_proj(y.reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, d_model, d_hidden):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_hidden, bias=False)
        self.w2 = nn.Linear(d_hidden, d_model, bias=False)
        self.w3 = nn.Linear(d_model, d_hidden, bias=False)

    def forward(self, x):
        return self.w2(nn.functional.silu(self.w1(x)) * self.w3(x))


class DecoderBlock(nn.Module):
    def __init__(self, d_model, heads, d_hidden):
        super().__init__()
        self.attn_norm = RMSNorm(d_model)
        self.attn = Attention(d_model, heads)
        self.mlp_norm = RMSNorm(d_model)
        self.mlp = MLP(d_model, d_hidden)

    def forward(self, x):
        x = x + self.attn(self.attn_norm(x))
        x = x + self.mlp(self.mlp_norm(x))
        return x
