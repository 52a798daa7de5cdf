# expect: stability
import math

import torch
import torch.nn as nn


class MultiheadAttention(nn.Module):
    def __init__(self, d_model, heads=8):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B, Tq, C = q.shape
        hs = C // self.heads
        split = lambda x: x.view(B, -1, self.heads, hs).transpose(1, 2)
        q, k, v = split(self.q_proj(q)), split(self.k_proj(k)), split(self.v_proj(v))
        scores = (q.float() @ k.float().transpose(-2, -1)) / math.sqrt(hs)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        e = scores.exp()  # no max subtracted: exp(100) is inf in float32, and inf/inf = nan
        y = (e / e.sum(dim=-1, keepdim=True)).to(v.dtype) @ v
        return self.o_proj(y.transpose(1, 2).reshape(B, Tq, C))
