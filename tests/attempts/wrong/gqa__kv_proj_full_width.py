# expect: load
import math

import torch
import torch.nn as nn


class GroupedQueryAttention(nn.Module):
    # k_proj and v_proj map to the full d_model, as in MHA, and only the first n_kv_heads
    # heads are used: the reference's (n_kv_heads * d_head, d_model) weights don't load.
    def __init__(self, d_model, n_heads, n_kv_heads):
        super().__init__()
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
        self.d_head = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        kv_width = self.n_kv_heads * self.d_head
        q = self.q_proj(x).view(B, T, self.n_heads, self.d_head).transpose(1, 2)
        k = self.k_proj(x)[..., :kv_width].view(B, T, self.n_kv_heads, self.d_head)
        v = self.v_proj(x)[..., :kv_width].view(B, T, self.n_kv_heads, self.d_head)
        g = self.n_heads // self.n_kv_heads
        k = k.transpose(1, 2).repeat_interleave(g, dim=1)
        v = v.transpose(1, 2).repeat_interleave(g, dim=1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1),
                                    float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.o_proj(y.transpose(1, 2).reshape(B, T, C))
