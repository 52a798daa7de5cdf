# expect: device
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
        Tk, hs = k.size(1), C // self.heads
        if mask is None:  # one code path: "no mask" is a mask that keeps every key...
            mask = torch.ones(Tq, Tk, dtype=torch.bool)  # ...made on the CPU, not on q's device
        q = self.q_proj(q).view(B, Tq, self.heads, hs).transpose(1, 2)
        k = self.k_proj(k).view(B, Tk, self.heads, hs).transpose(1, 2)
        v = self.v_proj(v).view(B, Tk, self.heads, hs).transpose(1, 2)
        scores = (q.float() @ k.float().transpose(-2, -1)) / math.sqrt(hs)
        scores = scores.masked_fill(~mask, float("-inf"))
        y = (scores.softmax(dim=-1) @ v.float()).to(q.dtype)
        return self.o_proj(y.transpose(1, 2).reshape(B, Tq, C))
