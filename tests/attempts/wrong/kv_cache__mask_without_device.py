# expect: device
import math

import torch
import torch.nn as nn


class CachedSelfAttention(nn.Module):
    # Everything right, but the causal mask is made on the CPU: on a GPU (or meta) input,
    # masked_fill gets a mask on another device.
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads, self.d_head = heads, d_model // heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def rope(self, t, start):
        half = self.d_head // 2
        pos = torch.arange(start, start + t.shape[2], device=t.device).float()
        freqs = 10000.0 ** (-torch.arange(half, device=t.device).float() * 2 / self.d_head)
        a = pos[:, None] * freqs
        t1, t2 = t.float().chunk(2, dim=-1)
        return torch.cat([t1 * a.cos() - t2 * a.sin(), t2 * a.cos() + t1 * a.sin()], -1).to(t.dtype)

    def forward(self, x, cache=None):
        B, T, C = x.shape
        P = 0 if cache is None else cache[0].shape[2]
        split = lambda t: t.view(B, T, self.heads, self.d_head).transpose(1, 2)
        q = self.rope(split(self.q_proj(x)), P)
        k = self.rope(split(self.k_proj(x)), P)
        v = split(self.v_proj(x))
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        s = q.float() @ k.float().transpose(-2, -1) / math.sqrt(self.d_head)
        visible = torch.ones(T, P + T, dtype=torch.bool).tril(diagonal=P)  # no device=
        w = s.masked_fill(~visible, float("-inf")).softmax(-1)
        y = (w @ v.float()).to(x.dtype)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, C)), (k, v)
